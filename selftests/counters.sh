#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: alone, cpus 2 (traffic from both CPUs at once)
#
# A service's counters: kept per CPU and added up when read, its buckets'
# kept apart. With datagrams from two clients pinned to the two CPUs at
# once, on every node the service's counters equal the sums of its
# buckets', and add up to what was sent; a bucket has no bytes or new
# flows (the service's alone). The counters go on through a service set
# and start again at zero when the service is added again. And reading
# them holds no lock: a service's counters, in a reply or in a dump, are
# added up after the namespace's configuration lock is released (a graph
# trace of the request: the summing comes after mutex_unlock).
#
#   n1, n2, n3 (eth0) --+-- br0 --+-- (eth0) cl  192.0.2.200-205
#
# Node i is 192.0.2.i on eth0; the service goes on lo. Each node runs
# selftests/responder.py on UDP 53.

source "$(dirname "$0")/lib.sh"

ktap_plan 15

make_cluster 3
make_client cl 192.0.2.200 2001:db8::200
CL=$(ns cl)
for a in 201 202 203 204 205; do
	echo "addr add 192.0.2.$a/24 dev eth0"
done | ip -n "$CL" -batch -
SRC4=192.0.2.200,192.0.2.201,192.0.2.202,192.0.2.203,192.0.2.204,192.0.2.205

tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"

members_with_responders --udp 53

S=192.0.2.110 N=300
# svc N: "rx bytes dropped xdp_dropped" of the service on node N
svc() {
	sn "$1" -s -j service show "$S" |
		jq -r '.[0].stats | "\(.rx_packets) \(.rx_bytes) \(.dropped_packets) \(.xdp_dropped_packets)"'
}
# buckets N: the same added up over the buckets on node N (bytes: "-"
# if no bucket has them), and how many buckets say new_flows
buckets() {
	sn "$1" -s -j bucket show "$S" | jq -r '
		"\(map(.stats.rx_packets) | add) \(if any(.[]; .stats.rx_bytes) then
		map(.stats.rx_bytes) | add else "-" end) \(map(.stats.dropped_packets) | add) \(map(.stats.xdp_dropped_packets) | add) \(map(select(.stats.new_flows)) | length)"'
}
# send K CPU: N datagrams of port set K, from a client on CPU; writes
# "# sent ..." to $tmp/c.K
send() {
	ip netns exec "$CL" taskset -c "$2" selftests/client.py udp "$S" 53 \
		--count "$N" --sources "$SRC4" --port-set "$1" --parallel 8 \
		>/dev/null 2>"$tmp/c.$1"
}
# two_cpus K1 K2: N datagrams from each CPU at once, all answered
two_cpus() {
	send "$1" 0 &
	local p=$!
	send "$2" 1
	wait "$p"
	[ "$(cat "$tmp/c.$1" "$tmp/c.$2")" = "# sent $N answered $N none 0
# sent $N answered $N none 0" ]
}
# settled TOTAL: every node counts TOTAL datagrams, kept or dropped, and
# the nodes keep TOTAL between them
settled() {
	local i rx d sum=0
	for i in 1 2 3; do
		read -r rx _ d _ <<<"$(svc "$i")"
		[ $((rx + d)) = "$1" ] || return 1
		sum=$((sum + rx))
	done
	[ "$sum" = "$1" ]
}

check "service add $S proto udp port 53 on nodes 1-3" \
	on_nodes "1 2 3" service add "$S" proto udp port 53
check_eq "a new service counts nothing, nor do its buckets" \
	"0 0 0 0|0 - 0 0 0,0 0 0 0|0 - 0 0 0,0 0 0 0|0 - 0 0 0" \
	"$(for i in 1 2 3; do echo "$(svc "$i")|$(buckets "$i")"; done | paste -sd,)"

check "$N datagrams from each CPU at once, every one answered" two_cpus 1 2
wait_for 5000 settled $((2 * N)) || true
st=$(for i in 1 2 3; do echo "$i $(svc "$i") $(buckets "$i")"; done)
diag "node, service: rx bytes dropped xdp_dropped, buckets: the same and new_flows:" "$st"
check_eq "on every node rx + dropped = the $((2 * N)) sent; rx add up to them" \
	"$((2 * N)) $((2 * N)) $((2 * N)) $((2 * N))" \
	"$(awk '{ print $2 + $4; s += $2 } END { print s }' <<<"$st" | xargs)"
check_eq "on every node the service's counters = its buckets' added up" "" \
	"$(awk '$2 != $6 || $4 != $8 || $5 != $9 { print "node " $1 ": " $0 }' <<<"$st")"
if [ "$XDP_TEST" = 1 ]; then
	check_eq "with XDP, every drop is XDP's" "" \
		"$(awk '$4 != $5 { print "node " $1 ": dropped " $4 ", in XDP " $5 }' <<<"$st")"
else
	check_eq "without XDP, no drop is XDP's" "0 0 0" "$(awk '{ print $5 }' <<<"$st" | xargs)"
fi
# 64 bytes of payload + 8 of UDP + 20 of IPv4
check_eq "the service counts bytes: 92 a datagram kept; buckets count none, nor new flows" \
	"- 0,- 0,- 0" \
	"$(awk '$3 != $2 * 92 { print "node " $1 ": " $3 " bytes for " $2; next } { print $7, $10 }' <<<"$st" |
		paste -sd,)"

# a set recomputes the service in place: its counters stay
before=$(for i in 1 2 3; do echo "$(svc "$i")|$(buckets "$i")"; done | paste -sd,)
check "service set $S nodes 1,2,3, on every node" on_nodes "1 2 3" service set "$S" nodes 1,2,3
check_eq "... the counters, service's and buckets', are what they were" "$before" \
	"$(for i in 1 2 3; do echo "$(svc "$i")|$(buckets "$i")"; done | paste -sd,)"
check "$N more from each CPU, every one answered" two_cpus 3 4
wait_for 5000 settled $((4 * N)) || true
st=$(for i in 1 2 3; do echo "$i $(svc "$i") $(buckets "$i")"; done)
check_eq "... counted on top: $((4 * N)) on every node, and still the buckets' sums" \
	"$((4 * N)) $((4 * N)) $((4 * N))" \
	"$(awk '$2 != $6 || $4 != $8 { print "node " $1 ": " $0; next } { print $2 + $4 }' <<<"$st" |
		xargs)"

# deleted and added again: a new service, counting from zero
for i in 1 2 3; do sn "$i" service del "$S"; done
check "service del and add again" on_nodes "1 2 3" service add "$S" proto udp port 53
check_eq "... its counters, and its buckets', are zero" \
	"0 0 0 0|0 - 0 0 0,0 0 0 0|0 - 0 0 0,0 0 0 0|0 - 0 0 0" \
	"$(for i in 1 2 3; do echo "$(svc "$i")|$(buckets "$i")"; done | paste -sd,)"

# graph FUNC CMD...: the function graph of FUNC while CMD runs: its calls
# of the lock and of the summing alone (only those are patched, which is
# quick under emulation; everything would take minutes)
T=/sys/kernel/tracing
[ -e "$T/current_tracer" ] || mount -t tracefs nodev "$T" 2>/dev/null || T=/sys/kernel/debug/tracing
graph() {
	local f=$1
	shift
	echo "$f mutex_lock mutex_unlock shoal_service_stats" >"$T/set_ftrace_filter"
	echo "$f" >"$T/set_graph_function"
	echo function_graph >"$T/current_tracer"
	: >"$T/trace"
	echo 1 >"$T/tracing_on"
	"$@" >/dev/null
	echo 0 >"$T/tracing_on"
	# (another tracer empties the buffer)
	cat "$T/trace"
	echo nop >"$T/current_tracer"
	: >"$T/set_graph_function"
	: >"$T/set_ftrace_filter"
}
# summed_unlocked GRAPH: "ok" if the graph releases a mutex, and adds up
# service counters (shoal_service_stats()) only after it; else what it saw
summed_unlocked() {
	awk '/ mutex_lock\(/ && !l { l = NR } / mutex_unlock\(/ && l && !u { u = NR }
		/ shoal_service_stats[ (]/ { if (!s) s = NR; if (u == 0 || NR < u) early = 1 }
		END { if (l && u && s && !early) print "ok";
		      else printf "lock at %d, unlock at %d, summing at %d\n", l, u, s }' <<<"$1"
}
if [ -w "$T/current_tracer" ] && grep -qw function_graph "$T/available_tracers"; then
	g=$(graph shoal_nl_service_get sn 1 -s service show "$S")
	check_eq "service show ADDR adds the counters up after the lock is released" ok \
		"$(summed_unlocked "$g")"
	last_ok || diag "$(head -40 <<<"$g")"
	g=$(graph shoal_nl_service_dump sn 1 -s service show)
	check_eq "... and so does a dump of every service" ok "$(summed_unlocked "$g")"
	last_ok || diag "$(head -40 <<<"$g")"
else
	skip "service show ADDR adds the counters up after the lock is released" "no function_graph tracer"
	skip "... and so does a dump of every service" "no function_graph tracer"
fi

ktap_finish
