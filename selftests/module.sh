#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's life cycle: repeated load and unload, unload while
# namespaces hold configuration and a listener is subscribed, and
# namespaces deleted with state present.
#
#   n1 (eth0) --+
#   n2 (eth0) --+-- br0 (switch namespace)
#   n3 (eth0) --+

source "$(dirname "$0")/lib.sh"

ktap_plan 12


loaded() { grep -q '^shoal ' /proc/modules; }
family_visible() { shoal node show >/dev/null 2>&1; }

check "the module is loaded and its family answers" family_visible

# each round also exercises the family, so a half-registered one shows
rounds=0
for i in $(seq 1 20); do
	rmmod shoal || break
	loaded && break
	selftests/vm/shoal-load || break
	shoal node add 1 && shoal node show 1 >/dev/null || break
	rounds=$((rounds + 1))
done
check_eq "20 rounds of unload, load and use" 20 "$rounds"

make_cluster 3
for i in 1 2 3; do
	shoal -n "$(ns "$i")" cluster set dev eth0 node "$i"
	for j in 1 2 3; do shoal -n "$(ns "$i")" node add "$j"; done
done
events=$(mktemp)
add_cleanup "rm -f $events"
in_ns 1 selftests/shoal-nl listen 1 60 >"$events" &
listener=$!
wait_for 5000 grep -q ready "$events"
check "a listener is subscribed to events" kill -0 "$listener"
check "unload while it is and three namespaces hold configuration" \
	rmmod shoal
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
check "load again" selftests/vm/shoal-load
check_eq "a new load starts with no nodes" "[]" \
	"$(shoal -n "$(ns 1)" -j node show)"
check_eq "... and no cluster settings" "null" \
	"$(shoal -n "$(ns 1)" -j cluster show | jq -r '.[0].node')"

# a namespace deleted with state in it: its state must go with it (the
# module warns at unload about any node it still holds)
shoal -n "$(ns 1)" node add 1
ip netns add shoal-$$-gone
add_cleanup "ip netns del shoal-$$-gone 2>/dev/null"
ip -n shoal-$$-gone link add dummy0 type dummy
shoal -n shoal-$$-gone cluster set dev dummy0 node 5
for j in $(seq 1 255); do echo "node add $j"; done |
	shoal -n shoal-$$-gone -b -
check_eq "a namespace holds 255 nodes" 255 \
	"$(shoal -n shoal-$$-gone -j node show | jq length)"
check "delete that namespace" ip netns del shoal-$$-gone
check_eq "the other namespaces are untouched" "1" \
	"$(shoal -n "$(ns 1)" -j node show | jq -r 'map(.id) | join(",")')"
check "unload after deleting a namespace with state" \
	wait_for 10000 rmmod shoal
check "load once more, for the rest of the run" selftests/vm/shoal-load

ktap_finish
