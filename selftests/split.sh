#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: alone (judges time)
#
# The network splits (Documentation/heartbeats.md, "When the network
# splits"): without quorum each side declares the other down and serves
# every bucket itself; with "quorum on" a side that sees at most half of
# the regular nodes serves nothing. When the network heals, every bucket
# goes back to its one owner.
#
#   n1 (eth0) --+                         +-- (eth0) n3
#               +-- br0  (switch)  br1 ---+
#   n2 (eth0) --+                         +-- (eth0) n4
#
# All four ports start on br0; a split moves some ports to br1, a second
# bridge in the switch namespace with no link to br0, and healing moves
# them back. Nodes 1-4 share a key and serve 192.0.2.100 (1024 buckets).

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 22

S=192.0.2.100
make_cluster 4
SW=$(ns sw)
tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"
(umask 077 && shoal key generate >"$tmp/key")


# states (lib.sh): "i:id=state,..." for nodes 1..4, as each sees the others
# view SIDE_A SIDE_B: what states says when the nodes in SIDE_A
# ("1 2") hear only each other, and so do the nodes in SIDE_B
view() {
	local a=$1 b=$2 i j out=
	for i in 1 2 3 4; do
		out+="$i:"
		for j in 1 2 3 4; do
			if [[ " $a " == *" $i "* && " $a " == *" $j "* ]] ||
				[[ " $b " == *" $i "* && " $b " == *" $j "* ]]; then
				out+="$j=up,"
			else
				out+="$j=down,"
			fi
		done
		out="${out%,} "
	done
	echo "${out% }"
}
ALL="1 2 3 4"
sees() { [ "$(states)" = "$(view "$1" "$2")" ]; }
# owned NODES...: how the owned_buckets of the nodes together cover the
# service: "N buckets, D owned twice"
owned() {
	local i
	for i in "$@"; do sn "$i" -j service show "$S"; done |
		jq -r -s 'map(.[0].owned_buckets) | add | "\(unique | length) buckets, \(length - (unique | length)) owned twice"'
}
# move PORT... BRIDGE: puts the nodes' switch ports on BRIDGE
move() {
	local br=${*: -1} p
	for p in "${@:1:$#-1}"; do echo "link set n$p master $br"; done | ip -n "$SW" -batch -
}

for i in 1 2 3 4; do
	printf '%s\n' "cluster set dev eth0 node $i key $tmp/key" "node add 1" "node add 2" \
		"node add 3" "node add 4" "service add $S" | sn "$i" -b -
done
printf '%s\n' "link add br1 type bridge stp_state 0 mcast_snooping 0" "link set br1 up" |
	ip -n "$SW" -batch -
check "four nodes: everyone up on every node" wait_for 5000 sees "$ALL" ""
T0=$(bucket_table 1)
check "all four agree on every bucket's owner" tables_are "$T0" 2 3 4
for i in 1 2 3 4; do OWN0[i]=$(sn "$i" -j service show "$S" | jq -c '.[0].owned_buckets'); done
diag "buckets owned by nodes 1-4: $(for i in 1 2 3 4; do grep -c " $i$" <<<"$T0"; done | paste -sd' ')"

# heal: every node hears everyone, owns what it owned, tables as before
heal_checks() {
	local i same=yes
	check "$1: everyone up on every node again" wait_for 5000 sees "$ALL" ""
	check "$1: every node's table is the original" wait_for 3000 tables_are "$T0" 1 2 3 4
	for i in 1 2 3 4; do
		[ "$(sn "$i" -j service show "$S" | jq -c '.[0].owned_buckets')" = "${OWN0[i]}" ] || same="no: node $i"
	done
	check_eq "$1: every node owns exactly what it owned" yes "$same"
}

# --- without quorum: 2 / 2 -------------------------------------------------
move 3 4 br1
check "split 1,2 | 3,4: each side declares the other down" wait_for 5000 sees "1 2" "3 4"
last_ok || diag "states: $(states)"
check_eq "nodes 1 and 2 serve every bucket between them, each once" "1024 buckets, 0 owned twice" \
	"$(owned 1 2)"
check_eq "so do nodes 3 and 4" "1024 buckets, 0 owned twice" "$(owned 3 4)"
t12=$(bucket_table 1)
t34=$(bucket_table 3)
check_eq "each side agrees within itself, on its own members only" "yes yes 1024 1024" \
	"$(tables_are "$t12" 2 && echo yes) $(tables_are "$t34" 4 && echo yes) \
$(grep -c ' [12]$' <<<"$t12") $(grep -c ' [34]$' <<<"$t34")"
move 3 4 br0
heal_checks "healed"

# --- quorum on: 3 / 1 ----------------------------------------------------------
for i in 1 2 3 4; do sn "$i" cluster set quorum on; done
check_eq "quorum on, on every node; nothing moves while all are up" "true true true true yes" \
	"$(for i in 1 2 3 4; do sn "$i" -j cluster show; done | jq -r -s 'map(.[0].quorum) | join(" ")') \
$(tables_are "$T0" 1 2 3 4 && echo yes)"
TZ=UTC0 ip netns exec "$(ns 4)" shoal -j monitor >"$tmp/mon.4" 2>&1 &
add_cleanup "kill $! 2>/dev/null"
# shellcheck disable=SC2016 # expanded by eval, each time
wait_for 10000 eval 'sn 4 cluster set node 4 && grep -q "\"object\":\"cluster\"" "$tmp/mon.4"'
M4=$(wc -l <"$tmp/mon.4")
move 4 br1
check "split 1,2,3 | 4: each side declares the other down" wait_for 5000 sees "1 2 3" "4"
check_eq "node 4, one of four, has no quorum: owns no bucket" "0 buckets, 0 owned twice" "$(owned 4)"
check_eq "nodes 1-3, three of four, serve every bucket, each once" "1024 buckets, 0 owned twice" \
	"$(owned 1 2 3)"
check_eq "nodes 1-3 agree, node 4's buckets went to them" "yes 1024" \
	"$(tables_are "$(bucket_table 1)" 2 3 && echo yes) $(bucket_table 1 | grep -c ' [123]$')"
diag "node 4's own bucket table meanwhile: $(bucket_table 4 | awk '{ n[$4]++ } END { for (o in n) printf "%d buckets owner %s; ", n[o], o }')"
diag "node 4's monitor during the split: $(tail -n +"$((M4 + 1))" "$tmp/mon.4" |
	jq -r 'if .object == "node" then "node \(.id) \(.event) (\(.reason))" elif .object == "buckets" then "moved \(.count) from \(.from) to \(.to)" else .object + " " + .event end' |
	paste -sd';')"
move 4 br0
heal_checks "healed (quorum)"

# --- quorum on: 2 / 2, nobody has a majority ----------------------------------
move 3 4 br1
check "split 1,2 | 3,4 with quorum: each side declares the other down" wait_for 5000 sees "1 2" "3 4"
check_eq "neither half has a majority: no node serves anything" "0 buckets, 0 owned twice" \
	"$(owned 1 2 3 4)"
move 3 4 br0
heal_checks "healed (quorum, even split)"

ktap_finish
