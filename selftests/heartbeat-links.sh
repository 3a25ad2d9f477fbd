#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: no xdp (about heartbeat links)
#
# Heartbeats over two links: every frame goes out on both, the copy heard
# second is counted as a duplicate (not a replay), a link lost is an event
# and no failover, and a node is down only once it is silent on both.
# Documentation/heartbeats.md, "Two links".
#
#   n1, n2, n3 (eth0) --- br0 \
#                               switch namespace
#   n1, n2, n3 (eth1) --- br1 /
#
# Node i serves 192.0.2.100 with "cluster set dev eth0 dev eth1". A link
# of node 2 is cut at the switch (its port set down), so that node 2 sees
# nothing of it: its frames on that link stop reaching the others, as
# with a cable pulled further on. Interval 100, dead 6 (a dead time the
# emulated VM's stalls do not reach).

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 35

S=192.0.2.100
make_cluster 3
make_scratch
SW=$(ns sw)
# the second network: br1, and eth1 on every node (10.0.0.i)
{
	echo "link add br1 type bridge stp_state 0 mcast_snooping 0"
	echo "link set br1 up"
	for i in 1 2 3; do
		echo "link add l$i type veth peer name eth1 netns $(ns "$i")"
		echo "link set l$i master br1 up"
	done
} | ip -n "$SW" -batch -
for i in 1 2 3; do
	printf '%s\n' "link set eth1 up" "addr add 10.0.0.$i/24 dev eth1" | ip -n "$(ns "$i")" -batch -
done

# --- bad input -----------------------------------------------------------
check_msg "one device twice (tool)" 2 \
	'Error: "dev eth0" is given twice: the second link must be another device.' \
	sn 1 cluster set dev eth0 dev eth0
check_msg "three devices (tool)" 2 \
	'Error: "dev" is given more than twice: heartbeats have two links at most.' \
	sn 1 cluster set dev eth0 dev eth1 dev lo
check_msg "second link that does not exist (tool)" 2 \
	'Error: device "nosuch" does not exist.' \
	sn 1 cluster set dev eth0 dev nosuch
raw1() { in_ns 1 selftests/shoal-nl "$@"; }
eth0=$(ip -n "$(ns 1)" -j link show eth0 | jq '.[0].ifindex')
check_eq "second link that does not exist (kernel)" \
	"error 19 second link: device does not exist in this namespace bad-attr 28" \
	"$(raw1 req CLUSTER_SET CLUSTER_IFINDEX:u32="$eth0" CLUSTER_IFINDEX2:u32=999)"
check_eq "second link the cluster device itself (kernel)" \
	"error 22 the second heartbeat link must be another device than the cluster device bad-attr 28" \
	"$(raw1 req CLUSTER_SET CLUSTER_IFINDEX:u32="$eth0" CLUSTER_IFINDEX2:u32="$eth0")"
check_eq "... and a refused request changed nothing" "null null" \
	"$(sn 1 -j cluster show | jq -r '.[0] | "\(.dev) \(.dev2)"')"

# --- two links -----------------------------------------------------------
for i in 1 2 3; do
	run_node "$i" --tcp 80
	printf '%s\n' "cluster set dev eth0 dev eth1" "node add 1" "node add 2" \
		"node add 3" "service add $S" | sn "$i" -b -
done
start_nodes "1 2 3" dev eth1 interval 100 dead 6
check "all three nodes up" wait_for 10000 all_up
check_eq "cluster show names both links" "node 1 dev eth0 dev eth1" \
	"$(sn 1 cluster show | grep -o '^node 1 dev [^ ]* dev [^ ]*')"
check_eq "... and so does its JSON" "eth0 eth1" \
	"$(sn 1 -j cluster show | jq -r '.[0] | "\(.dev) \(.dev2)"')"
# links N ID: the links node N hears node ID on, from node show
links() { sn "$1" -j node show "$2" | jq -r '.[0].links | if . == null then "none" else join(",") end'; }
links_are() { [ "$(links "$1" "$2")" = "$3" ]; }
check "node 1 hears node 2 on both links" poll_for 5000 links_are 1 2 eth0,eth1
check_eq "... and shows it" "links eth0,eth1" "$(sn 1 node show 2 | grep -o 'links [^ ]*')"
# hb N NAME: the heartbeat counter NAME on node N
hb() { sn "$1" -s -j cluster show | jq -r --arg n "$2" '.[0].stats[$n]'; }
dup=$(hb 1 duplicate)
check "copies heard over the second link are counted as duplicates" test "$dup" -gt 0
check_eq "... not as replays, nor rejected" "0 0" "$(hb 1 replayed) $(hb 1 rejected)"
# each frame is taken once: node 2's frames node 1 took are about those node
# 2 sent (not twice as many)
rx=$(sn 1 -j node show 2 | jq -r '.[0].rx_frames')
tx=$(hb 2 tx)
check "... and each frame is taken once (node 2 sent $tx, node 1 took $rx)" test "$rx" -le "$tx"
tables=$(bucket_table 1)

# --- one link lost -------------------------------------------------------
from1=$(mon_lines 1)
from3=$(mon_lines 3)
cut=$from1
ip -n "$SW" link set l2 down
check "node 2's second link cut: node 1 reports it" \
	poll_for 10000 mon_has 1 "$from1" '"event":"links","id":2,"links":["eth0"]'
check "... and node 3 too" poll_for 5000 mon_has 3 "$from3" '"event":"links","id":2,"links":["eth0"]'
check_eq "... node show says so" "eth0" "$(links 1 2)"
window() { read -r -t 1.5 -u "$_LIB_SLEEP_FD" _ || true; }
window
check_eq "... 1.5 s later (two dead times), all up everywhere" "$ALL_UP" "$(states)"
check_eq "... no bucket moved" "$tables" "$(bucket_table 1)"
from1=$(mon_lines 1)
ip -n "$SW" link set l2 up
check "the link back: node 1 reports both again" \
	poll_for 10000 mon_has 1 "$from1" '"event":"links","id":2,"links":["eth0","eth1"]'

# --- the other link lost, then both --------------------------------------
from1=$(mon_lines 1)
ip -n "$SW" link set n2 down
check "node 2's cluster device cut: heard on the second link alone" \
	poll_for 10000 mon_has 1 "$from1" '"event":"links","id":2,"links":["eth1"]'
window
check_eq "... 1.5 s later, all up everywhere" "$ALL_UP" "$(states)"
check_eq "... no bucket moved" "$tables" "$(bucket_table 1)"
ip -n "$SW" link set l2 down
down2() { [ "$(node_states 1 3)" = "1:1=up,2=down,3=up 3:1=up,2=down,3=up" ]; }
check "both links cut: node 2 is down for nodes 1 and 3" poll_for 10000 down2
check "... by timeout" mon_has 1 "$from1" '"event":"down","id":2,"reason":"timeout"'
# downs_since N FROM: node down events in node N's monitor after line FROM
downs_since() { tail -n +"$(($2 + 1))" "$tmp/mon.$1" | grep -c '"event":"down"'; }
check_eq "... and only then: one down event on node 1 since a link was first cut" 1 "$(downs_since 1 "$cut")"
ip -n "$SW" link set n2 up
ip -n "$SW" link set l2 up
check "both back: all up everywhere" wait_for 10000 all_up
check "... node 1 hears node 2 on both links" poll_for 5000 links_are 1 2 eth0,eth1

# --- one link again, a link device removed ------------------------------
sn 1 cluster set dev eth0
check_eq "\"cluster set dev eth0\" alone: one link" "eth0 null" \
	"$(sn 1 -j cluster show | jq -r '.[0] | "\(.dev) \(.dev2)"')"
check_eq "... node show names no links then" "none" "$(links 1 2)"
window
check_eq "... all up everywhere" "$ALL_UP" "$(states)"
ip -n "$(ns 3)" link del eth1
check_eq "node 3's second link removed: it forgets it" "eth0 null true" \
	"$(sn 3 -j cluster show | jq -r '.[0] | "\(.dev) \(.dev2) \(.heartbeat)"')"
window
check_eq "... and heartbeats go on over eth0: all up everywhere" "$ALL_UP" "$(states)"
check "node 2 hears node 3 on its cluster device alone" poll_for 5000 links_are 2 3 eth0
check_eq "no frame rejected on any node" "0 0 0" "$(hb 1 rejected) $(hb 2 rejected) $(hb 3 rejected)"

ktap_finish
