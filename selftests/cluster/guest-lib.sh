# shellcheck shell=bash
# Guest side of selftests/cluster-run, sourced by a TEST.guest script:
#
#	. "$SHOAL_REPO/selftests/cluster/guest-lib.sh"
#	... set up, using $NODE ...
#	serve		# until the host says "exit"
#
# NODE is this VM's number (kernel command line nodeid=N); the host's share
# for this VM is $SHOAL_OUT (/run/out). serve writes $SHOAL_OUT/ready, then
# runs each request the host writes as req.SEQ (shell code, in a subshell of
# the test script, so its functions are there), its output to rep.SEQ and
# its exit status to st.SEQ, in order, until a request is "exit".
# last_frame ID tells when this node last heard node ID, for tests that
# time how soon a silent node is declared down.

if [ -z "${SHOAL_OUT:-}" ] || [ ! -d "$SHOAL_OUT" ]; then
	echo "guest-lib.sh: no writable share; run this through selftests/cluster-run" >&2
	exit 2
fi
NODE=
for _w in $(</proc/cmdline); do
	case $_w in nodeid=*) NODE=${_w#nodeid=} ;; esac
done
if [ -z "$NODE" ]; then
	echo "guest-lib.sh: no nodeid= on the kernel command line" >&2
	exit 2
fi
echo "shoal-vm$NODE" >/proc/sys/kernel/hostname
# No udev in the VM: the drivers of the switch port and the shared disk
# are loaded by hand (probing is synchronous, so eth0 and vda are there
# when modprobe returns).
modprobe -a virtio_net virtio_blk

# A descriptor nothing is ever written to: read -t on it sleeps without
# starting a process (every exec costs tens of ms under emulation).
exec {_GL_SLEEP_FD}<> <(:)

# shellcheck source=selftests/heard.bash
. "$SHOAL_REPO/selftests/heard.bash"

serve() {
	local seq=1 code rc
	echo "$NODE" >"$SHOAL_OUT/ready"
	while :; do
		if [ ! -e "$SHOAL_OUT/req.$seq" ]; then
			read -r -t 0.01 -u "$_GL_SLEEP_FD" _ || true
			continue
		fi
		code=$(<"$SHOAL_OUT/req.$seq")
		[ "$code" != exit ] || return 0
		rc=0
		(eval "$code") >"$SHOAL_OUT/rep.$seq" 2>&1 </dev/null || rc=$?
		echo "$rc" >"$SHOAL_OUT/st.tmp"
		mv -f "$SHOAL_OUT/st.tmp" "$SHOAL_OUT/st.$seq"
		seq=$((seq + 1))
	done
}
