#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: alone, cpus 2 (judges time; its clients and responders keep
# one emulated CPU busy)
#
# Distributor mode, where only one node receives the service's packets.
# Three nodes serve 192.0.2.100 and 2001:db8::100 (TCP 80) with "mode
# distributor distributors 1,2". Nodes 1 and 2 have their node addresses
# on the cluster link; node 3's are behind the router rt (203.0.113.3,
# 2001:db8:3::3), so what the holder passes on to node 3 goes in IP in
# IP (IPv6 in IPv6), and to nodes 1 and 2 with their MAC. The IPv4 client
# cl is behind rt (rt learns the service's MAC by ARP); the IPv6 client
# ll is on the link, with the unicast MAC neighbour discovery gives it.
#
#   n1, n2, n3, ll (eth0) --+-- br0 --+-- (eth0) rt (eth1) -- cl
#   n3 (eth1) -- (eth2) rt
#
# Bad input is refused with a clear message and changes nothing. Node 1
# holds the address; 100 IPv4 and 30 IPv6 connections are held over the
# three nodes. Node 1 is cut off (its switch port down), comes back, is
# silenced (all its frames lost both ways, as if frozen) and comes back:
# each time node 2 takes the address over within dead x interval + one
# interval and tells rt and ll; no connection held by node 2 or 3
# breaks, and new connections, made while node 1 is away and held
# through its return, reach only nodes 2 and 3. (A holder truly frozen,
# its VM stopped, is selftests/cluster/distributor-freeze.)
#
# Run again with XDP (distributor+xdp), the holder passes packets on in
# XDP: to node 2 with its MAC, to node 3 in IP in IP (IPv6 in IPv6),
# whenever the neighbour entry is in use (else on the netfilter path,
# which refreshes it); the same checks hold but those of bad input and
# the silence, and each of the four ways is seen used. Without XDP, none
# is.

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

# with XDP, not the 10 checks of bad input nor the 5 of the silence:
# the requests are the same, and the silence moves the packet path as
# the cut does
ktap_plan $((32 - 15 * XDP_TEST))

S4=192.0.2.100
S6=2001:db8::100
INTERVAL=100
DEAD=10
# a holder whose last frame is at t is declared down by t + (dead + 1) x
# interval; its last frame is at most when it went away. SLACK_MS covers,
# under emulation, what heartbeat.sh's slack covers (timers late, the
# tables recomputed, the monitor's time stamp), twice as much: here the
# clients and responders share the emulated CPUs
BOUND=$(((DEAD + 1) * INTERVAL))
SLACK_MS=300
CONNS4=100
CONNS6=30
RT=$(ns rt)
CL=$(ns cl)
LL=$(ns ll)

make_cluster 3
make_scratch
make_client ll 192.0.2.200 2001:db8::200
make_client rt 192.0.2.254 2001:db8::fe
_lib_add_ns "$CL"
ip -n "$RT" link add eth1 type veth peer name eth0 netns "$CL"
ip -n "$RT" link add eth2 type veth peer name eth1 netns "$(ns 3)"
ip -n "$RT" -batch - <<EOF
link set eth1 up
link set eth2 up
addr add 198.51.100.1/24 dev eth1
addr add 203.0.113.254/24 dev eth2
addr add 2001:db8:3::fe/64 dev eth2 nodad
EOF
ip netns exec "$RT" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n "$CL" -batch - <<EOF
link set lo up
link set eth0 up
addr add 198.51.100.2/24 dev eth0
route add default via 198.51.100.1
EOF
# the packets node 3 takes out of IP in IP arrive on eth1, from clients
# it reaches through eth0
ip netns exec "$(ns 3)" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth1.rp_filter=0
ip -n "$(ns 3)" -batch - <<EOF
link set eth1 up
addr add 203.0.113.3/24 dev eth1
addr add 2001:db8:3::3/64 dev eth1 nodad
route add 198.51.100.0/24 via 192.0.2.254
EOF
for i in 1 2; do
	ip -n "$(ns "$i")" -batch - <<EOF
route add 198.51.100.0/24 via 192.0.2.254
route add 203.0.113.0/24 via 192.0.2.254
route add 2001:db8:3::/64 via 2001:db8::fe
EOF
done

NODES=("node add 1 addr 192.0.2.1 addr 2001:db8::1" "node add 2 addr 192.0.2.2 addr 2001:db8::2"
	"node add 3 addr 203.0.113.3 addr 2001:db8:3::3")
SVC="proto tcp port 80 nodes 1,2,3 mode distributor distributors 1,2"

# --- bad input, on node 1 before anything runs
if [ "$XDP_TEST" = 0 ]; then
	printf '%s\n' "cluster set dev eth0" "${NODES[@]}" | sn 1 -b -
	services() { sn 1 -j service show | jq -c '[.[] | .address]'; }
	# all refused by the kernel (status 1)
	check_msg "a distributor not among the service's nodes is refused" 1 \
		"Error: a distributor must be one of the service's nodes." \
		sn 1 service add $S4 proto tcp port 80 nodes 1,2 mode distributor distributors 1,3
	check_msg "distributors without mode distributor are refused" 1 \
		'Error: distributors need mode distributor.' sn 1 service add $S4 distributors 1,2
	check_msg "a distributor service with a cluster MAC is refused: its holder answers" 1 \
		'Error: a distributor service has no cluster MAC: its holder answers with its own.' \
		sn 1 service add $S4 mode distributor mac 03:00:00:00:00:01
	check_eq "... and nothing was added" "[]" "$(services)"
	check_msg "a node address that is not unicast is refused" 1 \
		"Error: a node's address must be unicast." sn 1 node set 3 addr 224.0.0.1
	check_eq "... and node 3 keeps its addresses" '["203.0.113.3","2001:db8:3::3"]' \
		"$(sn 1 -j node show 3 | jq -c '.[0].addresses')"
	# shellcheck disable=SC2086 # SVC is words
	sn 1 service add $S4 $SVC
	before=$(sn 1 -j service show $S4)
	check_msg "a live service's mode cannot change" 1 \
		"Error: a service's mode and distributors are fixed once added: delete it and add it again." \
		sn 1 service set $S4 mode shared
	check_msg "a node list that leaves out a distributor is refused" 1 \
		'Error: the node list leaves out a distributor.' sn 1 service set $S4 nodes 2,3
	check_eq "... and the service is as it was" "$before" "$(sn 1 -j service show $S4)"
	check_eq "service show says mode, distributors and holder" 1 \
		"$(sn 1 service show $S4 | grep -c 'mode distributor distributors 1,2 .*holder 1')"
	sn 1 service del $S4
	sn 1 -b - <<<"$(printf 'node del %s\n' 1 2 3)"
fi

# --- the cluster
for i in 1 2 3; do
	printf '%s\n' "cluster set dev eth0" "${NODES[@]}" "service add $S4 $SVC" "service add $S6 $SVC" |
		sn "$i" -b -
	run_node "$i" --tcp 80
done
start_nodes "1 2 3" interval $INTERVAL dead $DEAD quorum on
check "all three nodes up on every node" wait_for 20000 all_see "1 2 3" "1=up,2=up,3=up"
if [ "$XDP_TEST" = 1 ]; then
	# what a holder sends back out of a veth in XDP (XDP_TX) reaches the
	# peer only if the peer runs XDP too; and a veth leaves the checksum
	# of what its namespace sends to be filled in later, which a packet
	# sent on from XDP never is. The clients fill it in, as a client
	# across a real network has; a real NIC needs neither
	ip netns exec "$CL" ethtool -K eth0 tx off >/dev/null
	ip netns exec "$LL" ethtool -K eth0 tx off >/dev/null
	clang -O2 -target bpf -I"/usr/include/$(gcc -dumpmachine)" -c selftests/xdp/pass.bpf.c \
		-o "$tmp/pass.o" 2>"$tmp/clang.err" || diag "clang: $(cat "$tmp/clang.err")"
	for i in 1 2 3; do
		ip -n "$(ns sw)" link set dev "n$i" xdp obj "$tmp/pass.o" sec xdp ||
			diag "cannot attach a program to n$i"
	done
fi
# holder_is ID NODES: each node of NODES says ID holds both addresses
holder_is() {
	local i
	for i in $2; do
		[ "$(sn "$i" -j service show | jq -r '.[].holder // 0' | paste -sd' ')" = "$1 $1" ] ||
			return 1
	done
}
check "node 1 holds both addresses, on every node" wait_for 5000 holder_is 1 "1 2 3"

# mac_of NS ADDR: the MAC the namespace's neighbour table has for ADDR
mac_of() { ip -n "$1" neigh show "$2" | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'; }
# told ID: rt and ll have node ID's MAC for the addresses
told() { [ "$(mac_of "$RT" $S4) $(mac_of "$LL" $S6)" = "02:00:00:00:00:0$1 02:00:00:00:00:0$1" ]; }
# positive N...: every N is above 0
positive() { local v; for v; do [ "$v" -gt 0 ] || return 1; done; }

# hold_start K: CONNS4 connections from cl and CONNS6 from ll, port set K
declare -A OUT=()
hold_start() {
	local fam
	for fam in 4 6; do
		local s=S$fam src=198.51.100.2 n=$CONNS4 netns=$CL
		[ "$fam" = 4 ] || { src=2001:db8::200; n=$CONNS6; netns=$LL; }
		OUT[$1.$fam]=$tmp/hold.$1.$fam
		ip netns exec "$netns" selftests/client.py hold "${!s}" 80 --count "$n" \
			--sources "$src" --port-set "$1" --interval 0.5 --timeout 5 \
			--status "${OUT[$1.$fam]}.status" >"${OUT[$1.$fam]}" 2>&1 &
		add_cleanup "kill $! 2>/dev/null"
	done
}
ready() { has_line "${OUT[$1.4]}" ready && has_line "${OUT[$1.6]}" ready; }
# holders_of K [FAMILY]: "N1 N2 N3": how many of port set K's connections
# (of one family, or both) each node holds
holders_of() {
	local files=("${OUT[$1.4]}" "${OUT[$1.6]}")
	[ -z "${2:-}" ] || files=("${OUT[$1.$2]}")
	cat "${files[@]}" | awk '$1 == "conn" { n[$5]++ }
		END { printf "%d %d %d", n[1], n[2], n[3] }'
}
# min_answers K FAMILY: the fewest answers a live connection has had
min_answers() {
	local w
	read -r -a w <"${OUT[$1.$2]}.status" || return 1
	echo "${w[5]}"
}
# answered_again: every live connection of port sets 0 and 1 was answered
# $AGAIN more times than in WANT
declare -A WANT=()
AGAIN=5
want_again() {
	local k
	for k in 0.4 0.6 1.4 1.6; do WANT[$k]=$(($(min_answers "${k%.*}" "${k#*.}") + AGAIN)); done
}
answered_again() {
	local k w
	for k in 0.4 0.6 1.4 1.6; do
		read -r -a w <"${OUT[$k]}.status" || return 1
		[ "${w[1]}" = 0 ] || [ "${w[5]}" -ge "${WANT[$k]}" ] || return 1
	done
}
# broken_of K NODES: port set K's connections of NODES that broke
broken_of() {
	cat "${OUT[$1.4]}" "${OUT[$1.6]}" | awk -v nodes=" $2 " \
		'$1 == "broke" && index(nodes, " " $5 " ") { print }'
}
forwarded() { sn 1 -j -s service show | jq '[.[].stats.forwarded_packets] | add'; }

HT0=${EPOCHREALTIME//[!0-9]/}
# since: ms since port set 0's client started, as its lines count them
since() { echo $(((${EPOCHREALTIME//[!0-9]/} - HT0) / 1000)); }
hold_start 0
wait_for 60000 ready 0 || diag "clients: $(tail -n 2 "${OUT[0.4]}" "${OUT[0.6]}")"
check_eq "$CONNS4 IPv4 and $CONNS6 IPv6 connections held" "$CONNS4 0 $CONNS6 0" \
	"$(awk '$1 == "ready" { print $2, $3 }' "${OUT[0.4]}" "${OUT[0.6]}" | paste -sd' ')"
read -r h1 h2 h3 <<<"$(holders_of 0)"
check "... by each of the three nodes ($h1, $h2, $h3)" positive "$h1" "$h2" "$h3"
check "node 1 passed packets on" positive "$(forwarded)"
# xdp_ways: "A B C D", the packets node 1 passed on in XDP to nodes 2
# and 3 of the IPv4 service, then of the IPv6 one (by its buckets' owners)
xdp_ways() {
	local a
	for a in $S4 $S6; do
		sn 1 -j -s bucket show "$a" | jq -r '[2, 3][] as $n |
			[.[] | select(.owner == $n) | .stats.xdp_forwarded_packets] | add'
	done | paste -sd' '
}
# shellcheck disable=SC2046 # four numbers
xdp_all_ways() { positive $(xdp_ways); }
if [ "$XDP_TEST" = 1 ]; then
	check "node 1 passed packets on in XDP to nodes 2 and 3, IPv4 and IPv6" \
		wait_for 10000 xdp_all_ways
	last_ok || diag "XDP passed on (4 to 2, 4 to 3, 6 to 2, 6 to 3): $(xdp_ways)"
else
	check_eq "without XDP, none in XDP" "0 0 0 0" "$(xdp_ways)"
fi
check "rt and ll know the addresses by node 1's MAC" told 1
# node 3 is reached through rt only: in IP in IP, IPv6 in IPv6
read -r _ _ h34 <<<"$(holders_of 0 4)"
read -r _ _ h36 <<<"$(holders_of 0 6)"
check "node 3, behind rt, holds IPv4 ($h34) and IPv6 ($h36) connections" positive "$h34" "$h36"

# takeover WHAT: node 2 holds both addresses within the bound after
# node 1 went away at $T0 (epoch ns), and rt and ll were told
takeover() {
	local t ms
	check "$1: node 2 holds both addresses on nodes 2 and 3" wait_for 10000 holder_is 2 "2 3"
	t=$(jq -r 'select(.event == "holder" and .holder == 2) | .time' "$tmp/mon.2" | tail -n 1)
	[ -z "$t" ] || ms=$((($(TZ=UTC0 date -d "$t" +%s%N) - T0) / 1000000))
	local d
	d=$(jq -r 'select(.object == "node" and .event == "down" and .id == 1) | .time' "$tmp/mon.2" | tail -n 1)
	[ -z "$d" ] || diag "$1: node 2 counted node 1 down $((($(TZ=UTC0 date -d "$d" +%s%N) - T0) / 1000000)) ms after"
	check "$1: ... ${ms:-?} ms after, within (dead + 1) x interval ($BOUND ms, + $SLACK_MS ms slack)" \
		[ "${ms:-99999}" -le $((BOUND + SLACK_MS)) ]
	check "$1: node 2 told rt and ll (their entries have its MAC)" wait_for 3000 told 2
}
# back WHAT: node 1 holds both addresses again, on every node, and told them
back() {
	check "$1, back: node 1 holds both addresses again, on every node" \
		wait_for 20000 holder_is 1 "1 2 3"
	check "$1, back: rt and ll have node 1's MAC again" wait_for 3000 told 1
}

# --- node 1 cut off
diag "$(since) ms: node 1 cut off"
T0=$(date +%s%N)
ip -n "$(ns sw)" link set n1 down
takeover cut
diag "$(since) ms: port set 1's client starts"
hold_start 1
wait_for 60000 ready 1 || diag "clients: $(tail -n 2 "${OUT[1.4]}" "${OUT[1.6]}")"
read -r h1 h2 h3 <<<"$(holders_of 1)"
check_eq "cut: new connections made, all by nodes 2 and 3 ($h2, $h3)" "0 $((CONNS4 + CONNS6))" \
	"$h1 $((h2 + h3))"
diag "$(since) ms: node 1 back"
ip -n "$(ns sw)" link set n1 up
back cut
diag "$(since) ms: node 1 holds the addresses again"

# --- node 1 silenced, both ways, as if frozen
if [ "$XDP_TEST" = 0 ]; then
	diag "$(since) ms: node 1 silenced"
	# silent to the others from the moment its own frames are lost
	tc -n "$(ns 1)" qdisc add dev eth0 root netem loss 100%
	T0=$(date +%s%N)
	tc -n "$(ns sw)" qdisc add dev n1 root netem loss 100%
	takeover silence
	# it hears the others before they hear it, as a thawed node reads what
	# queued up before it sends: heard first, it would still say it hears
	# nobody, and the others would count themselves down a moment
	tc -n "$(ns sw)" qdisc del dev n1 root
	tc -n "$(ns 1)" qdisc del dev eth0 root
	diag "$(since) ms: node 1 heard again"
	back silence
fi

want_again
check "every live connection was answered $AGAIN times more since" wait_for 30000 answered_again
last_ok || diag "clients: $(cat "${OUT[0.4]}.status" "${OUT[0.6]}.status" "${OUT[1.4]}.status" "${OUT[1.6]}.status")"
check_eq "no connection held by node 2 or 3 broke, of those made before or during" "" \
	"$(broken_of 0 "2 3"; broken_of 1 "2 3")"
if ! last_ok; then
	for i in 1 2 3; do
		diag "node $i's node events:" "$(jq -r 'select(.object == "node" and (.event == "up" or .event == "down")) | "\(.time) \(.id) \(.event) \(.reason)"' "$tmp/mon.$i")"
		diag "node $i's bucket moves:" "$(jq -r 'select(.object == "buckets") | "\(.time) \(.from)->\(.to) \(.count)"' "$tmp/mon.$i" | tail -n 30)"
	done
fi
diag "node 1's own connections that broke (expected): $(broken_of 0 1 | grep -c .)"
check_eq "every node has the same table" 1 \
	"$(for i in 1 2 3; do sn "$i" -j bucket show $S4 | jq -c '[.[].owner]'; done | sort -u | grep -c .)"
ktap_finish
