#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: no xdp (who decides, not the packet path)
#
# A node without quorum decides nothing for a pool. Four nodes serve
# 192.0.2.100 with "pool min 2 max 4 up 80 down 30 hold 3 load pushed",
# quorum on. Load brings node 3 in and takes it out again: nodes 1 and 2
# are active by a decision, 3 and 4 stand by. Then node 4 loses its
# link, and once all see it down, node 2: nodes 1 and 3 still hear each
# other, two of four, no majority. (Cut together, the two are not
# declared down in the same instant, and in between the three left have
# quorum and may rightly decide.) Node 1, the lowest live member, sees
# one active member up where the pool wants two, and a standby, node 3,
# up: with quorum it would bring node 3 in at once. It does not, for
# longer than hold and ten intervals. Then quorum is set off on nodes 1 and 3, and node 1
# brings node 3 in at once (the control: the test can see a decision).
# When the links come back, every node follows that decision.
#
#   n1..n4 (eth0) --+-- br0 (switch namespace)

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 10

S=192.0.2.100
INTERVAL=100
make_cluster 4
make_scratch
for i in 1 2 3 4; do
	printf '%s\n' "cluster set dev eth0" "node add 1" "node add 2" "node add 3" "node add 4" \
		"service add $S proto tcp port 80 nodes 1,2,3,4" \
		"service set $S pool min 2 max 4 up 80 down 30 hold 3 load pushed" \
		"cluster set node $i key $tmp/key interval $INTERVAL dead 10 quorum on" | sn "$i" -b -
done

# active NODE: the active members as NODE sees them, "1,2"
active() {
	sn "$1" -j service show "$S" |
		jq -r '[.[0].pool.members[] | select(.role == "active") | .id] | join(",")'
}
epoch() { sn "$1" -j service show "$S" | jq -r '.[0].pool.epoch'; }
everywhere() {
	local i
	for i in 1 2 3 4; do [ "$(active "$i")" = "$1" ] || return 1; done
}

# settled SET: all four up, and SET active on every node
settled() { all_see "1 2 3 4" "1=up,2=up,3=up,4=up" && everywhere "$1"; }
check "nodes 1 and 2 active on every node, before any decision" wait_for 20000 settled 1,2
# a decision to start from: node 3 in, and out again
sn 1 cluster set load 90
check "node 1 busy: node 3 joins" wait_for 10000 settled 1,2,3
sn 1 cluster set load 50
on_nodes "1 2 3" cluster set load 10
check "all idle: node 3 leaves" wait_for 10000 settled 1,2
on_nodes "1 2 3" cluster set load 50
e=$(epoch 1)

ip -n "$(ns 4)" link set eth0 down
check "nodes 1, 2 and 3 see node 4 down, and decide nothing" \
	wait_for 10000 all_see "1 2 3" "1=up,2=up,3=up,4=down"
check_eq "... nothing to decide: the active members are up" "$e" "$(epoch 1)"
ip -n "$(ns 2)" link set eth0 down
check "nodes 1 and 3 see node 2 down too" \
	wait_for 10000 all_see "1 3" "1=up,2=down,3=up,4=down"
decided() { [ "$(epoch 1)" != "$e" ] || [ "$(epoch 3)" != "$e" ]; }
undecided() { ! wait_for $((3000 + 10 * INTERVAL)) decided; }
check "without quorum, node 1 brings no standby in: no decision in hold + 10 intervals" undecided
last_ok || diag "node 1: active $(active 1), epoch $(epoch 1) (was $e)"

on_nodes "1 3" cluster set quorum off
both_1_3() { [ "$(active 1)" = 1,3 ] && [ "$(active 3)" = 1,3 ]; }
check "quorum off: node 1 brings node 3 in at once" wait_for $((5 * INTERVAL + 1000)) both_1_3
check_eq "... in a decision of its own" "$((e + 1)) 1" \
	"$(sn 1 -j service show "$S" | jq -r '.[0].pool | "\(.epoch) \(.decider)"')"

for i in 2 4; do ip -n "$(ns "$i")" link set eth0 up; done
check "links back: every node follows that decision" wait_for 20000 settled 1,3

ktap_finish
