#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: no xdp (when holding ends, not the packet path: hold+xdp holds with XDP)
#
# Holding ends at its timeout, even with the flows still alive. Two nodes
# serve 192.0.2.100 (TCP 80); a client holds 40 long-lived connections,
# from four sources, each sending a line every 0.5 s.
#   a. "cluster set hold 8", then node 2's weight goes from 1 to 3:
#      node 1 holds its connections in the buckets that moved, and gives
#      them up 8 s later, not before; then node 2 resets each of them,
#      and nothing else breaks.
#   b. "node set 1 drain timeout 8" (the cluster's hold back at 300 s):
#      the drain's own timeout ends it: node 1 holds its connections for
#      8 s, then every node says it is drained, and node 2 resets each
#      of them. "node set 1 up" ends the drain.
# (hold.sh covers holding that ends when the flows do.)
#
#   n1, n2 (eth0) --+-- br0 (switch namespace) -- (eth0) cl

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 12

S=192.0.2.100
SRC=192.0.2.201,192.0.2.202,192.0.2.203,192.0.2.204
CONNS=40
make_cluster 2
make_client cl 192.0.2.200 2001:db8::200
CL=$(ns cl)
printf 'addr add 192.0.2.%s/24 dev eth0\n' 201 202 203 204 | ip -n "$CL" -batch -
make_scratch

for i in 1 2; do
	printf '%s\n' "cluster set dev eth0" "node add 1" "node add 2" \
		"service add $S proto tcp port 80" | sn "$i" -b -
	run_node "$i" --tcp 80
done
start_nodes "1 2" dead 10
check "two nodes up, both see both" wait_for 20000 all_see "1 2" "1=up,2=up"
client_knows "$S"

# held N: the flows node N says it holds (counted every 200 ms)
held() { sn "$1" -j -s node show "$1" | jq '.[0].held_flows'; }
holds_some() { [ "$(held "$1")" -gt 0 ]; }
now_ms() { local t=${EPOCHREALTIME//[!0-9]/}; echo $((t / 1000)); }
# hold_start K: the connections of port set K
hold_start() {
	OUT=$tmp/hold.$1
	ip netns exec "$CL" selftests/client.py hold "$S" 80 --count "$CONNS" --sources "$SRC" \
		--port-set "$1" --interval 0.5 --timeout 10 >"$OUT" 2>&1 &
	HOLDPID=$!
	add_cleanup "kill $HOLDPID 2>/dev/null"
	wait_for 90000 has_line "$OUT" ready || diag "client: $(tail -n 3 "$OUT")"
}
hold_stop() { kill "$HOLDPID" && wait "$HOLDPID"; }
broken() { awk '$1 == "broke"' "$OUT" | grep -c .; }
broken_at_least() { [ "$(broken)" -ge "$1" ]; }
# given_up WHAT T0 TIMEOUT: node 1 held some of its connections, gave them
# up by itself TIMEOUT s after T0 (ms) but not before, and then node 2
# reset each of them and nothing else broke
given_up() {
	local what=$1 t0=$2 timeout=$3 n ms
	check "$what: node 1 holds connections once its buckets moved" wait_for 10000 holds_some 1
	# the first count is a whole one: the held flows, as they stay
	n=$(held 1)
	check_eq "$what: while it holds them, none broke" 0 "$(broken)"
	wait_for 30000 holds_nothing 1
	ms=$(($(now_ms) - t0))
	check "$what: node 1 gave them up by itself, not before its $timeout s ($ms ms after the change)" \
		[ "$ms" -ge "$((timeout * 1000))" ] && [ "$ms" -lt "$((timeout * 1000 + 20000))" ]
	wait_for 20000 broken_at_least "$n"
	check_eq "$what: then each of the $n it held was reset, and only those" "$n $n" \
		"$(broken) $(awk '$1 == "broke" && $5 == 1 && $6 == "reset"' "$OUT" | grep -c .)"
}

# --- a. the cluster's hold timeout
on_nodes "1 2" cluster set hold 8
hold_start 0
diag "a: held by node: $(awk '$1 == "conn" { print $5 }' "$OUT" | sort | uniq -c | paste -sd' ')"
t0=$(now_ms)
on_nodes "1 2" node set 2 weight 3
given_up "hold 8" "$t0" 8
hold_stop

# --- b. a drain's own timeout
on_nodes "1 2" cluster set hold 300
hold_start 1
t0=$(now_ms)
on_nodes "1 2" node set 1 drain timeout 8
check_eq "drain: both nodes say node 1 is draining, timeout 8 s" "draining 8 draining 8" \
	"$(for i in 1 2; do sn "$i" -j node show 1 | jq -r '.[0] | "\(.state) \(.drain_timeout)"'; done |
		paste -sd' ')"
given_up "drain timeout 8" "$t0" 8
drained() { grep -q '"event":"drained".*"id":1' "$tmp/mon.$1"; }
check "drain: then both nodes say node 1 is drained" wait_for 10000 eval 'drained 1 && drained 2'
hold_stop
on_nodes "1 2" node set 1 up
check_eq "drain: node set 1 up ends it" "up up" \
	"$(for i in 1 2; do sn "$i" -j node show 1 | jq -r '.[0].state'; done | paste -sd' ')"

ktap_finish
