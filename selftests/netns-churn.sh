#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Namespaces deleted, 200 times, with everything running in them:
# heartbeats at a short interval, a service (on some nodes also one with
# XDP), a persona that is active on its node when the namespace goes,
# traffic. The deletions take every road through the module's exit: the
# namespace deleted with everything up, several in one batch; the cluster
# device deleted first; the link's other end deleted at the same moment as
# the namespace; "cluster set" run again just before. Meanwhile the two
# stable nodes keep serving, see every churned node come and go, and have
# "cluster set" run again now and then. At the end nothing is left: every
# namespace is freed, the module unloads.
#
#   n1 (eth0) -----+
#   n2 (eth0) -----+-- br0 (switch namespace)
#   cl (eth0) -----+   client 192.0.2.200, 198.51.100.200: pings the
#   cRkK (eth0) ---+   service, web and p3 all along
#     ... x 8      |
#                      round R (1..25): churned nodes K = 3..10, eth0
#                      192.0.2.1K, created, configured, deleted
#
# Heartbeats every 50 ms, dead 4. Every node declares nodes 1-10 and
# serves 192.0.2.100 (any protocol); the first node of each round also
# serves 192.0.2.101 (UDP 54) with "xdp on". Persona web
# (198.51.100.10/24, nodes 1,2) lives on the stable nodes; churned node K
# has persona pK (198.51.100.1K/24, nodes K), which only it may own.

# Conditions are written in single quotes, to be evaluated when polled.
# shellcheck disable=SC2016
# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 14

ROUNDS=25
SVC=192.0.2.100
SVC_XDP=192.0.2.101

# Namespaces in memory: net_namespace objects in use. SLUB counts objects
# free in the slabs it keeps per CPU as used, until a shrink hands them
# back; the core frees a namespace's memory only when it next cleans up
# another one.
netns_used() {
	echo 1 >/sys/kernel/slab/net_namespace/shrink
	awk '$1 == "net_namespace" { print $2 }' /proc/slabinfo
}
netns_before=$(netns_used)

make_cluster 2
make_client cl 192.0.2.200/24 2001:db8::200/64
CL=$(ns cl)
SW=$(ns sw)
ip -n "$CL" addr add 198.51.100.200/24 dev eth0
tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"
(umask 077 && shoal key generate >"$tmp/key")

# node_cmds ID: what every node is given, as a batch
node_cmds() {
	local j
	echo "cluster set dev eth0 node $1 key $tmp/key interval 50 dead 4"
	for ((j = 1; j <= 10; j++)); do echo "node add $j"; done
	echo "service add $SVC"
}
for i in 1 2; do
	{
		node_cmds "$i"
		echo "persona add web mac 02:00:00:aa:00:01 addr 198.51.100.10/24 nodes 1,2"
	} | sn "$i" -b - || diag "setup of node $i failed"
done
owners() { echo "$(sn 1 -j persona show web | jq -r '.[0].owner')$(sn 2 -j persona show web | jq -r '.[0].owner')"; }
# (node 1 starts first and is first in the list: it takes web)
check "the stable nodes agree: web on node 1" wait_for 5000 eval '[ "$(owners)" = 11 ]'
last_ok || diag "web's owner as nodes 1, 2 see it: $(owners)"

for a in "$SVC" 198.51.100.10 198.51.100.13; do
	ip netns exec "$CL" ping -q -i 0.05 "$a" >"$tmp/ping.$a" 2>&1 &
done
add_cleanup 'for p in $(ip netns pids "$CL"); do kill -INT "$p"; done; wait'

# --- churn ----------------------------------------------------------------
# Under emulation every process costs 100 ms or more, and every fork: a
# round starts two per churned node (its link, its configuration) and a
# few for all of them; names are not made with $(ns ...).

# churn_add R IDS: round R's nodes, linked and configured in that order
churn_add() {
	local r=$1 k n mac
	local -a names=()
	for k in $2; do names+=("${NS_PREFIX}c${r}k$k"); done
	_lib_add_ns "${names[@]}" || return 1
	for k in $2; do
		n=${NS_PREFIX}c${r}k$k
		printf -v mac '%02x' "$k"
		printf '%s\n' "link add eth0 address 02:00:00:00:01:$mac type veth peer name c${r}k$k netns $SW" \
			"link set lo up" "link set eth0 up" "addr add 192.0.2.1$k/24 dev eth0" |
			ip -n "$n" -batch - || return 1
		{
			node_cmds "$k"
			# the first node of each round serves one more, with XDP
			[ "$k" != "${2%% *}" ] || echo "service add $SVC_XDP proto udp port 54 xdp on"
			echo "persona add p$k mac 02:00:00:cc:00:$mac addr 198.51.100.1$k/24 nodes $k"
		} | shoal -n "$n" -b - || return 1
	done
	for k in $2; do echo "link set c${r}k$k master br0 up"; done | ip -n "$SW" -batch -
}

# owns R K: churned node K of round R owns its persona (carrier on)
owns() { ip -n "${NS_PREFIX}c$1k$2" link show "p$2" | grep -q 'LOWER_UP'; }

# churn_del R: delete round R's namespaces, each one of four ways (of the
# eight nodes: three, two, one, two), a node's way changing every round
churn_del() {
	local r=$1 k n
	local -a all=() first=() racing=()
	for ((k = 3; k <= 10; k++)); do
		n=${NS_PREFIX}c${r}k$k
		all+=("$n")
		case $(((k + r / 2) % 8)) in
		0 | 1 | 2) ;;	# with everything up, in one batch with the others
		3 | 4) first+=("c${r}k$k") ;;	# the cluster device first
		5)	# "cluster set" run again just before
			shoal -n "$n" cluster set dev eth0 node "$k" key "$tmp/key" interval 50 ;;
		6 | 7) racing+=("c${r}k$k") ;;	# the link's other end, at once
		esac
	done
	# deleting the switch's end of a veth deletes the node's eth0 with it
	printf 'link del %s\n' "${first[@]}" | ip -n "$SW" -batch -
	# (whichever comes first deletes the link)
	printf 'link del %s\n' "${racing[@]}" | ip -force -n "$SW" -batch - 2>/dev/null &
	printf 'netns del %s\n' "${all[@]}" | ip -batch -
	wait $!
	deleted=$((deleted + ${#all[@]}))
}

deleted=0 added=0 owned=0
start=$SECONDS
for ((r = 1; r <= ROUNDS; r++)); do
	# the node whose persona must be active when it goes: configured
	# first, so that it has had the time by the end of the round's set-up
	k=$((3 + r % 8))
	ids=
	for ((j = 0; j < 8; j++)); do ids+="$(((k - 3 + j) % 8 + 3)) "; done
	churn_add "$r" "$ids" || { diag "round $r: set-up failed"; break; }
	added=$((added + 8))
	if wait_for 3000 owns "$r" "$k"; then
		owned=$((owned + 1))
	else
		diag "round $r: node $k did not own p$k: $(shoal -n "$(ns "c${r}k$k")" persona show 2>&1)"
	fi
	# "cluster set" run again on a stable node, now and then
	if ((r % 5 == 3)); then
		i=$((r / 5 % 2 + 1))
		sn "$i" cluster set dev eth0 node "$i" key "$tmp/key" interval 50 ||
			diag "round $r: cluster set on node $i failed"
	fi
	churn_del "$r"
done
diag "churn: $((SECONDS - start)) s"
check_eq "$((ROUNDS * 8)) namespaces created and deleted" "$((ROUNDS * 8)) $((ROUNDS * 8))" \
	"$added $deleted"
check_eq "in each round a persona was active on its node when it went" "$ROUNDS" "$owned"

# --- the stable nodes carried on ------------------------------------------
churned_up() { sn "$1" -j node show | jq -r '[.[] | select(.id > 2 and .state == "up")] | length'; }
check "they see every churned node down" wait_for 3000 eval '[ "$(churned_up 1)$(churned_up 2)" = 00 ]'
both_up() {
	[ "$(sn 1 -j node show 2 | jq -r '.[0].state') $(sn 2 -j node show 1 | jq -r '.[0].state')" = "up up" ]
}
check "... and each other up" wait_for 3000 both_up
# a stall of the emulated machine may have moved it: agreeing is the point
check "they agree where web is" wait_for 3000 eval '[ "$(owners)" = 11 ] || [ "$(owners)" = 22 ]'
last_ok || diag "web's owner as nodes 1, 2 see it: $(owners)"
answers() { ip netns exec "$CL" ping -c 3 -i 0.2 -W 1 "$1"; }
# A dying node's kernel answers ARP for the service address with its own
# MAC between the module's exit and its devices' going: the client may
# have learnt a churned node's MAC. Ask again.
diag "the client's neighbour entry for the service: $(ip -n "$CL" neigh show "$SVC")"
ip -n "$CL" neigh flush to "$SVC"
check "the service still answers" answers "$SVC"
last_ok || diag "$(ip -n "$CL" neigh show "$SVC")" "$(sn 1 -s service show "$SVC")" \
	"$(sn 2 -s service show "$SVC")" "$(diff <(sn 1 bucket show "$SVC") <(sn 2 bucket show "$SVC") | head)"
check "web still answers" answers 198.51.100.10

for p in $(ip netns pids "$CL"); do kill -INT "$p"; done
wait
# replies ADDR: "received" of ping's summary
replies() { awk '/packets transmitted/ { print $4 }' "$tmp/ping.$1"; }
diag "pings answered: service $(replies "$SVC"), web $(replies 198.51.100.10), p3 $(replies 198.51.100.13)"
check "p3 answered pings while its nodes lived" test "$(replies 198.51.100.13)" -gt 0

# --- nothing left -----------------------------------------------------------
cleanup
check_eq "no namespace of this test is left" "" "$(ip netns list | grep "^$NS_PREFIX")"
# freed: nothing more than before but one more namespace, just deleted to
# make the core free the memory of those cleaned up before it (a namespace
# still referenced somewhere is never cleaned up)
freed() {
	printf 'netns %s shoal-flush-$$\n' add del | ip -batch - &&
		[ "$(netns_used)" -le $((netns_before + 1)) ]
}
check "every namespace was freed" wait_for 20000 freed
last_ok || diag "namespaces in memory: $(netns_used), before the test: $netns_before"
check_eq "no device waited for its references" "" \
	"$(dmesg | grep -E 'unregister_netdevice: waiting for' | head -3)"
# XDP programs of deleted namespaces hold the module until they are freed
check "the module unloads" wait_for 20000 rmmod shoal
check "load it again, for the rest of the run" selftests/vm/shoal-load

ktap_finish
