# shellcheck shell=bash
# Helpers for test scripts run inside the test VM (selftests/vm-run):
# KTAP output, a bridged cluster of network namespaces, polling.
#
#	. "$SHOAL_REPO/selftests/lib.sh"
#	ktap_plan 2
#	make_cluster 3
#	check "n1 reaches n2" in_ns 1 ping -c1 -W1 192.0.2.2
#	check_eq "answer" 42 "$(compute)"
#	ktap_finish
#
# Sourcing this installs an EXIT trap that deletes the namespaces; tests
# register their own clean-up with add_cleanup rather than with trap.
# The check functions always return 0 (safe under set -e); last_ok tells
# whether the latest result passed.

# --- KTAP

KTAP_PLANNED=
KTAP_HEADER=0
KTAP_COUNT=0
KTAP_PASS=0
KTAP_FAIL=0
KTAP_SKIP=0
KTAP_LAST=0

_ktap_header() {
	if [ "$KTAP_HEADER" = 0 ]; then
		echo "KTAP version 1"
		KTAP_HEADER=1
	fi
}

# diag TEXT...: each line of each argument as a "# " diagnostic line.
diag() {
	local a l
	for a in "$@"; do
		[ -n "$a" ] || continue
		while IFS= read -r l; do
			printf '# %s\n' "$l"
		done <<<"$a"
	done
}

ktap_plan() {
	KTAP_PLANNED=$1
	_ktap_header
	echo "1..$1"
}

ok() {
	_ktap_header
	KTAP_COUNT=$((KTAP_COUNT + 1))
	KTAP_PASS=$((KTAP_PASS + 1))
	KTAP_LAST=0
	echo "ok $KTAP_COUNT $1"
}

# fail DESC [DETAIL...]: the details become diagnostic lines.
fail() {
	_ktap_header
	KTAP_COUNT=$((KTAP_COUNT + 1))
	KTAP_FAIL=$((KTAP_FAIL + 1))
	KTAP_LAST=1
	echo "not ok $KTAP_COUNT $1"
	shift
	[ $# -eq 0 ] || diag "$@"
}

skip() {
	_ktap_header
	KTAP_COUNT=$((KTAP_COUNT + 1))
	KTAP_SKIP=$((KTAP_SKIP + 1))
	KTAP_LAST=0
	echo "ok $KTAP_COUNT $1 # SKIP ${2:-}"
}

# True when the latest ok/fail/skip/check was not a failure.
last_ok() {
	[ "$KTAP_LAST" = 0 ]
}

# check DESC CMD...: passes when CMD succeeds.
check() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" = 0 ]; then
		ok "$desc"
	else
		fail "$desc" "\$ $(printf '%q ' "$@")" "$out" "exit status $rc"
	fi
}

# check_fail DESC CMD...: passes when CMD fails.
check_fail() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" != 0 ]; then
		ok "$desc"
	else
		fail "$desc" "\$ $(printf '%q ' "$@")" "$out" "succeeded, expected a failure"
	fi
}

# check_msg DESC STATUS MESSAGE CMD...: passes when CMD exits with exactly
# STATUS and its standard error is exactly MESSAGE (all of its lines; the
# last newline aside).
check_msg() {
	local desc=$1 want_rc=$2 want=$3 err rc=0
	shift 3
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" = "$want_rc" ] && [ "$err" = "$want" ]; then
		ok "$desc"
	else
		fail "$desc" "\$ $(printf '%q ' "$@")" "stderr:   $err" \
			"expected: $want" "exit status $rc, expected $want_rc"
	fi
}

# check_eq DESC EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1" "expected: $2" "actual:   $3"
	fi
}

# Prints the totals; returns non-zero if anything failed or the number of
# results differs from the plan.
ktap_finish() {
	local rc=0 xdp
	_ktap_header
	if [ "$XDP_TEST" = 1 ]; then
		# the most services seen with XDP attached after an add
		xdp=$(sort -n /tmp/shoal-xdp-adds 2>/dev/null | tail -n 1)
		if [ "${xdp:-0}" = 0 ]; then
			fail "XDP was attached for the services this pass added" \
				"no service add left a program on its device: this pass tested nothing new"
		else
			diag "XDP: up to $xdp services at once had XDP attached"
		fi
	fi
	if [ -z "$KTAP_PLANNED" ]; then
		echo "1..$KTAP_COUNT"
	elif [ "$KTAP_PLANNED" != "$KTAP_COUNT" ]; then
		echo "# planned $KTAP_PLANNED tests, ran $KTAP_COUNT"
		rc=1
	fi
	[ "$KTAP_FAIL" = 0 ] || rc=1
	echo "# $KTAP_PASS passed, $KTAP_FAIL failed, $KTAP_SKIP skipped"
	echo "$KTAP_PASS passed, $KTAP_FAIL failed, $KTAP_SKIP skipped"
	return "$rc"
}

# --- heartbeats

# shellcheck source=selftests/heard.bash
source "$(dirname "${BASH_SOURCE[0]}")/heard.bash"

# --- polling

# A descriptor nothing is ever written to: read -t on it sleeps without
# starting a process.
_LIB_SLEEP_FD=
if [ -d /dev/fd ]; then
	exec {_LIB_SLEEP_FD}<> <(:)
fi

_lib_pause() {
	if [ -n "$_LIB_SLEEP_FD" ]; then
		read -r -t "$1" -u "$_LIB_SLEEP_FD" _ || true
	else
		sleep "$1"
	fi
}

# _lib_poll SECONDS TIMEOUT_MS CMD...: runs CMD (output discarded) every
# SECONDS until it succeeds; returns 1 if it has not within TIMEOUT_MS.
# (Its locals are prefixed: CMD sees the caller's variables.)
_lib_poll() {
	local _lib_every=$1 _lib_end=$((${EPOCHREALTIME//[!0-9]/} + $2 * 1000))
	shift 2
	until "$@" >/dev/null 2>&1; do
		[ "${EPOCHREALTIME//[!0-9]/}" -lt "$_lib_end" ] || return 1
		_lib_pause "$_lib_every"
	done
}

# wait_for TIMEOUT_MS CMD...: runs CMD (output discarded) about every 10 ms
# until it succeeds; returns 1 if it has not within TIMEOUT_MS.
wait_for() { _lib_poll 0.01 "$@"; }

# poll_for TIMEOUT_MS CMD...: wait_for, but every 200 ms: for waits whose
# commands start processes (each one stalls the emulated VM for a while:
# fewer, fewer false detections), as the benchmarks' are.
poll_for() { _lib_poll 0.2 "$@"; }

# --- network namespaces

# Unique per run, so leftovers never clash with a later run.
NS_PREFIX=shoal-$$-
_LIB_NS=()
_LIB_CLEANUP=()

# ns N|NAME: the namespace of node N (make_cluster) or of a client or
# the switch ("sw") by name.
ns() {
	case $1 in
	*[!0-9]*) echo "$NS_PREFIX$1" ;;
	*) echo "${NS_PREFIX}n$1" ;;
	esac
}

# in_ns N|NAME CMD...
in_ns() {
	local n
	n=$(ns "$1")
	shift
	ip netns exec "$n" "$@"
}

# _lib_add_ns NAME...: new namespaces with IPv6 duplicate address detection
# off, so addresses are usable at once. Commands go through
# "ip -batch": under emulation each process started costs tens of ms.
_lib_add_ns() {
	local inherit=/proc/sys/net/core/devconf_inherit_init_net conf=/proc/sys/net/ipv6/conf
	local old_inherit old_all old_dflt n
	if [ -w "$inherit" ]; then
		# New namespaces copy their settings from this one while the
		# inheritance switch is on; both are put back right after.
		read -r old_inherit <"$inherit"
		read -r old_all <"$conf/all/accept_dad"
		read -r old_dflt <"$conf/default/accept_dad"
		echo 1 >"$inherit"
		echo 0 >"$conf/all/accept_dad"
		echo 0 >"$conf/default/accept_dad"
	fi
	printf 'netns add %s\n' "$@" | ip -force -batch - || true
	if [ -w "$inherit" ]; then
		echo "$old_inherit" >"$inherit"
		echo "$old_all" >"$conf/all/accept_dad"
		echo "$old_dflt" >"$conf/default/accept_dad"
	fi
	for n in "$@"; do
		[ -e "/run/netns/$n" ] || { echo "lib.sh: could not create netns $n" >&2; return 1; }
		_LIB_NS+=("$n")
		if [ ! -w "$inherit" ]; then
			ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
		fi
	done
}

# _lib_switch: makes the switch namespace with its bridge, once.
_lib_switch() {
	local sw
	sw=$(ns sw)
	[ ! -e "/run/netns/$sw" ] || return 0
	_lib_add_ns "$sw"
	# No STP and no multicast snooping: ports forward as soon as they are up.
	printf '%s\n' "link set lo up" \
		"link add br0 type bridge stp_state 0 mcast_snooping 0" \
		"link set br0 up" | ip -n "$sw" -batch -
}

# _lib_attach NAMESPACE [MAC]: prints the switch's batch commands for a veth
# eth0 in NAMESPACE with its peer on br0, named after the namespace (n1, ...).
_lib_attach() {
	local port=${1#"$NS_PREFIX"}
	echo "link add $port type veth peer name eth0 netns $1${2:+ address $2}"
	echo "link set $port master br0 up"
}

# _lib_addr IPV4[/LEN] IPV6[/LEN]: prints a node's batch commands for eth0.
_lib_addr() {
	local a4=$1 a6=$2
	[[ $a4 == */* ]] || a4=$a4/24
	[[ $a6 == */* ]] || a6=$a6/64
	echo "link set lo up"
	echo "link set eth0 up"
	echo "addr add $a4 dev eth0"
	echo "addr add $a6 dev eth0 nodad"
}

# make_cluster N: nodes 1..N, node i with 192.0.2.i/24, 2001:db8::i/64 and
# MAC 02:00:00:00:00:i on eth0, all on one bridge; CLUSTER_NODES="1 ... N",
# ALL_UP what states prints when every node sees every node up.
make_cluster() {
	local i up='' names=()
	CLUSTER_NODES=
	for ((i = 1; i <= $1; i++)); do
		names+=("$(ns "$i")")
		CLUSTER_NODES+="${CLUSTER_NODES:+ }$i"
		up+="${up:+,}$i=up"
	done
	ALL_UP=
	for ((i = 1; i <= $1; i++)); do
		ALL_UP+="${ALL_UP:+ }$i:$up"
	done
	_lib_switch
	_lib_add_ns "${names[@]}"
	for ((i = 1; i <= $1; i++)); do
		_lib_attach "$(ns "$i")" "$(printf '02:00:00:00:00:%02x' "$i")"
	done | ip -n "$(ns sw)" -batch -
	for ((i = 1; i <= $1; i++)); do
		_lib_addr "192.0.2.$i" "2001:db8::$i" | ip -n "$(ns "$i")" -batch -
	done
}

# sn N ARGS...: shoal ARGS in node N's namespace
sn() { local n=$1; shift; shoal -n "$(ns "$n")" "$@"; }

# on_nodes "1 2 3" ARGS...: shoal ARGS on each node; stops at a failure.
on_nodes() {
	local i
	for i in $1; do
		shoal -n "$(ns "$i")" "${@:2}" || { echo "(on node $i)" >&2; return 1; }
	done
}

# node_states NODE...: "N:ID=STATE,... ..." for each NODE, every node's
# state as NODE sees it (bash reads the tool's plain output: under
# emulation jq costs a second)
node_states() {
	local i k w out=''
	for i in "$@"; do
		out+="$i:"
		while read -r -a w; do
			[ "${w[0]:-}" = node ] || continue
			for ((k = 2; k < ${#w[@]} - 1; k++)); do
				[ "${w[k]}" != state ] || { out+="${w[1]}=${w[k + 1]},"; break; }
			done
		done < <(sn "$i" node show)
		out="${out%,} "
	done
	echo "${out% }"
}

# states: node_states of every node of make_cluster
states() {
	# shellcheck disable=SC2086 # a list
	node_states $CLUSTER_NODES
}

# all_up: every node of make_cluster sees every one up
all_up() { [ "$(states)" = "$ALL_UP" ]; }

# all_see NODES STATES: each node of NODES sees STATES ("1=up,2=down,...")
all_see() {
	local i want=''
	for i in $1; do want+="$i:$2 "; done
	# shellcheck disable=SC2086 # NODES is a list
	[ "$(node_states $1)" = "${want% }" ]
}

# holds_nothing NODES: no node of NODES holds flows in a bucket that moved
# away from it, in any service
holds_nothing() {
	local i
	for i in $1; do
		sn "$i" -j service show | jq -e 'all(.[]; (.held_buckets | length) == 0)' >/dev/null ||
			return 1
	done
}

# bucket_table N: node N's view of the buckets of the service $S, one
# "bucket B owner O" line each, as "bucket show" prints them
bucket_table() { sn "$1" bucket show "$S"; }

# tables_are TABLE NODE...: the bucket_table of each NODE is TABLE
tables_are() {
	local i
	for i in "${@:2}"; do
		[ "$(bucket_table "$i")" = "$1" ] || return 1
	done
}

# owned_in TABLE ID: the buckets a bucket_table gives to node ID
owned_in() { awk -v n="$2" '$4 == n { print $2 }' <<<"$1"; }

# owner_changes OLD NEW: "B OLD-OWNER NEW-OWNER" for each bucket whose
# owner differs between two bucket_tables
owner_changes() {
	awk 'NR == FNR { o[$2] = $4; next } o[$2] != $4 { print $2, o[$2], $4 }' \
		<(echo "$1") <(echo "$2")
}

# has_line FILE PREFIX: a line of FILE starts with PREFIX (no process
# started: for polling loops; under emulation a process costs about 150 ms)
has_line() {
	local l
	while IFS= read -r l; do
		[[ $l != "$2"* ]] || return 0
	done <"$1"
	return 1
}

# make_scratch: tmp, a directory removed at the end, with a fresh cluster
# key in $tmp/key
make_scratch() {
	tmp=$(mktemp -d)
	add_cleanup "rm -rf $tmp"
	(umask 077 && shoal key generate >"$tmp/key")
}

# run_node NODE RESPONDER-ARGS...: in NODE's namespace, selftests/responder.py
# --id NODE RESPONDER-ARGS (its output in $tmp/resp.NODE) and "shoal -j
# monitor" (in $tmp/mon.NODE, time stamps in UTC), both stopped at the end
run_node() {
	local n=$1
	shift
	ip netns exec "$(ns "$n")" selftests/responder.py --id "$n" "$@" >"$tmp/resp.$n" 2>&1 &
	add_cleanup "kill $! 2>/dev/null"
	TZ=UTC0 ip netns exec "$(ns "$n")" shoal -j monitor >"$tmp/mon.$n" 2>&1 &
	add_cleanup "kill $! 2>/dev/null"
}

# members_with_responders RESPONDER-ARGS...: nodes 1 to 3 of make_cluster
# members of each other's cluster without heartbeats ("cluster set dev
# eth0 node N", nodes 1 to 3 added), each running selftests/responder.py
# --id N RESPONDER-ARGS (output in $tmp/resp.N, stopped at the end);
# returns once every responder is ready
members_with_responders() {
	local i
	for i in 1 2 3; do
		printf '%s\n' "cluster set dev eth0 node $i" "node add 1" "node add 2" \
			"node add 3" | sn "$i" -b -
		ip netns exec "$(ns "$i")" selftests/responder.py --id "$i" "$@" \
			>"$tmp/resp.$i" 2>&1 &
		add_cleanup "kill $! 2>/dev/null; wait $! 2>/dev/null"
	done
	wait_for 20000 responders_ready 1 2 3 || diag "responders:" "$(cat "$tmp"/resp.*)"
}
# responders_ready N...: the responders of nodes N... said they are ready
responders_ready() {
	local i
	for i in "$@"; do grep -qx ready "$tmp/resp.$i" || return 1; done
}

# Node N's monitor writes to ${MONF[N]} if the test sets it, else to
# $tmp/mon.N (run_node, mon_start).
# mon_start N [plain]: "shoal -j monitor" ("shoal monitor": plain, into
# $tmp/plain.N) in node N's namespace, its pid in MON[N], stopped at the
# end; returns once it has joined the events group: it shows the event of
# a "cluster set node N" made after it started (node N must be a member).
# TZ=UTC0: its times convert to epoch seconds.
mon_start() {
	local f=${MONF[$1]:-$tmp/mon.$1} j=-j
	[ "${2:-}" != plain ] || { f=$tmp/plain.$1; j=; }
	TZ=UTC0 ip netns exec "$(ns "$1")" shoal $j monitor >"$f" 2>"$f.err" &
	# shellcheck disable=SC2034 # for the test, to stop it early
	MON[$1]=$!
	add_cleanup "kill $! 2>/dev/null"
	# shellcheck disable=SC2016 # expanded by eval, each time
	wait_for 10000 eval 'sn '"$1"' cluster set node '"$1"' && grep -q cluster "'"$f"'"' ||
		diag "monitor on node $1 did not start: $(cat "$f.err")"
}
# mon_lines N: how many lines node N's monitor has written
mon_lines() { local l; mapfile -t l <"${MONF[$1]:-$tmp/mon.$1}"; echo "${#l[@]}"; }
# mon_has N FROM TEXT: a line of node N's monitor after line FROM contains
# TEXT (no process started: this runs in polling loops)
mon_has() {
	local l lines
	mapfile -t -s "$2" lines <"${MONF[$1]:-$tmp/mon.$1}"
	for l in "${lines[@]}"; do
		[[ $l != *"$3"* ]] || return 0
	done
	return 1
}

# mon_nodes N FROM: node up and down events of node N's "-j" monitor after
# line FROM, one "ID EVENT (REASON)" line each
mon_nodes() {
	tail -n +"$(($2 + 1))" "${MONF[$1]:-$tmp/mon.$1}" |
		jq -r 'select(.object == "node" and (.event == "up" or .event == "down")) |
			"\(.id) \(.event) (\(.reason))"'
}

# start_nodes NODES CLUSTER-SET-ARGS...: each node, once its responder
# (run_node) is ready, starts heartbeats: "cluster set dev eth0 node N key
# $tmp/key CLUSTER-SET-ARGS"
start_nodes() {
	local i nodes=$1
	shift
	for i in $nodes; do
		wait_for 30000 has_line "$tmp/resp.$i" ready || diag "responder $i: $(cat "$tmp/resp.$i")"
		sn "$i" cluster set dev eth0 node "$i" key "$tmp/key" "$@"
	done
}

# client_knows ADDR: the client's (namespace $CL) neighbour entry for the
# service ADDR, permanent, with the MAC node 1 gives it
client_knows() {
	ip -n "$CL" neigh replace "$1" dev eth0 nud permanent \
		lladdr "$(sn 1 -j service show "$1" | jq -r '.[0].mac')"
}

# make_client NAME IPV4[/LEN] IPV6[/LEN]: one more namespace on the bridge.
# NAME (at most 15 characters, not all digits) also names its switch port.
make_client() {
	local n
	n=$(ns "$1")
	_lib_switch
	_lib_add_ns "$n"
	_lib_attach "$n" | ip -n "$(ns sw)" -batch -
	_lib_addr "$2" "$3" | ip -n "$n" -batch -
}

# add_cleanup CMD...: run at exit, latest first, before the namespaces go.
# A single argument is shell code ("kill $pid"); several are one command.
add_cleanup() {
	if [ $# -eq 1 ]; then
		_LIB_CLEANUP+=("$1")
	else
		_LIB_CLEANUP+=("$(printf '%q ' "$@")")
	fi
}

# cleanup: runs the registered clean-ups and deletes the namespaces made so
# far (and kills what runs in them). Called at exit; tests may call it too.
cleanup() {
	local i pids
	for ((i = ${#_LIB_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${_LIB_CLEANUP[i]}" || true
	done
	_LIB_CLEANUP=()
	[ ${#_LIB_NS[@]} -gt 0 ] || return 0
	# Processes left in a namespace would keep it (and its devices) alive.
	pids=$(printf 'netns pids %s\n' "${_LIB_NS[@]}" | ip -batch - 2>/dev/null) || true
	# shellcheck disable=SC2086 # one pid per word
	[ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
	printf 'netns del %s\n' "${_LIB_NS[@]}" | ip -force -batch - 2>/dev/null || true
	_LIB_NS=()
}

# Keeps the script's exit status; INT/TERM go through EXIT too.
_lib_exit() {
	local rc=$?
	cleanup
	exit "$rc"
}
trap _lib_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- running again with XDP

# With SHOAL_TEST_XDP=1 (selftests/run's second pass of the shared-address
# and heartbeat tests) "shoal" is selftests/xdp/shoal: every service added
# has "xdp on". XDP_TEST says which pass this is.
XDP_TEST=${SHOAL_TEST_XDP:-0}
if [ "$XDP_TEST" = 1 ] && [ -n "${SHOAL_REPO:-}" ]; then
	PATH=$SHOAL_REPO/selftests/xdp:$PATH
fi

# require_xdp: unless the shoal XDP program attaches (a service with "xdp
# on", on a veth in a namespace of its own), fails, bails out and exits:
# the checks after it would each wait out the timeouts of traffic nobody
# answers, until the VM's own timeout, before saying anything. Run for
# every XDP pass; tests about XDP call it first.
require_xdp() {
	local n=${NS_PREFIX}xdp-check out rc=0
	_lib_add_ns "$n" || return 1
	out=$({
		printf '%s\n' "link set lo up" "link add eth0 type veth peer name eth1" \
			"link set eth0 up" "link set eth1 up" | ip -n "$n" -batch - &&
		printf '%s\n' "cluster set dev eth0 node 1" "node add 1" \
			"service add 198.51.100.254 dev eth0 xdp on" |
			"$SHOAL_REPO/tools/shoal" -n "$n" -b - &&
		{ "$SHOAL_REPO/tools/shoal" -n "$n" -j service show |
			jq -e '.[0].xdp_attached' >/dev/null ||
			{ echo "service show: the program is not attached"; false; }; }
	} 2>&1) || rc=$?
	"$SHOAL_REPO/tools/shoal" -n "$n" service del 198.51.100.254 >/dev/null 2>&1 || true
	ip netns del "$n" 2>/dev/null || true
	_LIB_NS=("${_LIB_NS[@]/"$n"}")
	read -r -a _LIB_NS <<<"${_LIB_NS[*]}"
	[ "$rc" != 0 ] || return 0
	fail "the XDP program attaches (a service with xdp on, on a veth)" "$out"
	echo "Bail out! XDP does not work here: nothing of this test can pass"
	echo "# $KTAP_PASS passed, $KTAP_FAIL failed, $KTAP_SKIP skipped"
	echo "$KTAP_PASS passed, $KTAP_FAIL failed, $KTAP_SKIP skipped"
	exit 1
}

# xdp_off_everywhere: "xdp off" for every service in every namespace, which
# takes the programs off the devices. Attached, they keep the module in
# use: it cannot be unloaded under them.
xdp_off_everywhere() {
	local n a
	for n in $(ip netns list | cut -d' ' -f1); do
		for a in $(shoal -n "$n" -j service show 2>/dev/null |
			jq -r '.[] | select(.xdp) | .address'); do
			shoal -n "$n" service set "$a" xdp off || return 1
		done
	done
}

# an XDP pass that cannot attach XDP fails at once, saying why
if [ "$XDP_TEST" = 1 ] && [ -n "${SHOAL_VM:-}" ]; then
	require_xdp
fi
