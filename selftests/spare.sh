#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: no xdp (who owns what when nodes fail, not the packet path)
#
# Spare nodes (Documentation/services.md, "Who owns a bucket";
# Documentation/personas.md, "Who takes over"):
#   - nodes added with "spare on" own nothing while every member is up;
#   - when a member fails, the first spare that is up, in id order, takes
#     exactly that member's buckets of a service, and keeps its packets;
#     a second failure takes the next spare; when a failed member comes
#     back, the pairing is recomputed in id order;
#   - a node's load (load_pps: packets a second its services accepted, in
#     its heartbeats) is what every node sees of it, and a persona let go
#     by the only node of its list goes to the least loaded spare, not to
#     the spare of the lowest id.
#
#   n1 (eth0) --+
#   n2 (eth0) --+
#   n3 (eth0) --+-- br0 (switch namespace) --+-- (eth0) cl 192.0.2.200
#   n4 (eth0) --+
#   n5 (eth0) --+
#
# Nodes 1-3 are regular, 4 and 5 spares. Service $S (UDP, 256 buckets, every
# node); service $L (UDP) with node 4 alone as its member, which the client
# loads so that spare 4 is busy and spare 5 idle; personas db (let go by
# node 1) and fb (node 1 fails) with node 1 alone in their lists: both go
# to spare 5. A node fails by its link going down. Heartbeats every
# 200 ms, dead 5: nothing here judges time.

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 18

S=192.0.2.100
L=192.0.2.150
CL=$(ns cl)
make_cluster 5
make_client cl 192.0.2.200 2001:db8::200
make_scratch

# with_owner TABLE FROM TO: TABLE (bucket_table lines) with FROM's buckets
# owned by TO
with_owner() { awk -v f="$2" -v t="$3" '$4 == f { $4 = t } 1' <<<"$1"; }
# loads N: "ID=LOAD ..." for every node, as node N's heartbeats say
loads() {
	sn "$1" -s node show | awk '$1 == "node" { id = $2 }
		{ for (i = 1; i < NF; i++) if ($i == "load") { printf "%s%s=%s", sep, id, $(i + 1); sep = " " } }'
}
# pview P N: "owner state" of persona P as node N sees it
pview() {
	sn "$2" persona show "$1" | awk 'NR == 1 { for (i = 1; i < NF; i++) {
		if ($i == "owner") o = $(i + 1); if ($i == "state") s = $(i + 1) }; print o, s }'
}
# p_on P OWNER NODES...: every one of NODES says OWNER owns persona P
p_on() {
	local i
	for i in "${@:3}"; do
		[ "$(pview "$1" "$i" | cut -d' ' -f1)" = "$2" ] || return 1
	done
}
dbview() { pview db "$1"; }
db_on() { p_on db "$@"; }

# --- a. spares own nothing while every member is up -------------------------
for i in 1 2 3 4 5; do
	printf '%s\n' "cluster set dev eth0 node $i" "node add 1" "node add 2" "node add 3" \
		"service add $S proto udp buckets 256" | sn "$i" -b -
done
T0=$(bucket_table 1)
check_eq "nodes 1-3 only: every bucket of $S is owned by one of them" "" \
	"$(awk '$4 !~ /^[123]$/' <<<"$T0" | head -3)"
for i in 1 2 3 4 5; do
	printf '%s\n' "node add 4 spare on" "node add 5 spare on" \
		"service add $L proto udp nodes 4" \
		"persona add db mac 02:00:00:aa:00:02 addr 198.51.100.20/24 nodes 1" \
		"persona add fb mac 02:00:00:aa:00:03 addr 198.51.100.30/24 nodes 1" | sn "$i" -b -
done
check_eq "node add 4 spare on, node add 5 spare on: both are spares" "4 5" \
	"$(sn 3 node show | awk '$1 == "node" && / spare( |$)/ { print $2 }' | xargs)"
check "... and $S's bucket table is unchanged on every node: the spares own nothing" \
	tables_are "$T0" 1 2 3 4 5

for i in 1 2 3 4 5; do sn "$i" cluster set key "$tmp/key" interval 200 dead 5; done
check "heartbeats: every node sees nodes 1-5 up" \
	wait_for 20000 all_see "1 2 3 4 5" "1=up,2=up,3=up,4=up,5=up"
check "personas db and fb are on node 1, their only node" \
	wait_for 10000 eval 'db_on 1 1 2 3 4 5 && p_on fb 1 1 2 3 4 5'
last_ok || diag "db: $(for i in 1 2 3 4 5; do dbview "$i"; done | paste -sd,)"

# --- b. load: packets a second the node's services accepted ----------------
no_load() {
	local i
	for i in 1 2 3 4 5; do
		[ "$(loads "$i")" = "1=0 2=0 3=0 4=0 5=0" ] || return 1
	done
}
check "nothing sent to the services: every node's load is 0 in every view" wait_for 5000 no_load
last_ok || diag "$(for i in 1 2 3 4 5; do echo "node $i: $(loads "$i")"; done)"
client_knows "$L"
# about 250 datagrams a second to $L, of one flow: node 4 keeps them, the
# others (node 5 as its spare) drop them
ip netns exec "$CL" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
start, sent = time.monotonic(), 0
while True:
    due = int((time.monotonic() - start) * 250)
    sent = max(sent, due - 25)
    while sent < due:
        s.sendto(b"x", (sys.argv[1], 9))
        sent += 1
    time.sleep(0.01)
' "$L" &
add_cleanup "kill $! 2>/dev/null"
# busy_in N: node N's view gives node 4 a load of 50/s or more, the others 0
busy_in() {
	loads "$1" | awk '{ for (i = 1; i <= NF; i++) { split($i, f, "=")
		if (f[1] == 4 ? f[2] < 50 : f[2] != 0) exit 1 } }'
}
all_busy() {
	local i
	for i in 1 2 3 4 5; do wait_for 20000 busy_in "$i" || return 1; done
}
check "under about 250 datagrams/s to $L: every view gives node 4 a load of 50/s or more, the others (spare 5, which drops them, too) 0" \
	all_busy
diag "$(for i in 1 2 3 4 5; do echo "node $i: $(loads "$i")"; done)"
# node 1 lets db go
sn 1 persona release db
check "persona db let go by node 1: it goes to spare 5, the least loaded, not to spare 4 (the lower id)" \
	wait_for 5000 db_on 5 1 2 3 4 5
last_ok || diag "db: $(for i in 1 2 3 4 5; do dbview "$i"; done | paste -sd,)" \
	"$(for i in 1 2 3 4 5; do echo "node $i: $(loads "$i")"; done)"

# --- c. node 1 fails ---------------------------------------------------------
ip -n "$(ns 1)" link set eth0 down
check "node 1's link is cut: nodes 2-5 see it down" \
	wait_for 10000 all_see "2 3 4 5" "1=down,2=up,3=up,4=up,5=up"
# (the frames a failure makes every node send at once say the loads of
# the last interval, not of the few ms since the frame before)
check "persona fb, node 1's, goes to spare 5, the least loaded, on node 1's failure" \
	wait_for 10000 p_on fb 5 2 3 4 5
last_ok || diag "fb: $(for i in 2 3 4 5; do pview fb "$i"; done | paste -sd,)" \
	"$(for i in 2 3 4 5; do echo "node $i: $(loads "$i")"; done)"
T1=$(with_owner "$T0" 1 4)
check "$S: node 1's buckets, and only those, go to spare 4, the first spare up (busy or not)" \
	wait_for 5000 tables_are "$T1" 2 3 4 5
last_ok || diag "node 2's table differs: $(diff <(echo "$T1") <(bucket_table 2) | grep '^[<>]' | head -4 | tr '\n' ' ')"

# 200 datagrams to $S, one flow each: spare 4 keeps those of node 1's buckets
client_knows "$S"
ip netns exec "$CL" python3 -c '
import socket, sys
for sport in range(41000, 41200):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("192.0.2.200", sport))
        s.sendto(b"x", (sys.argv[1], 9))
' "$S"
# counts N: "bucket owner rx_packets dropped_packets" of each bucket of $S
# node N counted anything in (plain output: jq costs seconds here)
counts() {
	sn "$1" -s bucket show "$S" | awk '{
		for (i = 1; i < NF; i++) v[$i] = $(i + 1)
		if (v["rx_packets"] + v["dropped_packets"] > 0)
			print v["bucket"], v["owner"], v["rx_packets"], v["dropped_packets"] }'
}
all_counted() {
	local i
	for i in 2 3 4 5; do
		[ "$(counts "$i" | awk '{ s += $3 + $4 } END { print s + 0 }')" = 200 ] || return 1
	done
}
check "nodes 2-5 each counted the 200 datagrams" wait_for 5000 all_counted
for i in 2 3 4 5; do counts "$i" >"$tmp/counts.$i"; done
check_eq "... and kept by nodes 2-5 200 times in all" 200 \
	"$(cat "$tmp"/counts.? | awk '{ s += $3 } END { print s + 0 }')"
check_eq "each kept only by the owner of its bucket, dropped by the others" "" \
	"$(for i in 2 3 4 5; do
		awk -v me="$i" '($2 == me && $4 > 0) || ($2 != me && $3 > 0) {
			print "node " me " bucket " $1 " owner " $2 ": rx " $3 " dropped " $4 }' "$tmp/counts.$i"
	done | head -3)"
diag "kept: $(for i in 2 3 4 5; do printf 'node %s %s, ' "$i" "$(awk '{ s += $3 } END { print s + 0 }' "$tmp/counts.$i")"; done)"
# (bucket numbers where spare 4 kept packets but node 1 was not the owner)
kept4=$(awk '{ s += $3 } END { print s + 0 }' "$tmp/counts.4")
not1=$(awk 'NR == FNR { if ($4 == 1) was1[$2] = 1; next } $3 > 0 && !was1[$1] { print $1 }' \
	<(echo "$T0") "$tmp/counts.4" | xargs)
check_eq "spare 4 kept some of them, all in buckets that were node 1's" "yes, others: -" \
	"$([ "$kept4" -gt 0 ] && echo yes || echo "none"), others: ${not1:--}"

# --- d. a second failure, and the failed nodes back -------------------------
ip -n "$(ns 2)" link set eth0 down
T2=$(with_owner "$T1" 2 5)
check "node 2 fails too: its buckets, and only those, go to spare 5, the next spare up" \
	wait_for 10000 tables_are "$T2" 3 4 5
ip -n "$(ns 1)" link set eth0 up
T3=$(with_owner "$T0" 2 4)
check "node 1 back: its buckets go back to it, and node 2's pass to spare 4 (pairing in id order)" \
	wait_for 15000 tables_are "$T3" 1 3 4 5
last_ok || diag "states: $(states)" "node 3's table differs: $(diff <(echo "$T3") <(bucket_table 3) | grep '^[<>]' | head -4 | tr '\n' ' ')"
ip -n "$(ns 2)" link set eth0 up
check "node 2 back: the table is the first one again on every node, the spares own nothing" \
	wait_for 15000 tables_are "$T0" 1 2 3 4 5
last_ok || diag "states: $(states)"

ktap_finish
