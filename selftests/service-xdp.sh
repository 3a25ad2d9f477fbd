#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The XDP path of services: "xdp on" attaches the shoal program to the
# service's device (in the driver on veth, generically on a dummy), the
# program drops in XDP what another node owns, and its view is always the
# module's: after every kind of change (node down and up, weight, pin,
# delete) traffic is answered at once, exactly once, with the drops
# counted in XDP. Also: bad input, a device with another program, several
# services on one device, and the module held while programs are attached.
# (Every shared-address and heartbeat test also runs again with XDP on
# every service: selftests/run, suites NAME+xdp.)
#
#   n1, n2, n3 (eth0) --+-- br0 --+-- (eth0) cl  192.0.2.200-205, 2001:db8::200-205
#
# Node i is 192.0.2.i on eth0; services go on lo.

# Conditions are written in single quotes, to be evaluated by eval.
# shellcheck disable=SC2016
# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 64
require_xdp

make_cluster 3
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

client() { ip netns exec "$CL" selftests/client.py "$@"; }
# xdp_prog NS DEV: "MODE NAME" of the device's XDP program, or "none"
xdp_prog() {
	ip -n "$1" -d -j link show dev "$2" | jq -r '.[0].xdp // empty |
		"\(if .mode == 1 then "native" elif .mode == 2 then "generic" else .mode end) \(.prog.name)"' |
		grep . || echo none
}
# counters ADDR: "rx dropped xdp_dropped" of nodes 1-3, one line each
counters() {
	local i
	for i in 1 2 3; do
		sn "$i" -s -j service show "$1" |
			jq -r '.[0].stats | "\(.rx_packets) \(.dropped_packets) \(.xdp_dropped_packets)"'
	done
}
# sums COUNTERS: "rx dropped xdp_dropped" added over the nodes
sums() { awk '{ r += $1; d += $2; x += $3 } END { print r + 0, d + 0, x + 0 }' <<<"$1"; }
# minus NEW OLD: the difference of two sums
minus() {
	local a b
	read -r -a a <<<"$1"
	read -r -a b <<<"$2"
	echo "$((a[0] - b[0])) $((a[1] - b[1])) $((a[2] - b[2]))"
}

members_with_responders --tcp 80 --udp 53

# --- bad input -----------------------------------------------------------
A4=192.0.2.100
A6=2001:db8::100
check_msg "xdp takes on or off (tool)" 2 \
	'Error: "maybe" is not a valid xdp setting; expected on or off.' \
	sn 1 service add "$A4" xdp maybe
check_msg "xdp needs a value (tool)" 2 'Error: "xdp" needs a value; try "shoal service help".' \
	sn 1 service add "$A4" xdp
check_msg "set xdp on a service that does not exist is refused by the kernel" 1 \
	'Error: no service for this address.' sn 1 service set "$A4" xdp on
check_eq "no service and no program were left behind" "[] none" \
	"$(sn 1 -j service show) $(xdp_prog "$(ns 1)" eth0)"

# --- a. UDP over IPv4, dropped in XDP -------------------------------------
check "service add $A4 proto udp port 53 xdp on, on nodes 1-3" \
	on_nodes "1 2 3" service add "$A4" proto udp port 53 xdp on
check_eq "service show says xdp on, in text and JSON" "xdp on true" \
	"$(sn 1 service show "$A4" | grep -o 'xdp on') $(sn 1 -j service show "$A4" | jq .[0].xdp)"
check_eq "each node's eth0 (veth) runs the program in the driver" \
	"native shoal_xdp native shoal_xdp native shoal_xdp" \
	"$(for i in 1 2 3; do xdp_prog "$(ns "$i")" eth0; done | xargs)"

# udp_round DESC ADDR SOURCES K: 300 datagrams from port set K; all answered,
# and what the nodes counted adds up: each kept by one node and dropped in
# XDP by the two others, none dropped by the hooks.
N=300
udp_round() {
	local desc=$1 addr=$2 src=$3 k=$4 before after d
	before=$(sums "$(counters "$addr")")
	client udp "$addr" 53 --count "$N" --sources "$src" --port-set "$k" \
		--parallel 8 >"$tmp/out" 2>/dev/null
	after=$(sums "$(counters "$addr")")
	d=$(minus "$after" "$before")
	check_eq "$desc: all $N answered" "$N 0" \
		"$(wc -l <"$tmp/out") $(grep -c ' none$' "$tmp/out")"
	check_eq "$desc: kept once, dropped twice, every drop in XDP" \
		"$N $((2 * N)) $((2 * N))" "$d"
}
udp_round "IPv4, 3 nodes" "$A4" "$SRC4" 1

# each node's XDP drops are what it does not own
check "every node dropped in XDP" eval \
	'[ "$(counters "$A4" | awk '"'"'$3 > 0'"'"' | wc -l)" = 3 ]'

# --- b. every kind of change: XDP agrees at once --------------------------
check "node 2 down (administratively), on every node" on_nodes "1 2 3" node set 2 down
udp_round "node 2 down" "$A4" "$SRC4" 2
check_eq "node 2 owns no bucket and keeps nothing" "0" \
	"$(sn 2 -j service show "$A4" | jq '.[0].owned_buckets | length')"
check "node 2 up again" on_nodes "1 2 3" node set 2 up
udp_round "node 2 up" "$A4" "$SRC4" 3
check "node 3 weight 3, on every node" on_nodes "1 2 3" node set 3 weight 3
udp_round "node 3 weight 3" "$A4" "$SRC4" 4
# pin every bucket node 1 owns to node 2: node 2 must answer them at once
pins=$(sn 1 -j service show "$A4" | jq -r '.[0].owned_buckets[]' |
	while read -r b; do echo "bucket set $A4 $b node 2"; done)
check "pin node 1's $(wc -l <<<"$pins") buckets to node 2, on every node" \
	eval 'for i in 1 2 3; do sn "$i" -b - <<<"$pins" || exit 1; done'
udp_round "after the pins" "$A4" "$SRC4" 5
check_eq "node 1 now owns nothing" 0 \
	"$(sn 1 -j service show "$A4" | jq '.[0].owned_buckets | length')"

# --- c. IPv6 and TCP ----------------------------------------------------------
check "service add $A6 proto udp port 53 xdp on, on nodes 1-3" \
	on_nodes "1 2 3" service add "$A6" proto udp port 53 xdp on
udp_round "IPv6" "$A6" "$SRC6" 1
T4=192.0.2.101
check "service add $T4 proto tcp port 80 xdp on" \
	on_nodes "1 2 3" service add "$T4" proto tcp port 80 xdp on
client tcp "$T4" 80 --count 60 --sources "$SRC4" --port-set 7 --parallel 8 \
	>"$tmp/tcp" 2>/dev/null
check_eq "TCP: 60 connections answered" "60 0" \
	"$(wc -l <"$tmp/tcp") $(grep -c ' none$' "$tmp/tcp")"
check_eq "TCP: the two others drop each connection's packets in XDP" "0" \
	"$(counters "$T4" | awk '{ if ($2 != $3) bad++ } END { print bad + 0 }')"

# --- d. off, several services per device, delete ------------------------------
check "xdp off for $A4 on every node" on_nodes "1 2 3" service set "$A4" xdp off
check_eq "... the program stays: $A6 and $T4 still want it" "native shoal_xdp" \
	"$(xdp_prog "$(ns 1)" eth0)"
before=$(sums "$(counters "$A4")")
client udp "$A4" 53 --count "$N" --sources "$SRC4" --port-set 6 --parallel 8 \
	>"$tmp/out" 2>/dev/null
check_eq "with xdp off, $A4 is served and its drops are the hooks'" "$N $((2 * N)) 0" \
	"$(minus "$(sums "$(counters "$A4")")" "$before")"
check "xdp off for $A6" on_nodes "1 2 3" service set "$A6" xdp off
check "service del $T4" on_nodes "1 2 3" service del "$T4"
check_eq "the last service that wanted it gone, the program is off the device" \
	"none none none" "$(for i in 1 2 3; do xdp_prog "$(ns "$i")" eth0; done | xargs)"
check_eq "service show says xdp off" "off" \
	"$(sn 1 service show "$A4" | grep -o 'xdp o[nf]*' | cut -d' ' -f2)"
check "xdp on again for $A4" on_nodes "1 2 3" service set "$A4" xdp on
udp_round "xdp on again" "$A4" "$SRC4" 8
check_eq "service show -j says the program is attached" true \
	"$(sn 1 -j service show "$A4" | jq .[0].xdp_attached)"
ip -n "$(ns 1)" link set dev eth0 xdp off
check_eq "taken off by hand, service show says so (the hooks still drop)" \
	"xdp on (detached) false" \
	"$(sn 1 service show "$A4" | grep -o 'xdp on (detached)') $(sn 1 -j service show "$A4" | jq .[0].xdp_attached)"
check "set xdp on puts it back" sn 1 service set "$A4" xdp on
check_eq "... attached again, in the driver" "native shoal_xdp true" \
	"$(xdp_prog "$(ns 1)" eth0) $(sn 1 -j service show "$A4" | jq .[0].xdp_attached)"

# --- e. a device without XDP in its driver, and one with another program ------
G=$(ns 1)
ip -n "$G" link add dummy0 type dummy
ip -n "$G" link set dummy0 up
check "service add on a dummy device, xdp on" \
	sn 1 service add 198.51.100.1 dev dummy0 xdp on
check_eq "... runs the program generically there" "generic shoal_xdp" \
	"$(xdp_prog "$G" dummy0)"
check "service del takes it off" sn 1 service del 198.51.100.1
check_eq "... gone" none "$(xdp_prog "$G" dummy0)"

ip -n "$G" link add dummy1 type dummy
ip -n "$G" link set dummy1 up
clang -O2 -target bpf -I"/usr/include/$(gcc -dumpmachine)" -c selftests/xdp/pass.bpf.c -o "$tmp/pass.o" 2>"$tmp/clang.err" ||
	diag "clang: $(cat "$tmp/clang.err")"
check "another XDP program on dummy1" \
	ip -n "$G" link set dev dummy1 xdpgeneric obj "$tmp/pass.o" sec xdp
# the refusal names the other program by its id
pass_id=$(ip -n "$G" -d -j link show dev dummy1 | jq -r '.[0].xdp.prog.id')
OTHER_PROG="Error: dummy1 already has an XDP program (id $pass_id); shoal leaves it alone."
check_msg "service add on it with xdp on is refused, saying why" 1 "$OTHER_PROG" \
	sn 1 service add 198.51.100.2 dev dummy1 xdp on
check_eq "... and leaves no service behind" "" \
	"$(sn 1 -j service show | jq -r '.[] | select(.address == "198.51.100.2") | .address')"
check_eq "... nor its address on lo" "" \
	"$(ip -n "$G" -br addr show dev lo | grep -o '198\.51\.100\.2')"
check "service add on it without xdp works" sn 1 service add 198.51.100.2 dev dummy1
check_msg "set xdp on is refused the same way" 1 "$OTHER_PROG" \
	sn 1 service set 198.51.100.2 xdp on
check_eq "the other program is still there, and the service has xdp off" \
	"generic pass false" \
	"$(xdp_prog "$G" dummy1) $(sn 1 -j service show 198.51.100.2 | jq .[0].xdp)"
check "service del 198.51.100.2" sn 1 service del 198.51.100.2
check_eq "service del left the other program alone" "generic pass" "$(xdp_prog "$G" dummy1)"

# --- two tools at once: the program stays while a service wants it ------------
# One turns XDP on and off for one service while another does the same for
# a second service on the same device, ending with it on: whatever the
# interleaving (one may detach just as the other attaches), the program is
# there at the end.
N2=$(ns 2)
ip -n "$N2" link add dummy2 type dummy
ip -n "$N2" link set dummy2 up
shoal -n "$N2" service add 198.51.100.11 dev dummy2
shoal -n "$N2" service add 198.51.100.12 dev dummy2
toggle() {
	local i
	for i in $(seq 15); do
		shoal -n "$N2" service set "$1" xdp "$2" &&
			shoal -n "$N2" service set "$1" xdp "$3" || return 1
	done
}
toggle 198.51.100.11 on off &
racer=$!
check "xdp set on and off 15 times for a service, while another does the same" \
	toggle 198.51.100.12 off on
wait "$racer" || diag "the other toggle failed"
check_eq "... the second ends with xdp on and the program attached" "true generic shoal_xdp" \
	"$(shoal -n "$N2" -j service show 198.51.100.12 | jq .[0].xdp) $(xdp_prog "$N2" dummy2)"
shoal -n "$N2" -b - <<<"service del 198.51.100.11
service del 198.51.100.12"
check_eq "... and the program goes with the services" "none" "$(xdp_prog "$N2" dummy2)"

# --- f. the module stays while programs are attached ----------------------------
# (kmod's rmmod: the programs hold the module)
check_msg "rmmod is refused while XDP programs call into the module" 1 \
	'rmmod: ERROR: Module shoal is in use' rmmod shoal
check "xdp off on every node" on_nodes "1 2 3" service set "$A4" xdp off
check "then the module unloads, services in place and traffic flowing" \
	eval "client udp $A4 53 --count 100 --sources $SRC4 --port-set 9 >/dev/null 2>&1 &
	      wait_for 10000 rmmod shoal; rc=\$?; wait; exit \$rc"
check "and loads again" selftests/vm/shoal-load

ktap_finish
