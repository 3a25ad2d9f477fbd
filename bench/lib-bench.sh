# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154 # the caller's variables, and ones for it
# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the benchmarks that run inside the test VM
# (bench/failover.sh, bench/falsefail.sh, bench/takeover.sh, bench/packet.sh,
# bench/distributor.sh), sourced after
# selftests/lib.sh: output lines for bench/report.py, clocks, the VM's CPU
# load, one failover trial and the node events around it, and a keepalived
# (VRRPv3) pair, namespaces
# ka and kb, sharing one address.
#
# The caller sets tmp (a scratch directory), and before using the
# keepalived helpers VIP (the shared address), KA_PRIO (the priority of
# both) and KA_SETTLE (seconds: a little more than 5 adverts); KA_VMAC=1
# puts the address on a VRRP virtual MAC interface (use_vmac, named
# vrrp.51) instead of eth0.

# A descriptor nothing is ever written to, for pauses (read -t) that start
# no process. (poll_for, the benchmarks' wait, is in selftests/lib.sh.)
exec {POLL_FD}<> <(:)

info() { echo "BENCH-INFO $*"; }

# nodes_up NODE...: each of the N nodes (namespaces) sees nodes 1 to N up
# (lib.sh's all_up is about make_cluster's nodes, by number)
nodes_up() {
	local i want=
	for ((i = 1; i <= $#; i++)); do want+="${want:+,}$i=up"; done
	all_see "$*" "$want"
}
# owned_by ID PORT: node ID answers each of the flows FLOWS (source ports,
# of FLOW_RANGE) from CLIENT to SVC port PORT
owned_by() {
	ip netns exec "$CL" "$UDPPING" find "$SVC" "$2" --source "$CLIENT" \
		--sports "$FLOW_RANGE" --wait 1000 | awk -v want="$FLOWS" -v id="$1" '
		BEGIN { n = split(want, w, ","); for (i = 1; i <= n; i++) f[w[i]] = 1 }
		($1 in f) && $2 != id { bad = 1 }
		END { exit bad }'
}
# note TEXT...: each line of each argument as a "# " line
note() {
	local a l
	for a in "$@"; do
		while IFS= read -r l; do printf '# %s\n' "$l"; done <<<"$a"
	done
}
now_ms() { local t=${EPOCHREALTIME//[!0-9]/}; echo $((t / 1000)); }
T0=$(now_ms)
elapsed() { echo "$((($(now_ms) - T0) / 1000))s"; }

# CPU time of the VM while something ran: cpu_reset, then cpu_sample
# before and after each stretch, adding CPU_T and CPU_I's differences to
# CPU_ALL and CPU_BUSY; cpu_busy prints the share that was not idle.
cpu_reset() { CPU_BUSY=0; CPU_ALL=0; }
cpu_sample() {
	local a v
	read -r -a a </proc/stat
	CPU_T=0
	for v in "${a[@]:1}"; do CPU_T=$((CPU_T + v)); done
	CPU_I=$((a[4] + a[5]))
}
cpu_busy() { echo "$((CPU_ALL ? 100 * CPU_BUSY / CPU_ALL : 0))%"; }
cpu_reset

# trial_phase_us N: where in the interval (TRIAL_INTERVAL_US) trial N of
# TRIALS cuts, with TRIAL_AFTER: the middles of TRIALS equal parts, in
# turn, so that every system meets the same phases (the warm-up, N = 0,
# the middle)
trial_phase_us() {
	local n=$(($1 > 0 ? $1 : (TRIALS + 1) / 2))
	echo $(((2 * n - 1) * TRIAL_INTERVAL_US / (2 * TRIALS)))
}

# trial KIND SETTING N ADDR SPORTS CUT_NAMESPACE CUT_ID [ATTEMPT]: one
# measurement; prints the BENCH line. If the client is answered by another
# node than CUT_ID, returns 2 and prints no BENCH line unless ATTEMPT is
# the last (5): the caller tries again.
# No process is started from the client's start to its result (under
# emulation each one stalls the VM for tens of ms): the node goes by a
# process started before the client and told when through a pipe (a
# coprocess), and the client's output comes through a FIFO read with the
# read builtin. How the node goes is TRIAL_CUT: linkdown (the default:
# "udpping linkdown" sets its eth0 down; the caller sets it up again) or
# leave ("cluster leave" from a "shoal -b -" in its namespace; the caller
# brings it back). TRIAL_CUT_US is the time the cut was asked for
# (CLOCK_REALTIME, microseconds since the epoch), for TRIAL_EXTRA: a
# function given the client's result line, whose output ends the BENCH
# line; TRIAL_TAG replaces BENCH in it.
# TRIAL_AFTER=hb|vrrp: the cut falls at a set phase after the victim's next
# heartbeat or advert (trial_phase_us); its "phase_us" ends the result.
# TRIAL_SILENCE=MS: the client's --silence (the same node answering after
# MS ms of silence counts as the new one: CUT_ID is then the node that
# answers, not the one cut).
# The caller sets UDPPING, CL (the client's namespace), CLIENT (its
# address) and PORT.
trial() {
	local kind=$1 setting=$2 n=$3 addr=$4 sports=$5 victim=$6 victim_id=$7 attempt=${8:-5}
	local fifo=$tmp/fifo how=${TRIAL_CUT:-linkdown}
	local pid fd line='' res='' t0 i0 cut_pid cin cout tag=${TRIAL_TAG:-BENCH}
	# trial 0 warms up (code paths, caches, the emulator's translations)
	[ "$n" -gt 0 ] || tag=$tag-WARMUP
	if [ "$how" = leave ]; then
		# exec: the coprocess is shoal itself, reading its commands
		# line by line as they come; a first one shows it is there
		coproc CUT { exec shoal -n "$(ns "$victim")" -j -b - 2>&1; }
	else
		# shellcheck disable=SC2086 # TRIAL_AFTER: none, or two words
		coproc CUT { ip netns exec "$(ns "$victim")" "$UDPPING" linkdown eth0 \
			${TRIAL_AFTER:+--after $TRIAL_AFTER --phase-us $(trial_phase_us "$n")} 2>&1; }
	fi
	# bash forgets CUT once the coprocess has exited: copies
	# shellcheck disable=SC2153 # set by coproc
	cut_pid=$CUT_PID
	exec {cin}<&"${CUT[0]}" {cout}>&"${CUT[1]}"
	[ "$how" != leave ] || echo "cluster show" >&"$cout"
	IFS= read -r -t 15 -u "$cin" line
	if { [ "$how" = leave ] && [[ $line != "["* ]]; } ||
		{ [ "$how" != leave ] && [ "$line" != armed ]; }; then
		note "$kind $setting trial $n: the process that cuts failed: $line"
		echo "$tag $kind $setting $n result gap_us -1 error no-cut"
		kill "$cut_pid" 2>/dev/null
		wait "$cut_pid" 2>/dev/null
		exec {cin}<&- {cout}>&-
		return 1
	fi
	rm -f "$fifo"
	mkfifo "$fifo"
	ip netns exec "$CL" "$UDPPING" run "$addr" "$PORT" --source "$CLIENT" --sports "$sports" \
		--interval-us 1000 --ready 200 --timeout 30 --settle 300 \
		${TRIAL_SILENCE:+--silence "$TRIAL_SILENCE"} >"$fifo" 2>&1 &
	pid=$!
	exec {fd}<"$fifo"
	while IFS= read -r -t 15 -u "$fd" line && [ "${line% *}" != ready ]; do :; done
	if [ "$line" != "ready $victim_id" ]; then
		kill "$pid" "$cut_pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		wait "$cut_pid" 2>/dev/null
		exec {fd}<&- {cin}<&- {cout}>&-
		if [ "${line% *}" = ready ]; then
			note "$kind $setting trial $n: answered by ${line#ready }, not by $victim_id"
			[ "$attempt" -ge 5 ] || return 2
			echo "$tag $kind $setting $n result gap_us -1 error wrong-node"
			return 1
		else
			note "$kind $setting trial $n: the client was not answered steadily: $line"
		fi
		echo "$tag $kind $setting $n result gap_us -1 error no-answers"
		return 1
	fi
	cpu_sample
	t0=$CPU_T i0=$CPU_I
	kill -USR1 "$pid"
	TRIAL_CUT_US=${EPOCHREALTIME//[!0-9]/}
	if [ "$how" = leave ]; then echo "cluster leave" >&"$cout"; else echo cut >&"$cout"; fi
	while IFS= read -r -u "$fd" line; do
		case $line in result\ *) res=$line ;; *) note "client: $line" ;; esac
	done
	wait "$pid"
	exec {fd}<&-
	cpu_sample
	CPU_ALL=$((CPU_ALL + CPU_T - t0))
	CPU_BUSY=$((CPU_BUSY + CPU_T - t0 - (CPU_I - i0)))
	if [ "$how" = leave ]; then
		# (the caller brings it back: this process has done its part)
		kill "$cut_pid" 2>/dev/null
	else
		IFS= read -r -t 5 -u "$cin" line
		case $line in
		down) ;;
		down\ *) res+=" phase_us ${line#down }" ;;
		*) note "$kind $setting trial $n: the cut said: $line" ;;
		esac
	fi
	wait "$cut_pid"
	exec {cin}<&- {cout}>&-
	[ -n "$res" ] || res="result gap_us -1 error client-failed"
	echo "$tag $kind $setting $n $res${TRIAL_EXTRA:+ $($TRIAL_EXTRA "$res")}"
}

# Node events around a trial, for TRIAL_EXTRA=down_after: the caller runs
# "shoal monitor" on nodes 1 and 2 into $tmp/mon-1 and $tmp/mon-2 (pids in
# MON_PIDS, for mon_stop) and calls mon_mark before each trial.
MON_PIDS=()
MON_SEEN=()
mon_mark() {
	local i l
	for i in 1 2; do
		mapfile -t l <"$tmp/mon-$i"
		MON_SEEN[i]=${#l[@]}
	done
}
mon_stop() {
	local p
	# (one stopped by its caller must go on to see the signal)
	for p in "${MON_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		kill -CONT "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	MON_PIDS=()
}
# down_after RESULT: "down1_us D1 down2_us D2": when nodes 1 and 2
# reported node 3 down (whatever the reason), from the client's last
# answer from node 3, by their monitors' clocks (CLOCK_REALTIME when the
# event was read, as the client's); -1 if not seen. Events well before the
# last answer are false detections before the cut, skipped.
down_after() {
	local i l e t last out=
	last=$(awk '{ for (i = 1; i < NF; i++) if ($i == "last_old_rt_us") print $(i + 1) }' <<<"$1")
	[[ $last =~ ^[0-9]+$ ]] || { echo "down1_us -1 down2_us -1"; return; }
	for i in 1 2; do
		mapfile -t -s "${MON_SEEN[i]}" l <"$tmp/mon-$i"
		t=-1
		for e in "${l[@]}"; do
			if [[ $e == *"node 3 down ("* && $e =~ ^\[([^]]*)\] ]]; then
				t=$(($(date -d "${BASH_REMATCH[1]}" +%s%6N) - last))
				[ "$t" -lt -5000 ] || break
				t=-1
			fi
		done
		out+=" down${i}_us $t"
	done
	echo "${out# }"
}

# pktwin_measure COUNTER...: one window of bench/build/pktwin ($PKTWIN) in
# the namespace $PK, of $WINDOW guest ns after $SETTLE, retried (up to 3
# windows) while the CPU idled more than a fifth of it (the host fell
# behind feeding the NIC); WIN is pktwin's line of the busiest window,
# with "windows N". For the benchmarks that run under -icount.
pktwin_measure() {
	local n res best='' best_idle=-1 ns idle
	for n in 1 2 3; do
		res=$(ip netns exec "$PK" "$PKTWIN" window "$SETTLE" "$WINDOW" "$@" 2>&1) ||
			{ WIN="error ${res//$'\n'/ }"; return 1; }
		[[ $res =~ ^ns\ ([0-9]+)\ .*idle_ns\ ([0-9]+)$ ]] ||
			{ WIN="error ${res//$'\n'/ }"; return 1; }
		ns=${BASH_REMATCH[1]} idle=${BASH_REMATCH[2]}
		if [ "$best_idle" -lt 0 ] || [ "$idle" -lt "$best_idle" ]; then
			best=$res best_idle=$idle
		fi
		[ $((idle * 5)) -gt "$ns" ] || break
	done
	WIN="$best windows $n"
}

# --- keepalived ---------------------------------------------------------------

# ka_conf NAME ADVERT: keepalived's configuration for node NAME
ka_conf() {
	cat <<-EOF
	global_defs {
		router_id $1
		vrrp_version 3
		vrrp_garp_master_repeat 1
		vrrp_garp_lower_prio_repeat 1
		vrrp_higher_prio_send_advert true
	}
	vrrp_instance VI {
		state BACKUP
		interface eth0
		virtual_router_id 51
		priority $KA_PRIO
		nopreempt
		advert_int $2
	EOF
	if [ "${KA_VMAC:-0}" = 1 ]; then
		# the address goes on the virtual MAC interface
		printf '%s\n' "use_vmac $KA_VMAC_DEV" "virtual_ipaddress {" "$VIP/24" "}"
	else
		printf '%s\n' "virtual_ipaddress {" "$VIP/24 dev eth0" "}"
	fi
	echo "}"
}

KA_VMAC_DEV=vrrp.51
# ka_vip NAME: whether NAME holds the address
ka_vip() {
	local dev=eth0
	[ "${KA_VMAC:-0}" != 1 ] || dev=$KA_VMAC_DEV
	ip -n "$(ns "$1")" -br addr show dev "$dev" 2>/dev/null | grep -q " $VIP/"
}
# ka_master: the node that holds the address, if exactly one does
ka_master() {
	local on_a=0 on_b=0
	ka_vip ka && on_a=1
	ka_vip kb && on_b=1
	case $on_a$on_b in
	10) echo ka ;;
	01) echo kb ;;
	*) return 1 ;;
	esac
}
ka_one_master() { ka_master >/dev/null; }
# ka_steady: one master, the same after 5 adverts
ka_steady() {
	local i m
	for i in 1 2 3 4 5; do
		poll_for 30000 ka_one_master || return 1
		m=$(ka_master)
		sleep "$KA_SETTLE"
		[ "$(ka_master)" != "$m" ] || return 0
	done
	return 1
}
# ka_masters: how many times either node has become master so far
ka_masters() { cat "$tmp/ka-ka.log" "$tmp/ka-kb.log" | grep -c "Entering MASTER STATE"; }
ka_who() { echo "address on: $(ka_master || echo "none or both")"; }

# ka_stamp: copies its input, each line prefixed with the time it was read
# (microseconds since the epoch, CLOCK_REALTIME): keepalived's own console
# lines carry none finer than a second. No process is started per line.
ka_stamp() {
	local l
	while IFS= read -r l; do
		printf '%s %s\n' "${EPOCHREALTIME//[!0-9]/}" "$l"
	done
}

# ka_start ADVERT: keepalived on ka and kb, logging to $tmp/ka-NAME.log;
# with KA_STAMP=1 each line of the log starts with ka_stamp's time.
ka_start() {
	local n log cmd
	for n in ka kb; do
		mkdir -p "$tmp/ka-run-$n"
		ka_conf "$n" "$1" >"$tmp/ka-$n.conf"
		log=$tmp/ka-$n.log
		# -n: stays in the foreground (its VRRP child is stopped with it)
		cmd=(ip netns exec "$(ns "$n")" keepalived -n -P -G -l -D -f "$tmp/ka-$n.conf"
			-p "$tmp/ka-run-$n/keepalived.pid" -r "$tmp/ka-run-$n/vrrp.pid")
		if [ "${KA_STAMP:-0}" = 1 ]; then
			"${cmd[@]}" > >(ka_stamp >"$log") 2>&1 &
		else
			"${cmd[@]}" >"$log" 2>&1 &
		fi
		KA_PID[$n]=$!
	done
}

ka_stop() {
	local n
	for n in ka kb; do
		[ -n "${KA_PID[$n]:-}" ] || continue
		kill "${KA_PID[$n]}" 2>/dev/null
		wait "${KA_PID[$n]}" 2>/dev/null
		KA_PID[$n]=
	done
}

declare -A KA_PID

# --- a second NIC under -icount ---------------------------------------------

# For the benchmarks that count instructions per packet (bench/packet.sh,
# bench/distributor.sh): frames from bench/build/pktgen-dgram on the host
# arrive on a NIC with MAC $MAC, moved into a fresh namespace $PK per row.
# The caller sets MAC, PK (a namespace name), ADDR (the NIC's address and
# prefix), SVC and PORT (where the frames go), PKTWIN, WINDOW and SETTLE
# (for pktwin_measure), tmp; row needs DROPS_FN (see there). Rows print
# "$ROW_TAG ID status ..." (default BENCH-PACKET).

# the NIC with MAC: DEV
find_dev() {
	local f
	for f in /sys/class/net/*/address; do
		[ "$(cat "$f")" != "$MAC" ] || DEV=$(basename "$(dirname "$f")")
	done
	[ -n "$DEV" ]
}

pk() { ip netns exec "$PK" "$@"; }

# fresh_ns [SVC_ON_LO]: a new namespace $PK with the NIC in it, up, with
# ADDR; the service address on lo too unless SVC_ON_LO is 0 (shoal puts it
# there itself).
# shellcheck disable=SC2153 # ADDR: the caller's
fresh_ns() {
	ip netns add "$PK"
	ip link set "$DEV" netns "$PK"
	{
		echo "link set lo up"
		echo "link set $DEV up"
		echo "addr add $ADDR dev $DEV"
		[ "${1:-1}" = 0 ] || echo "addr add $SVC/32 dev lo"
	} | ip -n "$PK" -batch -
	# sources from 10/8 have no route back: no reverse-path filter
	pk sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		"net.ipv4.conf.$DEV.rp_filter=0"
}

# gone_ns: the NIC back in the initial namespace (down: the guest idles
# until the next row), $PK deleted
gone_ns() {
	ip -n "$PK" link set "$DEV" xdp off 2>/dev/null || true
	ip -n "$PK" link set "$DEV" netns 1 2>/dev/null || true
	ip netns del "$PK" 2>/dev/null || true
	wait_for 10000 test -e "/sys/class/net/$DEV" ||
		{ echo "${0##*/}: $DEV did not come back" >&2; exit 1; }
}

# udp_in: UDP datagrams the stack of $PK took in so far (delivered to a
# socket, to no socket, or in error)
udp_in() {
	pk cat /proc/net/snmp | awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ { print $2 + $3 + $4 }'
}
udp_rcvbuf_errors() {
	pk cat /proc/net/snmp | awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ { print $6 }'
}

# emit ID STATUS TEXT...: the row's line
emit() {
	local id=$1 status=$2
	shift 2
	echo "${ROW_TAG:-BENCH-PACKET} $id status $status $*"
}


# the bare XDP_DROP program ($XDP_OBJ) and its counter
setup_xdp() { ip -n "$PK" link set dev "$DEV" xdpdrv obj "$XDP_OBJ" sec xdp; }
drops_xdp() { pk ethtool -S "$DEV" | awk '/xdp_drops:/ { n += $2 } END { print n + 0 }'; }

# row ID KIND SETUP [ARGS...]: one measurement. KIND: drop (counter: the
# NIC's rx_packets; DROPS_FN must rise by as much, nothing may reach UDP)
# or fwd (counters: the NIC's rx_packets and tx_packets; every packet is
# passed on, out of the same NIC: DROPS_FN, the forwarder's own counter,
# must rise by as much, nothing may reach UDP) or owned (counter: the
# sink's datagrams; the NIC's rx_packets too). SETUP
# runs with ARGS after the namespace is made; ON_LO=0 leaves the service
# address off lo, SHOAL=1 turns shoal's XDP off before the NIC leaves;
# ROW_EXTRA names a function whose output ends a fwd row's line.
row() {
	local id=$1 kind=$2 setup=$3 rc=0 err sink='' d0 d1 u0 u1 e0 e1 count dn du extra=''
	local rx=/sys/class/net/$DEV/statistics/rx_packets
	local tx=/sys/class/net/$DEV/statistics/tx_packets
	shift 3
	fresh_ns "${ON_LO:-1}"
	err=$("$setup" "$@" 2>&1) || rc=$?
	if [ "$rc" != 0 ]; then
		[ -n "$err" ] || err="$setup failed (exit status $rc)"
		emit "$id" "$([ "$rc" = 3 ] && echo na || echo failed)" "reason ${err//$'\n'/ }"
		row_end
		return 0
	fi
	if [ "$kind" = owned ]; then
		pk "$PKTWIN" sink "$SVC" "$PORT" "$tmp/sink" >"$tmp/sink.out" 2>&1 &
		sink=$!
		if ! wait_for 10000 grep -q ready "$tmp/sink.out"; then
			emit "$id" failed "reason the sink did not start: $(cat "$tmp/sink.out")"
			row_end "$sink"
			return 0
		fi
	fi
	u0=$(udp_in)
	e0=$(udp_rcvbuf_errors)
	d0=$("$DROPS_FN")
	if [ "$kind" = owned ]; then
		pktwin_measure "sink:$tmp/sink" "$rx" || true
	elif [ "$kind" = fwd ]; then
		pktwin_measure "$rx" "$tx" || true
	else
		pktwin_measure "$rx" || true
	fi
	d1=$("$DROPS_FN")
	u1=$(udp_in)
	e1=$(udp_rcvbuf_errors)
	[ -z "${ROW_EXTRA:-}" ] || extra=" $("$ROW_EXTRA")"
	row_end "$sink"
	if [[ ! $WIN =~ ^ns\ [0-9]+\ count\ ([0-9]+) ]]; then
		emit "$id" failed "reason pktwin: $WIN"
		return 0
	fi
	count=${BASH_REMATCH[1]}
	dn=$((d1 - d0)) du=$((u1 - u0))
	if [ "$kind" = drop ] && { [ "$count" = 0 ] || [ "$dn" -lt "$count" ] || [ "$du" != 0 ]; }; then
		emit "$id" failed "reason not a drop: $count packets counted, the drop counter rose by" \
			"$dn, $du UDP datagrams reached the stack ($WIN)"
		return 0
	fi
	if [ "$kind" = fwd ] && { [ "$count" = 0 ] || [ "$dn" -lt "$count" ] || [ "$du" != 0 ]; }; then
		emit "$id" failed "reason not passed on: $count packets counted, the forwarding" \
			"counter rose by $dn, $du UDP datagrams reached the stack ($WIN)"
		return 0
	fi
	if [ "$kind" = owned ] && [ "$count" = 0 ]; then
		emit "$id" failed "reason the sink received nothing ($WIN)"
		return 0
	fi
	if [ "$kind" = fwd ]; then
		emit "$id" ok "$WIN forwarded $dn udp_in $du$extra"
	else
		emit "$id" ok "$WIN drops $dn udp_in $du rcvbuf_errors $((e1 - e0))"
	fi
}

# row_end [PID]: the sink stopped, shoal's XDP program off, the NIC out
row_end() {
	if [ -n "${1:-}" ]; then
		kill "$1" 2>/dev/null
		wait "$1" 2>/dev/null || true
	fi
	[ "${SHOAL:-0}" = 0 ] || shoal -n "$PK" service set "$SVC" xdp off >/dev/null 2>&1 || true
	gone_ns
}

# wait_flood: the NIC, up alone in a namespace, receiving (a note if not)
rx_packets() { pk cat "/sys/class/net/$DEV/statistics/rx_packets"; }
rx_above() { [ "$(rx_packets)" -gt "$1" ]; }
wait_flood() {
	fresh_ns 0
	wait_for 60000 rx_above "$(($(rx_packets) + 1000))" ||
		note "no packets arriving after 60 s: the rows will fail"
	gone_ns
}
