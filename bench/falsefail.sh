#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The false-failover benchmark, run inside the test VM by bench/run
# (through selftests/vm-run): how often a member that is alive is declared
# dead when every link drops and delays frames and every node is busy.
# shoal with 10 ms heartbeats first (one window per dead count), then
# keepalived (VRRPv3) with 0.01 s adverts, one after the other in one run.
#
#   n1, n2 (eth0, netem) --+                           shoal members (first)
#   ka, kb (eth0, netem) --+-- br0 (switch namespace)   keepalived (then)
#
# Like with like: both systems run on two nodes (a VRRP pair, and as many
# shoal members) with one hog each, so the vCPU is shared by as many busy
# loops and each node's protocol competes with the same load. What differs
# is who watches whom: each shoal member watches the other (two watched
# pairs), only keepalived's backup watches its master (one); the report
# compares them per watched pair and hour. A shoal member declared down by
# the other also hears itself left out of the other's digest (a down event
# about itself, reason "unseen"): counted apart, not as a false failover.
#
# Every node's eth0 gets "tc qdisc add dev eth0 root netem loss 1% delay 5ms
# 5ms", as in selftests/heartbeat-lossy.sh: 1% of the frames each node sends
# towards the switch are dropped, and each is delayed by 0 to 10 ms; a frame
# a node multicasts is lost for all its receivers alike. Every node runs a
# busy loop in its namespace ("while :; do :; done", normal priority), one
# per node: the VM has one vCPU, so the hogs, the members' processes and
# the kernel's timers all share it.
#
# A window: the members are steady (every shoal node sees every node up;
# one keepalived master, the same for 5 adverts), the counters are read,
# the hogs start, SETTLE seconds pass, then BENCH_FALSE_SECONDS are
# counted; the hogs stop, the counters are read again. Nothing fails on
# purpose, so every node-down event in the window is a false one:
# - shoal: "shoal -j monitor" on every node, node down events with reason
#   "timeout" (each observer counts its own: a burst of one sender's frames
#   lost is seen by every other member). The heartbeat counters (shoal -s
#   cluster show: tx, rx, lost, rejected) give the loss the members saw.
# - keepalived: its log ("Entering MASTER/BACKUP/FAULT STATE", each line
#   timed as it is read). A node entering MASTER is VRRP's node-down event
#   (that backup gave up on the master); every entry is a state change.
# The netem counters (tc -s qdisc) give what the nodes sent and what was
# dropped; the vCPU's busy share and the hogs' part of it come from /proc.
#
# Output, per window:
#   BENCH-FALSE shoal DEAD key value ...
#   BENCH-FALSE keepalived ADVERT_S key value ...
#   BENCH-FALSE-EVENT shoal DEAD PHASE OBSERVER TIME {down|up} REASON ID
#   BENCH-FALSE-EVENT keepalived ADVERT_S PHASE NODE TIME_US STATE
# PHASE is "pre" (the hogs' start and the settling), "in" (the window) or
# "post" (after it, until the monitors stop); TIME is the monitor's (UTC),
# TIME_US microseconds since the epoch. Also "BENCH-INFO key value..." lines
# and "# " notes; bench/run turns them into a table (bench/report.py).
#
# Heartbeats over two links: each shoal node also has eth1 on a second
# bridge, br1, with the same netem qdisc, so that every link drops and
# delays frames alike. A window with "links 2" runs with "cluster set dev
# eth0 dev eth1" (every frame on both links, a member down only when
# silent on both); one with "links 1", with eth0 alone.
#
# Environment: BENCH_FALSE_SECONDS (300, each window), BENCH_FALSE_INTERVAL
# (shoal's heartbeat interval, 10 ms), BENCH_FALSE_DEAD (shoal's dead counts,
# default "3"; empty skips shoal), BENCH_FALSE_LINKS (shoal's heartbeat
# links, "1 2": one window per dead count and link count), BENCH_FALSE_KEEPALIVED
# (advert intervals, one window each, default "0.01" s; empty skips
# keepalived), BENCH_KEEPALIVED_PRIORITY (254, both nodes),
# BENCH_FALSE_NETEM (default "loss 1% delay 5ms 5ms"). vm-run passes no
# environment into the VM, so they may be given as arguments:
#   selftests/vm-run bench/falsefail.sh BENCH_FALSE_SECONDS=20

for a in "$@"; do
	case $a in
	BENCH_FALSE_SECONDS=* | BENCH_FALSE_INTERVAL=* | BENCH_FALSE_DEAD=* | \
		BENCH_FALSE_LINKS=* | BENCH_FALSE_KEEPALIVED=* | BENCH_KEEPALIVED_PRIORITY=* | \
		BENCH_FALSE_NETEM=*)
		export "${a?}" ;;
	*) echo "falsefail.sh: unknown argument $a" >&2; exit 2 ;;
	esac
done

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/../selftests/lib.sh"
# shellcheck source=bench/lib-bench.sh
source "$(dirname "$0")/lib-bench.sh"

WINDOW=${BENCH_FALSE_SECONDS:-300}
INTERVAL=${BENCH_FALSE_INTERVAL:-10}
DEADS=${BENCH_FALSE_DEAD-3}
LINKS=${BENCH_FALSE_LINKS-1 2}
KA_ADVERTS=${BENCH_FALSE_KEEPALIVED-0.01}
KA_PRIO=${BENCH_KEEPALIVED_PRIORITY:-254}
NETEM=${BENCH_FALSE_NETEM:-loss 1% delay 5ms 5ms}
VIP=192.0.2.50
# Starting the hogs stalls the emulated VM (process starts); the window
# begins once that is over.
SETTLE=2
# the nodes of each system, one hog each
NODES=2
mapfile -t SHOAL_NODES < <(seq "$NODES")

for v in "$WINDOW" "$INTERVAL" $DEADS; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || { echo "falsefail.sh: not a whole number: $v" >&2; exit 2; }
done
for v in $LINKS; do
	[[ $v =~ ^[12]$ ]] || { echo "falsefail.sh: heartbeat links are 1 or 2, not $v" >&2; exit 2; }
done

tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"

info kernel "$(uname -r)"
info cpus "$(nproc)"
info false_seconds "$WINDOW"
info false_interval "$INTERVAL"
info false_netem "$NETEM"
info false_settle "$SETTLE"
info false_nodes "$NODES"
info false_links "$LINKS"
info false_hogs_per_node 1
info keepalived_priority "$KA_PRIO"

# impair DEV NODE...: the netem qdisc on each node's DEV, checked and shown
impair() {
	local dev=$1 n q w
	shift
	for n in "$@"; do
		# shellcheck disable=SC2086 # the parameters are words
		tc -n "$(ns "$n")" qdisc add dev "$dev" root netem $NETEM ||
			{ echo "falsefail.sh: netem on $n's $dev failed" >&2; exit 1; }
		q=$(tc -n "$(ns "$n")" qdisc show dev "$dev")
		for w in netem root $NETEM; do
			[[ $q == *"$w"* ]] ||
				{ echo "falsefail.sh: $n's $dev has not \"$NETEM\": $q" >&2; exit 1; }
		done
		[ "$dev" != eth0 ] || info false_qdisc "$n" "$q"
	done
}

# netem_sample NODE...: NETEM_SENT, NETEM_DROP: the packets the nodes' netem
# qdiscs (eth0's, and eth1's where there is one) have sent and dropped so far
netem_sample() {
	local n s dev
	NETEM_SENT=0 NETEM_DROP=0
	for n in "$@"; do
		for dev in eth0 eth1; do
			s=$(tc -n "$(ns "$n")" -s qdisc show dev "$dev" 2>/dev/null) || continue
			[[ $s =~ Sent\ [0-9]+\ bytes\ ([0-9]+)\ pkt\ \(dropped\ ([0-9]+) ]] || continue
			NETEM_SENT=$((NETEM_SENT + BASH_REMATCH[1]))
			NETEM_DROP=$((NETEM_DROP + BASH_REMATCH[2]))
		done
	done
}

# The hogs: one busy loop in each node's namespace ("ip netns exec" execs
# the shell, so $! is the loop itself).
HOG_PIDS=()
hog_start() {
	local n
	for n in "$@"; do
		ip netns exec "$(ns "$n")" sh -c 'while :; do :; done' &
		HOG_PIDS+=($!)
	done
}
hog_stop() {
	local p
	for p in "${HOG_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	HOG_PIDS=()
}
add_cleanup hog_stop
# hog_sample: HOG_T, the CPU time (clock ticks) the hogs have had so far
hog_sample() {
	local p a
	HOG_T=0
	for p in "${HOG_PIDS[@]}"; do
		read -r -a a <"/proc/$p/stat" || continue
		HOG_T=$((HOG_T + a[13] + a[14]))
	done
}

# A sleeping process that notes each wake-up over 50 ms late (when, in
# microseconds since the epoch, and how late, in ms): stalls of the VM
# itself (the emulator shares the host), and, with the hogs, the
# scheduler's delays.
STALL_PID=
stall_start() {
	python3 -c '
import time
last = time.monotonic()
while True:
    time.sleep(0.01)
    now = time.monotonic()
    if now - last > 0.06:
        print("%d %d" % (time.time() * 1e6, (now - last - 0.01) * 1000), flush=True)
    last = now
' >"$tmp/stalls" &
	STALL_PID=$!
}
stall_stop() {
	[ -n "$STALL_PID" ] || return 0
	kill "$STALL_PID" 2>/dev/null
	wait "$STALL_PID" 2>/dev/null
	STALL_PID=
}
add_cleanup stall_stop

# The window, around the caller's own samples and marks:
#   win_open NODE...    the stall watcher, the first netem sample
#   win_hogs NODE...    hogs on NODEs, SETTLE s
#   win_start           the first CPU samples, the clock
#   (pause "$WINDOW")
#   win_end             the last CPU samples, the clock
#   win_unhog           the hogs stopped
#   win_close NODE...   the last netem sample, the stall watcher stopped
#   win_fields          "key value" pairs for the BENCH-FALSE line
# The counters are read before the hogs start and after they stop
# (stats_ms: from the first read to the last): under the hogs, each
# process started to read them takes a second.
win_open() {
	stall_start
	W_STATS=$(now_ms)
	netem_sample "$@"
	W_SENT=$NETEM_SENT W_DROP=$NETEM_DROP
}
win_hogs() {
	hog_start "$@"
	pause "$SETTLE"
}
win_start() {
	hog_sample
	cpu_sample
	W_HOG=$HOG_T W_T=$CPU_T W_I=$CPU_I W_MS=$(now_ms) W_START=${EPOCHREALTIME//[!0-9]/}
}
win_end() {
	W_END=${EPOCHREALTIME//[!0-9]/}
	W_MS=$(($(now_ms) - W_MS))
	hog_sample
	cpu_sample
	W_HOG=$((HOG_T - W_HOG)) W_T=$((CPU_T - W_T)) W_I=$((CPU_I - W_I))
}
win_unhog() { hog_stop; }
win_close() {
	local t late
	netem_sample "$@"
	W_SENT=$((NETEM_SENT - W_SENT)) W_DROP=$((NETEM_DROP - W_DROP))
	W_STATS=$(($(now_ms) - W_STATS))
	stall_stop
	W_STALLS=()
	while read -r t late; do
		[ "$t" -lt "$W_START" ] || [ "$t" -gt "$W_END" ] || W_STALLS+=("$late")
	done <"$tmp/stalls"
}
win_fields() {
	local s max=0
	for s in "${W_STALLS[@]}"; do [ "$s" -le "$max" ] || max=$s; done
	echo "start_us $W_START window_ms $W_MS stats_ms $W_STATS netem_sent $W_SENT" \
		"netem_dropped $W_DROP busy_pct $((W_T ? 100 * (W_T - W_I) / W_T : 0))" \
		"hog_pct $((W_T ? 100 * W_HOG / W_T : 0))" \
		"stalls ${#W_STALLS[@]} stall_max_ms $max"
}

# pause SECONDS: sleep without starting a process (under the hogs, a
# process takes a second to start, and its start stalls the VM)
pause() { read -r -t "$1" -u "$POLL_FD" _ || true; }

# lines FILE: how many lines FILE has (no process started)
lines() { local l; mapfile -t l <"$1"; echo "${#l[@]}"; }

# --- shoal ---------------------------------------------------------------------

sn() { local n=$1; shift; shoal -n "$(ns "$n")" "$@"; }
nodes_state() {
	local i
	for i in "${SHOAL_NODES[@]}"; do echo "node $i's view:"; sn "$i" -s node show; done
}
# shoal_up: every member sees every member up
shoal_up() {
	local i want=
	for i in "${SHOAL_NODES[@]}"; do want+="${want:+,}$i=up"; done
	all_see "${SHOAL_NODES[*]}" "$want"
}
# hb_sample: HB[i]: node i's heartbeat counters so far (shoal -s cluster
# show: the sums of node show's rx_frames, lost_frames, rejected_frames),
# as "tx T rx R lost L rejected J replayed P"
HB=()
hb_sample() {
	local i
	for i in "${SHOAL_NODES[@]}"; do
		HB[i]=$(sn "$i" -s -j cluster show |
			jq -r '.[0].stats | "tx \(.tx) rx \(.rx) lost \(.lost) rejected \(.rejected) replayed \(.replayed)"')
	done
}
# hb_delta I BEFORE: node I's counters since BEFORE (an HB value), each key
# suffixed with _I
hb_delta() {
	local -a a b
	local k out=()
	read -r -a a <<<"$2"
	read -r -a b <<<"${HB[$1]}"
	for ((k = 0; k < ${#b[@]}; k += 2)); do
		out+=("${b[k]}_$1" $((b[k + 1] - a[k + 1])))
	done
	echo "${out[*]}"
}

MON_PIDS=()
mon_stop() {
	local p
	for p in "${MON_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	MON_PIDS=()
}
add_cleanup mon_stop

# shoal_window DEAD LINKS: one window, its BENCH-FALSE and BENCH-FALSE-EVENT
# lines, named DEAD with one heartbeat link and DEAD"x2" with two
shoal_window() {
	local dead=$1 links=$2 i m0=() m1=() m2=() hb0=() f=() more ev set devs="dev eth0"
	set=$dead
	[ "$links" = 1 ] || { set=${dead}x2; devs="dev eth0 dev eth1"; }
	note "shoal dead $dead, $links link(s): starting ($(elapsed))"
	for i in "${SHOAL_NODES[@]}"; do
		TZ=UTC0 ip netns exec "$(ns "$i")" shoal -j monitor >"$tmp/mon-$i" 2>"$tmp/mon-$i.err" &
		MON_PIDS+=($!)
	done
	# the new dead count, each node's once its monitor hears of it: then
	# the monitor is listening
	for i in "${SHOAL_NODES[@]}"; do
		# shellcheck disable=SC2016 # expanded by eval, each time
		wait_for 10000 eval 'sn '"$i"' cluster set '"$devs"' interval "$INTERVAL" dead '"$dead"' &&
			grep -q "\"object\":\"cluster\"" "$tmp/mon-'"$i"'"' ||
			{ echo "falsefail.sh: node $i: dead $dead not set, or its monitor is deaf" >&2; exit 1; }
	done
	poll_for 30000 shoal_up || note "shoal dead $dead: not every node is up:" "$(nodes_state)"

	win_open "${SHOAL_NODES[@]}"
	hb_sample
	for i in "${SHOAL_NODES[@]}"; do hb0[i]=${HB[i]}; done
	for i in "${SHOAL_NODES[@]}"; do m0[i]=$(lines "$tmp/mon-$i"); done
	win_hogs "${SHOAL_NODES[@]}"
	for i in "${SHOAL_NODES[@]}"; do m1[i]=$(lines "$tmp/mon-$i"); done
	win_start
	pause "$WINDOW"
	win_end
	for i in "${SHOAL_NODES[@]}"; do m2[i]=$(lines "$tmp/mon-$i"); done
	win_unhog
	hb_sample
	win_close "${SHOAL_NODES[@]}"
	poll_for 10000 shoal_up || note "shoal dead $dead: not every node is up after the window:" \
		"$(nodes_state)"
	sleep 0.2
	mon_stop

	# every node event after the first mark, with its phase
	ev=$tmp/events-$set
	for i in "${SHOAL_NODES[@]}"; do
		jq -r 'if .object == "node" and (.event == "down" or .event == "up")
			then "\(.time) \(.event) \(.reason // "-") \(.id)" else "-" end' "$tmp/mon-$i" |
			awk -v a="${m0[i]}" -v b="${m1[i]}" -v c="${m2[i]}" -v d="$set" -v o="$i" '
				NR > a && $0 != "-" {
					print "BENCH-FALSE-EVENT shoal", d, (NR <= b ? "pre" : NR <= c ? "in" : "post"), o, $0
				}'
	done >"$ev"
	cat "$ev"
	# counts in the window, per observer and per observer and node
	f+=(interval_ms "$INTERVAL" dead "$dead" links "$links")
	read -r -a more < <(awk -v nodes="${SHOAL_NODES[*]}" '$4 == "in" { n[$7]++; if ($7 == "down" && $8 == "timeout") { by[$5]++; p[$5 "_" $9]++ } }
		$4 != "in" { out[$4]++ }
		END {
			t = 0
			for (o in by)
				t += by[o]
			printf "downs %d ups %d downs_other %d pre %d post %d", t, n["up"], n["down"] - t,
				out["pre"], out["post"]
			k = split(nodes, node, " ")
			for (a = 1; a <= k; a++) {
				o = node[a]
				printf " by_%d %d", o, by[o]
				for (b = 1; b <= k; b++)
					if (node[b] != o)
						printf " pair_%d_%d %d", o, node[b], p[o "_" node[b]]
			}
			print ""
		}' "$ev")
	f+=("${more[@]}")
	for i in "${SHOAL_NODES[@]}"; do
		read -r -a more <<<"$(hb_delta "$i" "${hb0[i]}")"
		f+=("${more[@]}")
	done
	f+=(up_after "$(shoal_up && echo yes || echo no)")
	echo "BENCH-FALSE shoal $set ${f[*]} $(win_fields)"
	if [ -n "$(cat "$tmp"/mon-*.err)" ]; then
		note "shoal dead $dead: the monitors said:" "$(cat "$tmp"/mon-*.err)"
	fi
	note "shoal dead $dead: done ($(elapsed))"
}

if [ -n "$DEADS" ]; then
	make_cluster "$NODES"
	# the second network, for windows with two links
	{
		echo "link add br1 type bridge stp_state 0 mcast_snooping 0"
		echo "link set br1 up"
		for i in "${SHOAL_NODES[@]}"; do
			echo "link add l$i type veth peer name eth1 netns $(ns "$i")"
			echo "link set l$i master br1 up"
		done
	} | ip -n "$(ns sw)" -batch -
	for i in "${SHOAL_NODES[@]}"; do ip -n "$(ns "$i")" link set eth1 up; done
	(umask 077 && shoal key generate >"$tmp/key")
	for i in "${SHOAL_NODES[@]}"; do
		{
			echo "cluster set dev eth0 node $i key $tmp/key interval $INTERVAL dead ${DEADS%% *}"
			printf 'node add %s\n' "${SHOAL_NODES[@]}"
		} | sn "$i" -b - ||
			{ echo "falsefail.sh: shoal configuration failed on node $i" >&2; exit 1; }
	done
	wait_for 30000 shoal_up || note "shoal: the cluster did not form:" "$(nodes_state)"
	impair eth0 "${SHOAL_NODES[@]}"
	impair eth1 "${SHOAL_NODES[@]}"
	for dead in $DEADS; do
		for links in $LINKS; do shoal_window "$dead" "$links"; done
	done
	info shoal_nodes "$(for i in "${SHOAL_NODES[@]}"; do echo "node $i's view:"; sn "$i" -s node show; done |
		tr -s ' \n' ' ')"
	# Off the bridge: their heartbeats would reach the keepalived nodes.
	printf 'link del n%s\n' "${SHOAL_NODES[@]}" | ip -n "$(ns sw)" -batch -
fi

# --- keepalived ---------------------------------------------------------------

# ka_window ADVERT: one window, its BENCH-FALSE and BENCH-FALSE-EVENT lines
ka_window() {
	local adv=$1 n f=() more before after ev
	local -A m0 m1 m2
	note "keepalived advert_int $adv: starting ($(elapsed))"
	KA_SETTLE=$(awk -v a="$adv" 'BEGIN { printf "%.3f", 5 * a + 0.2 }')
	ka_start "$adv"
	if ! ka_steady; then
		note "keepalived advert_int $adv: did not settle: $(ka_who)" \
			"$(tail -n 20 "$tmp/ka-ka.log")" "$(tail -n 20 "$tmp/ka-kb.log")"
		ka_stop
		return
	fi
	# the VRRP processes' scheduling: keepalived may ask for real time
	for n in ka kb; do
		info keepalived_sched "$n" "$(chrt -p "$(cat "$tmp/ka-run-$n/vrrp.pid")" 2>&1 |
			tr -s '\n' ' ')"
	done
	before=$(ka_master || echo none)

	win_open ka kb
	for n in ka kb; do m0[$n]=$(lines "$tmp/ka-$n.log"); done
	win_hogs ka kb
	for n in ka kb; do m1[$n]=$(lines "$tmp/ka-$n.log"); done
	win_start
	pause "$WINDOW"
	win_end
	for n in ka kb; do m2[$n]=$(lines "$tmp/ka-$n.log"); done
	win_unhog
	win_close ka kb
	after=$(ka_master || echo none)
	ka_stop

	ev=$tmp/events-ka-$adv
	for n in ka kb; do
		awk -v a="${m0[$n]}" -v b="${m1[$n]}" -v c="${m2[$n]}" -v s="$adv" -v n="$n" '
			NR > a && match($0, /Entering (MASTER|BACKUP|FAULT) STATE/) {
				print "BENCH-FALSE-EVENT keepalived", s, (NR <= b ? "pre" : NR <= c ? "in" : "post"),
					n, $1, substr($0, RSTART + 9, RLENGTH - 15)
			}' "$tmp/ka-$n.log"
	done | sort -k6,6n >"$ev"
	cat "$ev"
	f+=(advert_s "$adv")
	read -r -a more < <(awk '$4 == "in" { n[$5 "_" $7]++; all++; if ($7 == "MASTER") m++ }
		$4 != "in" { out[$4]++ }
		END {
			printf "takeovers %d changes %d pre %d post %d", m, all, out["pre"], out["post"]
			split("ka kb", node, " ")
			split("MASTER BACKUP FAULT", st, " ")
			for (i = 1; i <= 2; i++)
				for (j = 1; j <= 3; j++)
					printf " %s_%s %d", tolower(st[j]), node[i], n[node[i] "_" st[j]]
			print ""
		}' "$ev")
	f+=("${more[@]}")
	f+=(master_before "$before" master_after "$after")
	echo "BENCH-FALSE keepalived $adv ${f[*]} $(win_fields)"
	note "keepalived advert_int $adv: done ($(elapsed))"
}

if [ -n "$KA_ADVERTS" ]; then
	if ! command -v keepalived >/dev/null; then
		note "keepalived is not installed: skipped (bench/run installs it)"
		KA_ADVERTS=
	else
		info keepalived "$(keepalived --version 2>&1 | head -n1)"
	fi
fi
if [ -n "$KA_ADVERTS" ]; then
	make_client ka 192.0.2.11 2001:db8::11
	make_client kb 192.0.2.12 2001:db8::12
	add_cleanup ka_stop
	impair eth0 ka kb
	# shellcheck disable=SC2034 # read by ka_start
	KA_STAMP=1
	for adv in $KA_ADVERTS; do ka_window "$adv"; done
fi
info elapsed "$(elapsed)"
