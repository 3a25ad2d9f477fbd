#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: alone (judges time)
#
# Buckets moving: a node going down and up, a weight change and a change
# of members move exactly the buckets they must and no other, every node
# agreeing on every owner, while a long-lived connection owned by another
# node is probed every 20 ms and never misses an answer. Pins: a pinned
# bucket goes to its node (and real traffic with it), a pin to a node
# that is down falls back to the hash, "auto" unpins.
#
#   n1 (eth0) --+
#   n2 (eth0) --+-- br0 (switch namespace) -- (eth0) cl 192.0.2.200-203
#   n3 (eth0) --+
#
# Node i is 192.0.2.i on eth0 and runs selftests/responder.py (TCP 80 and
# 8080); the service 192.0.2.100 (TCP, every port, hash saddr-sport) is
# on every node. There are no heartbeats yet: "node 3 down" is said on
# every node, as the failure detector will.

source "$(dirname "$0")/lib.sh"

ktap_plan 46

make_cluster 3
make_client cl 192.0.2.200 2001:db8::200
CL=$(ns cl)
printf 'addr add 192.0.2.%s/24 dev eth0\n' 201 202 203 | ip -n "$CL" -batch -

tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"

client() { ip netns exec "$CL" selftests/client.py "$@"; }
# table N: node N's bucket_table, owners only (pins are checked apart)
table() { bucket_table "$1" | cut -d' ' -f1-4; }
# tables: every node's view, or the first that differs from node 1's
tables() {
	local t1 i
	t1=$(table 1)
	for i in 2 3; do
		if [ "$(table "$i")" != "$t1" ]; then
			echo "node $i disagrees with node 1: $(diff <(echo "$t1") <(table "$i") |
				grep '^[<>]' | head -4 | tr '\n' ' ')"
			return
		fi
	done
	echo "$t1"
}
owned() { sn "$2" -j service show "$1" | jq -r '.[0].owned_buckets[]'; }
# row ADDR BUCKET N: "owner pin" of one bucket, node N's view
row() {
	sn "$3" -j bucket show "$1" |
		jq -r --argjson b "$2" '.[] | select(.bucket == $b) | "\(.owner) \(.pin // 0)"'
}

members_with_responders --tcp 80 --tcp 8080

S=192.0.2.100
check "service add $S proto tcp on nodes 1-3" on_nodes "1 2 3" service add "$S" proto tcp
T0=$(tables)
check_eq "all nodes agree on the owner of every bucket" 1024 "$(grep -c '^bucket [0-9]* owner [123]$' <<<"$T0")"
for i in 1 2 3; do OWN0[i]=$(owned_in "$T0" "$i" | wc -l); done
diag "buckets owned by nodes 1, 2, 3: ${OWN0[*]}"

# --- the long-lived connection ---------------------------------------------
# Find a source port whose connections node 2 owns, on port 8080 (the
# hash ignores the destination port), and probe from it on port 80.
client tcp "$S" 8080 --count 40 --sources 192.0.2.201 --port-set 0 >"$tmp/find.out"
read -r psrc psport _ < <(grep ' 2$' "$tmp/find.out")
check "a source port owned by node 2 found ($psrc port $psport)" test -n "$psport"
ip netns exec "$CL" selftests/client.py probe "$S" 80 --source "$psrc" --sport "${psport:-1}" \
	>"$tmp/probe.out" 2>&1 &
probe=$!
add_cleanup "kill $probe 2>/dev/null; wait $probe 2>/dev/null"
answers() { grep -cE '^[0-9]+ [0-9]+ [0-9]+$' "$tmp/probe.out"; }
# more_answers N: waits until the probe has N more answers than now
more_answers() {
	local want=$(($(answers) + $1))
	# shellcheck disable=SC2016 # expanded by eval, each time
	wait_for 10000 eval '[ "$(answers)" -ge '"$want"' ]'
}
more_answers 1 || diag "probe:" "$(cat "$tmp/probe.out")"
check_eq "the probe is answered by node 2" 2 "$(awk 'NR == 1 { print $3 }' "$tmp/probe.out")"

# --- node 3 down and up -----------------------------------------------------
check "node set 3 down, on every node" on_nodes "1 2 3" node set 3 down
T1=$(tables)
check_eq "all nodes agree on the owner of every bucket, none is node 3's" 1024 \
	"$(grep -c '^bucket [0-9]* owner [12]$' <<<"$T1")"
check_eq "exactly the buckets node 3 owned changed owner" \
	"$(owned_in "$T0" 3)" "$(owner_changes "$T0" "$T1" | cut -d' ' -f1)"
check_eq "node 3 owns nothing in its own view" "" "$(owned "$S" 3)"
client tcp "$S" 80 --count 60 --sources 192.0.2.202,192.0.2.203 --port-set 1 >"$tmp/down.out"
check_eq "60 new connections while node 3 is down: answered, none by node 3" \
	"60 0" "$(grep -c ' [12]$' "$tmp/down.out") $(grep -c ' 3$' "$tmp/down.out")"
check "the probe goes on" more_answers 10
check "node set 3 up, on every node" on_nodes "1 2 3" node set 3 up
T2=$(tables)
check_eq "back up: every node's table is the original" "$T0" "$T2"
check "the probe goes on" more_answers 10

# --- weights and members ------------------------------------------------------
check "node set 2 weight 3, on every node" on_nodes "1 2 3" node set 2 weight 3
T3=$(tables)
moved=$(owner_changes "$T0" "$T3")
check_eq "more weight: buckets move only to node 2, and some do" "yes" \
	"$(if [ -n "$moved" ] && ! grep -qv ' 2$' <<<"$moved"; then echo yes; else head -3 <<<"$moved"; fi)"
diag "$(wc -l <<<"$moved") buckets moved to node 2"
check "node set 2 weight 1, on every node" on_nodes "1 2 3" node set 2 weight 1
check_eq "weight back: the original table" "$T0" "$(tables)"

check "service set $S nodes 1,2, on every node" on_nodes "1 2 3" service set "$S" nodes 1,2
check_eq "members 1,2, given explicitly" '[1,2] false' \
	"$(sn 1 -j service show "$S" | jq -c -r '"\(.[0].nodes) \(.[0].all_nodes)"')"
check_eq "the table is the one with node 3 down" "$T1" "$(tables)"
check "service set $S nodes all, on every node" on_nodes "1 2 3" service set "$S" nodes all
check_eq "members: every node again" '[1,2,3] true' \
	"$(sn 1 -j service show "$S" | jq -c -r '"\(.[0].nodes) \(.[0].all_nodes)"')"
check_eq "the original table" "$T0" "$(tables)"
check "the probe goes on" more_answers 10

# --- pins ------------------------------------------------------------------------
B1=$(owned_in "$T0" 1 | head -n1)
B3=$(owned_in "$T0" 1 | sed -n 2p)
check "bucket set $S $B1 node 2 (a bucket of node 1), on every node" \
	on_nodes "1 2 3" bucket set "$S" "$B1" node 2
check_eq "every node: bucket $B1 owner 2, pin 2" "2 2,2 2,2 2" \
	"$(for i in 1 2 3; do row "$S" "$B1" "$i"; done | paste -sd,)"
check_eq "node 2 owns it, node 1 no longer" "1 0" \
	"$(owned "$S" 2 | grep -cx "$B1") $(owned "$S" 1 | grep -cx "$B1")"
check_eq "no other bucket moved" "$B1 1 2" "$(owner_changes "$T0" "$(tables)")"

check "node set 3 down, on every node" on_nodes "1 2 3" node set 3 down
check "bucket set $S $B3 node 3 (node 3 is down), on every node" \
	on_nodes "1 2 3" bucket set "$S" "$B3" node 3
check_eq "a pin to a node that is down: the bucket follows the hash" "1 3,1 3,1 3" \
	"$(for i in 1 2 3; do row "$S" "$B3" "$i"; done | paste -sd,)"
check "node set 3 up, on every node" on_nodes "1 2 3" node set 3 up
check_eq "node 3 up: the bucket goes to it" "3 3,3 3,3 3" \
	"$(for i in 1 2 3; do row "$S" "$B3" "$i"; done | paste -sd,)"
check "bucket set ... node auto for both, on every node" \
	eval "on_nodes '1 2 3' bucket set $S $B1 node auto && on_nodes '1 2 3' bucket set $S $B3 node auto"
check_eq "unpinned: the original table, no pins left" "$T0 0" \
	"$(tables) $(sn 2 -j bucket show "$S" | jq '[.[] | select((.pin // 0) != 0)] | length')"

# --- the probe, all along ----------------------------------------------------------
check "the probe goes on" more_answers 10
kill "$probe"
wait "$probe"
status=$?
summary=$(grep '^# probes' "$tmp/probe.out")
diag "probe: $summary"
check_eq "the probe exits cleanly" 0 "$status"
check_eq "no probe failed, every answer from node 2" "failed 0 nodes 2" \
	"$(awk '{ print $6, $7, $12, $13 }' <<<"$summary")"
last_ok || diag "$(grep FAIL "$tmp/probe.out")"
check_eq "no TCP retransmission on the probed connection" "retrans 0" \
	"$(awk '{ print $10, $11 }' <<<"$summary")"

# --- a pin carries real traffic ---------------------------------------------------
# With hash saddr every connection from one source falls in one bucket;
# the owner's per-bucket counters tell which.
P=192.0.2.104
check "service add $P proto tcp port 80 hash saddr, on every node" \
	on_nodes "1 2 3" service add "$P" proto tcp port 80 hash saddr
x=$(client tcp "$P" 80 --count 1 --sources 192.0.2.203 --port-set 2 | awk '{ print $3 }')
check "a connection from 192.0.2.203 is answered (by node $x)" test "$x" -ge 1 -a "$x" -le 3
x=${x/none/1}
b=$(sn "$x" -s -j bucket show "$P" | jq -r '[.[] | select(.stats.rx_packets > 0) | .bucket] | join(" ")')
check "node $x's counters show one bucket with traffic ($b)" test "$(wc -w <<<"$b")" = 1
y=$((x % 3 + 1))
check "bucket set $P $b node $y, on every node" on_nodes "1 2 3" bucket set "$P" "${b%% *}" node "$y"
check_eq "a new connection from 192.0.2.203 goes to node $y" "$y" \
	"$(client tcp "$P" 80 --count 1 --sources 192.0.2.203 --port-set 3 | awk '{ print $3 }')"
check "bucket set $P $b node auto, on every node" on_nodes "1 2 3" bucket set "$P" "${b%% *}" node auto
check_eq "... and unpinned, back to node $x" "$x" \
	"$(client tcp "$P" 80 --count 1 --sources 192.0.2.203 --port-set 4 | awk '{ print $3 }')"

ktap_finish
