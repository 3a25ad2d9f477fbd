#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: alone, no xdp (judges time; about membership, not the packet
# path)
#
# A restarting node takes nothing: node 1 restarts while a client holds
# 240 long-lived TCP connections to the service, and not one of the
# connections that nodes 2 and 3 hold may break. Three kinds of restart,
# each with connections of its own:
#   a. node 1's namespace is deleted and made again with the same
#      configuration (node id, key, service, addresses, MAC);
#   b. "shoal cluster set" is run again on node 1 with the same settings;
#   c. node 1's cluster device is deleted and made again (same name and
#      MAC), and "cluster set" run again with it; the service stays
#      declared, and must be on the new device again.
# After each: node 1 is up again in every node's view with the original
# bucket tables everywhere, it kept no packet of a bucket that nodes 2 or
# 3 own (its per-bucket counters), and new connections are answered, some
# by node 1. After a and c (a new boot): node 1's heartbeats recorded
# before the restarts and sent again are counted as replayed by every
# node, node 1 included, and change nothing (Documentation/heartbeats.md:
# states, no node down/up event, tables).
#
#   n1 (eth0) --+
#   n2 (eth0) --+-- br0 (switch namespace) -- (eth0) cl 192.0.2.200-203
#   n3 (eth0) --+
#
# Every node: one key, heartbeats every 100 ms, the service 192.0.2.100
# (TCP, 1024 buckets) and selftests/responder.py on TCP 80, which answers
# "node N". A node is down after 10 silent intervals (1 s), not 3: with
# the client's traffic the emulated VM, all nodes on one CPU, lets frames
# wait for a few hundred ms now and then, and a false failover would
# break connections this test must not blame on the restart. The client
# (selftests/client.py hold) sends a line on every connection every 200 ms;
# the node that answered first holds the connection, and every break is
# reported with its reason: reset, closed, timeout, wrong echo. The
# client's neighbour entry for the service is permanent: this is about
# who keeps the packets, not about who answers ARP. A connection's next
# line waits for the answer to the last one: on an emulated CPU shared
# with other VMs the client slows down with the VM rather than filling
# its backlog (every client packet is flooded to the three nodes), which
# would drop heartbeats with the rest.
# SHOAL_RESTART_ORDER (default "a b c") runs the restarts in another
# order, or only some of them.

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ORDER=${SHOAL_RESTART_ORDER:-a b c}
read -r -a PHASES <<<"$ORDER"
REPLAYS=0
for p in "${PHASES[@]}"; do
	case $p in
	a | c) REPLAYS=$((REPLAYS + 1)) ;;
	b) ;;
	*) echo "restart.sh: unknown restart kind $p" >&2; exit 2 ;;
	esac
done
# seven checks each, three more for a replay, one more for c's service
ktap_plan $((1 + 7 * ${#PHASES[@]} + 3 * REPLAYS + $(grep -o c <<<"$ORDER" | wc -l)))

S=192.0.2.100
CONNS=240
DEAD=10
REPLAY_FRAMES=5
# softnet_drops: packets the receive backlog dropped so far
softnet_drops() {
	local n=0 d
	while read -r _ d _; do n=$((n + 16#$d)); done </proc/net/softnet_stat
	echo "$n"
}
DROPS0=$(softnet_drops)
make_cluster 3
make_client cl 192.0.2.200 2001:db8::200
CL=$(ns cl)
SW=$(ns sw)
printf 'addr add 192.0.2.%s/24 dev eth0\n' 201 202 203 | ip -n "$CL" -batch -
tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"
(umask 077 && shoal key generate >"$tmp/key")

client() { ip netns exec "$CL" selftests/client.py "$@"; }
forge() { ip netns exec "$CL" selftests/hb-forge.py "$@"; }

# setup_node I: node I's configuration, the same every time
setup_node() {
	printf '%s\n' "cluster set dev eth0 node $1 key $tmp/key dead $DEAD" "node add 1" "node add 2" \
		"node add 3" "service add $S proto tcp" | sn "$1" -b -
}
# start_responder I: selftests/responder.py in node I (wait_responders:
# until they listen)
start_responder() {
	ip netns exec "$(ns "$1")" selftests/responder.py --id "$1" --tcp 80 >"$tmp/resp.$1" 2>&1 &
	RESP[$1]=$!
	add_cleanup "kill ${RESP[$1]} 2>/dev/null"
}
wait_responders() {
	local i
	for i in "$@"; do
		wait_for 30000 has_line "$tmp/resp.$i" ready || diag "responder $i: $(cat "$tmp/resp.$i")"
	done
}
# mon_restart I: node I's monitor (lib.sh's mon_start) started again, into
# a file of its own (a monitor killed in a restart may leave half a line)
mon_restart() {
	if [ -n "${MON[$1]:-}" ]; then
		kill "${MON[$1]}" 2>/dev/null
		wait "${MON[$1]}" 2>/dev/null
	fi
	MONN=$((${MONN:-0} + 1))
	MONF[$1]=$tmp/mon.$1.$MONN
	mon_start "$1"
}
# stop_node1: what runs in node 1's namespace would keep it alive
stop_node1() {
	local p
	for p in "${RESP[1]}" "${MON[1]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}
back() { all_up && tables_are "$T0" 1 2 3; }
# hold_start K: the client's connections, from port set K (each phase
# has its own: a connection broken in one restart is not there to be
# counted in the next). hold_ready K: until each of them is made or has
# failed; HOLD, HOLDOUT and HOLDSTATUS are then its.
hold_start() {
	ip netns exec "$CL" selftests/client.py hold "$S" 80 --count "$CONNS" \
		--sources 192.0.2.201,192.0.2.202,192.0.2.203 --port-set "$1" --interval 0.2 \
		--timeout 5 --status "$tmp/hold.$1.status" >"$tmp/hold.$1" 2>&1 &
	HOLDPID[$1]=$!
	add_cleanup "kill ${HOLDPID[$1]} 2>/dev/null"
}
hold_ready() {
	[ -n "${HOLDPID[$1]:-}" ] || hold_start "$1"
	HOLD=${HOLDPID[$1]}
	HOLDOUT=$tmp/hold.$1
	HOLDSTATUS=$tmp/hold.$1.status
	wait_for 60000 has_line "$HOLDOUT" ready || diag "client: $(tail -n3 "$HOLDOUT")"
}
hold_stop() {
	kill "$HOLD"
	wait "$HOLD"
	diag "client: $(grep '^# held' "$HOLDOUT")"
}
# held NODE...: how many connections the nodes held when they were made
held() {
	local n
	for n in "$@"; do awk -v n="$n" '$1 == "conn" && $5 == n' "$HOLDOUT"; done | wc -l
}
# answered_again M: every connection still held has had at least M
# answers (min_answers in the client's status), or none is held
answered_again() {
	local w
	read -r -a w <"$HOLDSTATUS" || return 1
	[ "${w[1]}" = 0 ] || [ "${w[5]}" -ge "$1" ]
}
status_min() {
	local w
	read -r -a w <"$HOLDSTATUS" || return 1
	echo "${w[5]}"
}
# kept_foreign: packets node 1 has kept in the buckets T0 gives nodes 2, 3
kept_foreign() {
	local out
	out=$(sn 1 -s bucket show "$S") || { echo "(no bucket table)"; return; }
	awk -v own=" $OWN1 " 'index(own, " " $2 " ") == 0 { n += $6 } END { print n + 0 }' <<<"$out"
}
# hb_counts: per node, "replayed rejected-against-node-1 rx-from-node-1"
hb_counts() {
	local i
	for i in 1 2 3; do printf '%s\n' "cluster show" "node show 1" | sn "$i" -s -j -b -; done |
		jq -r -s '[range(0; length; 2) as $k |
			"\(.[$k][0].stats.replayed) \(.[$k + 1][0].rejected_frames) \(.[$k + 1][0].rx_frames)"] |
			join(",")'
}
# pairs ADD: "replayed rejected" of hb_counts (on stdin), each plus ADD
pairs() {
	awk -v n="$1" 'BEGIN { RS = "," } NF { printf "%s%d %d", (NR > 1 ? "," : ""), $1 + n, $2 + n }'
}
counted() { [ "$(hb_counts | pairs 0)" = "$WANT" ]; }
# heard_again: nodes 2 and 3 accepted 6 more frames of node 1 since H0
heard_again() {
	hb_counts | awk -v h="$H0" 'BEGIN { RS = ","; split(h, b, ",") }
		NR > 1 && NF { split(b[NR], x, " "); if ($3 !~ /^[0-9]+$/ || $3 < x[3] + 6) bad = 1 }
		END { exit (bad || NR < 3) }'
}

# --- the cluster and the connections -----------------------------------------
for i in 1 2 3; do
	setup_node "$i"
	start_responder "$i"
done
wait_responders 1 2 3
for i in 1 2 3; do mon_restart "$i"; done
wait_for 10000 all_up || diag "states: $(states)"
T0=$(bucket_table 1)
check "three nodes up everywhere, one bucket table" tables_are "$T0" 1 2 3
OWN1=$(awk '$4 == 1 { print $2 }' <<<"$T0" | paste -sd' ')
diag "buckets owned by nodes 1, 2, 3: $(for i in 1 2 3; do grep -c " owner $i$" <<<"$T0"; done | paste -sd' ')"
# node 1's frames of this boot, for the replays after the restarts (in
# the background: starting Python takes seconds)
forge --dev eth0 record "$tmp/hb" --from 1 --count "$REPLAY_FRAMES" >"$tmp/rec" 2>&1 &
REC=$!

ip -n "$CL" neigh replace "$S" dev eth0 lladdr "$(sn 1 -j service show "$S" | jq -r '.[0].mac')" nud permanent

# --- the restarts -----------------------------------------------------------------
port_gone() { ! ip -n "$SW" link show n1 >/dev/null 2>&1; }
restart_a() {
	stop_node1
	ip netns del "$(ns 1)"
	# the old namespace is gone with its devices: its switch port too
	wait_for 10000 port_gone || diag "port n1 is still there"
	_lib_add_ns "$(ns 1)"
	_lib_attach "$(ns 1)" 02:00:00:00:00:01 | ip -n "$SW" -batch -
	_lib_addr 192.0.2.1 2001:db8::1 | ip -n "$(ns 1)" -batch -
	start_responder 1
	wait_responders 1
	setup_node 1
}
restart_b() {
	sn 1 cluster set dev eth0 node 1 key "$tmp/key" dead "$DEAD"
}
restart_c() {
	ip -n "$(ns 1)" link del eth0
	_lib_attach "$(ns 1)" 02:00:00:00:00:01 | ip -n "$SW" -batch -
	_lib_addr 192.0.2.1 2001:db8::1 | ip -n "$(ns 1)" -batch -
	sn 1 cluster set dev eth0 node 1 key "$tmp/key" dead "$DEAD"
}
declare -A WHAT=(
	[a]="namespace deleted and made again"
	[b]="cluster set run again"
	[c]="cluster device deleted and made again"
)
phase() {
	local k=$1 name="restart ${1}: ${WHAT[$1]}" m1 broke kept kept0=0 new m held23 from before
	for i in 2 3; do M[i]=$(mon_lines "$i"); done
	hold_ready "$PORTSET"
	check_eq "$name: $CONNS connections made, each held by one node" "$CONNS 0" \
		"$(awk '$1 == "ready" { print $2, $3 }' "$HOLDOUT")"
	diag "connections held by nodes 1, 2, 3: $(held 1) $(held 2) $(held 3)"
	[ "$k" = a ] || kept0=$(kept_foreign)
	# what broke before the restart is not the restart's doing
	from=$(wc -l <"$HOLDOUT")
	before=$(awk '$1 == "broke"' "$HOLDOUT")
	[ -z "$before" ] || diag "broken before the restart:" "$before"
	held23=$(($(held 2 3) - $(awk '$1 == "broke" && ($5 == 2 || $5 == 3)' <<<"$before" | grep -c .)))
	check "$name: nodes 2 and 3 hold at least 100 of them ($held23)" [ "$held23" -ge 100 ]
	"restart_$k"
	[ "$k" = b ] || mon_restart 1
	check "$name: node 1 up again in every node's view, every table the original" \
		wait_for 20000 back
	last_ok || diag "states: $(states)"
	if [ "$k" = c ]; then
		check_eq "$name: node 1's service is on the new cluster device" eth0 \
			"$(sn 1 -j service show "$S" | jq -r '.[0].dev')"
		last_ok || diag "$(sn 1 service show "$S")"
	fi
	# every connection still held answered 3 more times (or broke)
	m1=$(status_min)
	wait_for 20000 answered_again $((m1 + 3)) || diag "client status: $(cat "$HOLDSTATUS")"
	broke=$(tail -n +"$((from + 1))" "$HOLDOUT" | awk '$1 == "broke" && ($5 == 2 || $5 == 3)')
	check_eq "$name: none of the $held23 connections nodes 2 and 3 held broke" 0 \
		"$(grep -c . <<<"$broke")"
	last_ok || diag "broken (index source port node reason ms):" "$(cut -d' ' -f2- <<<"$broke")"
	diag "connections of node 1 that broke: $(tail -n +"$((from + 1))" "$HOLDOUT" |
		awk '$1 == "broke" && $5 == 1 { n++; r[$6]++ } END { printf "%d", n; for (x in r) printf " %s %d", x, r[x] }')"
	# the rest needs no traffic, and goes faster without
	hold_stop
	diag "node events meanwhile on nodes 2 and 3: $(mon_nodes 2 "${M[2]}" | paste -sd,); $(mon_nodes 3 "${M[3]}" | paste -sd,)"
	kept=$(kept_foreign)
	[[ ! $kept =~ ^[0-9]+$ ]] || kept=$((kept - kept0))
	check_eq "$name: node 1 kept no packet of a bucket nodes 2 and 3 own" 0 "$kept"
	new=$(client tcp "$S" 80 --count 30 --sources 192.0.2.202 --port-set "$((PORTSET + 1))" 2>/dev/null)
	check_eq "$name: 30 new connections all answered, some by node 1" "30 yes" \
		"$(grep -c ' [123]$' <<<"$new") $(grep -q ' 1$' <<<"$new" && echo yes)"
	last_ok || diag "$(awk '{ print $3 }' <<<"$new" | sort | uniq -c | paste -sd' ')"
	check_eq "$name: node 1 still up in every view, tables the original" yes \
		"$(back && echo yes)"

	[ "$k" != b ] || return 0
	# --- node 1's frames of its previous boot, sent again
	H0=$(hb_counts)
	for i in 1 2 3; do M[i]=$(mon_lines "$i"); done
	WANT=$(pairs "$REPLAY_FRAMES" <<<"$H0")
	forge --dev eth0 replay-file "$tmp/hb" --interval 20 >/dev/null
	wait_for 5000 counted
	m=$(hb_counts)
	check_eq "$name: $REPLAY_FRAMES frames of node 1's previous boot, sent again: every node counts them replayed, against node 1" \
		"$WANT" "$(pairs 0 <<<"$m")"
	last_ok || diag "replayed, rejected, rx from node 1, per node: before $H0, after $m" "$(cat "$tmp/rec")"
	check "$name: nodes 2 and 3 still take node 1's own frames after the replay (6 more)" \
		wait_for 5000 heard_again
	check_eq "$name: after the replay, no node down or up event, states and tables unchanged" \
		",,, yes yes" \
		"$(for i in 1 2 3; do printf ',%s' "$(mon_nodes "$i" "${M[i]}" | paste -sd,)"; done) \
$(all_up && echo yes) $(tables_are "$T0" 1 2 3 && echo yes)"
}

wait "$REC" || diag "recording node 1's frames: $(cat "$tmp/rec")"
diag "$(cat "$tmp/rec")"
PORTSET=0
for p in "${PHASES[@]}"; do
	phase "$p"
	PORTSET=$((PORTSET + 2))
done


diag "packets dropped by the backlog: $(($(softnet_drops) - DROPS0))"
# with vm-run --out: the client's, responders' and monitors' logs
[ -z "${SHOAL_OUT:-}" ] || cp -r "$tmp" "$SHOAL_OUT/"
ktap_finish
