#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The failover benchmark, run inside the test VM by bench/run (through
# selftests/vm-run): how long a UDP client goes unanswered when the member
# serving it loses its link, for keepalived (VRRPv3) at several advert
# intervals and, in the same VM run, for shoal at several heartbeat intervals.
#
#   ka, kb     (eth0) --+                           keepalived (first)
#   n1, n2     (eth0) --+-- br0 (switch namespace)   shoal members (then)
#   cl         (eth0) --+                           the client, 192.0.2.200
#
# The client (bench/build/udpping run) sends one request every millisecond,
# in turn on FLOWS source ports, and notes when each answer arrives
# (CLOCK_MONOTONIC). After 200 answers it is told (SIGUSR1) that the member
# answering it is about to be cut off, and that member's link is cut
# (eth0 set down, as "ip link set eth0 down" does, by a process waiting
# for the word in that member's namespace). The gap is the time from that
# member's last answer to the first answer from another one.
#
# keepalived: ka (192.0.2.11) and kb (192.0.2.12) share 192.0.2.50 by VRRPv3
# (multicast on the bridge, equal priority, nopreempt: the node that comes
# back stays backup), each answering on UDP 7000; after a takeover nobody
# caused (two masters for a moment), the one that stays sends gratuitous
# ARPs again (higher_prio_send_advert, garp_lower_prio_repeat), or the
# client keeps sending to the one that gave up. Priority 254, the highest
# a backup may have, makes the skew time smallest: a backup takes over
# 3 adverts + 2/256 of one after the last advert it heard (RFC 5798). The
# cut master comes back as backup, and the pair is steady, before the next
# trial.
#
# shoal: as many nodes as keepalived's (2; BENCH_SHOAL_NODES), node i is
# 192.0.2.i, the service 192.0.2.100 (UDP port 7000) is on every node, each
# node answers with its id (bench/build/udpping serve); the client's flows
# are ones the last node owns, whose link is cut. It comes back, is up on
# every node and owns its buckets again before the next trial. Each node
# runs "shoal monitor" to count the down events (spurious ones included),
# in the idle scheduling class, and stopped during each trial: it takes no
# CPU at the moment measured (keepalived's side has no instrument).
#
# Output: one line per trial,
#   BENCH keepalived ADVERT_S TRIAL result gap_us G all_us A old O new N ...
#   BENCH shoal INTERVAL_MS TRIAL result gap_us G ...
# and "BENCH-INFO key value..." lines; bench/run turns them into tables.
# A trial that could not be measured prints gap_us -1 and a "# " note.
# Each setting starts with an unmeasured trial 0 (BENCH-WARMUP): under
# emulation the first run of any code path is slow.
#
# Environment: BENCH_TRIALS (default 20), BENCH_SHOAL_INTERVALS (default
# "100 20 10", ms; empty to skip shoal), BENCH_SHOAL_DEAD (3),
# BENCH_SHOAL_NODES (2),
# BENCH_KEEPALIVED_ADVERTS (default "1 0.1 0.02 0.01", s; empty to skip
# keepalived), BENCH_KEEPALIVED_PRIORITY (254), BENCH_FLOWS (4). vm-run
# passes no environment into the VM, so they may be given as arguments:
#   selftests/vm-run bench/failover.sh BENCH_TRIALS=5

for a in "$@"; do
	case $a in
	BENCH_TRIALS=* | BENCH_SHOAL_INTERVALS=* | BENCH_SHOAL_DEAD=* | \
		BENCH_KEEPALIVED_ADVERTS=* | BENCH_KEEPALIVED_PRIORITY=* | BENCH_FLOWS=* | \
		BENCH_SHOAL_NODES=*)
		export "${a?}" ;;
	*) echo "failover.sh: unknown argument $a" >&2; exit 2 ;;
	esac
done

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/../selftests/lib.sh"
# shellcheck source=bench/lib-bench.sh
source "$(dirname "$0")/lib-bench.sh"

TRIALS=${BENCH_TRIALS:-20}
SHOAL_INTERVALS=${BENCH_SHOAL_INTERVALS-100 20 10}
DEAD=${BENCH_SHOAL_DEAD:-3}
NODES=${BENCH_SHOAL_NODES:-2}
CUT_ID=$NODES
mapfile -t IDS < <(seq 1 "$NODES")
KA_ADVERTS=${BENCH_KEEPALIVED_ADVERTS-1 0.1 0.02 0.01}
KA_PRIO=${BENCH_KEEPALIVED_PRIORITY:-254}
NFLOWS=${BENCH_FLOWS:-4}
UDPPING=$(realpath "$(dirname "$0")")/build/udpping
PORT=7000
SVC=192.0.2.100
VIP=192.0.2.50
CLIENT=192.0.2.200

[ -x "$UDPPING" ] || { echo "failover.sh: $UDPPING missing: run bench/run" >&2; exit 1; }

tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"

info kernel "$(uname -r)"
info cpus "$(nproc)"
info trials "$TRIALS"
info flows "$NFLOWS"
info shoal_dead "$DEAD"
# the members, the one cut, and keepalived's nodes, for the report's text
info shoal_members "$NODES"
info shoal_cut "$CUT_ID"
info keepalived_nodes 2
info keepalived_priority "$KA_PRIO"

make_client cl "$CLIENT" 2001:db8::200
CL=$(ns cl)

# serve NAMESPACE ID: a responder, killed at exit
serve() {
	ip netns exec "$(ns "$1")" "$UDPPING" serve --id "$2" --port "$PORT" >"$tmp/serve-$1" 2>&1 &
	add_cleanup "kill $! 2>/dev/null; wait $! 2>/dev/null"
}
served() { local n; for n in "$@"; do grep -qx ready "$tmp/serve-$n" || return 1; done; }

# shoal_extra RESULT: "deadline_us D": the silence after which node 1
# declared the cut node down (dead intervals and its margin then; silent
# since, it has not changed it), -1 if unknown
shoal_extra() {
	local d
	d=$(shoal -n "$(ns 1)" -j node show "$CUT_ID" | jq '.[0].down_after_us // -1') || d=-1
	echo "deadline_us ${d:--1}"
}

# --- keepalived ---------------------------------------------------------------

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
	serve ka 11
	serve kb 12
	wait_for 20000 served ka kb || note "keepalived responders: $(cat "$tmp"/serve-k*)"
fi
for adv in $KA_ADVERTS; do
	note "keepalived advert_int $adv: starting ($(elapsed))"
	KA_SETTLE=$(awk -v a="$adv" 'BEGIN { printf "%.3f", 5 * a + 0.2 }')
	ka_start "$adv"
	if ! ka_steady; then
		note "keepalived did not settle: $(ka_who)" \
			"$(tail -n 20 "$tmp/ka-ka.log")" "$(tail -n 20 "$tmp/ka-kb.log")"
		ka_stop
		continue
	fi
	for ((t = 0; t <= TRIALS; t++)); do
		if [ "$t" = 1 ]; then
			masters0=$(ka_masters)
			cpu_reset
		fi
		# A takeover nobody caused between the check and the client's
		# first answers: the client is answered by the wrong node; again.
		for attempt in 1 2 3 4 5; do
			m=$(ka_master) || m=ka
			TRIAL_AFTER=vrrp TRIAL_INTERVAL_US=$(awk -v a="$adv" 'BEGIN { printf "%d", a * 1e6 }') \
				trial keepalived "$adv" "$t" "$VIP" "$(seq -s, 30001 $((30000 + NFLOWS)))" \
				"$m" "$([ "$m" = ka ] && echo 11 || echo 12)" "$attempt"
			rc=$?
			ip -n "$(ns "$m")" link set eth0 up
			ka_steady || note "keepalived not steady after trial $t: $(ka_who)"
			[ "$rc" = 2 ] || break
		done
	done
	info keepalived_cpu "$adv" "$(cpu_busy)"
	# one takeover per trial expected; more are takeovers nobody caused
	info keepalived_masters "$adv" "$(($(ka_masters) - masters0))"
	ka_stop
	note "keepalived advert_int $adv: done ($(elapsed))"
done
if [ -n "$KA_ADVERTS" ]; then
	# Off the bridge: they would receive the service's flooded traffic.
	printf 'link del %s\n' ka kb | ip -n "$(ns sw)" -batch -
fi

# --- shoal ---------------------------------------------------------------------

[ -n "$SHOAL_INTERVALS" ] || { info elapsed "$(elapsed)"; exit 0; }
make_cluster "$NODES"
(umask 077 && shoal key generate >"$tmp/key")
for i in "${IDS[@]}"; do serve "$i" "$i"; done
wait_for 20000 served "${IDS[@]}" || note "shoal responders: $(cat "$tmp"/serve-[0-9]*)"
first=${SHOAL_INTERVALS%% *}
for i in "${IDS[@]}"; do
	printf '%s\n' "cluster set dev eth0 node $i key $tmp/key interval $first dead $DEAD" \
		"${IDS[@]/#/node add }" \
		"service add $SVC proto udp port $PORT" | shoal -n "$(ns "$i")" -b - ||
		{ echo "failover.sh: shoal configuration failed on node $i" >&2; exit 1; }
done

wait_for 30000 nodes_up "${IDS[@]}" || note "not every node is up:" "$(node_states "${IDS[@]}")"
# NFLOWS source ports whose buckets the cut node owns, from the first 64
ip netns exec "$CL" "$UDPPING" find "$SVC" "$PORT" --source "$CLIENT" --sports 40000-40063 \
	>"$tmp/find"
FLOWS=$(awk -v cut="$CUT_ID" '$2 == cut { print $1 }' "$tmp/find" | head -n "$NFLOWS" | paste -sd,)
if [ "$(tr ',' '\n' <<<"$FLOWS" | grep -c .)" != "$NFLOWS" ]; then
	echo "failover.sh: fewer than $NFLOWS of 64 source ports are node $CUT_ID's:" \
		"$(awk '{ print $2 }' "$tmp/find" | sort | uniq -c | tr '\n' ' ')" >&2
	exit 1
fi
FLOW_RANGE=${FLOWS%%,*}-${FLOWS##*,}
info shoal_flows "$FLOWS"

# interval_seen NODE...: each node's monitor has reported its interval
# set to $ms; for those that have not, it is set (again)
interval_seen() {
	local i seen=0
	for i; do
		grep -q '] cluster ' "$tmp/mon-$i" && continue
		shoal -n "$(ns "$i")" cluster set interval "$ms" dead "$DEAD"
		seen=1
	done
	return "$seen"
}

DOWNS0=()
add_cleanup mon_stop
for ms in $SHOAL_INTERVALS; do
	note "shoal interval $ms ms: starting ($(elapsed))"
	for i in "${IDS[@]}"; do
		# (idle class: an instrument must not take the vCPU from what
		# it measures; keepalived's side has none)
		chrt --idle 0 shoal -n "$(ns "$i")" monitor >"$tmp/mon-$i" 2>&1 &
		MON_PIDS+=($!)
	done
	# a monitor stopped before it listens would miss the trial's events
	wait_for 30000 interval_seen "${IDS[@]}" || note "a monitor heard nothing:" "$(cat "$tmp"/mon-*)"
	wait_for 30000 nodes_up "${IDS[@]}" || note "not every node is up:" "$(node_states "${IDS[@]}")"
	for ((t = 0; t <= TRIALS; t++)); do
		if [ "$t" = 1 ]; then
			cpu_reset
			for i in "${IDS[@]}"; do DOWNS0[i]=$(grep -c 'down (timeout)' "$tmp/mon-$i"); done
		fi
		for attempt in 1 2 3 4 5; do
			if ! poll_for 30000 nodes_up "${IDS[@]}" || ! poll_for 10000 owned_by "$CUT_ID" "$PORT"; then
				note "shoal: the cluster did not recover before trial $t:" "$(node_states "${IDS[@]}")"
			fi
			# the monitors take no CPU while it is measured: what they
			# read waits in their sockets (keepalived's side has none)
			kill -STOP "${MON_PIDS[@]}"
			TRIAL_AFTER=hb TRIAL_INTERVAL_US=$((ms * 1000)) TRIAL_EXTRA=shoal_extra \
				trial shoal "$ms" "$t" "$SVC" "$FLOWS" "$CUT_ID" "$CUT_ID" "$attempt"
			rc=$?
			kill -CONT "${MON_PIDS[@]}"
			ip -n "$(ns "$CUT_ID")" link set eth0 up
			[ "$rc" = 2 ] || break
		done
	done
	wait_for 30000 nodes_up "${IDS[@]}"
	info shoal_cpu "$ms" "$(cpu_busy)"
	sleep 0.2
	mon_stop
	# the events, for bench/build/failover.log
	for i in "${IDS[@]}"; do sed "s/^/MON $ms n$i /" "$tmp/mon-$i"; done
	# Expected per trial: the cut node down on each other node, and each
	# other node down on it. More are failures nobody caused.
	info shoal_downs "$ms" "$(for i in "${IDS[@]}"; do
		printf 'n%s:%s ' "$i" $(($(grep -c 'down (timeout)' "$tmp/mon-$i") - DOWNS0[i])); done)"
	note "shoal interval $ms ms: done ($(elapsed))"
done
info shoal_nodes "$(shoal -n "$(ns 1)" -s node show | tr -s ' \n' ' ')"
info elapsed "$(elapsed)"
