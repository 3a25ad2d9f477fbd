#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: no xdp (who owns what when configurations differ, not the
# packet path)
#
# Configuration agreement: heartbeats carry a digest of each service's
# configuration (what puts a packet in a bucket); a node whose digest of
# a service is not the one most of the service's live members have is out
# of it, by every node's reckoning, and serves none of it until it agrees:
# two configurations never serve at once. Documentation/services.md,
# "When configurations differ". They carry each persona's too: a persona
# configured otherwise on a live node is reported, on both sides
# (Documentation/personas.md).
#
#   n1, n2, n3 (eth0) --- br0 (switch namespace)
#
# S: nodes 1 and 2 give it 1024 buckets, node 3 512 (by mistake): node 3
# is out of S on every node, owns none of its buckets, and nodes 1 and 2
# own all of them between them; node 3 gets the same configuration and is
# back in. T: node 1 gives it 256 buckets, node 2 512, node 3 has no T:
# one against one, the higher digest serves, the other owns nothing. (A
# node that never named a service counts as agreeing, and keeps its
# share of the buckets, as before there were digests.) The persona web:
# nodes 1,2 on nodes 1 and 3, nodes 1,2,3 on node 2.

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 19

S=192.0.2.100
T=2001:db8::100
make_cluster 3
tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"
(umask 077 && shoal key generate >"$tmp/key")

# out N SVC: the nodes out of SVC for their configuration, as node N sees it
out() { sn "$1" -j service show "$2" | jq -c '.[0].config_out'; }
# outs SVC: the same, as nodes 1, 2 and 3 see it
outs() { for i in 1 2 3; do out "$i" "$1"; done | paste -sd' '; }
# owned N SVC: how many of SVC's buckets node N owns
owned() { sn "$1" -j service show "$2" | jq '.[0].owned_buckets | length'; }
# owners N SVC: the owners node N's table has for SVC, sorted, unique
owners() { sn "$1" bucket show "$2" | awk '{ print $4 }' | sort -u | paste -sd,; }

for i in 1 2 3; do
	printf '%s\n' "cluster set dev eth0 node $i key $tmp/key" "node add 1" "node add 2" \
		"node add 3" | sn "$i" -b -
done
check "all three nodes up" wait_for 10000 all_see "1 2 3" "1=up,2=up,3=up"
ip netns exec "$(ns 3)" shoal -j monitor >"$tmp/mon.3" 2>&1 &
add_cleanup "kill $! 2>/dev/null"
# shellcheck disable=SC2016 # expanded by eval, each time
wait_for 10000 eval 'sn 3 cluster set node 3 && grep -q "\"object\":\"cluster\"" "$tmp/mon.3"' ||
	diag "monitor on node 3 did not start: $(cat "$tmp/mon.3")"

# --- two against one ------------------------------------------------------
sn 1 service add "$S" buckets 1024
sn 2 service add "$S" buckets 1024
sn 3 service add "$S" buckets 512
node3_out() { [ "$(outs "$S")" = "[3] [3] [3]" ]; }
check "S: every node has node 3 out (512 buckets against 1024)" wait_for 10000 node3_out
last_ok || diag "config_out on nodes 1, 2, 3: $(outs "$S")"
check_eq "S: node 3 owns none of its buckets" 0 "$(owned 3 "$S")"
t1=$(sn 1 bucket show "$S")
check_eq "S: nodes 1 and 2 have the same table, all of it theirs" "1,2 yes" \
	"$(owners 1 "$S") $([ "$t1" = "$(sn 2 bucket show "$S")" ] && echo yes)"
both_own() { [ $(($(owned 1 "$S") + $(owned 2 "$S"))) = 1024 ]; }
check "S: ... and own its 1024 buckets between them, once each" wait_for 10000 both_own
last_ok || diag "nodes 1, 2 own $(owned 1 "$S"), $(owned 2 "$S")"
check "node 3's monitor told: service config, out [3]" \
	grep -q '"object":"service","event":"config".*"config_out":\[3\]' "$tmp/mon.3"
last_ok || diag "monitor: $(grep '"object":"service"' "$tmp/mon.3")"
check "service show (plain) says config-out 3" grep -q " config-out 3 " <<<"$(sn 1 service show "$S")"

# --- node 3 gets it right ----------------------------------------------------
sn 3 service del "$S"
sn 3 service add "$S" buckets 1024
all_in() { [ "$(outs "$S")" = "[] [] []" ]; }
check "S: the same configuration everywhere: nobody out" wait_for 10000 all_in
last_ok || diag "config_out on nodes 1, 2, 3: $(outs "$S")"
same_tables() {
	local t
	t=$(sn 1 bucket show "$S")
	[ "$t" = "$(sn 2 bucket show "$S")" ] && [ "$t" = "$(sn 3 bucket show "$S")" ]
}
check "S: all three have one table" wait_for 10000 same_tables
check_eq "S: ... in which each of the three owns buckets" "1,2,3" "$(owners 1 "$S")"
# who owns which bucket may differ while a change goes from node to node
sn 1 node set 2 weight 3
read -r -t 1 -u "$_LIB_SLEEP_FD" _ || true
check_eq "S: node 2 weighs more on node 1 only: a second later, nobody out" \
	"[] [] []" "$(outs "$S")"
sn 1 node set 2 weight 1

# --- one against one -----------------------------------------------------------
sn 1 service add "$T" buckets 256
sn 2 service add "$T" buckets 512
one_out() {
	local a b
	a=$(out 1 "$T") b=$(out 2 "$T")
	[ "$a" = "$b" ] && { [ "$a" = "[1]" ] || [ "$a" = "[2]" ]; }
}
check "T: nodes 1 and 2 agree on which of them is out" wait_for 10000 one_out
last_ok || diag "config_out on nodes 1, 2: $(out 1 "$T") $(out 2 "$T")"
loser=$(out 1 "$T" | tr -d '[]')
winner=$((3 - ${loser:-0}))
check_eq "T: the node out owns nothing of it" 0 "$(owned "${loser:-1}" "$T")"
check "T: the other owns buckets of it" test "$(owned "$winner" "$T")" -gt 0
check "T: ... and its table gives the node out none" \
	test -n "$(owners "$winner" "$T")" -a "$(owners "$winner" "$T" | tr , '\n' | grep -cx "${loser:-0}")" = 0

# --- personas ----------------------------------------------------------------------
differs() { for i in 1 2 3; do sn "$i" -j persona show web | jq -c '.[0].config_differs'; done | paste -sd' '; }
sn 1 persona add web mac 02:00:00:aa:00:01 nodes 1,2
sn 2 persona add web mac 02:00:00:aa:00:01 nodes 1,2,3
sn 3 persona add web mac 02:00:00:aa:00:01 nodes 1,2
web_differs() { [ "$(differs)" = "[2] [1,3] [2]" ]; }
check "web: nodes 1 and 3 see node 2's differ, node 2 both of theirs" wait_for 10000 web_differs
last_ok || diag "config_differs on nodes 1, 2, 3: $(differs)"
check "node 3's monitor told: persona config, differs [2]" \
	grep -q '"object":"persona","event":"config".*"config_differs":\[2\]' "$tmp/mon.3"
last_ok || diag "monitor: $(grep '"object":"persona"' "$tmp/mon.3")"
check "persona show (plain) says config-differs 2" \
	grep -q " config-differs 2$" <<<"$(sn 1 persona show web | head -n 1)"
sn 2 persona del web
sn 2 persona add web mac 02:00:00:aa:00:01 nodes 1,2
web_agrees() { [ "$(differs)" = "[] [] []" ]; }
check "web: configured alike everywhere, nobody differs" wait_for 10000 web_agrees
last_ok || diag "config_differs on nodes 1, 2, 3: $(differs)"

ktap_finish
