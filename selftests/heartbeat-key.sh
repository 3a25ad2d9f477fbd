#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: no xdp (about heartbeat keys)
#
# A change of the cluster key, made one node at a time, declares nobody
# down: a node given a new key sends under the old one, saying it has the
# new, until every node it hears has said so too; then all send under the
# new one and the old is taken for dead intervals more, then forgotten.
# Documentation/heartbeats.md, "Changing the key".
#
#   n1, n2, n3 (eth0) --- br0 (switch namespace)
#
# Three nodes share key A and serve 192.0.2.100. They are given key B one
# by one, 1.5 s apart (two and a half dead times at interval 100, dead 6:
# a dead time long enough that the emulated VM's stalls make no flap,
# which would be taken for a failure of the change). Every
# node's monitor runs throughout: not one node goes down. Then frames
# under key A, forged from node 3's namespace, are another cluster's. A
# key is forgotten with "key none" only once heartbeats stopped.

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 21

S=192.0.2.100
make_cluster 3
tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"
(umask 077 && shoal key generate >"$tmp/a" && shoal key generate >"$tmp/b")

# changes: how the key change stands on nodes 1, 2 and 3
changes() { for i in 1 2 3; do sn "$i" -j cluster show; done | jq -r -s 'map(.[0].key_change) | join(" ")'; }
# hb_stat NAME: that heartbeat counter on nodes 1, 2 and 3
hb_stat() { for i in 1 2 3; do sn "$i" -s -j cluster show; done | jq -r -s --arg n "$1" 'map(.[0].stats[$n]) | join(" ")'; }
# window: two and a half dead times, for what must not happen
window() { read -r -t 1.5 -u "$_LIB_SLEEP_FD" _ || true; }
# downs: node down events in all monitors so far
downs() { cat "$tmp"/mon.* | jq -r 'select(.object == "node" and .event == "down") | "\(.id) down (\(.reason))"'; }

for i in 1 2 3; do
	printf '%s\n' "cluster set dev eth0 node $i key $tmp/a interval 100 dead 6" "node add 1" "node add 2" \
		"node add 3" "service add $S" | sn "$i" -b -
done
check "all three nodes up under key A" wait_for 5000 all_up
for i in 1 2 3; do
	ip netns exec "$(ns "$i")" shoal -j monitor >"$tmp/mon.$i" 2>&1 &
	add_cleanup "kill $! 2>/dev/null"
	# shellcheck disable=SC2016 # expanded by eval, each time
	wait_for 10000 eval 'sn '"$i"' cluster set node '"$i"' && grep -q "\"object\":\"cluster\"" "$tmp/mon.'"$i"'"' ||
		diag "monitor on node $i did not start: $(cat "$tmp/mon.$i")"
done
check_eq "one key on every node: nothing changing" "steady steady steady" "$(changes)"

# --- one node at a time --------------------------------------------------
sn 1 cluster set key "$tmp/b"
check_eq "node 1 given key B: it sends under A while the others have not got B" \
	"spreading steady steady" "$(changes)"
window
check_eq "... 1.5 s later, all up everywhere" "$ALL_UP" "$(states)"
sn 2 cluster set key "$tmp/b"
window
check_eq "node 2 given key B too: both still send under A (node 3 has only A)" \
	"spreading spreading steady" "$(changes)"
check_eq "... 1.5 s later, all up everywhere" "$ALL_UP" "$(states)"
sn 3 cluster set key "$tmp/b"
# retiring for dead intervals (600 ms), then steady
steady() { [ "$(changes)" = "steady steady steady" ]; }
check "node 3 given key B: every node sends under B, A forgotten" wait_for 5000 steady
last_ok || diag "key changes: $(changes)"
window
check_eq "... all up everywhere" "$ALL_UP" "$(states)"
check_eq "no node went down on any node during the change" "" "$(downs)"
check_eq "no frame of another key heard (foreign), on any node" "0 0 0" "$(hb_stat foreign)"
check_eq "no frame rejected, on any node" "0 0 0" "$(hb_stat rejected)"

# --- the old key is another cluster's now --------------------------------
before=$(hb_stat foreign)
check "5 frames of node 3 under key A sent from node 3's namespace" \
	in_ns 3 selftests/hb-forge.py --key "$tmp/a" claim 3 --count 5
grows() {
	local b n
	read -r -a b <<<"$before"
	read -r -a n <<<"$(hb_stat foreign)"
	[ "${n[0]}" -ge $((b[0] + 5)) ] && [ "${n[1]}" -ge $((b[1] + 5)) ]
}
check "nodes 1 and 2 count them as another cluster's (foreign)" wait_for 3000 grows
last_ok || diag "foreign before: $before, now: $(hb_stat foreign)"
check_eq "... and all stay up" "$ALL_UP" "$(states)"

# --- a change taken back before it went round -----------------------------
sn 1 cluster set key "$tmp/a"
check_eq "node 1 given key A again: it sends under B, spreading A" \
	"spreading steady steady" "$(changes)"
sn 1 cluster set key "$tmp/b"
check_eq "... and B again: nothing changing" "steady steady steady" "$(changes)"
window
check_eq "... all up everywhere, no node went down" "$ALL_UP " "$(states) $(downs)"

# --- forgetting the key ---------------------------------------------------
check_msg "key none while heartbeats run: refused" 1 \
	"Error: heartbeats run with the key: leave the cluster first." \
	sn 3 cluster set key none
check "node 3 leaves" sn 3 cluster leave
check "key none once it has left" sn 3 cluster set key none
check_msg "... heartbeat settings then need a key again" 1 \
	'Error: heartbeats need a key: make one with "shoal key generate".' \
	sn 3 cluster set interval 100

ktap_finish
