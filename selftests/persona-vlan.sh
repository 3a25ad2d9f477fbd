#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: alone (judges time)
#
# Personas' virtual LANs: members reach each other, before and after a
# member moves; non-members (a persona of another virtual LAN, a host on
# the plain segment) never do; frames forged for a member are dropped
# unless they come from its owner with the cluster key, and frames
# recorded on the wire cannot be sent again. Documentation/personas.md,
# "Virtual LANs".
#
#   n1 (eth0) --+
#   n2 (eth0) --+-- br0 (switch namespace)
#   n3 (eth0) --+
#   cl (eth0) --+   a plain host: 10.10.0.200/24
#
#   pa  vlan 10  10.10.0.1/24  nodes 1,2     (02:00:00:bb:00:01)
#   pb  vlan 10  10.10.0.2/24  nodes 2,1     (02:00:00:bb:00:02)
#   pc  vlan 20  10.10.0.3/24  nodes 3       (02:00:00:bb:00:03)
#
# All three are in one subnet on purpose: only the virtual LAN keeps pc
# and the plain host from pa and pb. Heartbeats every 50 ms.

# Conditions are written in single quotes, to be evaluated when polled.
# shellcheck disable=SC2016
# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 22

make_cluster 3
make_client cl 192.0.2.200/24 2001:db8::200/64
CL=$(ns cl)
ip -n "$CL" addr add 10.10.0.200/24 dev eth0
tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"
(umask 077 && shoal key generate >"$tmp/key")

# reach N SRC DST [SIZE]: on node N, from persona address SRC, DST
# answers a ping (by source address, not device: two personas on one
# node reach each other through its local routes)
reach() { ip netns exec "$(ns "$1")" ping -c 1 -W 1 -I "$2" -s "${4:-56}" "$3" >/dev/null 2>&1; }
# reach_soon N DEV ADDR: ... within a few tries (ARP first)
reach_soon() { local i; for i in 1 2 3; do reach "$@" && return 0; done; return 1; }
owner() { sn "$1" -j persona show "$2" | jq -r '.[0].owner'; }
all_owners() { local i; for i in 1 2 3; do
	echo "$(owner "$i" pa)$(owner "$i" pb)$(owner "$i" pc)"; done | paste -sd' '; }
# echo_replies N: echo replies node N has sent (nstat, absolute)
echo_replies() { ip netns exec "$(ns "$1")" nstat -az IcmpOutEchoReps | awk '$1 == "IcmpOutEchoReps" { print $2 }'; }

for i in 1 2 3; do
	printf '%s\n' "node add 1" "node add 2" "node add 3" \
		"cluster set dev eth0 node $i key $tmp/key interval 50 quorum on" \
		"persona add pa mac 02:00:00:bb:00:01 vlan 10 addr 10.10.0.1/24 nodes 1,2" \
		"persona add pb mac 02:00:00:bb:00:02 vlan 10 addr 10.10.0.2/24 nodes 2,1" \
		"persona add pc mac 02:00:00:bb:00:03 vlan 20 addr 10.10.0.3/24 nodes 3" |
		sn "$i" -b - 2>/dev/null
done
# the nodes started one after the other: whoever came first may hold more
# than its share; planned moves put each persona on its first node
all_up() { local i; for i in 1 2 3; do sn "$i" -j node show; done |
	jq -e -s 'map(map(.state == "up") | all) | all' >/dev/null; }
wait_for 5000 all_up || diag "nodes: $(sn 1 node show)"
placed() { local n p o; for p in pa:1 pb:2 pc:3; do
		n=${p#*:}; o=$(owner "$n" "${p%:*}")
		[ "$o" = "$n" ] || sn "$n" persona takeover "${p%:*}" 2>/dev/null
	done; [ "$(all_owners)" = "123 123 123" ]; }
check "every node agrees: pa on 1, pb on 2, pc on 3" wait_for 5000 placed
last_ok || diag "owners: $(all_owners)"
check_eq "a member's interface leaves room for the encapsulation" "1460" \
	"$(ip -n "$(ns 1)" -j link show pa | jq '.[0].mtu')"

# --- members reach each other; nobody else reaches them --------------------
check "pa (node 1) reaches pb (node 2)" reach_soon 1 10.10.0.1 10.10.0.2
check "pb reaches pa" reach_soon 2 10.10.0.2 10.10.0.1
check "... with full-size frames" reach 2 10.10.0.2 10.10.0.1 1432
check_fail "pc, of another virtual LAN, does not reach pa" reach_soon 3 10.10.0.3 10.10.0.1
check_fail "pa does not reach pc" reach_soon 1 10.10.0.1 10.10.0.3
check_fail "a plain host does not reach pa" \
	ip netns exec "$CL" ping -c 3 -i 0.3 -W 1 10.10.0.1
check_eq "... nor gets an ARP answer for it" "# replies 0" \
	"$(ip netns exec "$CL" selftests/client.py arp eth0 10.10.0.1 --wait 0.5 | tail -1)"

# --- recorded frames, sent again ---------------------------------------------
# Node 3 records a frame pa sends to the whole virtual LAN (an ARP request
# for pb, pa having forgotten it), then sends it again: as it was (a
# replay) and readdressed to pb (the tag covers the addresses). Node 2
# refuses both, and counts them as dropped on its eth0.
drops() { ip -n "$(ns 2)" -s -j link show eth0 | jq '.[0].stats64.rx.dropped'; }
ip netns exec "$(ns 3)" selftests/vlan-forge.py --dev eth0 --record 02:00:00:bb:00:01 \
	>"$tmp/frame" 2>"$tmp/record.err" &
recorder=$!
wait_for 5000 grep -q ready "$tmp/record.err"
ip -n "$(ns 1)" neigh flush dev pa
reach_soon 1 10.10.0.1 10.10.0.2
wait "$recorder"
frame=$(cat "$tmp/frame")
check "node 3 recorded a frame pa sent to the virtual LAN" grep -qE '^f{12}020000bb0001' <<<"$frame"
# resent FRAME: node 2 counted exactly one more frame dropped after it
resent() { local before; before=$(drops)
	ip netns exec "$(ns 3)" selftests/vlan-forge.py --dev eth0 --send "$1" >/dev/null
	wait_for 2000 eval '[ "$(drops)" -gt '"$before"' ]'
	[ "$(($(drops) - before))" = 1 ]; }
check "the frame sent again as it was: refused, counted" resent "$frame"
check "... readdressed to pb: refused, counted" resent "020000bb0002${frame:12}"

# --- forged frames ----------------------------------------------------------
# forge ARGS...: from node 3's wire, an echo request "from pa" to pb
forge() { ip netns exec "$(ns 3)" selftests/vlan-forge.py --dev eth0 --key "$tmp/key" \
	--src 02:00:00:bb:00:01 --dst 02:00:00:bb:00:02 --vlan 10 \
	--from 10.10.0.1 --to 10.10.0.2 "$@" >/dev/null; }
epoch_pa=$(sn 2 -j persona show pa | jq '.[0].epoch')
# delivered N ARGS...: node 2 answered N echo requests after forge ARGS
# (pb took the frame); for 0, it had a second to do so
delivered() { local before; before=$(echo_replies 2); forge "${@:2}"
	wait_for 1000 eval '[ "$(echo_replies 2)" -gt '"$before"' ]'
	[ "$(($(echo_replies 2) - before))" = "$1" ]; }
check "as pa's owner (node 1), with the key: delivered (the frame is right)" \
	delivered 1 --node 1 --epoch "$epoch_pa"
check "the same frame again: dropped (a replay)" delivered 0 --node 1 --epoch "$epoch_pa"
check "claiming node 3, not pa's owner: dropped" delivered 0 --node 3 --epoch "$epoch_pa" --nonce 1
check "at an old epoch: dropped" delivered 0 --node 1 --epoch $((epoch_pa - 1))
check "without the key: dropped" delivered 0 --node 1 --epoch "$epoch_pa" --bad-tag
check "in another virtual LAN: dropped" delivered 0 --node 1 --epoch "$epoch_pa" --vlan 20

# --- pb's node dies: pb moves to node 1, the LAN follows ---------------------
ip -n "$(ns 2)" link set eth0 down
check "pb moves to node 1" wait_for 3000 eval '[ "$(owner 1 pb)$(owner 3 pb)" = 11 ]'
check "pa still reaches pb (both on node 1 now)" reach_soon 1 10.10.0.1 10.10.0.2
check_fail "pc still does not reach pb" reach_soon 3 10.10.0.3 10.10.0.2
ip -n "$(ns 2)" link set eth0 up
check "node 2 back: pb stays on node 1, node 2's copy down" \
	wait_for 3000 eval '[ "$(owner 2 pb)" = 1 ] && ! ip -n "$(ns 2)" link show pb | grep -q ",UP"'

ktap_finish
