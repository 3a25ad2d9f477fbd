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
#   - a client on a node reaches the service there, whoever owns its bucket.
#
#   n1 (eth0) --+
#   n2 (eth0) --+-- br0 (switch namespace) -- (eth0) cl 192.0.2.200
#
# Service 192.0.2.80 UDP 53 on both nodes; persona "web" (198.51.100.10)
# active on node 1. Each node runs selftests/responder.py on UDP 53.

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 9

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

ktap_finish
