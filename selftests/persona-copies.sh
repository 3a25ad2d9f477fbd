#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: no xdp (what reaches persona interfaces; XDP only drops earlier)
#
# A persona beside a service: what the cluster device receives for the
# node or a service is not copied into the persona's interface as well.
#   - a UDP service's datagrams are judged once per node: counted once,
#     answered once;
#   - an ARP request for a node's own address is answered once, with the
#     node's MAC, not also by the persona's interface with its virtual MAC;
#   - a client on a node reaches the service there, whoever owns its bucket;
#   - and what the node sends: its ARP requests out of the cluster device
#     never name a shared address (the service's, a persona's) as their
#     sender, but the node's own address, or none (kernel/arp_out.c).
#
#   n1 (eth0) --+
#   n2 (eth0) --+-- br0 (switch namespace) -- (eth0) cl 192.0.2.200
#
# Service 192.0.2.80 UDP 53 on both nodes; persona "web" (198.51.100.10)
# active on node 1. Each node runs selftests/responder.py on UDP 53.

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 18

S=192.0.2.80
VMAC=02:00:00:aa:00:01
make_cluster 2
make_client cl 192.0.2.200 2001:db8::200
CL=$(ns cl)
make_scratch
run_node 1 --udp 53
run_node 2 --udp 53
start_nodes "1 2"
for i in 1 2; do
	printf '%s\n' "node add 1" "node add 2" "service add $S proto udp port 53" \
		"persona add web mac $VMAC addr 198.51.100.10/24 nodes 1,2" | sn "$i" -b -
done
web_on_1() { [ "$(sn 1 -j persona show web | jq -r '.[0].state')" = active ]; }
check "persona web is active on node 1" wait_for 10000 web_on_1

# rx + dropped on node N, and rx alone
counts() { sn "$1" -s -j service show "$S" | jq -r '.[0].stats | "\(.rx_packets + .dropped_packets) \(.rx_packets)"'; }
read -r seen1 rx1 <<<"$(counts 1)"
read -r seen2 rx2 <<<"$(counts 2)"
out=$(ip netns exec "$CL" selftests/client.py udp "$S" 53 --count 40 \
	--sources 192.0.2.200 --port-set 1 2>/dev/null)
check_eq "40 datagrams to the service, 40 answers" 40 "$(grep -cv ' none$' <<<"$out")"
read -r s1 r1 <<<"$(counts 1)"
read -r s2 r2 <<<"$(counts 2)"
check_eq "... each judged once on each node, node 1 (the persona's) too" "40 40" \
	"$((s1 - seen1)) $((s2 - seen2))"
check_eq "... and kept by one node in all" 40 "$((r1 - rx1 + r2 - rx2))"

mac1=$(ip -n "$(ns 1)" -j link show eth0 | jq -r '.[0].address')
# ask ADDR: "reply MAC" for each ARP answer the client gets for ADDR
ask() { ip netns exec "$CL" selftests/client.py arp eth0 "$1" | awk '$1 == "reply" { print $1, $3 }'; }
check_eq "an ARP request for node 1's address: one answer, node 1's MAC" \
	"reply $mac1" "$(ask 192.0.2.1)"
check_eq "an ARP request for the persona's address: one answer, its MAC" \
	"reply $VMAC" "$(ask 198.51.100.10)"

# from the node itself, to the service on lo: every bucket, owned or not
for i in 1 2; do
	out=$(ip netns exec "$(ns "$i")" selftests/client.py udp "$S" 53 --count 20 \
		--sources "192.0.2.$i" --port-set 2 2>/dev/null)
	check_eq "a client on node $i: 20 datagrams, answered by node $i" 20 \
		"$(grep -c " $i\$" <<<"$out")"
done
check "the persona stayed on node 1" web_on_1

# --- ARP requests the node sends (kernel/arp_out.c) -------------------------
# A request out of the cluster device must not name a shared address (a
# service's, or a persona's in the device's subnet) as its sender beside
# the node's MAC: whoever heard it would send that address's traffic to
# this node alone. Each case below asks for an address of the client's of
# its own (.210-.214), so no neighbour entry hides a request; the client
# captures the requests, and with locktime 0 takes every sender it hears
# into its neighbour table at once, as any host may.
for a in 210 211 212 213 214; do echo "addr add 192.0.2.$a/24 dev eth0"; done |
	ip -n "$CL" -batch -
ip netns exec "$CL" sysctl -qw net.ipv4.neigh.eth0.locktime=0
# "TARGET SENDER SENDER_MAC" for each ARP request the client receives
ip netns exec "$CL" python3 -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind(("eth0", 0))
print("ready", file=sys.stderr, flush=True)
while True:
    f = s.recv(128)
    if len(f) >= 42 and f[20:22] == b"\0\1":
        print(socket.inet_ntoa(f[38:42]), socket.inet_ntoa(f[28:32]),
              ":".join("%02x" % b for b in f[22:28]), flush=True)
' >"$tmp/arp" 2>"$tmp/arp.err" &
add_cleanup "kill $! 2>/dev/null"
wait_for 10000 grep -q ready "$tmp/arp.err" || diag "capture: $(cat "$tmp/arp.err")"
# send_from N SRC DST [DEV]: one UDP datagram from node N, from SRC (through
# DEV) to DST port 9
send_from() {
	in_ns "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if len(sys.argv) > 3:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, sys.argv[3].encode())
s.bind((sys.argv[1], 0))
s.sendto(b"x", (sys.argv[2], 9))
' "${@:2}"
}
# asked TARGET: "SENDER SENDER_MAC" of the first request for TARGET
asked() { awk -v t="$1" '$1 == t { print $2, $3; exit }' "$tmp/arp"; }
asked_for() { [ -n "$(asked "$1")" ]; }
# neigh ADDR: the client's neighbour entry's MAC for ADDR
neigh() { ip -n "$CL" neigh show "$1" dev eth0 | awk '{ print $3 }'; }
SMAC=$(sn 1 -j service show "$S" | jq -r '.[0].mac')
mac2=$(ip -n "$(ns 2)" -j link show eth0 | jq -r '.[0].address')

# the service's address: the request names node 1's own
ip -n "$CL" neigh replace "$S" dev eth0 lladdr "$SMAC" nud stale
send_from 1 "$S" 192.0.2.210
wait_for 5000 asked_for 192.0.2.210 || true
check_eq "node 1 sends from the service address: its ARP request names node 1's address" \
	"192.0.2.1 $mac1" "$(asked 192.0.2.210)"
check_eq "... and the client still has the cluster MAC for the service" "$SMAC" "$(neigh "$S")"
# control: an address of node 1's alone is named as it is, and learnt
ip -n "$(ns 1)" addr add 192.0.2.99/32 dev lo
send_from 1 192.0.2.99 192.0.2.211
wait_for 5000 asked_for 192.0.2.211 || true
check_eq "control: from an address that is not shared, the request names it" \
	"192.0.2.99 $mac1" "$(asked 192.0.2.211)"
check_eq "... and the client takes it in (as it would the service's, were it named)" \
	"$mac1" "$(neigh 192.0.2.99)"

# a persona's address in the cluster device's subnet
VMAC2=02:00:00:aa:00:03
for i in 1 2; do sn "$i" persona add lan mac "$VMAC2" addr 192.0.2.60/24 nodes 1,2; done
lan_up() {
	[ "$(sn 1 -j persona show lan | jq -r '.[0].state')" = active ] &&
		ip -n "$(ns 1)" -o addr show dev lan | grep -q ' 192\.0\.2\.60/'
}
check "persona lan (192.0.2.60/24) is active on node 1, with its address" wait_for 10000 lan_up
ip -n "$CL" neigh replace 192.0.2.60 dev eth0 lladdr "$VMAC2" nud stale
send_from 1 192.0.2.60 192.0.2.212 eth0
wait_for 5000 asked_for 192.0.2.212 || true
check_eq "from the persona's address out of eth0: the request names node 1's address" \
	"192.0.2.1 $mac1" "$(asked 192.0.2.212)"
check_eq "... and the client still has the persona's MAC for it" "$VMAC2" "$(neigh 192.0.2.60)"
send_from 1 192.0.2.60 192.0.2.213 lan
wait_for 5000 asked_for 192.0.2.213 || true
check_eq "out of the persona's own interface it speaks as itself, with its MAC" \
	"192.0.2.60 $VMAC2" "$(asked 192.0.2.213)"

# nothing better than a shared address: a probe, naming no sender. Node 2's
# eth0 without its address; its only one left is the service's, on lo.
ip -n "$(ns 2)" addr flush dev eth0
ip -n "$(ns 2)" route add 192.0.2.214/32 dev eth0
send_from 2 0.0.0.0 192.0.2.214
wait_for 5000 asked_for 192.0.2.214 || true
check_eq "node 2, its only address the service's: the request is a probe (sender 0.0.0.0)" \
	"0.0.0.0 $mac2" "$(asked 192.0.2.214)"
last_ok || diag "requests the client got:" "$(cat "$tmp/arp")"

ktap_finish
