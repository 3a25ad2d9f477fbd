#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared virtual addresses: every member serves the service address, a
# hash of the source picks a bucket, only the bucket's owner keeps the
# packet. Proves, with real traffic, that each connection or datagram is
# answered by exactly one node, that the split follows the buckets and the
# buckets the weights, that the counters add up, that ARP/ND for the
# address is answered once, with the service's MAC, and that hash
# saddr-sport-dport puts both ports in the hash: one client's flows to
# several destination ports fall into several buckets, each datagram kept
# by its bucket's owner alone.
#
#   n1 (eth0) --+
#   n2 (eth0) --+
#   n3 (eth0) --+-- br0 (switch namespace) --+-- (eth0) cl
#   n4 (eth0) --+                               192.0.2.200-205
#   n5 (eth0) --+                               2001:db8::200-205
#
# Node i is 192.0.2.i and 2001:db8::i on eth0; services go on lo. Nodes
# 1-3 form the cluster for the first part (n4, n5 stay unconfigured and
# see the flooded frames without taking part); all five, with weights
# 1,1,2,2,4, for the weighted part. Every node runs selftests/responder.py,
# which answers with its node id and logs what it receives, so a test
# knows both which node answered and which nodes saw a connection.
#
# Bounds. The hash is not computed here; shares are checked against the
# binomial distribution they follow if the hash is sound: with n
# connections and a node owning o of B buckets, its count must be within
# n*o/B +- (4 sigma + 2), sigma = sqrt(n p (1 - p)), p = o/B (4 sigma: a
# sound hash fails this about once in 16000 runs per check; the 2 absorbs
# the discreteness at small p). Bucket counts under weights w_i are
# checked the same way with n = B, p = w_i / sum(w).

source "$(dirname "$0")/lib.sh"

ktap_plan 72

make_cluster 5
make_client cl 192.0.2.200 2001:db8::200
CL=$(ns cl)
for a in 201 202 203 204 205; do
	echo "addr add 192.0.2.$a/24 dev eth0"
	echo "addr add 2001:db8::$a/64 dev eth0 nodad"
done | ip -n "$CL" -batch -
SRC4=192.0.2.200,192.0.2.201,192.0.2.202,192.0.2.203,192.0.2.204,192.0.2.205
SRC6=2001:db8::200,2001:db8::201,2001:db8::202,2001:db8::203,2001:db8::204,2001:db8::205

tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"



# start_responder N: node N's responder, logging to $tmp/respN.log.
start_responder() {
	local pid
	ip netns exec "$(ns "$1")" selftests/responder.py --id "$1" \
		--tcp 80 --udp 53 --udp 5353 >"$tmp/resp$1.log" 2>&1 &
	pid=$!
	add_cleanup "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
}
responders_ready() {
	local i
	for i in "$@"; do grep -qx ready "$tmp/resp$i.log" || return 1; done
}

# client MODE ARGS...: selftests/client.py in the client namespace.
client() { ip netns exec "$CL" selftests/client.py "$@"; }

# service ADDR [N]: one field of node N's (default 1) view of service ADDR.
svc_json() { sn "${2:-1}" -j service show "$1" | jq -c '.[0]'; }
owned() { sn "$2" -j service show "$1" | jq -r '.[0].owned_buckets[]'; }
# table ADDR N: "bucket owner" lines, node N's view
table() { sn "$2" -j bucket show "$1" | jq -r '.[] | "\(.bucket) \(.owner)"'; }

# check_ownership DESC ADDR BUCKETS NODES...: the buckets each node says
# it owns are disjoint and cover all; every node's bucket table agrees
# with that.
check_ownership() {
	local desc=$1 addr=$2 nb=$3 i expect dup msg=
	shift 3
	expect=$(for i in "$@"; do owned "$addr" "$i" | sed "s/\$/ $i/"; done | sort -n)
	dup=$(cut -d' ' -f1 <<<"$expect" | uniq -d | head -5 | tr '\n' ' ')
	if [ -n "$dup" ]; then
		msg="owned by more than one node: $dup"
	elif [ "$(cut -d' ' -f1 <<<"$expect")" != "$(seq 0 $((nb - 1)))" ]; then
		msg="owned by no node: $(comm -13 <(cut -d' ' -f1 <<<"$expect" | sort) \
			<(seq 0 $((nb - 1)) | sort) | head -5 | tr '\n' ' ')"
	fi
	if [ -z "$msg" ]; then
		ok "$desc: owned_buckets of nodes $* are disjoint and cover all $nb"
	else
		fail "$desc: owned_buckets of nodes $* are disjoint and cover all $nb" "$msg"
	fi
	msg=
	for i in "$@"; do
		if [ "$(table "$addr" "$i")" != "$expect" ]; then
			msg+="node $i's bucket show differs: $(diff <(table "$addr" "$i") \
				<(echo "$expect") | grep '^[<>]' | head -4 | tr '\n' ' ')
"
		fi
	done
	if [ -z "$msg" ]; then
		ok "$desc: every node's bucket show agrees with that"
	else
		fail "$desc: every node's bucket show agrees with that" "$msg"
	fi
}

# rsts NODES...: the TCP resets each node has sent. A node that let
# through a connection it does not own would answer its segments with
# resets; the responders log only the connections they accept.
rsts() {
	local i
	for i in "$@"; do
		# shellcheck disable=SC2016 # awk's own $
		echo "node $i: $(ip netns exec "$(ns "$i")" awk '$1 == "Tcp:" {
			if (!col) { for (c = 1; c <= NF; c++) if ($c == "OutRsts") col = c }
			else print $col }' /proc/net/snmp)"
	done
}

# check_traffic DESC OUT PROTO ADDR PORT NODES...: OUT is client.py's
# output; every line answered; every (source, port) seen by exactly one
# responder, the one that answered (for TCP also: no node sent a reset
# since $RSTS was taken); each node's share as its buckets say.
check_traffic() {
	local desc=$1 out=$2 proto=$3 addr=$4 port=$5 i n none bad shares nb
	shift 5
	n=$(wc -l <"$out")
	none=$(grep -c ' none$' "$out")
	if [ "$none" = 0 ] && [ "$n" -gt 0 ]; then
		ok "$desc: all $n answered"
	else
		fail "$desc: all $n answered" "$none got no answer:" "$(grep ' none$' "$out" | head -5)"
	fi
	# (the first line keeps the list apart from OUT even when it is empty)
	bad=$({
		echo "- - -"
		for i in "$@"; do
			awk -v p="$proto" -v a="$addr" -v d="$port" -v n="$i" \
				'$1 == p && $4 == a && $5 == d { print $2, $3, n }' "$tmp/resp$i.log"
		done
	} | awk 'FNR == NR { seen[$1 " " $2] = seen[$1 " " $2] " " $3; next }
		{ k = $1 " " $2
		  if (seen[k] != " " $3) print k ": answered by " $3 ", seen by" (seen[k] == "" ? " none" : seen[k]) }' \
		- "$out" | head -5)
	if [ -z "$bad" ]; then
		ok "$desc: each seen by exactly one node, the one that answered"
	else
		fail "$desc: each seen by exactly one node, the one that answered" "$bad"
	fi
	if [ "$proto" = tcp ]; then
		check_eq "$desc: no node sent a TCP reset" "$RSTS" "$(rsts "$@")"
	fi
	nb=$(svc_json "$addr" | jq .buckets)
	shares=$(for i in "$@"; do
		echo "$i $(owned "$addr" "$i" | wc -l) $(grep -c " $i\$" "$out")"
	done | awk -v n="$n" -v B="$nb" '{
		p = $2 / B; m = n * p; tol = 4 * sqrt(n * p * (1 - p)) + 2
		printf "node %s: %d buckets, %d of %d (expected %.1f +- %.1f)%s\n",
			$1, $2, $3, n, m, tol, ($3 < m - tol || $3 > m + tol) ? " OUT OF BOUNDS" : ""
	}')
	if grep -q "OUT OF BOUNDS" <<<"$shares"; then
		fail "$desc: each node's share follows its buckets" "$shares"
	else
		ok "$desc: each node's share follows its buckets"
		diag "$shares"
	fi
}

# --- nodes 1-3, equal weights ---------------------------------------------
for i in 1 2 3; do
	printf '%s\n' "cluster set dev eth0 node $i" "node add 1" "node add 2" "node add 3" |
		sn "$i" -b -
	start_responder "$i"
done
wait_for 20000 responders_ready 1 2 3 || diag "responders:" "$(cat "$tmp"/resp*.log)"

# a. IPv4, TCP
A4=192.0.2.100
check "service add $A4 proto tcp port 80 on nodes 1-3" \
	on_nodes "1 2 3" service add "$A4" proto tcp port 80
check_eq "service show -j: the options given and the defaults" \
	"$A4 tcp 80 saddr-sport 1024 [1,2,3] true eth0" \
	"$(svc_json "$A4" | jq -r '"\(.address) \(.proto) \(.port) \(.hash) \(.buckets) \(.nodes | tojson) \(.all_nodes) \(.dev)"')"
MAC4=$(svc_json "$A4" | jq -r .mac)
check "the default MAC is a multicast address ($MAC4)" \
	test $((0x${MAC4%%:*} & 1)) = 1
check_eq "every node derives the same MAC" "$MAC4 $MAC4 $MAC4" \
	"$(for i in 1 2 3; do svc_json "$A4" "$i" | jq -r .mac; done | xargs)"
# on_lo ADDR NODES...; listens MAC NODES...
on_lo() {
	local i
	for i in "${@:2}"; do
		ip -n "$(ns "$i")" -br addr show dev lo | grep -qw "$1" || { echo "not on node $i"; return 1; }
	done
}
listens() {
	local i
	for i in "${@:2}"; do
		ip -n "$(ns "$i")" maddr show dev eth0 | grep -qi "link  *$1\$" || { echo "not on node $i"; return 1; }
	done
}
check "the address is on lo of every node" on_lo "$A4" 1 2 3
check "eth0 of every node listens to the MAC" listens "$MAC4" 1 2 3
check_ownership "$A4" "$A4" 1024 1 2 3
RSTS=$(rsts 1 2 3)
client tcp "$A4" 80 --count 300 --sources "$SRC4" --port-set 0 >"$tmp/a4.out"
check_traffic "$A4 TCP, 300 connections from 6 sources" "$tmp/a4.out" tcp "$A4" 80 1 2 3

# b. IPv4, UDP; IPv6, TCP
U4=192.0.2.101
check "service add $U4 proto udp port 53 on nodes 1-3" \
	on_nodes "1 2 3" service add "$U4" proto udp port 53
check_ownership "$U4" "$U4" 1024 1 2 3
client udp "$U4" 53 --count 300 --sources "$SRC4" --port-set 1 >"$tmp/u4.out"
check_traffic "$U4 UDP, 300 datagrams from 6 sources" "$tmp/u4.out" udp "$U4" 53 1 2 3

A6=2001:db8::100
check "service add $A6 proto tcp port 80 on nodes 1-3" \
	on_nodes "1 2 3" service add "$A6" proto tcp port 80
MAC6=$(svc_json "$A6" | jq -r .mac)
check "IPv6: the address is on lo, the MAC ($MAC6) multicast and listened to" \
	eval "on_lo $A6 1 2 3 && listens $MAC6 1 2 3 && test $((0x${MAC6%%:*} & 1)) = 1"
check_ownership "$A6" "$A6" 1024 1 2 3
RSTS=$(rsts 1 2 3)
client tcp "$A6" 80 --count 300 --sources "$SRC6" --port-set 2 >"$tmp/a6.out"
check_traffic "$A6 TCP, 300 connections from 6 sources" "$tmp/a6.out" tcp "$A6" 80 1 2 3

# g. neighbour resolution: the client learnt the service MAC; a request is
# answered once, by one node, with that MAC
check_eq "the client's neighbour entry for $A4 is the service MAC" "$MAC4" \
	"$(ip -n "$CL" neigh show "$A4" dev eth0 | awk '{ print $3 }')"
check_eq "the client's neighbour entry for $A6 is the service MAC" "$MAC6" \
	"$(ip -n "$CL" neigh show "$A6" dev eth0 | awk '{ print $3 }')"
arp_out=$(for s in ${SRC4//,/ }; do
	client arp eth0 "$A4" --source "$s" --wait 0.5 | sed "s/^/$s: /"
done)
check_eq "an ARP request from each of 6 sources: one reply each, with the service MAC" \
	"6 6" \
	"$(grep -c ': reply ' <<<"$arp_out") $(grep -c ": reply $A4 $MAC4 " <<<"$arp_out")"
last_ok || diag "$arp_out"
check_eq "... each sent from a node's own MAC (02:00:00:00:00:01-03)" "" \
	"$(grep ': reply ' <<<"$arp_out" | grep -v ' 02:00:00:00:00:0[123]$')"
diag "ARP replies came from: $(grep ': reply ' <<<"$arp_out" | awk '{ print $1, $NF }' | tr '\n' ' ')"
nd_out=$(client ndisc eth0 "$A6" --wait 0.5)
check_eq "a neighbour solicitation for $A6: one advertisement, with the service MAC" \
	"reply $A6 $MAC6" "$(grep '^reply' <<<"$nd_out" | cut -d' ' -f1-3)"
last_ok || diag "$nd_out"

# f. counters: K datagrams to a service nothing else talks to
C4=192.0.2.102 K=200
check "service add $C4 proto udp port 5353 on nodes 1-3" \
	on_nodes "1 2 3" service add "$C4" proto udp port 5353
stats() { sn "$2" -s -j service show "$1" | jq -r '.[0].stats | "\(.rx_packets) \(.rx_bytes) \(.dropped_packets)"'; }
check_eq "a new service's counters are zero on every node" "0 0 0,0 0 0,0 0 0" \
	"$(for i in 1 2 3; do stats "$C4" "$i"; done | paste -sd,)"
client udp "$C4" 5353 --count "$K" --sources "$SRC4" --port-set 3 \
	>"$tmp/c4.out" 2>"$tmp/c4.err"
check_eq "the client sent $K datagrams, all answered" "# sent $K answered $K none 0" \
	"$(cat "$tmp/c4.err")"
counters_settled() {
	local i rx d sum=0
	for i in 1 2 3; do
		read -r rx _ d <<<"$(stats "$C4" "$i")"
		[ $((rx + d)) = "$K" ] || return 1
		sum=$((sum + rx))
	done
	[ "$sum" = "$K" ]
}
wait_for 5000 counters_settled || true
st=$(for i in 1 2 3; do echo "$i $(stats "$C4" "$i") $(grep -c " $i\$" "$tmp/c4.out")"; done)
diag "node rx_packets rx_bytes dropped_packets answered:" "$st"
check_eq "rx_packets summed over the nodes = datagrams sent" "$K" \
	"$(awk '{ s += $2 } END { print s }' <<<"$st")"
check_eq "on every node rx_packets + dropped_packets = datagrams sent" "$K $K $K" \
	"$(awk '{ print $2 + $4 }' <<<"$st" | xargs)"
check_eq "each node's rx_packets = the datagrams it answered" "" \
	"$(awk '$2 != $5 { print "node " $1 ": rx " $2 ", answered " $5 }' <<<"$st")"
# 64 bytes of payload + 8 of UDP + 20 of IPv4
check_eq "rx_bytes counts the IP packets: 92 bytes each" "" \
	"$(awk '$3 != $2 * 92 { print "node " $1 ": " $3 " bytes for " $2 " packets" }' <<<"$st")"
bucket_stats() { sn "$2" -s -j bucket show "$1"; }
bad=$(for i in 1 2 3; do
	bucket_stats "$C4" "$i" | jq -r --argjson me "$i" '.[] |
		select((.stats.rx_packets > 0 and .owner != $me) or
		       (.stats.dropped_packets > 0 and .owner == $me)) |
		"node \($me) bucket \(.bucket) owner \(.owner): \(.stats)"'
done | head -5)
check_eq "per bucket: packets are kept only in owned buckets, dropped only in others" "" "$bad"
check_eq "per bucket counters (packets, not bytes) add up to the service's, on every node" \
	"$(awk '{ print $2, $4 }' <<<"$st")" \
	"$(for i in 1 2 3; do bucket_stats "$C4" "$i" | jq -r '
		"\(map(.stats.rx_packets) | add) \(map(.stats.dropped_packets) | add)"'; done)"

# service show, plain and -s
plain=$(sn 1 service show)
check_eq "service show (plain): one line per service" 4 "$(grep -c '^service ' <<<"$plain")"
check "... with the options given" grep -q "^service $A4 proto tcp port 80 hash saddr-sport buckets 1024 " <<<"$plain"
last_ok || diag "$plain"
check_eq "service show -j lists the four services" "4" \
	"$(sn 1 -j service show | jq length)"

# --- c. five nodes, weights 1,1,2,2,4 -------------------------------------
A4_TABLE=$(table "$A4" 1)
W=(0 1 1 2 2 4)
for i in 1 2 3; do
	printf '%s\n' "node set 3 weight 2" "node add 4 weight 2" "node add 5 weight 4" | sn "$i" -b -
done
for i in 4 5; do
	{
		echo "cluster set dev eth0 node $i"
		for j in 1 2 3 4 5; do echo "node add $j weight ${W[j]}"; done
	} | sn "$i" -b -
	start_responder "$i"
done
check_eq "all five nodes have the same node table" \
	"$(for i in 1 2 3 4 5; do sn 1 -j node show | jq -c 'map([.id, .weight])'; done)" \
	"$(for i in 1 2 3 4 5; do sn "$i" -j node show | jq -c 'map([.id, .weight])'; done)"
wait_for 20000 responders_ready 4 5 || diag "responders:" "$(cat "$tmp"/resp*.log)"
W4=192.0.2.110
check "service add $W4 proto tcp port 80 on nodes 1-5" \
	on_nodes "1 2 3 4 5" service add "$W4" proto tcp port 80
check_eq "its members are nodes 1-5" "[1,2,3,4,5] true" \
	"$(svc_json "$W4" 5 | jq -c '"\(.nodes) \(.all_nodes)"' -r)"
check_ownership "$W4 weighted" "$W4" 1024 1 2 3 4 5
shares=$(for i in 1 2 3 4 5; do echo "$i ${W[i]} $(owned "$W4" "$i" | wc -l)"; done |
	awk '{
		p = $2 / 10; m = 1024 * p; tol = 4 * sqrt(1024 * p * (1 - p)) + 2
		printf "node %s weight %s: %d buckets (expected %.1f +- %.1f)%s\n",
			$1, $2, $3, m, tol, ($3 < m - tol || $3 > m + tol) ? " OUT OF BOUNDS" : ""
	}')
if grep -q "OUT OF BOUNDS" <<<"$shares"; then
	fail "bucket counts are proportional to the weights" "$shares"
else
	ok "bucket counts are proportional to the weights"
	diag "$shares"
fi
RSTS=$(rsts 1 2 3 4 5)
client tcp "$W4" 80 --count 300 --sources "$SRC4" --port-set 4 >"$tmp/w4.out"
check_traffic "$W4 weighted, 300 connections" "$tmp/w4.out" tcp "$W4" 80 1 2 3 4 5

# The first part's services follow the new node table in the views of
# nodes 1-3 (members: every node), although 4 and 5 do not serve them:
# rendezvous hashing moves a bucket only to a node that gained weight.
check_eq "$A4: the views of nodes 1-3 agree after the node table changed" \
	"$(table "$A4" 1)
$(table "$A4" 1)" "$(table "$A4" 2)
$(table "$A4" 3)"
check_eq "$A4: buckets moved only to node 3 (weight up) or to 4 and 5 (new)" "" \
	"$(join <(echo "$A4_TABLE") <(table "$A4" 1) | awk '$2 != $3 && $3 !~ /^[345]$/' | head -5)"
diag "$A4: $(join <(echo "$A4_TABLE") <(table "$A4" 1) | awk '$2 != $3 { n++ } END { print n + 0 }') of 1024 buckets moved"

del_all() {
	local a
	for a in "$A4" "$U4" "$A6" "$C4"; do on_nodes "1 2 3" service del "$a" || return 1; done
	on_nodes "1 2 3 4 5" service del "$W4"
}
check "service del of every service on every node" del_all
check_eq "no services left" "0 0 0 0 0" \
	"$(for i in 1 2 3 4 5; do sn "$i" -j service show | jq length; done | xargs)"

# --- d. hash saddr-sport-dport --------------------------------------------
# Eight UDP flows from one client address: source port 40000 to
# destination ports 9-12, and destination port 9 from source ports
# 40001-40004 too. Flow k is sent 2^k times (255 datagrams in all), so a
# bucket's count, a sum of distinct powers of two, says which flows fell
# into it. Nothing listens on those ports: the counters are taken before
# any socket. Members: nodes 1-5, weighted as above.
FLOWS=(40000:9 40000:10 40000:11 40000:12 40001:9 40002:9 40003:9 40004:9)
# burst ADDR SRC: flow k of FLOWS (SPORT:DPORT) sent 2^k times from SRC
burst() {
	ip netns exec "$CL" python3 -c '
import socket, sys
addr, src = sys.argv[1:3]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
for k, flow in enumerate(sys.argv[3:]):
    sport, dport = map(int, flow.split(":"))
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((src, sport))
        for _ in range(1 << k):
            s.sendto(b"x", (addr, dport))
' "$1" "$2" "${FLOWS[@]}"
}
# hcounts ADDR N: "bucket owner rx_packets dropped_packets" of each bucket
# of ADDR node N counted anything in (the plain output: jq over 256
# buckets costs seconds under emulation)
hcounts() {
	sn "$2" -s bucket show "$1" | awk '{
		for (i = 1; i < NF; i++) v[$i] = $(i + 1)
		if (v["rx_packets"] + v["dropped_packets"] > 0)
			print v["bucket"], v["owner"], v["rx_packets"], v["dropped_packets"] }'
}
# counted ADDR: nodes 1-5 each counted 255 datagrams to ADDR (their counts
# kept in $tmp/h.ADDR.N)
counted() {
	local i
	for i in 1 2 3 4 5; do
		hcounts "$1" "$i" >"$tmp/h.$1.$i"
		[ "$(awk '{ s += $3 + $4 } END { print s + 0 }' "$tmp/h.$1.$i")" = 255 ] || return 1
	done
}
# flow_buckets ADDR: "K BUCKET" for each flow K, from node 1's counts
flow_buckets() {
	awk '{ for (k = 0; k < 8; k++) if (int(($3 + $4) / 2 ^ k) % 2) print k, $1 }' \
		"$tmp/h.$1.1" | sort -n
}
# spread ADDR K...: how many buckets the flows K... fell into
spread() {
	flow_buckets "$1" | awk -v want=" ${*:2} " 'index(want, " " $1 " ") { b[$2] = 1 }
		END { n = 0; for (i in b) n++; print n }'
}
# hash_case ADDR SRC: sends the flows to ADDR from SRC; checks that the
# nodes counted them alike and that only the owners kept them
hash_case() {
	local a=$1 i ref bad=
	client_knows "$a"
	burst "$a" "$2"
	wait_for 5000 counted "$a" ||
		for i in 1 2 3 4 5; do hcounts "$a" "$i" >"$tmp/h.$a.$i"; done
	# bucket, owner and datagrams counted, as node 1 has them
	ref=$(awk '{ print $1, $2, $3 + $4 }' "$tmp/h.$a.1")
	for i in 2 3 4 5; do
		[ "$(awk '{ print $1, $2, $3 + $4 }' "$tmp/h.$a.$i")" = "$ref" ] ||
			bad+="node $i: $(awk '{ print $1, $2, $3 + $4 }' "$tmp/h.$a.$i" | paste -sd,)
"
	done
	if [ -z "$bad" ] && [ "$(awk '{ s += $3 } END { print s + 0 }' <<<"$ref")" = 255 ]; then
		ok "$a: nodes 1-5 counted the 255 datagrams in the same buckets, with the same owners"
	else
		fail "$a: nodes 1-5 counted the 255 datagrams in the same buckets, with the same owners" \
			"node 1 (bucket owner count): $(paste -sd, <<<"$ref")" "$bad"
	fi
	check_eq "$a: each datagram kept by the node owning its bucket alone, dropped by the others" "" \
		"$(for i in 1 2 3 4 5; do
			awk -v me="$i" '($2 == me && $4 > 0) || ($2 != me && $3 > 0) {
				print "node " me " bucket " $1 " owner " $2 ": rx " $3 " dropped " $4 }' "$tmp/h.$a.$i"
		done | head -5)"
	diag "$a: flow SPORT:DPORT bucket (owner): $(flow_buckets "$a" | while read -r k b; do
		printf '%s %s (%s), ' "${FLOWS[k]}" "$b" "$(awk -v b="$b" '$1 == b { print $2 }' "$tmp/h.$a.1")"
	done)"
}
D4=192.0.2.120 D6=2001:db8::120 DC=192.0.2.121
add_hashed() {
	on_nodes "1 2 3 4 5" service add "$D4" proto udp hash saddr-sport-dport buckets 256 &&
		on_nodes "1 2 3 4 5" service add "$D6" proto udp hash saddr-sport-dport buckets 256
}
check "service add $D4 and $D6 proto udp hash saddr-sport-dport buckets 256 on nodes 1-5" add_hashed
check_eq "service show -j says hash saddr-sport-dport" "saddr-sport-dport saddr-sport-dport" \
	"$(svc_json "$D4" 5 | jq -r .hash) $(svc_json "$D6" 5 | jq -r .hash)"
for pair in "$D4 192.0.2.200" "$D6 2001:db8::200"; do
	read -r a src <<<"$pair"
	hash_case "$a" "$src"
	n=$(spread "$a" 0 1 2 3)
	check "$a: source port 40000 to 4 destination ports: more than one bucket ($n)" test "$n" -gt 1
	n=$(spread "$a" 0 4 5 6 7)
	check "$a: destination port 9 from 5 source ports: more than one bucket ($n)" test "$n" -gt 1
done
# control: the same flows to a service hashing saddr-sport, which leaves
# the destination port out
check "service add $DC proto udp hash saddr-sport buckets 256 on nodes 1-5" \
	on_nodes "1 2 3 4 5" service add "$DC" proto udp hash saddr-sport buckets 256
hash_case "$DC" 192.0.2.200
check_eq "$DC, hash saddr-sport: source port 40000 to 4 destination ports: one bucket" 1 \
	"$(spread "$DC" 0 1 2 3)"
del_hashed() {
	local a
	for a in "$D4" "$D6" "$DC"; do on_nodes "1 2 3 4 5" service del "$a" || return 1; done
}
check "service del of the three on every node" del_hashed

ktap_finish
