#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Services administered: bad input rejected with a clear message and
# nothing changed; a thousand services in one namespace; deletion leaving
# no trace (address, MAC, neighbour answers, traffic); the module unloaded
# while services exist and traffic flows; namespaces and devices deleted
# with services present.
#
#   n1 (eth0) --+
#   n2 (eth0) --+-- br0 (switch namespace) -- (eth0) cl 192.0.2.200-203
#   n3 (eth0) --+                                       2001:db8::200
#
# Node i is 192.0.2.i and 2001:db8::i on eth0 and runs
# selftests/responder.py (TCP 80, UDP 53). "gone" is a namespace of its
# own, with a dummy device, that is deleted with services in it.

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

# with XDP, four more (the module is in use while its programs are
# attached), and not the 44 of bad input: the requests are the same, and
# the packet path is not in them
ktap_plan $((91 + 4 * XDP_TEST - 44 * XDP_TEST))

make_cluster 3
make_client cl 192.0.2.200 2001:db8::200
CL=$(ns cl)
{
	printf 'addr add 192.0.2.%s/24 dev eth0\n' 201 202 203
	# the thousand services are in other prefixes, on the same link
	echo "route add 198.51.100.0/24 dev eth0"
	echo "route add 2001:db8:1::/64 dev eth0"
} | ip -n "$CL" -batch -
SRC4=192.0.2.200,192.0.2.201,192.0.2.202,192.0.2.203

tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"

client() { ip netns exec "$CL" selftests/client.py "$@"; }
lo_addrs() { ip -n "$(ns "$1")" -br addr show dev lo; }
maddrs() { ip -n "$(ns "$1")" maddr show dev eth0; }

members_with_responders --tcp 80 --udp 53

A4=192.0.2.100 A6=2001:db8::100 U4=192.0.2.101
check "service add $A4 proto tcp port 80, $U4 proto udp port 53, $A6 on nodes 1-3" \
	eval "on_nodes '1 2 3' service add $A4 proto tcp port 80 &&
	      on_nodes '1 2 3' service add $U4 proto udp port 53 &&
	      on_nodes '1 2 3' service add $A6"

# --- i. bad input ----------------------------------------------------------------
if [ "$XDP_TEST" = 0 ]; then
	# state: the services, their buckets and pins, lo's addresses, eth0's groups
	state() {
		sn 1 -j service show
		sn 1 -j bucket show "$A4" | jq -c 'map([.owner, .pin])'
		lo_addrs 1
		maddrs 1
	}
	before=$(state)
	NOT_DECLARED='Error: node list names a node that is not declared.'
	NO_NODE='Error: node does not exist.'
	NO_SERVICE='Error: no service for this address.'
	BAD_ADDR='Error: not a unicast address a service can use.'
	EXISTS='Error: a service for this address exists.'
	NODE_ID='Error: node id must be between 1 and 255.'
	BUCKETS='Error: bucket count must be between 1 and 65536.'
	PORT='Error: port must be between 1 and 65535, or "all" for every port.'
	# 1: the kernel refused; 2: the tool did, before asking it
	check_msg "nodes: a node that is not declared" 1 "$NOT_DECLARED" \
		sn 1 service add 192.0.2.120 nodes 1,9
	check_msg "service set: a node that is not declared" 1 "$NOT_DECLARED" \
		sn 1 service set "$A4" nodes 2,9
	check_msg "nodes: node id 0" 2 "$NODE_ID" sn 1 service add 192.0.2.120 nodes 0,1
	check_msg "nodes: node id 256" 2 "$NODE_ID" sn 1 service add 192.0.2.120 nodes 256
	check_msg "nodes: not a list" 2 \
		'Error: "1,,x" is not a valid node list; expected node ids separated by commas, as in 1,2,3.' \
		sn 1 service add 192.0.2.120 nodes 1,,x
	check_msg "bucket set: bucket 1024 of 1024" 1 \
		'Error: bucket out of range for this service.' \
		sn 1 bucket set "$A4" 1024 node 1
	check_msg "bucket set: bucket 65536, more than any service has" 2 \
		'Error: bucket number must be between 0 and 65535.' \
		sn 1 bucket set "$A4" 65536 node 1
	check_msg "bucket set: bucket -1" 2 'Error: "-1" is not a valid bucket number.' \
		sn 1 bucket set "$A4" -1 node 1
	check_msg "bucket set: a node that does not exist" 1 "$NO_NODE" \
		sn 1 bucket set "$A4" 0 node 9
	check_msg "bucket set: node 256" 2 "$NODE_ID" sn 1 bucket set "$A4" 0 node 256
	check_msg "bucket set: node 0" 2 \
		'Error: "0" is not a valid node; expected a node id or "auto".' \
		sn 1 bucket set "$A4" 0 node 0
	check_msg "the same address twice" 1 "$EXISTS" sn 1 service add "$A4"
	check_msg "the same address twice, other options" 1 "$EXISTS" \
		sn 1 service add "$A4" proto udp port 53 buckets 16
	check_msg "the same IPv6 address twice, spelt differently" 1 "$EXISTS" \
		sn 1 service add 2001:0db8:0:0::0100
	for a in 127.0.0.1 224.0.0.1 0.0.0.0 255.255.255.255 ff02::1 fe80::1 ::1 :: ::ffff:192.0.2.120; do
		check_msg "address $a is refused" 1 "$BAD_ADDR" sn 1 service add "$a"
	done
	check_msg "not an address" 2 'Error: "192.0.2.300" is not a valid IPv4 or IPv6 address.' \
		sn 1 service add 192.0.2.300
	check_msg "buckets 0" 2 "$BUCKETS" sn 1 service add 192.0.2.120 buckets 0
	check_msg "buckets 65537" 2 "$BUCKETS" sn 1 service add 192.0.2.120 buckets 65537
	check_msg "buckets 99999999999" 2 "$BUCKETS" \
		sn 1 service add 192.0.2.120 buckets 99999999999
	check_msg "an unknown hash" 2 \
		'Error: "dport" is not a valid hash; expected saddr, saddr-sport or saddr-sport-dport.' \
		sn 1 service add 192.0.2.120 hash dport
	check_msg "an unknown protocol" 2 \
		'Error: "icmp" is not a valid protocol; expected tcp, udp or any.' \
		sn 1 service add 192.0.2.120 proto icmp
	check_msg "port 65536" 2 "$PORT" sn 1 service add 192.0.2.120 proto tcp port 65536
	check_msg "port 0 (every port is \"all\")" 2 "$PORT" \
		sn 1 service add 192.0.2.120 proto tcp port 0
	check_msg "a MAC that is not multicast" 1 \
		'Error: cluster MAC must be multicast (and not broadcast).' \
		sn 1 service add 192.0.2.120 mac 02:00:00:00:00:01
	check_msg "a MAC that is not a MAC" 2 \
		'Error: "03:00:00:00:01" is not a valid MAC address; expected xx:xx:xx:xx:xx:xx.' \
		sn 1 service add 192.0.2.120 mac 03:00:00:00:01
	check_msg "a device that does not exist" 2 'Error: device "nosuch" does not exist.' \
		sn 1 service add 192.0.2.120 dev nosuch
	check_msg "a device that is not Ethernet (lo)" 1 \
		'Error: device is not an Ethernet device.' \
		sn 1 service add 192.0.2.120 dev lo
	check_msg "an option given twice" 2 'Error: "port" is given twice.' \
		sn 1 service add 192.0.2.120 port 1 port 2
	for cmd in "service del" "service set" "service show" "bucket show"; do
		extra=
		[ "$cmd" != "service set" ] || extra="nodes 1"
		# shellcheck disable=SC2086 # words on purpose
		check_msg "$cmd of an address with no service" 1 "$NO_SERVICE" \
			sn 1 $cmd 192.0.2.120 $extra
	done
	check_msg "bucket set of an address with no service" 1 "$NO_SERVICE" \
		sn 1 bucket set 192.0.2.120 0 node 1
	check_msg "service add without CAP_NET_ADMIN" 1 'Error: Operation not permitted.' \
		in_ns 1 unshare -U -r shoal service add 192.0.2.120
	check_msg "bucket set without CAP_NET_ADMIN" 1 'Error: Operation not permitted.' \
		in_ns 1 unshare -U -r shoal bucket set "$A4" 0 node 2
	check_eq "rejected requests changed nothing (services, buckets, lo, eth0 groups)" \
		"$before" "$(state)"
fi

ip netns add "${NS_PREFIX}gone"
add_cleanup "ip netns del ${NS_PREFIX}gone 2>/dev/null"
printf '%s\n' "link set lo up" "link add dummy0 type dummy" "link set dummy0 up" |
	ip -n "${NS_PREFIX}gone" -batch -
check_msg "no device given and no cluster device" 1 \
	'Error: no device: give one or set the cluster device.' \
	shoal -n "${NS_PREFIX}gone" service add 192.0.2.150
check_eq "... changed nothing there" "[] 0" \
	"$(shoal -n "${NS_PREFIX}gone" -j service show) $(ip -n "${NS_PREFIX}gone" -br addr show dev lo | grep -c 192.0.2.150)"

# --- a thousand services in one namespace -------------------------------------
# Documentation prefixes only: 254 + 170 IPv4 addresses, the rest IPv6.
# Node 1 serves them alone (nodes 1): it owns every bucket.
many=$(
	for x in $(seq 1 254); do echo "198.51.100.$x"; done
	for x in $(seq 10 99) $(seq 120 199); do echo "192.0.2.$x"; done
	for x in $(seq 1 576); do printf '2001:db8:1::%x\n' "$x"; done
)
# shellcheck disable=SC2086 # one address a word
printf 'service add %s nodes 1\n' $many >"$tmp/add"
# shellcheck disable=SC2086
printf 'service del %s\n' $many >"$tmp/del"
check_eq "1000 addresses to serve" 1000 "$(wc -l <<<"$many")"
check "batch: service add of 1000 services" sn 1 -b "$tmp/add"
check_eq "service show -j lists 1003" 1003 "$(sn 1 -j service show | jq length)"
check_eq "... each once, all 1000 new ones with node 1 owning all 1024 buckets" "1000" \
	"$(sn 1 -j service show | jq '[.[] | select(.nodes == [1] and (.owned_buckets | length) == 1024)] | length')"
# lo: 127.0.0.1, ::1 and the three first services' addresses, and these
check_eq "lo holds the 1000 addresses" 1005 "$(ip -n "$(ns 1)" addr show dev lo | grep -cE 'inet6? ')"
check_eq "TCP to 198.51.100.77: 20 connections, all answered by node 1" "20" \
	"$(client tcp 198.51.100.77 80 --count 20 --sources "$SRC4" --port-set 0 | grep -c ' 1$')"
check_eq "UDP to 2001:db8:1::1c8: 20 datagrams, all answered by node 1" "20" \
	"$(client udp 2001:db8:1::1c8 53 --count 20 --sources 2001:db8::200 --port-set 0 | grep -c ' 1$')"
check "batch: service del of the 1000" sn 1 -b "$tmp/del"
check_eq "the three first services remain" "$A4 $U4 $A6" \
	"$(sn 1 -j service show | jq -r 'map(.address) | sort | join(" ")')"
check_eq "lo holds none of the 1000 addresses" 5 "$(ip -n "$(ns 1)" addr show dev lo | grep -cE 'inet6? ')"
# an address someone put on lo before its service is theirs: it stays
ip -n "$(ns 1)" addr add 198.51.100.250/32 dev lo
sn 1 service add 198.51.100.250 && sn 1 service del 198.51.100.250
check "an address on lo before its service stays there after service del" \
	grep -q ' 198.51.100.250/32' <<<"$(lo_addrs 1)"
ip -n "$(ns 1)" addr del 198.51.100.250/32 dev lo

# --- h. deletion leaves no trace --------------------------------------------------
MAC4=$(sn 1 -j service show "$A4" | jq -r '.[0].mac')
MAC6=$(sn 1 -j service show "$A6" | jq -r '.[0].mac')
check_eq "before: $A4 served, 10 connections answered" 10 \
	"$(client tcp "$A4" 80 --count 10 --sources "$SRC4" --port-set 1 | grep -c ' [123]$')"
check "service del $A4 and $A6 on nodes 1-3" \
	eval "on_nodes '1 2 3' service del $A4 && on_nodes '1 2 3' service del $A6"
for i in 1 2 3; do
	check_eq "node $i: $A4 and $A6 no longer on lo" "" \
		"$(lo_addrs "$i" | grep -oE "$A4|$A6")"
	check_eq "node $i: eth0 has left the groups of $MAC4, $MAC6, and $A6's solicited node" "" \
		"$(maddrs "$i" | grep -iE "$MAC4|$MAC6|33:33:ff:00:01:00")"
	check_eq "node $i: service show lists only $U4" "$U4" \
		"$(sn "$i" -j service show | jq -r 'map(.address) | join(" ")')"
done
check_msg "service show $A4 says there is none" 1 'Error: no service for this address.' \
	sn 1 service show "$A4"
check_eq "an ARP request for $A4 gets no answer" "# replies 0" \
	"$(client arp eth0 "$A4" --wait 0.5)"
check_eq "a neighbour solicitation for $A6 gets no answer" "# replies 0" \
	"$(client ndisc eth0 "$A6" --wait 0.5)"
# The client may still have the service MAC for the address (its frames
# then reach every node, and none has the address) or may ask again (and
# get no answer): either way no connection is made.
check_eq "10 connections to $A4: none answered" "10" \
	"$(client tcp "$A4" 80 --count 10 --sources "$SRC4" --port-set 2 --timeout 5 | grep -c ' none$')"
check_eq "10 connections to $A6: none answered" "10" \
	"$(client tcp "$A6" 80 --count 10 --sources 2001:db8::200 --port-set 0 --timeout 5 | grep -c ' none$')"
check "service add $A4 again" on_nodes "1 2 3" service add "$A4" proto tcp port 80
check_eq "... served again: 10 connections answered" 10 \
	"$(client tcp "$A4" 80 --count 10 --sources "$SRC4" --port-set 3 | grep -c ' [123]$')"

# --- h. unloading the module with services and traffic --------------------------
# Traffic from the client in a loop until $tmp/stop exists: UDP to $U4,
# TCP to $A4.
ip netns exec "$CL" bash -c "
	k=10
	while [ ! -e $tmp/stop ]; do
		selftests/client.py udp $U4 53 --count 200 --sources $SRC4 --timeout 0.3 \
			--parallel 8 >>$tmp/loop.out 2>&1
		selftests/client.py tcp $A4 80 --count 50 --sources $SRC4 --timeout 0.3 \
			--parallel 8 --port-set \$k >>$tmp/loop.out 2>&1
		k=\$(( k < 49 ? k + 1 : 10 ))
	done" &
loop=$!
add_cleanup "touch $tmp/stop; wait $loop 2>/dev/null"
rx() { sn "$1" -s -j service show "$U4" | jq '.[0].stats.rx_packets + .[0].stats.dropped_packets'; }
# shellcheck disable=SC2016 # expanded by eval, each time
wait_for 20000 eval '[ "$(rx 1)" -gt 100 ]'
check "traffic is flowing ($(rx 1) datagrams seen by node 1)" test "$(rx 1)" -gt 100
# kmod's rmmod, while something holds the module
IN_USE='rmmod: ERROR: Module shoal is in use'
if [ "$XDP_TEST" = 1 ]; then
	check_msg "rmmod refused while XDP programs call into the module" 1 "$IN_USE" rmmod shoal
	check "xdp off everywhere takes the programs off the devices" xdp_off_everywhere
fi
check "rmmod shoal with services and traffic in three namespaces" rmmod shoal
check "the module is gone" eval '! grep -q "^shoal " /proc/modules'
touch "$tmp/stop"
wait "$loop"
diag "client loop: $(grep -c '^#' "$tmp/loop.out") runs, $(grep -c ' none$' "$tmp/loop.out") without answer"

check "load the module again" selftests/vm/shoal-load
check_eq "a new load starts with no services" "[]" "$(sn 1 -j service show)"
for i in 1 2 3; do
	printf '%s\n' "cluster set dev eth0 node $i" "node add 1" "node add 2" "node add 3" |
		sn "$i" -b -
done
# the tool put the addresses on lo; nobody took them away
check "service add $A4 again, its address still on lo from before the unload" \
	on_nodes "1 2 3" service add "$A4" proto tcp port 80
check_eq "... served: 10 connections answered" 10 \
	"$(client tcp "$A4" 80 --count 10 --sources "$SRC4" --port-set 4 | grep -c ' [123]$')"

# --- devices and namespaces deleted with services present ------------------------
G="${NS_PREFIX}gone"
{
	echo "cluster set dev dummy0 node 1"
	echo "node add 1"
	echo "node add 2"
	echo "service add $A4"
	echo "service add $A6 proto udp port 53 buckets 65536"
	for x in $(seq 1 50); do echo "service add 198.51.100.$x"; done
} >"$tmp/gone"
check "namespace gone: 52 services on dummy0" shoal -n "$G" -b "$tmp/gone"
ip -n "$G" link add dummy1 type dummy
ip -n "$G" link set dummy1 up
check "... and one on dummy1" shoal -n "$G" service add 198.51.100.51 dev dummy1
check "delete dummy1 under its service" ip -n "$G" link del dummy1
check "service show still answers" shoal -n "$G" -j service show
check "delete the namespace with its services" ip netns del "$G"
check_eq "the other namespaces are untouched" "$A4" \
	"$(sn 1 -j service show | jq -r 'map(.address) | join(" ")')"
if [ "$XDP_TEST" = 1 ]; then
	check_msg "rmmod refused while XDP programs call into the module" 1 "$IN_USE" rmmod shoal
	check "xdp off everywhere takes the programs off the devices" xdp_off_everywhere
fi
check "unload after that (services remain in nodes 1-3)" wait_for 10000 rmmod shoal
check "load once more, for the rest of the run" selftests/vm/shoal-load

ktap_finish
