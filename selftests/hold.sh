#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: alone, cpus 2 (judges time; its clients and responders keep one
# emulated CPU busy)
#
# Planned changes break no connection. Four nodes serve an IPv4 and an
# IPv6 address (TCP 80, 1024 buckets each) and a UDP one (192.0.2.101,
# port 5353, answered from a connected socket per client); a client holds
# long-lived TCP connections to the first two and UDP flows to the third,
# from many sources, each sending every 200 ms. Each phase makes its own
# connections and flows, then one change:
#   join:     node 4 starts: buckets move to it from nodes 1 to 3;
#   weight:   node 2's weight goes from 1 to 3, given to nodes 2 and 1
#             first: fresh connections then are not reset;
#   pin:      48 buckets of node 1 are pinned to node 3;
#   failback: node 3's cluster link goes down (it leaves: the others take
#             its buckets at once), connections are made, and the link
#             comes back: its buckets move back to it;
#   drain:    node 2 is drained; no node says it is drained while it still
#             holds connections, every node does once the client closed
#             them, and then it is set down;
#   leave:    node 4 is drained and, once drained, leaves ("cluster
#             leave"): the others count it down at once (reason "left");
#   death:    node 3's cluster link goes down, and it is counted down
#             (timeout): nothing is held for a dead node, node 1 answers
#             its connections with a reset at once (not one times out),
#             none of node 1's breaks; when node 3 comes back it holds
#             nothing from before, and node 1's still do not break;
#   control:  with "hold 0", node 3's weight goes up: the same client
#             sees connections break, as without this module's holding.
# After each: not one TCP connection broke (reset, closed, timed out, or
# answered by another node than the one that took it), no UDP datagram
# was lost, answered by another node or answered twice; each node's
# table is the one the others have; fresh connections reach the new
# owner, as many as its share of buckets lets expect (binomial bounds);
# and once the client closes its connections nothing is held any more.
#
#   n1..n4 (eth0) --+-- br0 (switch namespace) -- (eth0) cl
#
# Heartbeats every 100 ms, a node down after 10 silent intervals: under
# emulation frames wait for hundreds of ms now and then, and a false
# failover would break connections for reasons this test is not about.

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

PHASES=(join weight pin failback drain leave)
CONTROL=1
# With XDP the packet path sees in weight, pin and failback the same
# moves as in join, and the control is about the module's holding, not
# where packets are dropped: left out, for time
if [ "$XDP_TEST" = 1 ]; then
	PHASES=(join drain leave)
	CONTROL=0
fi
# per phase: made (TCP, UDP), none broke (TCP, UDP), tables agree, fresh
# ones, nothing held; drain one more, the checks after it one; leave
# one after, three at the end; death five; the control phase two
plan=$((1 + 7 * ${#PHASES[@]} + 5 + 2 * CONTROL))
[[ " ${PHASES[*]} " != *" weight "* ]] || plan=$((plan + 1))
[[ " ${PHASES[*]} " != *" drain "* ]] || plan=$((plan + 2))
[[ " ${PHASES[*]} " != *" leave "* ]] || plan=$((plan + 3))
ktap_plan "$plan"

S4=192.0.2.100
S6=2001:db8::100
SU=192.0.2.101
CONNS4=100
CONNS6=100
FLOWS=100
FRESH=40
DEAD=10
make_cluster 4
make_client cl 192.0.2.200 2001:db8::200
CL=$(ns cl)
SRC4=192.0.2.201,192.0.2.202,192.0.2.203,192.0.2.204
# shellcheck disable=SC2034 # read as ${!src}
SRC6=2001:db8::201,2001:db8::202,2001:db8::203,2001:db8::204
{
	printf 'addr add 192.0.2.%s/24 dev eth0\n' 201 202 203 204
	printf 'addr add 2001:db8::%s/64 dev eth0 nodad\n' 201 202 203 204
} | ip -n "$CL" -batch -
tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"
(umask 077 && shoal key generate >"$tmp/key")

# setup_node I: node I's configuration; node 4 is declared everywhere but
# starts only in the first phase
setup_node() {
	printf '%s\n' "cluster set dev eth0" "node add 1" "node add 2" "node add 3" "node add 4" \
		"service add $S4 proto tcp" "service add $S6 proto tcp" \
		"service add $SU proto udp port 5353" | sn "$1" -b -
}
start_node() { sn "$1" cluster set dev eth0 node "$1" key "$tmp/key" dead "$DEAD"; }
for i in 1 2 3 4; do
	setup_node "$i"
	ip netns exec "$(ns "$i")" selftests/responder.py --id "$i" --tcp 80 --udp-connected 5353 --udp-idle 2 \
		>"$tmp/resp.$i" 2>&1 &
	add_cleanup "kill $! 2>/dev/null"
done
for i in 1 2 3 4; do
	wait_for 30000 has_line "$tmp/resp.$i" ready || diag "responder $i: $(cat "$tmp/resp.$i")"
done
# monitors, for the drained events
for i in 1 2 3 4; do
	TZ=UTC0 ip netns exec "$(ns "$i")" shoal -j monitor >"$tmp/mon.$i" 2>&1 &
	add_cleanup "kill $! 2>/dev/null"
done

table() { sn "$1" bucket show "$2"; }
# same_tables NODES: every node of NODES has node 1's... first node's tables
same_tables() {
	local i s ref
	for s in "$S4" "$S6" "$SU"; do
		ref=$(table "${1%% *}" "$s")
		for i in $1; do [ "$(table "$i" "$s")" = "$ref" ] || return 1; done
	done
}
# share NODE SERVICE: buckets NODE owns in node 1's table, of 1024
share() { table 1 "$2" | awk -v n="$1" '$4 == n' | wc -l; }
# hold_start K: the connections of port set K, both families, and the
# UDP flows
hold_start() {
	local fam
	ip netns exec "$CL" selftests/client.py udp-hold "$SU" 5353 --count "$FLOWS" \
		--sources "$SRC4" --port-set "$1" --interval 0.2 --timeout 1 --retries 3 \
		--status "$tmp/udp.$1.status" >"$tmp/udp.$1" 2>&1 &
	UDPPID=$!
	add_cleanup "kill $UDPPID 2>/dev/null"
	UDPOUT=$tmp/udp.$1
	UDPSTATUS=$tmp/udp.$1.status
	for fam in 4 6; do
		local s=S$fam src=SRC$fam count=CONNS$fam
		ip netns exec "$CL" selftests/client.py hold "${!s}" 80 --count "${!count}" \
			--sources "${!src}" --port-set "$1" --interval 0.2 --timeout "${LINE_TIMEOUT:-5}" \
			--keepalive "${KEEPALIVE:-0}" \
			--status "$tmp/hold.$1.$fam.status" >"$tmp/hold.$1.$fam" 2>&1 &
		HOLDPID[fam]=$!
		add_cleanup "kill ${HOLDPID[fam]} 2>/dev/null"
		HOLDOUT[fam]=$tmp/hold.$1.$fam
		HOLDSTATUS[fam]=$tmp/hold.$1.$fam.status
	done
}
hold_ready() {
	local fam
	for fam in 4 6; do
		wait_for 90000 has_line "${HOLDOUT[fam]}" ready || diag "client $fam: $(tail -n3 "${HOLDOUT[fam]}")"
	done
	wait_for 60000 has_line "$UDPOUT" ready || diag "UDP client: $(tail -n3 "$UDPOUT")"
}
hold_stop() {
	local fam
	for fam in 4 6; do
		kill "${HOLDPID[fam]}"
		wait "${HOLDPID[fam]}"
	done
	kill "$UDPPID"
	wait "$UDPPID"
}
status_min() {
	local w
	read -r -a w <"${HOLDSTATUS[$1]}" || return 1
	echo "${w[5]}"
}
answered_again() {
	local fam w
	for fam in 4 6; do
		read -r -a w <"${HOLDSTATUS[fam]}" || return 1
		[ "${w[1]}" = 0 ] || [ "${w[5]}" -ge "${WANT[fam]}" ] || return 1
	done
	read -r -a w <"$UDPSTATUS" || return 1
	[ "${w[11]}" -ge "$WANTU" ]
}
udp_min() {
	local w
	read -r -a w <"$UDPSTATUS" || return 1
	echo "${w[11]}"
}
# held_by FAM: "node count ..." of the connections as made
held_by() { awk '$1 == "conn" { n[$5]++ } END { for (x in n) printf "%s:%d ", x, n[x] }' "${HOLDOUT[$1]}"; }
# fresh_ok NODE K: FRESH new connections per family, from port set K; all
# answered, and NODE's part within binomial bounds of its share
fresh_ok() {
	local node=$1 fam s src out got p lo hi
	for fam in 4 6; do
		s=S$fam src=SRC$fam
		out=$(ip netns exec "$CL" selftests/client.py tcp "${!s}" 80 --count "$FRESH" \
			--sources "${!src}" --port-set "$2" 2>/dev/null)
		got=$(grep -c " $node\$" <<<"$out")
		p=$(share "$node" "${!s}")
		# mean and four standard deviations, in integers
		read -r lo hi < <(awk -v n="$FRESH" -v p="$p" 'BEGIN {
			p /= 1024; m = n * p; d = 4 * sqrt(n * p * (1 - p));
			printf "%d %d\n", (m - d < 0 ? 0 : m - d), m + d + 1 }')
		echo "IPv$fam: $(grep -c ' [1234]$' <<<"$out")/$FRESH answered, node $node $got (share $p/1024, bounds $lo..$hi); by node: $(awk '{ print $3 }' <<<"$out" | sort | uniq -c | paste -sd' ')" >>"$tmp/fresh.diag"
		[ "$(grep -c ' [1234]$' <<<"$out")" = "$FRESH" ] || return 1
		[ "$got" -ge "$lo" ] && [ "$got" -le "$hi" ] || return 1
	done
}

change_join() {
	start_node 4
	wait_for 20000 all_see "1 2 3 4" "1=up,2=up,3=up,4=up" || diag "states: $(node_states 1 2 3 4)"
	NEWOWNER=4
}
# A change is given to one node after the other. Midway, a node that has
# it may compute itself the owner of a bucket that a node without it
# still owns: two owners would both answer a SYN, and the second SYN-ACK
# would reset the client's connection. None may be reset (a moving
# bucket may take no new flow until every node has the change: those
# time out and are retried by the clients).
change_weight() {
	local out
	on_nodes "2 1" node set 2 weight 3
	out=$(ip netns exec "$CL" selftests/client.py tcp "$S4" 80 --count 40 --sources "$SRC4" \
		--port-set 45 --timeout 2 --why 2>/dev/null)
	check_eq "weight: given to nodes 2 and 1 only, no fresh connection is reset" 0 \
		"$(grep -c ' none ECONN' <<<"$out")"
	diag "weight: midway, of 40 fresh connections: $(awk '{ print $3 ($4 ? " " $4 : "") }' <<<"$out" |
		sort | uniq -c | paste -sd' ')"
	on_nodes "3 4" node set 2 weight 3
	NEWOWNER=2
}
change_pin() {
	local b
	for s in "$S4" "$S6"; do
		for b in $(table 1 "$s" | awk '$4 == 1 { print $2 }' | head -n 48); do
			echo "bucket set $s $b node 3"
		done >"$tmp/pins"
		for i in 1 2 3 4; do sn "$i" -b "$tmp/pins"; done
	done
	NEWOWNER=3
}
# before_PHASE: what comes before the connections are made
before_failback() {
	# made while node 3 is away, the connections in its buckets are the
	# others'; they hold them when it comes back
	ip -n "$(ns 3)" link set eth0 down
	wait_for 10000 all_see "1 2 4" "1=up,2=up,3=down,4=up" || diag "states: $(node_states 1 2 4)"
}
change_failback() {
	ip -n "$(ns 3)" link set eth0 up
	ip -n "$(ns 3)" addr add 2001:db8::3/64 dev eth0 nodad 2>/dev/null
	wait_for 20000 all_see "1 2 3 4" "1=up,2=up,3=up,4=up" || diag "states: $(node_states 1 2 3 4)"
	NEWOWNER=3
}
# drained_on NODE NODES: every node of NODES has said NODE is drained
drained_on() {
	local i
	for i in $2; do
		grep -q "\"event\":\"drained\".*\"id\":$1" "$tmp/mon.$i" || return 1
	done
}
# drained_none NODE NODES: no node of NODES has said NODE is drained
drained_none() {
	local i
	for i in $2; do
		! grep -q "\"event\":\"drained\".*\"id\":$1" "$tmp/mon.$i" || return 1
	done
}
change_drain() {
	on_nodes "1 2 3 4" node set 2 drain
	NEWOWNER=1
}
# after_PHASE: what comes after the client closed its connections
after_drain() {
	check "drain: every node says node 2 is drained once its connections are closed" \
		wait_for 30000 drained_on 2 "1 2 3 4"
	on_nodes "1 2 3 4" node set 2 down
}
change_leave() {
	on_nodes "1 3 4" node set 4 drain
	NEWOWNER=1
}
after_leave() {
	local t
	check "leave: every node says node 4 is drained once its connections are closed" \
		wait_for 30000 drained_on 4 "1 3 4"
	LEFT0=$(date +%s%N)
	sn 4 cluster leave
	wait_for 5000 all_see "1 3" "1=up,2=down,3=up,4=down" || diag "states: $(node_states 1 3)"
	# from the monitor's time of the event (UTC, to the microsecond)
	t=$(grep '"event":"down"' "$tmp/mon.1" | grep '"id":4' | tail -n 1 | jq -r .time)
	[ -z "$t" ] || LEFTMS=$((($(TZ=UTC0 date -d "$t" +%s%N) - LEFT0) / 1000000))
	check "leave: node 1 counted node 4 down at once (${LEFTMS:-?} ms after the command, dead time $((DEAD * 100)) ms)" \
		[ "${LEFTMS:-99999}" -lt 500 ]
	check_eq "leave: node 4 left, in the others' events" "1 1" \
		"$(for i in 1 3; do grep '"event":"down"' "$tmp/mon.$i" | grep '"id":4' | grep -c '"reason":"left"'; done | paste -sd' ')"
}
# the nodes serving after each phase's change
declare -A LIVE=([join]="1 2 3 4" [weight]="1 2 3 4" [pin]="1 2 3 4" [failback]="1 2 3 4"
	[drain]="1 3 4" [leave]="1 3")

for i in 1 2 3; do start_node "$i"; done
wait_for 20000 all_see "1 2 3" "1=up,2=up,3=up,4=down" || diag "states: $(node_states 1 2 3)"
check "three nodes up, one table for each service" same_tables "1 2 3"
for s in "$S4" "$S6"; do
	ip -n "$CL" neigh replace "$s" dev eth0 lladdr "$(sn 1 -j service show "$s" | jq -r '.[0].mac')" nud permanent
done

PORTSET=0
for phase in "${PHASES[@]}"; do
	! declare -F "before_$phase" >/dev/null || "before_$phase"
	hold_start "$PORTSET"
	hold_ready
	made="$(awk '$1 == "ready" { print $2, $3 }' "${HOLDOUT[4]}") $(awk '$1 == "ready" { print $2, $3 }' "${HOLDOUT[6]}")"
	check_eq "$phase: $CONNS4 IPv4 and $CONNS6 IPv6 connections made" "$CONNS4 0 $CONNS6 0" "$made"
	check_eq "$phase: $FLOWS UDP flows answered" "$FLOWS 0" "$(awk '$1 == "ready" { print $2, $3 }' "$UDPOUT")"
	diag "$phase: held by node:count: IPv4 $(held_by 4) IPv6 $(held_by 6)"
	from4=$(wc -l <"${HOLDOUT[4]}")
	from6=$(wc -l <"${HOLDOUT[6]}")
	fromu=$(wc -l <"$UDPOUT")
	"change_$phase"
	check "$phase: every node serving has the same tables" wait_for 20000 same_tables "${LIVE[$phase]}"
	# every connection answered 5 more times since (or broke), every
	# UDP flow too
	WANT[4]=$(($(status_min 4) + 5))
	WANT[6]=$(($(status_min 6) + 5))
	WANTU=$(($(udp_min) + 5))
	wait_for 30000 answered_again ||
		diag "client status: $(cat "${HOLDSTATUS[4]}"); $(cat "${HOLDSTATUS[6]}"); $(cat "$UDPSTATUS")"
	broke=$( (tail -n +"$((from4 + 1))" "${HOLDOUT[4]}"; tail -n +"$((from6 + 1))" "${HOLDOUT[6]}") |
		awk '$1 == "broke"')
	check_eq "$phase: none of the TCP connections broke" 0 "$(grep -c . <<<"$broke")"
	last_ok || diag "broken (index source port node reason ms):" "$(cut -d' ' -f2- <<<"$broke" | head -n 20)"
	bad=$(tail -n +"$((fromu + 1))" "$UDPOUT" | awk '$1 == "lost" || $1 == "wrong" || $1 == "dup"')
	check_eq "$phase: no UDP datagram lost, answered by another node or twice" 0 "$(grep -c . <<<"$bad")"
	last_ok || diag "$(head -n 20 <<<"$bad")"
	diag "$phase: held flows per node: $(for i in ${LIVE[$phase]}; do printf '%s:%s ' "$i" "$(sn "$i" -j -s node show "$i" | jq '.[0].held_flows')"; done)"
	[ "$phase" != drain ] ||
		check "drain: no node says node 2 is drained while it holds connections" drained_none 2 "1 2 3 4"
	: >"$tmp/fresh.diag"
	check "$phase: fresh connections are answered, node $NEWOWNER's share of them as its buckets'" \
		fresh_ok "$NEWOWNER" "$((PORTSET + 1))"
	diag "$(cat "$tmp/fresh.diag")"
	hold_stop
	check "$phase: once the client closed its connections, no node holds anything" \
		wait_for 20000 holds_nothing "${LIVE[$phase]}"
	! declare -F "after_$phase" >/dev/null || "after_$phase"
	PORTSET=$((PORTSET + 2))
done
# --- death: nothing held for a dead node, nothing held from before it died
# (a line to node 3 waits for its death, then for the client's next
# retransmission, backed off meanwhile: the reset comes then, which may
# be more than the usual 5 s after the line; silence would be a timeout.
# A line node 3 acknowledged but did not answer before it died leaves
# the client with nothing to send: its keepalive probe, 1 s later, is
# what node 1 answers)
KEEPALIVE=1 LINE_TIMEOUT=20 hold_start "$PORTSET"
hold_ready
check_eq "death: $CONNS4 IPv4 and $CONNS6 IPv6 connections made" "$CONNS4 0 $CONNS6 0" \
	"$(awk '$1 == "ready" { print $2, $3 }' "${HOLDOUT[4]}") $(awk '$1 == "ready" { print $2, $3 }' "${HOLDOUT[6]}")"
from4=$(wc -l <"${HOLDOUT[4]}")
from6=$(wc -l <"${HOLDOUT[6]}")
# node 3's connections, as made
of3=$(cat "${HOLDOUT[4]}" "${HOLDOUT[6]}" | awk '$1 == "conn" && $5 == 3' | grep -c .)
ip -n "$(ns 3)" link set eth0 down
wait_for 10000 all_see "1" "1=up,2=down,3=down,4=down" || diag "states: $(node_states 1)"
WANT[4]=$(($(status_min 4) + 5))
WANT[6]=$(($(status_min 6) + 5))
WANTU=0
wait_for 40000 answered_again ||
	diag "client status: $(cat "${HOLDSTATUS[4]}"); $(cat "${HOLDSTATUS[6]}")"
broke=$( (tail -n +"$((from4 + 1))" "${HOLDOUT[4]}"; tail -n +"$((from6 + 1))" "${HOLDOUT[6]}") |
	awk '$1 == "broke"')
check_eq "death: each of node 3's $of3 connections was reset by node 1, none timed out" \
	"$of3 $of3" "$(awk '$5 == 3' <<<"$broke" | grep -c .) $(awk '$5 == 3 && $6 == "reset"' <<<"$broke" | grep -c .)"
diag "death: broken, by node and reason: $(awk '{ print $5, $6 }' <<<"$broke" | sort | uniq -c | paste -sd' ')"
check_eq "death: none of node 1's connections broke" 0 "$(awk '$5 != 3' <<<"$broke" | grep -c .)"
last_ok || diag "broken (index source port node reason ms):" "$(cut -d' ' -f2- <<<"$broke" | head -n 20)"
from4=$(wc -l <"${HOLDOUT[4]}")
from6=$(wc -l <"${HOLDOUT[6]}")
ip -n "$(ns 3)" link set eth0 up
ip -n "$(ns 3)" addr add 2001:db8::3/64 dev eth0 nodad 2>/dev/null
wait_for 20000 all_see "1 3" "1=up,2=down,3=up,4=down" || diag "states: $(node_states 1 3)"
wait_for 20000 same_tables "1 3" || diag "node 1 and node 3 disagree on the tables"
holds_none() { holds_nothing "$1" && [ "$(sn "$1" -j -s node show "$1" | jq '.[0].held_flows')" = 0 ]; }
check "death: back, node 3 holds nothing from before (no flow, no bucket)" holds_none 3
WANT[4]=$(($(status_min 4) + 5))
WANT[6]=$(($(status_min 6) + 5))
wait_for 30000 answered_again ||
	diag "client status: $(cat "${HOLDSTATUS[4]}"); $(cat "${HOLDSTATUS[6]}")"
check_eq "death: back, none of node 1's connections broke" 0 \
	"$( (tail -n +"$((from4 + 1))" "${HOLDOUT[4]}"; tail -n +"$((from6 + 1))" "${HOLDOUT[6]}") |
		awk '$1 == "broke"' | grep -c .)"
hold_stop
wait_for 20000 holds_nothing "1 3" || diag "still held after the client closed"
PORTSET=$((PORTSET + 2))

# --- control: nothing held, connections break (the test can see it)
if [ "$CONTROL" = 1 ]; then
	on_nodes "1 3" cluster set hold 0
	hold_start "$PORTSET"
	hold_ready
	from4=$(wc -l <"${HOLDOUT[4]}")
	on_nodes "1 3" node set 3 weight 4
	check "control: with hold 0 every node still has the same tables" \
		wait_for 20000 same_tables "1 3"
	WANT[4]=$(($(status_min 4) + 5))
	WANT[6]=$(($(status_min 6) + 5))
	WANTU=$(($(udp_min) + 5))
	wait_for 30000 answered_again
	n=$(tail -n +"$((from4 + 1))" "${HOLDOUT[4]}" | awk '$1 == "broke"' | grep -c .)
	check "control: with hold 0, IPv4 connections of moved buckets broke ($n)" [ "$n" -gt 0 ]
	hold_stop
fi

[ -z "${SHOAL_OUT:-}" ] || cp -r "$tmp" "$SHOAL_OUT/"
ktap_finish
