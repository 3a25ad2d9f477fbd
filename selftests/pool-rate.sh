#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: no xdp (what a pool measures; the counters are the hooks')
#
# Pools whose utilization is a rate each member measures itself: new TCP
# connections a second ("load conns") and packets a second ("load pps"),
# against a capacity. Four nodes serve 192.0.2.100 (TCP 80, conns,
# capacity 2) and 192.0.2.101 (UDP 53, pps, capacity 2), each with
# "pool min 2 max 4 up 60 down 20 hold 2"; nodes 1 and 2 start active.
#   load:  a client opens connections and sends datagrams, a few a
#          second, from fresh source ports: each active member measures
#          more than 60%, and both pools grow; every node shows each
#          member's utilization ("node show -s"); new connections reach
#          a member that joined;
#   idle:  the client stops: both pools shrink back to nodes 1 and 2.
# Through all of it the client holds 20 connections (a line a second
# each), and none breaks.
#
#   n1..n4 (eth0) --+-- br0 (switch namespace) -- (eth0) cl

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 14

STCP=192.0.2.100
SUDP=192.0.2.101
SRC=192.0.2.201,192.0.2.202,192.0.2.203,192.0.2.204
make_cluster 4
make_client cl 192.0.2.200 2001:db8::200
CL=$(ns cl)
printf 'addr add 192.0.2.%s/24 dev eth0\n' 201 202 203 204 | ip -n "$CL" -batch -
make_scratch

for i in 1 2 3 4; do
	printf '%s\n' "cluster set dev eth0" "node add 1" "node add 2" "node add 3" "node add 4" \
		"service add $STCP proto tcp port 80 nodes 1,2,3,4" \
		"service set $STCP pool min 2 max 4 up 60 down 20 hold 2 load conns 2" \
		"service add $SUDP proto udp port 53 nodes 1,2,3,4" \
		"service set $SUDP pool min 2 max 4 up 60 down 20 hold 2 load pps 2" | sn "$i" -b -
	run_node "$i" --tcp 80 --udp 53
done
start_nodes "1 2 3 4" interval 100 dead 10
wait_for 20000 all_see "1 2 3 4" "1=up,2=up,3=up,4=up" || diag "states: $(node_states 1 2 3 4)"
client_knows "$STCP"
client_knows "$SUDP"

# active NODE SVC: the active members as NODE sees them, "1,2"
active() {
	sn "$1" -j service show "$2" |
		jq -r '[.[0].pool.members[] | select(.role == "active") | .id] | join(",")'
}
# everywhere SVC TEST: every node's active set of SVC passes TEST
everywhere() {
	local i
	for i in 1 2 3 4; do
		# shellcheck disable=SC2053
		[[ $(active "$i" "$1") == $2 ]] || return 1
	done
}
# util_of NODE SVC: NODE's utilization for SVC, as node 4 sees it
util_of() {
	sn 4 -j node show "$1" |
		jq -r --arg s "$2" '.[0].utilization[] | select(.address == $s) | .percent'
}

# both SET: every node's active set of both pools is SET
both() { everywhere "$STCP" "$1" && everywhere "$SUDP" "$1"; }
check "idle: nodes 1 and 2 active in both pools" wait_for 10000 both 1,2
idle_1() { [ "$(util_of 1 "$STCP") $(util_of 1 "$SUDP")" = "0 0" ]; }
check "idle: node 4 shows node 1 using none of either capacity" wait_for 5000 idle_1
last_ok || diag "$(sn 4 -s node show 1)"
check "... and says so in the plain output" \
	grep -q "^    util $SUDP 0%$" <<<"$(sn 4 -s node show 1)"

# held throughout (their lines are no new connections)
ip netns exec "$CL" selftests/client.py hold "$STCP" 80 --count 20 --sources "$SRC" \
	--port-set 20 --interval 1 --timeout 10 >"$tmp/hold" 2>&1 &
holder=$!
add_cleanup "kill $holder 2>/dev/null"
check "20 connections held" wait_for 60000 has_line "$tmp/hold" "ready 20 0"

# --- load: short connections and single datagrams from fresh ports, 8 a
# second each, 4 to each of the two members: 200% of their capacity
ip netns exec "$CL" selftests/client.py tcp "$STCP" 80 --rate 8 --count 1000 \
	--sources "$SRC" --port-set 0 >"$tmp/tcp" 2>/dev/null &
tcp_client=$!
add_cleanup "kill $tcp_client 2>/dev/null"
ip netns exec "$CL" selftests/client.py udp "$SUDP" 53 --rate 8 --count 1000 --retries 3 \
	--sources "$SRC" --port-set 1 >"$tmp/udp" 2>/dev/null &
udp_client=$!
add_cleanup "kill $udp_client 2>/dev/null"
busy() { [ "$(util_of 1 "$STCP")" -ge 60 ] && [ "$(util_of 1 "$SUDP")" -ge 60 ]; } 2>/dev/null
check "load: node 4 shows node 1 over up in both" wait_for 30000 busy
last_ok || diag "$(sn 4 -s node show 1)" "$(sn 1 -s service show)" \
	"client: $(wc -l <"$tmp/tcp") connections, $(wc -l <"$tmp/udp") exchanges"
grown() { everywhere "$1" '1,2,3*'; }
check "load conns: node 3 joins on every node" wait_for 60000 grown "$STCP"
check "load pps: node 3 joins on every node" wait_for 60000 grown "$SUDP"
# trigger SVC: what node 1's event says set off node 3's joining SVC
trigger() {
	jq -r --arg s "$1" 'select(.object == "pool" and .event == "grow" and .address == $s and
		.member == 3) | "\(.util) \(.why)"' "$tmp/mon.1" | head -n 1
}
over_up() { read -r u why <<<"$(trigger "$1")" && [ "$u" -ge 60 ] && [ "$why" = load ]; }
both_over_up() { over_up "$STCP" && over_up "$SUDP"; }
check "load: each grow event gives a trigger over up" both_over_up
last_ok || diag "triggers: $(trigger "$STCP"), $(trigger "$SUDP")"
reached_3() { tail -n 24 "$tmp/tcp" | grep -q ' 3$'; }
check "load: fresh connections reach node 3" wait_for 30000 reached_3
kill "$tcp_client" "$udp_client"
wait "$tcp_client" "$udp_client"
check_eq "load: every connection and datagram was answered" "0 0" \
	"$(grep -c ' none' "$tmp/tcp") $(grep -c ' none' "$tmp/udp")"

# --- idle again
check "idle: both pools back to nodes 1 and 2 on every node" wait_for 60000 both 1,2
new_flows() { sn 1 -s -j service show "$1" | jq -r '.[0].stats.new_flows'; }
tcp_only() { [ "$(new_flows "$STCP")" -gt 0 ] && [ "$(new_flows "$SUDP")" = 0 ]; }
check "new_flows counts node 1's TCP connections, and nothing of UDP" tcp_only
check_eq "in the plain output too" "$(new_flows "$STCP")" \
	"$(sn 1 -s service show "$STCP" | sed -n 's/.* new_flows \([0-9]*\).*/\1/p')"
kill -INT "$holder"
wait "$holder"
check_eq "no held connection broke" 0 "$(grep -c '^broke' "$tmp/hold")"
last_ok || diag "$(grep '^broke' "$tmp/hold" | head -n 5)"

ktap_finish
