#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The pools benchmark, run inside the test VM by bench/run (through
# selftests/vm-run): how soon a pool reacts to its load crossing a
# threshold, and what a grow-and-shrink cycle costs the connections held.
# Four nodes serve 192.0.2.100 (TCP 80) with "pool min 2 max 4 up 80 down
# 30 hold H load pushed" (heartbeats every INTERVAL ms): the load is what
# "cluster set load" pushes, so the crossing's time is the push's, known
# to the monitor's stamp: every time is taken from the nodes' "shoal -j
# monitor" stamps, the push's from its "cluster changed" event on the node
# pushed. For each H of HOLDS, TRIALS times:
#   grow:    every node at 50%; node 1 pushed to 90% at T: when every
#            node's monitor has the grow decision (decided), and when node
#            3, the first standby, is given its first buckets (new flows:
#            from then on new connections of those buckets reach it);
#   shrink:  H s later (a decision holds off the next for H s), every
#            active node pushed to 10% at T: when every node has the
#            shrink decision, and when node 3's last bucket has gone (out:
#            it takes no new connection; it keeps those it holds).
#   BENCH-POOL react HOLD TRIAL result grow_decided_ms N grow_flows_ms N
#            shrink_decided_ms N shrink_out_ms N
# Then once, at the first H, with CONNS connections held (client.py hold,
# a line every LINE s each): a grow and a shrink, and how many broke:
#   BENCH-POOL held CONNS result held N broken N failed N
# Output: those lines, "BENCH-INFO key value..." and "# " notes;
# bench/report.py makes the section "Pools: growing and shrinking by load".
#
# Arguments (vm-run passes no environment): BENCH_TRIALS (3),
# BENCH_POOLS_HOLDS ("5 30"), BENCH_POOLS_CONNS (1000), BENCH_POOLS_LINE (2
# s), BENCH_POOLS_INTERVAL (100 ms).
#   selftests/vm-run bench/pools.sh BENCH_TRIALS=1 BENCH_POOLS_HOLDS=5

for a in "$@"; do
	case $a in
	BENCH_TRIALS=* | BENCH_POOLS_*=*) export "${a?}" ;;
	*) echo "pools.sh: unknown argument $a" >&2; exit 2 ;;
	esac
done

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/../selftests/lib.sh"
# shellcheck source=bench/lib-bench.sh
source "$(dirname "$0")/lib-bench.sh"

HOLDS=${BENCH_POOLS_HOLDS:-5 30}
TRIALS=${BENCH_TRIALS:-3}
CONNS=${BENCH_POOLS_CONNS:-1000}
LINE=${BENCH_POOLS_LINE:-2}
INTERVAL=${BENCH_POOLS_INTERVAL:-100}
SVC=192.0.2.100
SRC=192.0.2.201,192.0.2.202,192.0.2.203,192.0.2.204

make_scratch
info "pools-holds $HOLDS"
info "pools-trials $TRIALS"
info "pools-conns $CONNS"
info "pools-line $LINE"
info "pools-interval $INTERVAL"
info "kernel $(uname -r)"

make_cluster 4
make_client cl 192.0.2.200 2001:db8::200
CL=$(ns cl)
printf 'addr add 192.0.2.%s/24 dev eth0\n' 201 202 203 204 | ip -n "$CL" -batch -
for i in 1 2 3 4; do
	printf '%s\n' "cluster set dev eth0" "node add 1" "node add 2" "node add 3" "node add 4" \
		"service add $SVC proto tcp port 80 nodes 1,2,3,4" \
		"service set $SVC pool min 2 max 4 up 80 down 30 hold ${HOLDS%% *} load pushed" \
		"cluster set load 50" | sn "$i" -b -
	run_node "$i" --tcp 80
done
start_nodes "1 2 3 4" interval "$INTERVAL" dead 10
poll_for 30000 all_see "1 2 3 4" "1=up,2=up,3=up,4=up" || note "states: $(node_states 1 2 3 4)"
client_knows "$SVC"

# active NODE: the active members as NODE sees them, "1,2"
active() {
	sn "$1" -j service show "$SVC" |
		jq -r '[.[0].pool.members[] | select(.role == "active") | .id] | join(",")'
}
all_active() {
	local i
	for i in 1 2 3 4; do [ "$(active "$i")" = "$1" ] || return 1; done
}
# ms_of STAMP: a monitor's time stamp in ms since the epoch
ms_of() { echo $(($(TZ=UTC0 date -d "$1" +%s%N) / 1000000)); }
# decided EVENT T0 FROM: ms from T0 to the last node's first pool EVENT
# after line FROM[i] of its monitor
decided() {
	local i t worst=-1
	[ "$2" -ge 0 ] || { echo -1; return; }
	for i in 1 2 3 4; do
		t=$(tail -n +"$((FROM[i] + 1))" "$tmp/mon.$i" |
			jq -r --arg e "$1" 'select(.object == "pool" and .event == $e) | .time' | head -n 1)
		[ -n "$t" ] || { echo -1; return; }
		t=$(($(ms_of "$t") - $2))
		[ "$t" -le "$worst" ] || worst=$t
	done
	echo "$worst"
}
# moved FIELD T0: ms from T0 to node 3's bucket moves with FIELD 3, after
# line FROM[3]: the first it was given (to), the last it gave up (from)
moved() {
	local t pick
	[ "$2" -ge 0 ] || { echo -1; return; }
	pick=$([ "$1" = to ] && echo head || echo tail)
	t=$(tail -n +"$((FROM[3] + 1))" "$tmp/mon.3" |
		jq -r --arg f "$1" 'select(.object == "buckets" and .[$f] == 3) | .time' | "$pick" -n 1)
	if [ -z "$t" ]; then echo -1; else echo $(($(ms_of "$t") - $2)); fi
}
marks() { local i; for i in 1 2 3 4; do FROM[i]=$(wc -l <"$tmp/mon.$i"); done; }
# pushed NODE PCT: when NODE's monitor saw its load set to PCT, after line
# FROM[NODE] (ms since the epoch; -1 if it did not)
pushed() {
	local t
	t=$(tail -n +"$((FROM[$1] + 1))" "$tmp/mon.$1" |
		jq -r --argjson p "$2" 'select(.object == "cluster" and .event == "changed" and
			.load == $p) | .time' | head -n 1)
	if [ -z "$t" ]; then echo -1; else ms_of "$t"; fi
}
owns_none() { [ "$(sn 3 -j service show "$SVC" | jq '.[0].owned_buckets | length')" = 0 ]; }

# grow_and_shrink HOLD: one cycle; sets GROW_DECIDED, GROW_FLOWS,
# SHRINK_DECIDED, SHRINK_OUT (ms, -1 if not seen)
grow_and_shrink() {
	local hold=$1 t0
	marks
	sn 1 cluster set load 90
	poll_for $((hold * 1000 + 30000)) all_active 1,2,3 || note "grow: active $(active 1)"
	# steady again, before node 4 joins too
	sn 1 cluster set load 50
	t0=$(pushed 1 90)
	GROW_DECIDED=$(decided grow "$t0")
	GROW_FLOWS=$(moved to "$t0")
	# the next decision waits hold s after this one: so does the push
	read -r -t "$hold" -u "$POLL_FD" _ || true
	on_nodes "1 2" cluster set load 10
	marks
	sn 3 cluster set load 10
	poll_for $((hold * 1000 + 30000)) all_active 1,2 || note "shrink: active $(active 1)"
	poll_for 30000 owns_none || note "shrink: node 3 still owns buckets"
	t0=$(pushed 3 10)
	SHRINK_DECIDED=$(decided shrink "$t0")
	SHRINK_OUT=$(moved from "$t0")
	on_nodes "1 2 3" cluster set load 50
	read -r -t "$hold" -u "$POLL_FD" _ || true
}

for hold in $HOLDS; do
	on_nodes "1 2 3 4" service set "$SVC" pool min 2 max 4 up 80 down 30 hold "$hold" load pushed
	poll_for 30000 all_active 1,2 || note "hold $hold: active $(active 1) at the start"
	for ((n = 1; n <= TRIALS; n++)); do
		grow_and_shrink "$hold"
		echo "BENCH-POOL react $hold $n result grow_decided_ms $GROW_DECIDED" \
			"grow_flows_ms $GROW_FLOWS shrink_decided_ms $SHRINK_DECIDED" \
			"shrink_out_ms $SHRINK_OUT"
		note "hold $hold trial $n done at $(elapsed)"
	done
done

# --- held connections through a cycle
hold=${HOLDS%% *}
on_nodes "1 2 3 4" service set "$SVC" pool min 2 max 4 up 80 down 30 hold "$hold" load pushed
ip netns exec "$CL" selftests/client.py hold "$SVC" 80 --count "$CONNS" --sources "$SRC" \
	--port-set 10 --interval "$LINE" --timeout 20 >"$tmp/hold" 2>&1 &
client=$!
if poll_for 300000 has_line "$tmp/hold" ready; then
	grow_and_shrink "$hold"
	note "held: grow decided in $GROW_DECIDED ms, shrink in $SHRINK_DECIDED ms"
	# every connection has sent a line since the shrink (and before its timeout)
	read -r -t $((2 * LINE + 1)) -u "$POLL_FD" _ || true
fi
kill -INT "$client"
wait "$client"
read -r _ held failed <<<"$(awk '$1 == "ready" { print "x", $2, $3 }' "$tmp/hold")"
echo "BENCH-POOL held $CONNS result held ${held:--1} broken $(grep -c '^broke' "$tmp/hold")" \
	"failed ${failed:--1}"
note "held: $(tail -n 1 "$tmp/hold")"
