#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The planned-changes benchmark, run inside the test VM by bench/run
# (through selftests/vm-run): what planned changes to a cluster cost the
# connections it holds, what a clean leave saves over dead-interval
# detection, and what a packet of a moving bucket costs. Three parts, in
# one VM run:
#
# 1. Held connections (BENCH-MOVES hold lines). A client holds CONNS
#    long-lived TCP connections to the service 192.0.2.100 port 80
#    (selftests/client.py hold, one source address per connection, from
#    10.77.0.0/16, routed by every node through the client), each sending
#    a line every LINE s and expecting its holder's answer (a 'broke'
#    line at once on a reset, a FIN, an answer from another node, or
#    a line unanswered for CTIMEOUT s). Every node runs
#    selftests/responder.py. Two changes, for each system:
#      return: node 3's link goes down, the others take its share (shoal:
#              by declaring it down; the recipes: as a cluster manager
#              would, by reconfiguring the survivors), the connections are
#              made, then node 3's link comes back and it takes its share
#              back;
#      add:    with nodes 1-3 serving, the connections are made, then a
#              fourth node joins.
#    Systems, each on its own fresh namespaces:
#      shoal      nodes 1-4 declared everywhere, 1-3 started (heartbeats
#                 every HB_INTERVAL ms, dead HB_DEAD); return: node 3's
#                 eth0 down until nodes 1 and 2 see it down, then up;
#                 add: node 4 started ("cluster set node 4 key ...").
#      nft        the jhash recipe: prerouting at raw priority, "ip daddr
#                 SVC tcp dport 80 meta pkttype set host jhash ip saddr .
#                 tcp sport mod N seed 0x5eed vmap { value i-1 : accept,
#                 others : drop }" on node i, replaced in one nft
#                 transaction per node; return: nodes 1 and 2 to mod 2
#                 when node 3 fails, and back to mod 3 when it returns
#                 (node 3 kept its mod 3 rule); add: node 4 gets mod 4,
#                 then nodes 1-3 are set to mod 4, one after the other.
#      xt_cluster iptables-legacy mangle PREROUTING "-m cluster
#                 --cluster-total-nodes N --cluster-local-node i
#                 --cluster-hash-seed 0x5eed -j MARK --set-mark 0xffff",
#                 then DROP what is unmarked, conntrack's TCP pickup off
#                 (nf_conntrack_tcp_loose=0, as libxt_cluster's manual
#                 says); total nodes changed as for nft (rule 1 replaced).
#      clusterip  CLUSTERIP on filter INPUT, --total-nodes 4 from the start
#                 (its node count is fixed when the rule is made), node 1
#                 answering for 1 and 4 ("echo +4"); return: node 2 takes
#                 node 3's number (echo +3) while it is away and gives it
#                 back (echo -3); add: node 4 gets the rule with
#                 --local-node 4, then node 1 "echo -4".
#    The recipes' nodes have 192.0.2.100/32 on lo and accept the cluster
#    MAC 01:00:5e:00:01:64 (ip maddr); the client has a permanent
#    neighbour entry for the service (the cluster MAC, shoal's or the
#    recipes'), so frames to it are flooded to every node by the bridge.
#    A fresh port set (client.py --port-set) per change: no TIME_WAIT
#    4-tuple is ever reused. Before the changes, with shoal's nodes, a load
#    probe (BENCH-MOVES load line): the connections held for 20 s at a line
#    every PROBE s, nothing changed: the answers a second the VM kept up
#    with against those asked, its vCPU's load, and what broke.
#
# 2. Failover gap (BENCH-MOVES gap lines): bench/failover.sh's trial, for
#    shoal only, 3 nodes, UDP service 192.0.2.100 port 7000 (udpping serve
#    on every node), the client's 4 flows all node 3's, at each interval of
#    INTERVALS with dead DEAD: "cut" sets node 3's eth0 down (udpping
#    linkdown, started beforehand), "leave" has node 3 run "cluster leave"
#    (a "shoal -j -b -" process started beforehand in its namespace, given
#    the command through a pipe: no process starts at the cut); node 3
#    comes back (link up; "cluster set interval MS") and owns its buckets
#    again before the next trial. Each node runs "shoal monitor": when nodes
#    1 and 2 reported node 3 down, from its last answer. Trial 0 of each
#    setting is an unmeasured warm-up (BENCH-MOVES-WARMUP).
#
# 3. Owned-packet cost in a moving bucket (BENCH-MOVES cost lines), with
#    bench/packet.sh's method (bench/run boots this VM with "-icount
#    shift=0,sleep=on" and a second NIC fed by bench/build/pktgen-dgram
#    from the host; guest instructions per packet = busy guest ns /
#    datagrams the sink read, bench/build/pktwin): node 1 (namespace with
#    the NIC) and node 2, both on the bridge, serve 198.51.100.10 UDP 9000
#    (1024 buckets). Node 2 serves it alone first ("nodes 2") and the
#    client makes 16 UDP flows to it, which responder.py answers from a
#    connected socket each; then "service set ... nodes 1" on both moves
#    every bucket to node 1 while node 2 holds those flows (hold 600 s):
#    every bucket is contested on node 1, and every packet of the flood
#    (2^20 sources, all new flows) takes the moving-bucket path
#    (kernel/hold.c: its fingerprint looked up among those node 2 holds).
#    Row "contested"; then node 2's flows are closed, its hold ends, and
#    the same buckets are settled and owned: row "settled" (today's path).
#    Checked: node 1 drops the datagrams of node 2's held flows while
#    contested (its drop counter), every bucket is node 1's, node 2 still
#    holds after the window.
#
# Output: "BENCH-MOVES ..." lines (above), "BENCH-INFO key value..." and
# "# " notes; bench/report.py makes the section "Connections kept through
# planned changes".
#
# Arguments (vm-run passes no environment): BENCH_TRIALS (part 2, default
# 10), BENCH_MOVES_CONNS (1000), BENCH_MOVES_LINE (seconds between a
# connection's lines; default auto: the probe's if the VM kept up with
# it, else 1), BENCH_MOVES_PROBE (0.2: first, with shoal, the connections
# held 20 s at a line every that many seconds, nothing changed, to show
# what the VM keeps up with; empty: no probe),
# BENCH_MOVES_SYSTEMS ("shoal nft xt_cluster
# clusterip"; empty: no part 1), BENCH_MOVES_INTERVALS ("100 20 10"; empty:
# no part 2), BENCH_MOVES_DEAD (3), BENCH_MOVES_COST (1; 0: no part 3),
# BENCH_MOVES_MAC (the second NIC's; part 3 needs it), BENCH_MOVES_WINDOW
# (guest ns per cost window, 1000000000), BENCH_MOVES_SETTLE (300000000),
# BENCH_MOVES_ICOUNT (1 if the VM runs under -icount, for the record).
#   selftests/vm-run bench/moves.sh BENCH_TRIALS=3 BENCH_MOVES_SYSTEMS=shoal

for a in "$@"; do
	case $a in
	BENCH_TRIALS=* | BENCH_MOVES_*=*) export "${a?}" ;;
	*) echo "moves.sh: unknown argument $a" >&2; exit 2 ;;
	esac
done

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/../selftests/lib.sh"
# shellcheck source=bench/lib-bench.sh
source "$(dirname "$0")/lib-bench.sh"

TRIALS=${BENCH_TRIALS:-10}
CONNS=${BENCH_MOVES_CONNS:-1000}
LINE=${BENCH_MOVES_LINE:-auto}
PROBE=${BENCH_MOVES_PROBE-0.2}
SYSTEMS=${BENCH_MOVES_SYSTEMS-shoal nft xt_cluster clusterip}
INTERVALS=${BENCH_MOVES_INTERVALS-100 20 10}
DEAD=${BENCH_MOVES_DEAD:-3}
COST=${BENCH_MOVES_COST:-1}
MAC=${BENCH_MOVES_MAC:-}
WINDOW=${BENCH_MOVES_WINDOW:-1000000000}
SETTLE=${BENCH_MOVES_SETTLE:-300000000}
HB_INTERVAL=100
HB_DEAD=10
CTIMEOUT=5
REPO=$(realpath "$(dirname "$0")/..")
UDPPING=$REPO/bench/build/udpping
PKTWIN=$REPO/bench/build/pktwin
CLIENTPY=$REPO/selftests/client.py
RESPONDER=$REPO/selftests/responder.py
IPT=iptables-legacy
SVC=192.0.2.100
PORT=80
CLIENT=192.0.2.200
SRCNET=10.77.0.0/16
CMAC=01:00:5e:00:01:64
SEED=0x5eed

tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"

info kernel "$(uname -r)"
info cpus "$(nproc)"
info moves_conns "$CONNS"
info moves_client_timeout_s "$CTIMEOUT"
info moves_hb "$HB_INTERVAL $HB_DEAD"
info trials "$TRIALS"
info moves_dead "$DEAD"
info moves_icount "${BENCH_MOVES_ICOUNT:-0}"
info moves_module "kernel/shoal.ko sha256 $(sha256sum "$REPO/kernel/shoal.ko" | cut -c1-12)"
command -v "$IPT" >/dev/null && info moves_iptables "$($IPT --version 2>&1)"
command -v nft >/dev/null && info moves_nft "$(nft --version 2>&1)"

# The client, with a source address per connection (10.77.0.1, ...)
make_client cl "$CLIENT" 2001:db8::200
CL=$(ns cl)
SRCS=$(for ((i = 0; i < CONNS; i++)); do printf '10.77.%d.%d,' $((i / 250)) $((i % 250 + 1)); done)
SRCS=${SRCS%,}
tr ',' '\n' <<<"$SRCS" | sed 's|.*|addr add &/32 dev eth0|' | ip -n "$CL" -batch -
# the client's neighbour entry for an address: MAC
client_neigh() { ip -n "$CL" neigh replace "$1" dev eth0 lladdr "$2" nud permanent; }

# --- nodes ----------------------------------------------------------------------

RESP_PIDS=()
# mk_nodes PREFIX N: namespaces PREFIX1..PREFIXN on the bridge, node i at
# 192.0.2.i, a route to the client's sources, a TCP responder on port 80
mk_nodes() {
	local i n
	for ((i = 1; i <= $2; i++)); do
		make_client "$1$i" "192.0.2.$i" "2001:db8::$i"
		n=$(ns "$1$i")
		echo "route add $SRCNET via $CLIENT" | ip -n "$n" -batch -
		ip netns exec "$n" "$RESPONDER" --id "$i" --tcp "$PORT" >"$tmp/resp.$1$i" 2>&1 &
		RESP_PIDS+=($!)
	done
	for ((i = 1; i <= $2; i++)); do
		wait_for 30000 grep -qx ready "$tmp/resp.$1$i" ||
			note "responder $1$i did not start: $(cat "$tmp/resp.$1$i")"
	done
}
# del_nodes PREFIX N: their processes stopped, their switch ports deleted
# (with the veth pairs: a namespace's exit may take seconds, and the next
# system's nodes must not share the switch with these), the namespaces
# deleted
del_nodes() {
	local i n pids p
	for p in "${RESP_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	RESP_PIDS=()
	for ((i = 1; i <= $2; i++)); do
		ip -n "$(ns sw)" link del "$1$i" 2>/dev/null
		n=$(ns "$1$i")
		pids=$(ip netns pids "$n" 2>/dev/null)
		# shellcheck disable=SC2086 # one pid per word
		[ -z "$pids" ] || kill -9 $pids 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
}
# link_up NAME: eth0 up again, and the route the link's going took with it
link_up() {
	printf '%s\n' "link set eth0 up" "route replace $SRCNET via $CLIENT" | ip -n "$(ns "$1")" -batch -
}
link_down() { ip -n "$(ns "$1")" link set eth0 down; }

# --- the hold client --------------------------------------------------------------

# hold_start K INTERVAL: CONNS connections from port set K, a line every
# INTERVAL s; HOUT, HSTATUS
hold_start() {
	HOUT=$tmp/hold.$1
	HSTATUS=$tmp/hold.$1.status
	rm -f "$HSTATUS"
	ip netns exec "$CL" "$CLIENTPY" hold "$SVC" "$PORT" --count "$CONNS" --sources "$SRCS" \
		--port-set "$1" --interval "$2" --timeout "$CTIMEOUT" --status "$HSTATUS" \
		>"$HOUT" 2>&1 &
	HPID=$!
}
hold_stop() {
	kill "$HPID" 2>/dev/null
	wait "$HPID" 2>/dev/null
}
has_ready() { grep -q '^ready ' "$HOUT"; }
# st FIELD: live, broken, min (answers of the least answered live
# connection) or answers, from the client's status file
st() {
	local w
	read -r -a w <"$HSTATUS" 2>/dev/null || return 1
	case $1 in
	live) echo "${w[1]}" ;;
	broken) echo "${w[3]}" ;;
	min) echo "${w[5]}" ;;
	answers) echo "${w[7]}" ;;
	esac
}
# answered_to N: every live connection answered N times (or none live)
answered_to() {
	local live min
	live=$(st live) && min=$(st min) || return 1
	[ "$live" = 0 ] || [ "$min" -ge "$1" ]
}

# scenario SYS KIND K: one change (KIND return or add) with the
# connections of port set K; the BENCH-MOVES hold line
scenario() {
	local sys=$1 kind=$2 k=$3 held failed live0 pre mark t0 t1 want broke nodes
	local reset timeout wrong closed other live1 s0 c0 i0
	s0=$(now_ms)
	note "$sys $kind: starting ($(elapsed))"
	[ "$LINE" != auto ] || LINE=1
	[ "$kind" != return ] || "${sys}_fail"
	hold_start "$k" "$LINE"
	if ! poll_for 300000 has_ready; then
		note "$sys $kind: the connections were not made in 300 s: $(tail -n 3 "$HOUT")"
		hold_stop
		echo "BENCH-MOVES hold $sys $kind error not-ready"
		[ "$kind" != return ] || "${sys}_back"
		return 1
	fi
	read -r _ held failed < <(grep '^ready ' "$HOUT")
	# the vCPU's load while the connections are held, to the end
	cpu_sample
	c0=$CPU_T i0=$CPU_I
	# every connection answered twice: steady
	poll_for 60000 answered_to 2 || note "$sys $kind: not every connection answered twice: $(cat "$HSTATUS")"
	live0=$(st live)
	pre=$(grep -c '^broke ' "$HOUT")
	nodes=$(awk '$1 == "conn" && $5 != "none" { n[$5]++ } END { for (x in n) printf "%s:%d,", x, n[x] }' "$HOUT")
	mark=$(wc -l <"$HOUT")
	t0=$(now_ms)
	if [ "$kind" = return ]; then "${sys}_back"; else "${sys}_add"; fi
	t1=$(now_ms)
	"${sys}_settled" "$kind" || note "$sys $kind: not settled after the change"
	want=$(($(st min) + 3))
	poll_for 60000 answered_to "$want" ||
		note "$sys $kind: not every connection answered 3 more times: $(cat "$HSTATUS")"
	live1=$(st live)
	cpu_sample
	broke=$(tail -n +"$((mark + 1))" "$HOUT" | awk '$1 == "broke"')
	reset=$(grep -c ' reset ' <<<"$broke")
	timeout=$(grep -Ec ' (timeout|unanswered) ' <<<"$broke")
	wrong=$(grep -c ' wrong-echo' <<<"$broke")
	closed=$(grep -c ' closed ' <<<"$broke")
	other=$(($(grep -c . <<<"$broke") - reset - timeout - wrong - closed))
	hold_stop
	[ -z "$broke" ] || note "$sys $kind: broken (index source port node reason ms):" \
		"$(cut -d' ' -f2- <<<"$broke" | head -n 5)"
	echo "BENCH-MOVES hold $sys $kind held $held failed $failed live_before $live0" \
		"broken_before $pre broken $(grep -c . <<<"$broke") reset $reset timeout $timeout" \
		"wrong $wrong closed $closed other $other live_after $live1 change_ms $((t1 - t0))" \
		"seconds $((($(now_ms) - s0) / 1000))" \
		"busy_pct $((CPU_T > c0 ? 100 * (CPU_T - c0 - (CPU_I - i0)) / (CPU_T - c0) : 0))" \
		"nodes ${nodes%,}"
	"${sys}_quiet"
}

# load_probe LINE K: the connections of port set K held for 20 s with a
# line every LINE s, nothing changed: what the VM keeps up with (the
# BENCH-MOVES load line)
load_probe() {
	local line=$1 k=$2 a0 a1 t0 t1 c0 i0 held live
	hold_start "$k" "$line"
	if ! poll_for 300000 has_ready; then
		hold_stop
		echo "BENCH-MOVES load $line error not-ready"
		return 1
	fi
	read -r _ held _ < <(grep '^ready ' "$HOUT")
	poll_for 30000 answered_to 2
	cpu_sample
	c0=$CPU_T i0=$CPU_I
	a0=$(st answers) t0=$(now_ms)
	sleep 20
	a1=$(st answers) t1=$(now_ms) live=$(st live)
	cpu_sample
	hold_stop
	local got asked busy broken
	got=$(((a1 - a0) * 1000 / (t1 - t0)))
	asked=$(awk -v n="$held" -v l="$line" 'BEGIN { printf "%d", n / l }')
	busy=$((100 * (CPU_T - c0 - (CPU_I - i0)) / (CPU_T - c0)))
	broken=$(grep -c '^broke ' "$HOUT")
	# kept up: 90% of the lines asked answered, none broken, the vCPU
	# not saturated
	PROBE_OK=0
	[ $((got * 10)) -lt $((asked * 9)) ] || [ "$broken" != 0 ] || [ "$busy" -ge 90 ] ||
		PROBE_OK=1
	echo "BENCH-MOVES load $line conns $CONNS held $held live $live broken $broken" \
		"answers_per_s $got asked_per_s $asked busy_pct $busy kept_up $PROBE_OK" \
		"reasons $(awk '$1 == "broke" { n[$6]++ } END { for (x in n) printf "%s:%d,", x, n[x] }' "$HOUT")"
}

# --- shoal ---------------------------------------------------------------------

shoal_cfg() { shoal -n "$(ns "sh$1")" "${@:2}"; }
# sees NODES STATES: every node of NODES sees STATES ("1=up,2=up,...")
sees() {
	local i
	for i in $1; do
		[ "$(shoal_cfg "$i" -j node show | jq -r 'map("\(.id)=\(.state)") | join(",")')" = "$2" ] ||
			return 1
	done
}
same_tables() {
	local i ref
	ref=$(shoal_cfg "${1%% *}" bucket show "$SVC")
	for i in $1; do [ "$(shoal_cfg "$i" bucket show "$SVC")" = "$ref" ] || return 1; done
}
holds_nothing() {
	local i
	for i in $1; do
		shoal_cfg "$i" -j service show | jq -e 'all(.[]; (.held_buckets | length) == 0)' \
			>/dev/null || return 1
	done
}
shoal_states() { local i; for i in 1 2 3 4; do echo "node $i: $(shoal_cfg "$i" node show | tr '\n' ' ')"; done; }
shoal_start() {
	shoal_cfg "$1" cluster set node "$1" key "$tmp/key" interval "$HB_INTERVAL" dead "$HB_DEAD"
}
shoal_setup() {
	local i
	mk_nodes sh 4
	(umask 077 && shoal key generate >"$tmp/key")
	for i in 1 2 3 4; do
		printf '%s\n' "cluster set dev eth0" \
			"node add 1" "node add 2" "node add 3" "node add 4" \
			"service add $SVC proto tcp port $PORT" | shoal_cfg "$i" -b - ||
			{ note "shoal: node $i's configuration failed"; return 1; }
	done
	for i in 1 2 3; do shoal_start "$i"; done
	poll_for 30000 sees "1 2 3" "1=up,2=up,3=up,4=down" || note "shoal: not up:" "$(shoal_states)"
	client_neigh "$SVC" "$(shoal_cfg 1 -j service show "$SVC" | jq -r '.[0].mac')"
	SH_LIVE="1 2 3"
}
shoal_fail() {
	link_down sh3
	poll_for 30000 sees "1 2" "1=up,2=up,3=down,4=down" || note "shoal: node 3 not down:" "$(shoal_states)"
	poll_for 30000 same_tables "1 2" || note "shoal: tables differ"
}
shoal_back() { link_up sh3; }
shoal_add() { shoal_start 4; SH_LIVE="1 2 3 4"; }
shoal_settled() {
	local want="1=up,2=up,3=up,4=down"
	[ "$1" = return ] || want="1=up,2=up,3=up,4=up"
	# shellcheck disable=SC2015 # either failing is the message
	poll_for 30000 sees "$SH_LIVE" "$want" && poll_for 30000 same_tables "$SH_LIVE" ||
		{ note "shoal: not settled:" "$(shoal_states)"; return 1; }
	info moves_shoal_held "$1 $(for i in $SH_LIVE; do
		printf '%s:%s,' "$i" "$(shoal_cfg "$i" -j -s node show "$i" | jq '.[0].held_flows')"; done)"
}
# the client closed its connections: holding ends everywhere
shoal_quiet() { poll_for 30000 holds_nothing "$SH_LIVE" || note "shoal: still holding after the client closed"; }
shoal_teardown() { del_nodes sh 4; }

# --- nft jhash ---------------------------------------------------------------------

nft_node() {
	printf '%s\n' "addr add $SVC/32 dev lo" "maddr add $CMAC dev eth0" | ip -n "$(ns "nf$1")" -batch -
}
# nft_set NODE MOD: node i accepts hash value i-1 of MOD
nft_set() {
	local v map=
	for ((v = 0; v < $2; v++)); do
		map+="$v : $([ "$v" = $(($1 - 1)) ] && echo accept || echo drop), "
	done
	ip netns exec "$(ns "nf$1")" nft -f - <<-EOF
	table ip moves
	flush table ip moves
	table ip moves {
		chain pre {
			type filter hook prerouting priority raw; policy accept;
			ip daddr $SVC tcp dport $PORT meta pkttype set host jhash ip saddr . tcp sport mod $2 seed $SEED vmap { ${map%, } }
		}
	}
	EOF
}
nft_setup() {
	local i
	mk_nodes nf 4
	for i in 1 2 3; do
		# shellcheck disable=SC2015 # either failing fails the setup
		nft_node "$i" && nft_set "$i" 3 || { note "nft: node $i failed"; return 1; }
	done
	client_neigh "$SVC" "$CMAC"
}
nft_fail() { link_down nf3; nft_set 1 2; nft_set 2 2; }
nft_back() { link_up nf3; nft_set 1 3; nft_set 2 3; }
nft_add() { nft_node 4; nft_set 4 4; nft_set 1 4; nft_set 2 4; nft_set 3 4; }
nft_settled() { :; }
nft_quiet() { :; }
nft_teardown() { del_nodes nf 4; }

# --- xt_cluster ----------------------------------------------------------------------

xt_rule() {
	echo "-d $SVC/32 -p tcp --dport $PORT -m cluster --cluster-total-nodes $2" \
		"--cluster-local-node $1 --cluster-hash-seed $SEED -j MARK --set-mark 0xffff"
}
# xt_node NODE TOTAL: the documented pair of rules; TCP pickup off
xt_node() {
	local n
	n=$(ns "xc$1")
	printf '%s\n' "addr add $SVC/32 dev lo" "maddr add $CMAC dev eth0" | ip -n "$n" -batch -
	# shellcheck disable=SC2046 # the rule's words
	ip netns exec "$n" $IPT -t mangle -A PREROUTING $(xt_rule "$1" "$2") &&
		ip netns exec "$n" $IPT -t mangle -A PREROUTING -d "$SVC/32" -p tcp --dport "$PORT" \
			-m mark ! --mark 0xffff -j DROP &&
		ip netns exec "$n" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0
}
# xt_set NODE TOTAL: rule 1 replaced
xt_set() {
	# shellcheck disable=SC2046 # the rule's words
	ip netns exec "$(ns "xc$1")" $IPT -t mangle -R PREROUTING 1 $(xt_rule "$1" "$2")
}
xt_cluster_setup() {
	local i
	mk_nodes xc 4
	for i in 1 2 3; do xt_node "$i" 3 || { note "xt_cluster: node $i failed"; return 1; }; done
	client_neigh "$SVC" "$CMAC"
}
xt_cluster_fail() { link_down xc3; xt_set 1 2; xt_set 2 2; }
xt_cluster_back() { link_up xc3; xt_set 1 3; xt_set 2 3; }
xt_cluster_add() { xt_node 4 4; xt_set 1 4; xt_set 2 4; xt_set 3 4; }
xt_cluster_settled() { :; }
xt_cluster_quiet() { :; }
xt_cluster_teardown() { del_nodes xc 4; }

# --- CLUSTERIP ----------------------------------------------------------------------

# ci_node NODE: the rule, 4 nodes in all, this one NODE
ci_node() {
	local n
	n=$(ns "ci$1")
	ip -n "$n" addr add "$SVC/32" dev lo
	ip netns exec "$n" $IPT -A INPUT -d "$SVC/32" -i eth0 -p tcp --dport "$PORT" -j CLUSTERIP \
		--new --hashmode sourceip-sourceport --clustermac "$CMAC" --total-nodes 4 \
		--local-node "$1" --hash-init "$SEED"
}
# ci_echo NODE +N|-N: node NODE takes or gives up node number N
ci_echo() { ip netns exec "$(ns "ci$1")" sh -c "echo $2 >/proc/net/ipt_CLUSTERIP/$SVC"; }
clusterip_setup() {
	local i
	mk_nodes ci 4
	for i in 1 2 3; do ci_node "$i" || { note "CLUSTERIP: node $i failed"; return 1; }; done
	ci_echo 1 +4 || return 1
	info moves_clusterip_nodes "$(for i in 1 2 3; do printf '%s:%s ' "$i" \
		"$(ip netns exec "$(ns "ci$i")" cat "/proc/net/ipt_CLUSTERIP/$SVC" | tr '\n' ' ')"; done)"
	client_neigh "$SVC" "$CMAC"
}
clusterip_fail() { link_down ci3; ci_echo 2 +3; }
clusterip_back() { link_up ci3; ci_echo 2 -3; }
clusterip_add() { ci_node 4; ci_echo 1 -4; }
clusterip_settled() { :; }
clusterip_quiet() { :; }
clusterip_teardown() { del_nodes ci 4; }

# --- part 1 ----------------------------------------------------------------------

# the line interval: the probe's if the VM kept up with it, else 1 s
PROBE_OK=0
[ -n "$PROBE" ] && [[ " $SYSTEMS " == *" shoal "* ]] || [ "$LINE" != auto ] || LINE=1
K=0
for sys in $SYSTEMS; do
	case $sys in
	shoal | nft | xt_cluster | clusterip) ;;
	*) note "unknown system $sys: skipped"; continue ;;
	esac
	if [ "$sys" != shoal ] && ! command -v "$IPT" >/dev/null; then
		note "$sys: $IPT or nft missing (bench/run installs iptables and nftables)"
	fi
	if "${sys}_setup"; then
		if [ "$sys" = shoal ] && [ -n "$PROBE" ]; then
			note "load probe, a line every $PROBE s: starting ($(elapsed))"
			load_probe "$PROBE" 40
			shoal_quiet
			if [ "$LINE" = auto ]; then
				LINE=1
				[ "$PROBE_OK" != 1 ] || LINE=$PROBE
			fi
		fi
		scenario "$sys" return "$K"
		scenario "$sys" add $((K + 1))
	else
		echo "BENCH-MOVES hold $sys return error setup"
		echo "BENCH-MOVES hold $sys add error setup"
	fi
	K=$((K + 2))
	"${sys}_teardown"
	note "$sys: done ($(elapsed))"
done
ip -n "$CL" neigh del "$SVC" dev eth0 2>/dev/null
[ "$LINE" != auto ] || LINE=1
info moves_line_s "$LINE"

# --- part 2: leave against a cut ------------------------------------------------------

PORT2=7000
NFLOWS=4
# gp N ARGS...: shoal ARGS on node N of this part
gp() { shoal -n "$(ns "gp$1")" "${@:2}"; }
if [ -n "$INTERVALS" ]; then
	note "failover gap: starting ($(elapsed))"
	for i in 1 2 3; do
		make_client "gp$i" "192.0.2.$i" "2001:db8::$i"
		ip netns exec "$(ns "gp$i")" "$UDPPING" serve --id "$i" --port "$PORT2" \
			>"$tmp/serve-$i" 2>&1 &
		RESP_PIDS+=($!)
	done
	(umask 077 && shoal key generate >"$tmp/key2")
	first=${INTERVALS%% *}
	for i in 1 2 3; do
		printf '%s\n' "cluster set dev eth0 node $i key $tmp/key2 interval $first dead $DEAD" \
			"node add 1" "node add 2" "node add 3" \
			"service add $SVC proto udp port $PORT2" | gp "$i" -b - ||
			note "gap: shoal configuration failed on node $i"
	done
	client_neigh "$SVC" "$(gp 1 -j service show "$SVC" | jq -r '.[0].mac')"
	poll_for 30000 nodes_up gp1 gp2 gp3 || note "not every node is up:" "$(node_states gp1 gp2 gp3)"
	ip netns exec "$CL" "$UDPPING" find "$SVC" "$PORT2" --source "$CLIENT" \
		--sports 40000-40063 >"$tmp/find"
	FLOWS=$(awk '$2 == 3 { print $1 }' "$tmp/find" | head -n "$NFLOWS" | paste -sd,)
	FLOW_RANGE=${FLOWS%%,*}-${FLOWS##*,}
	info moves_gap_flows "$FLOWS"
	add_cleanup mon_stop
	for ms in $INTERVALS; do
		for i in 1 2 3; do gp "$i" cluster set interval "$ms" dead "$DEAD"; done
		poll_for 30000 nodes_up gp1 gp2 gp3 || note "not every node is up:" "$(node_states gp1 gp2 gp3)"
		for i in 1 2 3; do
			gp "$i" monitor >"$tmp/mon-$i" 2>&1 &
			MON_PIDS+=($!)
		done
		for method in leave cut; do
			cut=leave
			[ "$method" = leave ] || cut=linkdown
			note "gap $method $ms ms: starting ($(elapsed))"
			for ((t = 0; t <= TRIALS; t++)); do
				for attempt in 1 2 3 4 5; do
					if ! poll_for 30000 nodes_up gp1 gp2 gp3 || ! poll_for 10000 owned_by 3 "$PORT2"; then
						note "gap: the cluster did not recover before $method trial $t:" \
							"$(node_states gp1 gp2 gp3)"
					fi
					mon_mark
					PORT=$PORT2 TRIAL_TAG=BENCH-MOVES TRIAL_CUT=$cut TRIAL_EXTRA=down_after \
						trial "gap $method" "$ms" "$t" "$SVC" "$FLOWS" gp3 3 "$attempt"
					rc=$?
					# back: the link up, or heartbeats set up again
					if [ "$method" = cut ]; then
						ip -n "$(ns gp3)" link set eth0 up
					else
						gp 3 cluster set interval "$ms"
					fi
					[ "$rc" = 2 ] || break
				done
			done
		done
		poll_for 30000 nodes_up gp1 gp2 gp3
		mon_stop
		info moves_gap_downs "$ms $(for i in 1 2 3; do
			printf 'n%s:%s/%s,' "$i" "$(grep -c 'down (timeout)' "$tmp/mon-$i")" \
				"$(grep -c 'down (left)' "$tmp/mon-$i")"; done)"
	done
	del_nodes gp 3
	note "failover gap: done ($(elapsed))"
fi

# --- part 3: owned-packet cost, moving against settled ------------------------------

svc3_stat() { shoal -n "$PK" -s -j service show "$SVC3" | jq ".[0].stats.$1"; }
# cost_row ID: one window (pktwin_measure) with the sink on node 1; the
# BENCH-MOVES cost line
cost_row() {
	local id=$1 sink d0 d1 r0 r1
	ip netns exec "$PK" "$PKTWIN" sink "$SVC3" "$PORT3" "$tmp/sink" >"$tmp/sink.out" 2>&1 &
	sink=$!
	if ! wait_for 10000 grep -q ready "$tmp/sink.out"; then
		echo "BENCH-MOVES cost $id status failed reason the sink did not start: $(cat "$tmp/sink.out")"
		kill "$sink" 2>/dev/null
		return 1
	fi
	d0=$(svc3_stat dropped_packets)
	r0=$(svc3_stat rx_packets)
	pktwin_measure "sink:$tmp/sink" "/sys/class/net/$DEV/statistics/rx_packets" || true
	d1=$(svc3_stat dropped_packets)
	r1=$(svc3_stat rx_packets)
	kill "$sink" 2>/dev/null
	wait "$sink" 2>/dev/null
	if [[ ! $WIN =~ ^ns\ [0-9]+\ count\ ([0-9]+) ]] || [ "${BASH_REMATCH[1]}" = 0 ]; then
		echo "BENCH-MOVES cost $id status failed reason pktwin: $WIN"
		return 1
	fi
	echo "BENCH-MOVES cost $id status ok $WIN shoal_dropped $((d1 - d0)) shoal_rx $((r1 - r0))"
}
# node 1's view: every bucket its own; what node 2 says it holds
owned1() { shoal -n "$PK" -j service show "$SVC3" | jq '.[0].owned_buckets | length'; }
held_by_2() { shoal -n "$PK" -j -s node show 2 | jq '.[0].held_flows // 0'; }
held_2() { shoal -n "$PK2" -j service show "$SVC3" | jq '.[0].held_flows // 0'; }
contested() { [ "$(owned1)" = 1024 ] && [ "$(held_by_2)" -gt 0 ]; }
settled() { [ "$(owned1)" = 1024 ] && [ "$(held_by_2)" = 0 ] && [ "$(held_2)" = 0 ]; }

cost_part() {
	local f i
	SVC3=198.51.100.10
	PORT3=9000
	DEV=
	if [ -z "$MAC" ]; then
		note "cost: no second NIC (bench/run gives one, with -icount): not measured"
		echo "BENCH-MOVES cost contested status na reason no second NIC (run through bench/run)"
		echo "BENCH-MOVES cost settled status na reason no second NIC (run through bench/run)"
		return 0
	fi
	if [ ! -x "$PKTWIN" ]; then
		echo "BENCH-MOVES cost contested status failed reason $PKTWIN missing"
		return 0
	fi
	modprobe virtio_net
	find_dev() {
		for f in /sys/class/net/*/address; do
			[ "$(cat "$f")" != "$MAC" ] || DEV=$(basename "$(dirname "$f")")
		done
		[ -n "$DEV" ]
	}
	wait_for 10000 find_dev || { echo "BENCH-MOVES cost contested status failed reason no NIC with MAC $MAC"; return 0; }
	info moves_cost_dev "$DEV"
	make_client pk 192.0.2.31 2001:db8::31
	make_client pk2 192.0.2.32 2001:db8::32
	PK=$(ns pk)
	PK2=$(ns pk2)
	# (renamed: the namespace has an eth0 already, its switch port)
	ip link set "$DEV" name nic1
	DEV=nic1
	ip link set "$DEV" netns "$PK"
	printf '%s\n' "link set $DEV up" "addr add 198.51.100.2/24 dev $DEV" | ip -n "$PK" -batch -
	ip netns exec "$PK" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 "net.ipv4.conf.$DEV.rp_filter=0"
	(umask 077 && shoal key generate >"$tmp/key3")
	for i in 1 2; do
		printf '%s\n' "cluster set dev eth0 node $i key $tmp/key3 interval $HB_INTERVAL dead $HB_DEAD hold 600" \
			"node add 1" "node add 2" \
			"service add $SVC3 proto udp port $PORT3 nodes 2" |
			shoal -n "$(ns "$([ "$i" = 1 ] && echo pk || echo pk2)")" -b - ||
			note "cost: shoal configuration failed on node $i"
	done
	two_up() { shoal -n "$PK" -j node show | jq -e 'all(.[]; .state == "up")' >/dev/null; }
	poll_for 30000 two_up || note "cost: node 2 not up on node 1"
	ip -n "$CL" route add "$SVC3/32" dev eth0
	client_neigh "$SVC3" "$(shoal -n "$PK2" -j service show "$SVC3" | jq -r '.[0].mac')"
	# 16 UDP flows to node 2, each answered from a connected socket
	ip netns exec "$PK2" "$RESPONDER" --id 2 --udp-connected "$PORT3" --udp-idle 3600 \
		>"$tmp/resp.pk2" 2>&1 &
	local rpid=$!
	wait_for 30000 grep -qx ready "$tmp/resp.pk2"
	ip netns exec "$CL" "$CLIENTPY" udp "$SVC3" "$PORT3" --count 16 --sources "$CLIENT" \
		--port-set 45 --retries 2 >/dev/null 2>&1
	info moves_cost_flows "$(grep -c '^connected ' "$tmp/resp.pk2")"
	# every bucket to node 1, node 2 holding its flows
	for i in pk pk2; do shoal -n "$(ns "$i")" service set "$SVC3" nodes 1; done
	if ! poll_for 30000 contested; then
		note "cost: the buckets are not contested on node 1: owned $(owned1), node 2 holds" \
			"$(held_by_2) (node 1's view), $(held_2) (its own)"
	fi
	# the held flows' datagrams: node 1 drops them (node 2's)
	local d0 d1
	d0=$(svc3_stat dropped_packets)
	ip netns exec "$CL" "$CLIENTPY" udp "$SVC3" "$PORT3" --count 16 --sources "$CLIENT" \
		--port-set 45 --retries 0 --timeout 1 >/dev/null 2>&1
	d1=$(svc3_stat dropped_packets)
	info moves_cost_held_check "node1_dropped $((d1 - d0)) node2_held $(held_2) node1_owned $(owned1)"
	# the flood
	if [ -n "${SHOAL_OUT:-}" ]; then
		echo "ready $SVC3 $PORT3" >"$SHOAL_OUT/ready.new"
		mv "$SHOAL_OUT/ready.new" "$SHOAL_OUT/ready"
	fi
	rx() { ip netns exec "$PK" cat "/sys/class/net/$DEV/statistics/rx_packets"; }
	rx_above() { [ "$(rx)" -gt "$1" ]; }
	wait_for 60000 rx_above "$(($(rx) + 1000))" || note "cost: no packets arriving after 60 s"
	if contested; then
		cost_row contested
		info moves_cost_after_contested "node2_held $(held_2) node1_sees $(held_by_2) node1_owned $(owned1)"
	else
		echo "BENCH-MOVES cost contested status failed reason the buckets were not contested"
	fi
	# node 2's flows closed: its hold ends, node 1's buckets settle
	kill "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	if poll_for 30000 settled; then
		cost_row settled
	else
		echo "BENCH-MOVES cost settled status failed reason the hold did not end"
	fi
	ip netns del "$PK" 2>/dev/null
}
if [ "$COST" = 1 ]; then
	note "cost: starting ($(elapsed))"
	cost_part
	note "cost: done ($(elapsed))"
fi
info elapsed "$(elapsed)"
