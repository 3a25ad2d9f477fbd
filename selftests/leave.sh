#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: no xdp (about membership, not the packet path)
#
# A node that goes away says so: the others count it down at once, reason
# "left", not after the dead time (reason "timeout"), and take its buckets.
# What one VM's namespaces can show ("cluster leave" is in hold.sh; module
# unload, reboot and panic need VMs of their own: cluster/departure.guest):
#   a. node 3's cluster device is removed;
#   b. it gets a new one, and is a member again (a new boot);
#   c. node 3's namespace is deleted;
#   d. control: node 2's cluster device is set down, which is a failure
#      like any other: node 1 counts it down after the dead time, reason
#      "timeout".
#
#   n1..n3 (eth0, and VLAN 10 on it: clu) --+-- br0 (switch namespace)
#
# The cluster device is VLAN 10 on eth0: a VLAN device removed leaves eth0
# able to send the goodbye, where a veth removed has lost its peer before
# anyone is told (Documentation/services.md). Heartbeats every 100 ms,
# dead 10: a second of silence before a failure is counted.

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 10

S=192.0.2.100
make_cluster 3
tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"
(umask 077 && shoal key generate >"$tmp/key")

# node_start I: node I's VLAN device, heartbeats on it
node_start() {
	printf '%s\n' "link add link eth0 name clu type vlan id 10" "link set clu up" |
		ip -n "$(ns "$1")" -batch - &&
		sn "$1" cluster set dev clu node "$1" key "$tmp/key" interval 100 dead 10
}
for i in 1 2 3; do
	node_start "$i"
	printf '%s\n' "node add 1" "node add 2" "node add 3" "service add $S" | sn "$i" -b -
done
for i in 1 2; do
	TZ=UTC0 ip netns exec "$(ns "$i")" shoal -j monitor >"$tmp/mon.$i" 2>&1 &
	add_cleanup "kill $! 2>/dev/null"
done
check "three nodes up everywhere" wait_for 20000 all_see "1 2 3" "1=up,2=up,3=up"

# downs ID NODE: the reasons node NODE's monitor gave for node ID down,
# since line FROM[NODE]
declare -A FROM=()
downs() {
	tail -n +"$((FROM[$2] + 1))" "$tmp/mon.$2" |
		jq -r 'select(.object == "node" and .event == "down" and .id == '"$1"') | .reason' |
		paste -sd,
}
down_on() { [ -n "$(downs "$1" "$2")" ]; }
mark() { local i; for i in 1 2; do FROM[$i]=$(wc -l <"$tmp/mon.$i"); done; }
# owns_none ID NODE: node ID owns no bucket in node NODE's table
owns_none() { ! sn "$2" bucket show "$S" | awk -v id="$1" '$4 == id { f = 1 } END { exit !f }'; }

# left WHAT: nodes 1 and 2 counted node 3 down, reason left, and took its
# buckets
left() {
	local i
	for i in 1 2; do
		wait_for 5000 down_on 3 "$i"
		check_eq "$1: node $i counted node 3 down, reason left" left "$(downs 3 "$i")"
	done
	check "$1: no bucket of node 3 in node 1's or node 2's table" \
		wait_for 5000 eval 'owns_none 3 1 && owns_none 3 2'
}

# --- a. the cluster device removed
mark
ip -n "$(ns 3)" link del clu
left "device removed"

# --- b. a new device: a new boot, a member again
check "new device: node 3 configured on it" node_start 3
check "new device: three nodes up everywhere" wait_for 20000 all_see "1 2 3" "1=up,2=up,3=up"

# --- c. the namespace deleted
mark
ip netns del "$(ns 3)"
left "namespace deleted"

# --- d. control: a device set down is a failure, noticed by its silence
mark
ip -n "$(ns 2)" link set clu down
wait_for 10000 down_on 2 1
check_eq "device set down: node 1 counted node 2 down, reason timeout" timeout "$(downs 2 1)"

ktap_finish
