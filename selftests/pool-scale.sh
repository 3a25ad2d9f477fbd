#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: alone, no xdp (judges how soon a pool decides; about
# decisions, not the packet path)
#
# A pool grows and shrinks by load, and breaks nothing. Four nodes serve
# 192.0.2.100 (TCP 80) with "pool min 2 max 4 up 80 down 30 hold 2 load
# pushed": each node's utilization is what "cluster set load" pushes on
# it. A client holds 60 connections throughout, a line every 0.5 s.
#   start:  nodes 1 and 2 are active (the first two of the list), 3 and 4
#           stand by, and own no bucket;
#   grow:   node 1 is pushed to 90%: within hold + 2 intervals node 3
#           joins (the first standby, all idle), every node says so, and
#           fresh connections reach it;
#   steady: every active node at 50% for 60 s: no decision;
#   skip:   node 4 serves port 8080, not 80: when node 1 is busy again,
#           node 4 is passed over, with an event saying why;
#   shrink: every active node at 10%: node 3, the last in, leaves;
#   cut:    node 1, the decider, loses its link while node 2 is busy: the
#           others converge on one active set.
# Through all of it, no held connection breaks.
#
#   n1..n4 (eth0) --+-- br0 (switch namespace) -- (eth0) cl

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 16

S=192.0.2.100
SRC=192.0.2.201,192.0.2.202,192.0.2.203,192.0.2.204
HOLD=2
INTERVAL=100
make_cluster 4
make_client cl 192.0.2.200 2001:db8::200
CL=$(ns cl)
printf 'addr add 192.0.2.%s/24 dev eth0\n' 201 202 203 204 | ip -n "$CL" -batch -
make_scratch

for i in 1 2 3 4; do
	port=80
	[ "$i" != 4 ] || port=8080
	printf '%s\n' "cluster set dev eth0" "node add 1" "node add 2" "node add 3" "node add 4" \
		"service add $S proto tcp port $port nodes 1,2,3,4" \
		"service set $S pool min 2 max 4 up 80 down 30 hold $HOLD load pushed" | sn "$i" -b -
	run_node "$i" --tcp 80
done
start_nodes "1 2 3 4" interval "$INTERVAL" dead 10
wait_for 20000 all_see "1 2 3 4" "1=up,2=up,3=up,4=up" || diag "states: $(node_states 1 2 3 4)"
client_knows "$S"

# active NODE: the active members as NODE sees them, "1,2"
active() {
	sn "$1" -j service show "$S" |
		jq -r '[.[0].pool.members[] | select(.role == "active") | .id] | join(",")'
}
# all_active SET: nodes 1 to 3 see SET active (node 4 serves another port)
all_active() {
	local i
	for i in 1 2 3; do [ "$(active "$i")" = "$1" ] || return 1; done
}
owners() { sn 1 bucket show "$S" | awk '{ print $4 }' | sort -u | paste -sd,; }
# last_ms NODE EVENT: when node NODE's monitor last printed pool EVENT, in
# ms since the epoch (its clock is ours)
last_ms() {
	local t
	t=$(jq -r 'select(.object == "pool" and .event == "'"$2"'") | .time' "$tmp/mon.$1" | tail -n 1)
	[ -n "$t" ] && echo $(($(TZ=UTC0 date -d "$t" +%s%N) / 1000000))
}
# took EVENT T0: the longest, over nodes 1 to 3, from T0 to their EVENT
took() {
	local i t worst=0
	for i in 1 2 3; do
		t=$(last_ms "$i" "$1") || return 1
		[ $((t - $2)) -le "$worst" ] || worst=$((t - $2))
	done
	echo "$worst"
}
BOUND=$((HOLD * 1000 + 2 * INTERVAL))
epoch() { sn "$1" -j service show "$S" | jq -r '.[0].pool.epoch'; }
now_ms() { local t=${EPOCHREALTIME//[!0-9]/}; echo $((t / 1000)); }
broken() { awk '$1 == "broke"' "$tmp/hold" | grep -c .; }

check "start: nodes 1 and 2 active on every node, before any decision" wait_for 10000 all_active 1,2
check_eq "start: only they own buckets" 1,2 "$(owners)"

ip netns exec "$CL" selftests/client.py hold "$S" 80 --count 60 --sources "$SRC" \
	--interval 0.5 --timeout 10 >"$tmp/hold" 2>&1 &
add_cleanup "kill $! 2>/dev/null"
wait_for 90000 has_line "$tmp/hold" ready || diag "client: $(tail -n 3 "$tmp/hold")"

# --- grow (from the push: the tool's own start takes a while)
sn 1 cluster set load 90
t0=$(now_ms)
wait_for 20000 all_active 1,2,3
ms=$(took grow "$t0")
check "grow: node 3 joins, on every node, not before hold and within hold + 2 intervals (${ms:-?} ms; bound $BOUND ms)" \
	[ "${ms:-0}" -ge $((HOLD * 1000 - 500)) ] && [ "${ms:-99999}" -le "$BOUND" ]
owned_by() { [ "$(owners)" = "$1" ]; }
check "grow: node 3 owns buckets" wait_for 10000 owned_by 1,2,3
check "grow: the decider's event says who, at what load, why, and the thresholds" \
	grep -q '"event":"grow".*"member":3,"util":90,"why":"load".*"up":80,"down":30' "$tmp/mon.1"
# on_2_and_3 PATTERN: the monitors of nodes 2 and 3 both have it
on_2_and_3() { grep -q "$1" "$tmp/mon.2" && grep -q "$1" "$tmp/mon.3"; }
check "grow: the others' events say the same, from the decision's entry" \
	on_2_and_3 '"event":"grow".*"member":3,"util":90,"why":"load"'
out=$(ip netns exec "$CL" selftests/client.py tcp "$S" 80 --count 40 --sources "$SRC" --port-set 40 2>/dev/null)
check "grow: fresh connections reach node 3" [ "$(grep -c ' 3$' <<<"$out")" -gt 0 ]
check_eq "grow: no held connection broke" 0 "$(broken)"

# --- steady
on_nodes "1 2 3" cluster set load 50
e=$(epoch 1)
moved() { [ "$(epoch 1)" != "$e" ] || [ "$(epoch 2)" != "$e" ] || [ "$(epoch 3)" != "$e" ]; }
stays() { ! wait_for 60000 moved; }
check "steady: 60 s between the thresholds, no decision on any node" stays

# --- skip
sn 1 cluster set load 95
check "skip: node 4, serving port 8080, is passed over, and the event says why" \
	wait_for $((HOLD * 1000 + 5000)) grep -q '"event":"skip".*"member":4.*"why":"serves another port"' "$tmp/mon.1"
check_eq "skip: the pool stays 1,2,3" 1,2,3 "$(active 1)"

# --- shrink (from the push to the last node: it starts the hold)
on_nodes "1 2 3" cluster set load 10
t0=$(now_ms)
wait_for 20000 all_active 1,2
ms=$(took shrink "$t0")
check "shrink: node 3, the last in, leaves, not before hold and within hold + 2 intervals (${ms:-?} ms; bound $BOUND ms)" \
	[ "${ms:-0}" -ge $((HOLD * 1000 - 500)) ] && [ "${ms:-99999}" -le "$BOUND" ]
shrunk() {
	local p='"event":"shrink".*"member":3,"util":10,"why":"idle"'
	grep -q "$p" "$tmp/mon.1" && on_2_and_3 "$p"
}
check "shrink: the decider's event, and the others'" shrunk
check_eq "shrink: no held connection broke (node 3 keeps its own)" 0 "$(broken)"

# --- cut: the decider goes while node 2 is busy
sn 2 cluster set load 90
ip -n "$(ns 1)" link set eth0 down
wait_for 10000 all_see "2 3" "1=down,2=up,3=up,4=up" || diag "states: $(node_states 2 3)"
same() { [ "$(active 2)" = "$(active 3)" ] && [ "$(active 2)" = "$(active 4)" ]; }
check "cut: nodes 2, 3 and 4 converge on one active set" wait_for 20000 same
diag "cut: active as node 2 sees it: $(active 2) (epoch $(epoch 2))"
two_up() { [ "$(active 2 | tr , '\n' | grep -vc '^1$')" -ge 2 ]; }
check "cut: node 2 decides now: min 2 active again, node 1 not among them" wait_for 20000 two_up

ktap_finish
