#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: alone (judges time)
#
# Personas: one node at a time answers at the persona's virtual MAC and
# addresses. When it dies the next node in the persona's list takes over
# within the failover bound, at the same MAC; the old owner coming back
# stays silent; planned takeover and release move it by hand; bad input
# is refused and leaves nothing behind. Documentation/personas.md.
#
#   n1 (eth0) --+
#   n2 (eth0) --+-- br0 (switch namespace)
#   n3 (eth0) --+
#   cl (eth0) --+   client: 192.0.2.200, 198.51.100.200/24, 2001:db8:1::200/64
#
# Persona "web": MAC 02:00:00:aa:00:01, 198.51.100.10/24 and
# 2001:db8:1::10/64, nodes 2,1,3 (node 2 first). Every node runs
# selftests/responder.py on TCP 80, which answers "node N": whoever
# answers at the persona's address says who owns it. Heartbeats at the
# defaults (interval 100 ms, dead 3).
#
# Time limit: a node whose link dies is declared down within interval *
# dead and a margin of the cut, the margin at most half an interval
# (Documentation/heartbeats.md, "Timing"), and
# the next node takes the persona over at that moment: its "takeover"
# event must come within that, plus SLACK_MS for the emulated VM.

# Conditions are written in single quotes, to be evaluated when polled.
# shellcheck disable=SC2016
# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 59

SLACK_MS=200
VMAC=02:00:00:aa:00:01
P4=198.51.100.10
P6=2001:db8:1::10

make_cluster 3
make_client cl 192.0.2.200/24 2001:db8::200/64
CL=$(ns cl)
ip -n "$CL" addr add 198.51.100.200/24 dev eth0
ip -n "$CL" addr add 2001:db8:1::200/64 dev eth0 nodad
tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"
(umask 077 && shoal key generate >"$tmp/key")

client() { ip netns exec "$CL" selftests/client.py "$@"; }
# pview N: "owner epoch state" of web as node N sees it
pview() { sn "$1" -j persona show web | jq -r '.[0] | "\(.owner) \(.epoch) \(.state)"'; }
# owners: "owner/epoch" as nodes 1, 2, 3 see it
owners() { local i; for i in 1 2 3; do sn "$i" -j persona show web; done |
	jq -r -s 'map(.[0] | "\(.owner)/\(.epoch)") | join(" ")'; }
# link_up N: web is up on node N
link_up() { ip -n "$(ns "$1")" link show web | grep -q '<[^>]*,UP[,>]'; }
# up_on: the nodes where web is up, e.g. "2"
up_on() { local i s=; for i in 1 2 3; do link_up "$i" && s+="$i"; done; echo "${s:--}"; }
# who: the node answering TCP at the persona's IPv4 address
who() { client tcp "$P4" 80 --count 1 --sources 198.51.100.200 --port-set "$1" --timeout 1 2>/dev/null |
	awk '{ print $3 }'; }
who6() { client tcp "$P6" 80 --count 1 --sources 2001:db8:1::200 --port-set "$1" --timeout 1 2>/dev/null |
	awk '{ print $3 }'; }
# arp_replies: "count mac,mac" of the answers to one ARP request for P4
arp_replies() { client arp eth0 "$P4" --source 198.51.100.200 --wait 0.5 |
	awk '$1 == "reply" { n++; m = m (m ? "," : "") $3 } END { print n + 0, (m ? m : "-") }'; }
neigh_mac() { ip -n "$CL" neigh show "$P4" | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'; }

# --- setup ----------------------------------------------------------------
for i in 1 2 3; do
	printf '%s\n' "cluster set dev eth0 node $i" "node add 1" "node add 2" "node add 3 spare" |
		sn "$i" -b -
	ip netns exec "$(ns "$i")" selftests/responder.py --id "$i" --tcp 80 >"$tmp/resp.$i" 2>&1 &
	add_cleanup "kill $! 2>/dev/null"
done
for i in 1 2; do
	TZ=UTC0 ip netns exec "$(ns "$i")" shoal -j monitor >"$tmp/mon.$i" 2>&1 &
	add_cleanup "kill $! 2>/dev/null"
done
# What node 3 receives of the announcements (gratuitous ARP, unsolicited
# NA): the frames on the wire, not the module's word that it sent them.
ip netns exec "$(ns 3)" selftests/wire.py eth0 announce >"$tmp/wire.3" 2>"$tmp/wire.3.err" &
add_cleanup "kill $! 2>/dev/null"
wait_for 10000 grep -q ready "$tmp/wire.3.err" || diag "wire.py: $(cat "$tmp/wire.3.err")"
# heard KIND ADDR: how many announcements of ADDR with the VMAC node 3 got
heard() { awk -v k="$1" -v a="$2" -v m="$VMAC" '$2 == k && $3 == a && $4 == m' "$tmp/wire.3" | grep -c .; }

# --- a. bad input, refused with a reason and nothing left behind -----------
# The tool refuses what it can check alone (status 2), the kernel what
# needs its state (status 1).
add() { sn 1 persona add "$@"; }
UNICAST="a persona's MAC must be unicast (the first byte even) and not zero, as in 02:00:00:00:00:01."
check_msg "a multicast MAC is refused by the tool" 2 \
	"Error: \"03:00:00:aa:00:09\" is a multicast MAC address; $UNICAST" \
	add bad1 mac 03:00:00:aa:00:09
check_msg "an all-zero MAC is refused by the tool" 2 \
	"Error: \"00:00:00:00:00:00\" is all zeroes; $UNICAST" \
	add bad1 mac 00:00:00:00:00:00
check_msg "a name too long for an interface is refused by the tool" 2 \
	'Error: "abcdefghijklmnop" is not a valid persona name; expected 1 to 15 of A-Z, a-z, 0-9, _, . and -.' \
	add abcdefghijklmnop mac 02:00:00:aa:00:09
check_msg "a node that is not declared is refused by the kernel" 1 \
	'Error: the node list names a node that is not declared.' \
	add bad1 mac 02:00:00:aa:00:09 nodes 1,9
check_msg "VLAN 4095 is refused by the tool" 2 'Error: VLAN id must be between 1 and 4094.' \
	add bad1 mac 02:00:00:aa:00:09 vlan 4095
check_msg "a disk on a relative path is refused by the tool" 2 \
	'Error: disk "d": "relative" is not an absolute path.' \
	add bad1 mac 02:00:00:aa:00:09 disk d=relative:0:10
# the kernel's own limits and checks on the lists, past what the tool sends
# raw_add LIST: PERSONA_ADD of bad1 with that nest, as node 1
raw_add() {
	ip netns exec "$(ns 1)" selftests/shoal-nl req PERSONA_ADD PERSONA_NAME:str=bad1 \
		PERSONA_MAC:raw=020000aa0009 "$1"
}
# addrs N: a PERSONA_ADDRS nest of N IPv4 addresses 198.51.100.1..N/24
addrs() {
	local i out=PERSONA_ADDRS:nest=
	for ((i = 1; i <= $1; i++)); do
		out+="ADDR:nest=[ADDR_IN:raw=$(printf 'c63364%02x' "$i"),ADDR_PREFIXLEN:u8=24],"
	done
	echo "${out%,}"
}
# disks N: a PERSONA_DISKS nest of N disks d1..dN
disks() {
	local i out=PERSONA_DISKS:nest=
	for ((i = 1; i <= $1; i++)); do
		out+="DISK:nest=[DISK_NAME:str=d$i,DISK_SPEC:str=/dev/null:0:8],"
	done
	echo "${out%,}"
}
check_eq "17 addresses are refused by the kernel" \
	"error 7 too many addresses (at most 16)" "$(raw_add "$(addrs 17)" | cut -d' ' -f1-8)"
check_eq "9 disks are refused by the kernel" \
	"error 7 too many disks (at most 8)" "$(raw_add "$(disks 9)" | cut -d' ' -f1-8)"
check_eq "an address given twice is refused by the kernel" \
	"error 22 an address appears twice" \
	"$(raw_add "PERSONA_ADDRS:nest=ADDR:nest=[ADDR_IN:raw=c6336401,ADDR_PREFIXLEN:u8=24],ADDR:nest=[ADDR_IN:raw=c6336401,ADDR_PREFIXLEN:u8=24]" |
		cut -d' ' -f1-6)"
check_eq "... and none of them made an interface" "0" \
	"$(ip -n "$(ns 1)" -o link show | grep -c 'bad1\|abcdefghij')"

for i in 1 2 3; do
	sn "$i" persona add web mac "$VMAC" addr "$P4/24" addr "$P6/64" nodes 2,1,3 ||
		diag "persona add on node $i failed"
	# only node 2 in its list: when node 2 dies, a spare takes it
	sn "$i" persona add db mac 02:00:00:aa:00:02 addr 198.51.100.20/24 nodes 2 ||
		diag "persona add db on node $i failed"
done
# dbview N: "owner state" of db as node N sees it
dbview() { sn "$1" -j persona show db | jq -r '.[0] | "\(.owner) \(.state)"'; }
check_msg "the same name again is refused" 1 'Error: a persona with this name exists.' \
	add web mac 02:00:00:aa:00:09
check_msg "the same MAC under another name is refused" 1 \
	'Error: another persona has this MAC.' add web2 mac "$VMAC"
check_eq "... and no web2 interface" "" "$(ip -n "$(ns 1)" -o link show web2 2>/dev/null)"
check_msg "takeover is refused without heartbeats (no key yet)" 1 \
	'Error: moving a persona needs heartbeats: a node id, a device and a key.' \
	sn 1 persona takeover web

check_eq "the interface is on every node, down, with the VMAC" "$VMAC $VMAC $VMAC" \
	"$(for i in 1 2 3; do ip -n "$(ns "$i")" -j link show web; done | jq -r -s 'map(.[0].address) | join(" ")')"
# naddrs: how many global addresses web has on nodes 1, 2, 3
naddrs() { for i in 1 2 3; do ip -n "$(ns "$i")" -j addr show web; done |
	jq -r -s 'map([.[0].addr_info[] | select(.scope == "global")] | length) | map(tostring) | join(" ")'; }
check_eq "... and no addresses on it anywhere while nobody owns it" "0 0 0" "$(naddrs)"
check_eq "the persona knows its addresses" "198.51.100.10/24 2001:db8:1::10/64" \
	"$(sn 3 -j persona show web | jq -r '.[0].addrs | join(" ")')"
check_eq "without heartbeats nobody owns it" "-" "$(up_on)"
ip -n "$(ns 1)" link add other0 type dummy
check_msg "the cluster device cannot change under personas" 1 \
	'Error: personas live on the cluster device: delete them before changing it.' \
	sn 1 cluster set dev other0
check_eq "... and it did not" "eth0" "$(sn 1 -j cluster show | jq -r '.[0].dev')"

# --- b. heartbeats: the first node of the list takes it ------------------
for i in 1 2 3; do sn "$i" cluster set key "$tmp/key"; done
all_own() { [ "$(owners)" = "$1 $1 $1" ]; }
check "every node agrees: node 2, epoch 1" wait_for 5000 all_own 2/1
last_ok || diag "owners: $(owners)"
check_eq "node 2 sees itself active" "2 1 active" "$(pview 2)"
check_eq "node 1 is standby" "2 1 standby" "$(pview 1)"
check "db, listing node 2 alone, is on node 2" wait_for 2000 eval '[ "$(dbview 2)" = "2 active" ]' 
check "the interface is up on node 2 only" wait_for 2000 eval '[ "$(up_on)" = 2 ]'
check "... with the addresses on node 2 only" wait_for 2000 eval '[ "$(naddrs)" = "0 2 0" ]'
check_eq "node 2 answers at the IPv4 address" "2" "$(who 1)"
check_eq "... and at the IPv6 address" "2" "$(who6 1)"
check_eq "one ARP answer, with the VMAC" "1 $VMAC" "$(arp_replies)"
check_eq "the client's neighbour entry is the VMAC" "$VMAC" "$(neigh_mac)"
check "node 3 got 3 gratuitous ARPs for the IPv4 address, with the VMAC" \
	wait_for 3000 eval '[ "$(heard garp "$P4")" = 3 ]'
check "... and 3 unsolicited neighbour advertisements for the IPv6 one" \
	wait_for 3000 eval '[ "$(heard na "$P6")" = 3 ]'
last_ok || diag "announcements on node 3's wire:" "$(cat "$tmp/wire.3")"

# --- c. node 2 dies: node 1 takes over at the same MAC -------------------
m1=$(wc -l <"$tmp/mon.1")
t0=$EPOCHREALTIME
ip -n "$(ns 2)" link set eth0 down
check "node 1 takes it over (epoch 2), on nodes 1 and 3" \
	wait_for 3000 eval '[ "$(pview 1)" = "1 2 active" ] && [ "$(pview 3 | cut -d" " -f1-2)" = "1 2" ]'
took=$(tail -n +"$((m1 + 1))" "$tmp/mon.1" |
	jq -r --argjson t0 "$t0" 'select(.object == "persona" and .event == "takeover") |
		(.time | split(".")) as [$s, $f] |
		((($s + "Z") | fromdateiso8601) + ("0." + $f | tonumber) - $t0) * 1000 | floor' | head -1)
diag "takeover event on node 1 ${took:-?} ms after the cut"
check "... within interval * (dead + 1/2) + ${SLACK_MS} ms" \
	eval '[ -n "$took" ] && [ "$took" -le $((350 + SLACK_MS)) ]'
check_eq "a new TCP connection to the same address reaches node 1" "1" "$(who 2)"
check_eq "the client's neighbour entry is still the VMAC" "$VMAC" "$(neigh_mac)"
check_eq "one ARP answer, still the VMAC" "1 $VMAC" "$(arp_replies)"
check "db goes to the spare, node 3, not to node 1" \
	wait_for 3000 eval '[ "$(dbview 3)" = "3 active" ] && [ "$(dbview 1)" = "3 standby" ]'
check_eq "the event says why" "node-down" \
	"$(tail -n +"$((m1 + 1))" "$tmp/mon.1" | jq -r 'select(.event == "takeover") | .reason' | head -1)"

# --- d. node 2 comes back: it does not answer for the persona -----------
ip -n "$(ns 2)" link set eth0 up
check "node 2 learns it lost it: fenced, owner 1, epoch 2" wait_for 3000 eval '[ "$(pview 2)" = "1 2 fenced" ]'
check "... and its interface is down, without the addresses" \
	wait_for 2000 eval '! link_up 2 && [ "$(naddrs)" = "2 0 0" ]'
check_eq "the interface is up on node 1 only" "1" "$(up_on)"
check_eq "node 1 still answers" "1" "$(who 3)"
check_eq "one ARP answer" "1 $VMAC" "$(arp_replies)"

# --- e. planned takeover and release --------------------------------------
check "takeover on node 3" sn 3 persona takeover web
check "every node agrees: node 3, epoch 3" wait_for 3000 all_own 3/3
last_ok || diag "owners: $(owners)"
check "node 1 let it go" wait_for 2000 eval '[ "$(pview 1)" = "3 3 fenced" ] && ! link_up 1'
check_eq "node 3 answers" "3" "$(who 4)"
check_msg "takeover where it already is is refused" 1 \
	'Error: this node owns the persona already.' sn 3 persona takeover web
check_msg "release where it is not is refused" 1 \
	'Error: this node does not own the persona.' sn 1 persona release web
check "release on node 3" sn 3 persona release web
check "it goes to the first other node of the list, node 2 (epoch 4)" wait_for 3000 all_own 2/4
last_ok || diag "owners: $(owners)"
check_eq "node 3 says released" "2 4 released" "$(pview 3)"
check_eq "node 2 answers" "2" "$(who 5)"

# --- f. delete ---------------------------------------------------------------
# Deleted on its owner, it is let go as by release, not left without one.
check "delete on node 2, the owner" sn 2 persona del web
check "node 1 takes it over (epoch 5), on nodes 1 and 3" \
	wait_for 2000 eval '[ "$(pview 1)" = "1 5 active" ] && [ "$(pview 3 | cut -d" " -f1-2)" = "1 5" ]'
last_ok || diag "node 1: $(pview 1), node 3: $(pview 3)"
check_eq "node 1 answers" "1" "$(who 6)"
for i in 1 3; do sn "$i" persona del web; done
for i in 1 2 3; do sn "$i" persona del db; done
check_eq "deleted: no interface, no persona" "0 0" \
	"$(ip -n "$(ns 2)" -o link show | grep -c ' web:') $(sn 2 -j persona show | jq length)"
check_msg "deleting it again is refused: it is gone" 1 'Error: no such persona.' \
	sn 1 persona del web

ktap_finish
