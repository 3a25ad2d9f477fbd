#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: alone, no xdp (judges time; about membership; failover+xdp has
# XDP follow a failover)
#
# Heartbeats: members find each other, a member that goes silent is
# declared down by the others in time and only its buckets move, it
# comes back with exactly its buckets, and an administrative "down" wins
# over a node that is heard. Documentation/heartbeats.md.
#
#   n1 (eth0) --+
#   n2 (eth0) --+-- br0 (switch namespace)
#   n3 (eth0) --+
#
# Node i is 192.0.2.i, runs selftests/responder.py (TCP 80) and serves
# 192.0.2.100 (1024 buckets). All share one key. "shoal -j monitor" runs
# on nodes 1 and 2 from before heartbeats start to the end, with TZ=UTC0
# so its timestamps convert to epoch seconds without a time zone.
#
# Node 3 is silenced three ways: its link goes down (ip), it is frozen
# (its processes stopped with SIGSTOP and its heartbeats dropped on the
# way out by a tc filter), and again with "interval 10 dead 3". The kill
# commands go through an "ip -batch" / "tc -batch" already running in
# node 3's namespace, and the time is taken right before the command is
# written to it, so the start-up of a process (tens of ms under TCG) is
# not measured.
#
# Time limits. A member whose last frame arrives at t is declared down
# at t + interval * dead + a margin, by a timer kept at that deadline
# (Documentation/heartbeats.md, "Timing"). The margin follows how late
# its frames come, at most half an interval: on the quiet link here it
# must be under that (node show's down_after). Its last frame is at
# most the kill time, so the "down" event and the "buckets moved" events
# must come within interval * (dead + 1/2) of the kill, plus a slack for
# the emulated VM:
# SLACK_MS covers the batch process's reading and running the command,
# hrtimer and softirq lateness under TCG, the work item that recomputes
# the 1024-bucket table, and the monitor waking up to timestamp the event.

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 60

SLACK_MS=150		# interval 100: 350 ms + this
FAST_SLACK_MS=60	# interval 10: 35 ms + this
S=192.0.2.100

make_cluster 3
N3=$(ns 3)
tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"
(umask 077 && shoal key generate >"$tmp/key")


# --- monitors (mon_start, mon_lines, mon_has: lib.sh) ---------------------
# mon_events N FROM T0: node and bucket events after the first FROM, one
# line each: "MS object event id reason from to count", MS the time since
# T0 (epoch seconds, as $EPOCHREALTIME) in whole ms
mon_events() {
	tail -n +"$(($2 + 1))" "$tmp/mon.$1" | jq -r --argjson t0 "$3" '
		select(.object == "node" or .object == "buckets") |
		(.time | split(".")) as [$s, $f] |
		(((($s + "Z") | fromdateiso8601) + ("0." + $f | tonumber) - $t0) * 1000 | floor) as $ms |
		"\($ms) \(.object) \(.event) \(.id // "-") \(.reason // "-") \(.from // "-") \(.to // "-") \(.count // "-")"'
}
# moved_from_3 FROM: node 1's monitor shows node 3's buckets moving to 1 and 2
moved_from_3() { mon_has 1 "$1" '"from":3,"to":1}' && mon_has 1 "$1" '"from":3,"to":2}'; }
summary() { awk '{ $1 = $1 "ms"; print }' | paste -sd';' | sed 's/;/; /g'; }

# --- state (states, all_up, bucket_table, tables_are: lib.sh) --------------
# state N ID: node ID's state as node N sees it
state() { sn "$1" -j node show "$2" | jq -r '.[0].state'; }
# sees_down N ID: node N sees node ID down
sees_down() { [ "$(state "$1" "$2")" = down ]; }

# --- setup: cluster, nodes, service, responders; no key yet ----------------
for i in 1 2 3; do
	printf '%s\n' "cluster set dev eth0 node $i" "node add 1" "node add 2" "node add 3" \
		"service add $S" | sn "$i" -b -
	ip netns exec "$(ns "$i")" selftests/responder.py --id "$i" --tcp 80 >"$tmp/resp.$i" 2>&1 &
	pid=$!
	add_cleanup "kill -CONT $pid 2>/dev/null; kill $pid 2>/dev/null"
	RESP[i]=$pid
done
mon_start 1
mon_start 2
mon_start 3
M1=$(mon_lines 1)
M2=$(mon_lines 2)
M3=$(mon_lines 3)
wait_for 20000 responders_ready 1 2 3 || diag "responders:" "$(cat "$tmp"/resp.*)"

# --- a. forming ----------------------------------------------------------
sn 1 cluster set key "$tmp/key"
sn 2 cluster set key "$tmp/key"
t_last=$EPOCHREALTIME
sn 3 cluster set key "$tmp/key"
check "all three nodes see all three up" wait_for 5000 all_up
last_ok || diag "states: $(states)"
check_eq "heartbeats run on every node" "true true true" \
	"$(for i in 1 2 3; do sn "$i" -j cluster show; done | jq -r -s 'map(.[0].heartbeat) | join(" ")')"
# the last "up (heard)" on each node, counted from the last key set
last_up() { mon_events "$1" "$2" "$t_last" | awk '$3 == "up" && $5 == "heard" { t = $1 } END { print t + 0 }'; }
up1=$(last_up 1 "$M1")
up2=$(last_up 2 "$M2")
up3=$(last_up 3 "$M3")
diag "after the last key set, nodes 1, 2, 3 saw everyone up at $up1, $up2, $up3 ms"
check "... within a second of the last node getting the key" \
	test "$up1" -lt 1000 -a "$up2" -lt 1000 -a "$up3" -lt 1000
rx_before=$(sn 1 -j node show | jq -r 'map(.rx_frames) | join(" ")')
rx_grows() {
	local r
	read -r -a r <<<"$rx_before $(sn 1 -j node show | jq -r 'map(.rx_frames) | join(" ")')"
	[ "${r[0]}" = 0 ] && [ "${r[3]}" = 0 ] && [ "${r[4]}" -gt "${r[1]}" ] && [ "${r[5]}" -gt "${r[2]}" ]
}
check "node 1: rx_frames of nodes 2 and 3 grow (none counted for itself)" wait_for 3000 rx_grows
last_ok || diag "before: $rx_before" "now: $(sn 1 -j node show | jq -r 'map(.rx_frames) | join(" ")')"
check_eq "no frame rejected, lost, foreign or unknown on any node" "0 0 0 0 0 0 0 0 0 0 0 0" \
	"$(for i in 1 2 3; do sn "$i" -s -j cluster show; done |
		jq -r -s 'map(.[0].stats | "\(.rejected) \(.lost) \(.foreign) \(.unknown)") | join(" ")')"
check_eq "no node's rejected_frames counter moved, on any node" "0" \
	"$(for i in 1 2 3; do sn "$i" -j node show; done | jq -s '[.[][].rejected_frames] | add')"

T0=$(bucket_table 1)
check_eq "all nodes agree on the owner of every bucket" "1024 yes" \
	"$(grep -c '^bucket [0-9]* owner [123]$' <<<"$T0") $(tables_are "$T0" 2 3 && echo yes)"
diag "buckets owned by nodes 1, 2, 3: $(for i in 1 2 3; do owned_in "$T0" "$i" | wc -l; done | paste -sd' ')"

# Commands for node 3's namespace, run by batch processes started now.
# Both are seen to run a command before they are used; tc's classifier
# and action modules are loaded now, not while a kill is timed.
exec {IP3}> >(exec ip -n "$N3" -force -batch - >"$tmp/ip3.out" 2>&1)
exec {TC3}> >(exec ip netns exec "$N3" tc -force -batch - >"$tmp/tc3.out" 2>&1)
echo "link show dev lo" >&"$IP3"
printf '%s\n' "qdisc add dev eth0 clsact" \
	"filter add dev eth0 egress protocol 0x88b6 pref 2 matchall action drop" \
	"filter show dev eth0 egress" >&"$TC3"
wait_for 10000 grep -q "lo:" "$tmp/ip3.out"
wait_for 10000 grep -q matchall "$tmp/tc3.out"
echo "filter del dev eth0 egress pref 2" >&"$TC3"

# silence_check WHAT LIMIT_MS M1 T0 [flaps]: checks on node 1's monitor that
# node 3 went down (timeout) and its buckets moved to 1 and 2 within
# LIMIT_MS of T0, and that nothing else happened (with "flaps": nothing
# else but nodes 1 and 2 going down and up); prints the timings as a
# diagnostic
silence_check() {
	local what=$1 limit=$2 ev down moved bad
	ev=$(mon_events 1 "$3" "$4")
	down=$(awk '$2 == "node" && $3 == "down" && $4 == 3 && $5 == "timeout" { print $1; exit }' <<<"$ev")
	moved=$(awk '$2 == "buckets" && $6 == 3 { printf "%s%s", s, $1; s = " " }' <<<"$ev")
	bad=$(awk '!($2 == "node" && $4 == 3 && $3 == "down") && !($2 == "buckets" && $6 == 3)' <<<"$ev")
	if [ "${5:-}" = flaps ]; then
		bad=$(awk '!($2 == "node" && ($4 == 1 || $4 == 2)) && !($2 == "buckets" && $6 != 3 && $7 != 3)' <<<"$bad")
	fi
	diag "$what: node 3 down (timeout) after ${down:-?} ms, buckets moved after ${moved:-?} ms (limit $limit ms)"
	check "$what: node 1 sees node 3 down (timeout) and its buckets move to 1 and 2, in time" \
		test -n "$down" -a "${down:-99999}" -le "$limit" -a "$(wc -w <<<"$moved")" = 2 \
		-a "$(tr ' ' '\n' <<<"${moved:-99999}" | sort -n | tail -n1)" -le "$limit"
	last_ok || diag "events: $(summary <<<"$ev")"
	check_eq "$what: no other event on node 1" "" "$bad"
	FAILOVER_MS+=("${down:-?}")
}

# stalled N: how long node N's heartbeat timers ran late so far, in ms
stalled() { sn "$1" -s -j cluster show | jq '.[0].stats.stalled_ms'; }

# down_after: after how much silence node 1 declares node 3 down, in ms
# (interval * dead and the margin its frames' lateness needs)
down_after() { sn 1 -j node show | jq '.[] | select(.id == 3) | .down_after_us / 1000 | floor'; }

# margin_check WHAT: node 3's margin on node 1 (its down_after, D, less
# 300 ms) comes under half an interval, the most it can be: its frames
# come nearly on time on this quiet link. (Under emulation they are late
# now and then, by tens of ms when the VM stalls, which raises the margin
# for a few frames: hence a poll.) Sets D.
margin_under_half() { D=$(down_after); [ "${D:-999}" -ge 300 ] && [ "${D:-999}" -lt 350 ]; }
margin_check() {
	poll_for 5000 margin_under_half
	diag "$1: node 1 declares node 3 down after ${D:-?} ms of silence"
	check "$1: node 3's margin on node 1 is under half an interval (down_after < 350 ms)" \
		margin_under_half
}

# gap_check WHAT T0 STALLED D: node 1 declared node 3 down interval * dead
# and its margin after its last frame, as documented: not before interval
# * dead, and not later than D (its down_after, read before the cut; one
# frame more may add to it, hence a slack) plus the time node 1 itself
# was stalled since (which counts against nobody; STALLED is stalled 1
# from before the cut) plus GAP_SLACK_MS (the timer's and the monitor's
# lateness; less than half an interval, so that a deadline of interval *
# (dead + 1) fails). The down time is the monitor's, taken when it read
# the event.
GAP_SLACK_MS=35
gap_check() {
	local down early late lo hi st
	st=$(($(stalled 1) - $3))
	down=$(mon_events 1 "$M1" "$2" | awk '$2 == "node" && $3 == "down" && $4 == 3 { print $1; exit }')
	read -r early late <<<"$(last_frame 3 -n "$(ns 1)")"
	down=$((${2//[!0-9]/} + ${down:-0} * 1000))
	lo=$(((down - late) / 1000)) hi=$(((down - early) / 1000))
	diag "$1: node 3 down $lo..$hi ms after its last frame; node 1 stalled $st ms meanwhile ($4 ms + that + up to $GAP_SLACK_MS ms)"
	check "$1: node 3 down interval * dead + its margin after its last frame" \
		test "$hi" -ge 300 -a "$lo" -le $(($4 + st + GAP_SLACK_MS))
}

# after_silence WHAT: the tables of nodes 1 and 2 once node 3 is down
after_silence() {
	local t1 moved
	t1=$(bucket_table 1)
	check_eq "$1: nodes 1 and 2 agree, no bucket is node 3's" "1024 yes" \
		"$(grep -c '^bucket [0-9]* owner [12]$' <<<"$t1") $(tables_are "$t1" 2 && echo yes)"
	moved=$(owner_changes "$T0" "$t1")
	check_eq "$1: exactly node 3's buckets changed owner" "$(owned_in "$T0" 3)" \
		"$(cut -d' ' -f1 <<<"$moved")"
	check_eq "$1: ... and went to nodes 1 and 2 only" "" "$(awk '$2 != 3 || ($3 != 1 && $3 != 2)' <<<"$moved")"
	T1=$t1
}

# after_return WHAT: node 3 is back and takes exactly its buckets back
after_return() {
	check "$1: node 3 is up again on every node" wait_for 5000 all_up
	last_ok || diag "states: $(states)"
	check "$1: every node's table is the original again" wait_for 3000 tables_are "$T0" 1 2 3
	check_eq "$1: the buckets that moved back are exactly node 3's" \
		"$(owned_in "$T0" 3)" "$(owner_changes "$T1" "$(bucket_table 1)" | awk '$3 == 3 { print $1 }')"
}

# --- b. node 3's link goes down -----------------------------------------
margin_check "link down"
M1=$(mon_lines 1)
S1=$(stalled 1)
t0=$EPOCHREALTIME
echo "link set eth0 down" >&"$IP3"
check "link down: node 1 declares node 3 down" wait_for 5000 mon_has 1 "$M1" '"event":"down","id":3,'
wait_for 2000 moved_from_3 "$M1"
silence_check "link down" $((100 * 7 / 2 + SLACK_MS)) "$M1" "$t0"
gap_check "link down" "$t0" "$S1" "$D"
check "link down: node 2 declares node 3 down" wait_for 3000 sees_down 2 3
after_silence "link down"
check_eq "link down: node 3 owns every bucket in its own view (it hears nobody)" 1024 \
	"$(bucket_table 3 | grep -c ' owner 3$')"
M1J=$M1
echo "link set eth0 up" >&"$IP3"
after_return "link up"

# --- j. the monitor tells the story in order ----------------------------------
story=$(mon_events 1 "$M1J" 0 | awk '
	$2 == "node" { print "node " $4 " " $3 " (" $5 ")" }
	$2 == "buckets" { print "buckets moved " ($6 == 3 ? "from 3" : $7 == 3 ? "to 3" : "from " $6 " to " $7) }' |
	uniq | paste -sd,)
check_eq "monitor: node 3 down (timeout), buckets from 3, node 3 up (heard), buckets to 3" \
	"node 3 down (timeout),buckets moved from 3,node 3 up (heard),buckets moved to 3" "$story"
check_eq "monitor: the buckets moved from 3 are the buckets moved to 3, as many as node 3 owned" \
	"$(owned_in "$T0" 3 | wc -l) $(owned_in "$T0" 3 | wc -l)" \
	"$(mon_events 1 "$M1J" 0 | awk '$2 == "buckets" && $6 == 3 { f += $8 } $2 == "buckets" && $7 == 3 { t += $8 } END { print f + 0, t + 0 }')"

# --- c. node 3 freezes -----------------------------------------------------------
# Its responder stops, and its heartbeats are dropped on the way out
# (clsact egress, matchall on ethertype 0x88b5): the node is alive but
# says nothing, as a hung machine would.
margin_check "frozen"
M1=$(mon_lines 1)
S1=$(stalled 1)
kill -STOP "${RESP[3]}"
t0=$EPOCHREALTIME
echo "filter add dev eth0 egress protocol 0x88b5 pref 1 matchall action drop" >&"$TC3"
check "frozen: node 1 declares node 3 down" wait_for 5000 mon_has 1 "$M1" '"event":"down","id":3,'
wait_for 2000 moved_from_3 "$M1"
silence_check "frozen" $((100 * 7 / 2 + SLACK_MS)) "$M1" "$t0"
gap_check "frozen" "$t0" "$S1" "$D"
check "frozen: node 2 declares node 3 down" wait_for 3000 sees_down 2 3
after_silence "frozen"
check_eq "frozen: node 3 itself still hears nodes 1 and 2" "up up" \
	"$(sn 3 -j node show | jq -r 'map(select(.id != 3) | .state) | join(" ")')"
echo "filter del dev eth0 egress pref 1" >&"$TC3"
kill -CONT "${RESP[3]}"
after_return "thawed"
check "thawed: node 3's responder answers again" in_ns 1 python3 -c "
import socket
s = socket.create_connection(('192.0.2.3', 80), timeout=3)
s.sendall(b'hi\n'); assert s.recv(100) == b'node 3\n'"
echo "qdisc del dev eth0 clsact" >&"$TC3"

# --- e. an administrative "down" wins over heartbeats --------------------------
M1=$(mon_lines 1)
rx2=$(sn 1 -j node show 2 | jq -r '.[0].rx_frames')
check "node set 2 down, on node 1" sn 1 node set 2 down
check_eq "node 1: node 2 admin down, state down" "down down" \
	"$(sn 1 -j node show 2 | jq -r '.[0] | "\(.admin) \(.state)"')"
check "node 1's monitor: node 2 down (admin)" mon_has 1 "$M1" '"event":"down","id":2,"reason":"admin"'
# observation window: 5 intervals, more than it takes to rise (3 frames)
read -r -t 0.5 -u "$_LIB_SLEEP_FD" _ || true
check_eq "node 2 is heard all the while, and stays down" "yes down" \
	"$(sn 1 -j node show 2 | jq -r --argjson rx "$rx2" \
		'.[0] | "\(if .rx_frames >= $rx + 4 and .last_heard_ms < 300 then "yes" else "no: \(.)" end) \(.state)"')"
moved=$(owner_changes "$T0" "$(bucket_table 1)")
check_eq "node 1: node 2's buckets, and only they, went to nodes 1 and 3" \
	"$(owned_in "$T0" 2) none" "$(cut -d' ' -f1 <<<"$moved") $(awk '$3 != 1 && $3 != 3' <<<"$moved" | grep . || echo none)"
check "node set 2 up, on node 1" sn 1 node set 2 up
check_eq "node 1: node 2 admin up, state up" "up up" \
	"$(sn 1 -j node show 2 | jq -r '.[0] | "\(.admin) \(.state)"')"
check "node 1's monitor: node 2 up (admin)" mon_has 1 "$M1" '"event":"up","id":2,"reason":"admin"'
check "node 1's table is the original again" tables_are "$T0" 1

# --- d. fast: interval 10, dead 3 -------------------------------------------------
# All three nodes share the VM's one emulated CPU. Under TCG it stalls now
# and then for longer than the 30 ms dead time (starting a process, say),
# and then the nodes may see each other down for a moment: such flaps of
# nodes 1 and 2 are counted and reported, not failed. The waits below read
# the monitors' files from bash, starting no process.
for i in 1 2 3; do sn "$i" cluster set interval 10 dead 3; done
check_eq "interval 10 dead 3 on every node" "10 3,10 3,10 3" \
	"$(for i in 1 2 3; do sn "$i" -j cluster show; done | jq -r -s 'map(.[0] | "\(.interval) \(.dead)") | join(",")')"
check "all up at interval 10" all_up
M1F=$(mon_lines 1)
M2F=$(mon_lines 2)
FAILOVER_MS=()
for round in 1 2 3 4 5; do
	M1=$(mon_lines 1)
	M2=$(mon_lines 2)
	t0=$EPOCHREALTIME
	echo "link set eth0 down" >&"$IP3"
	wait_for 5000 moved_from_3 "$M1"
	silence_check "interval 10, round $round" $((10 * 7 / 2 + FAST_SLACK_MS)) "$M1" "$t0" flaps
	M1=$(mon_lines 1)
	echo "link set eth0 up" >&"$IP3"
	wait_for 5000 mon_has 1 "$M1" '"event":"up","id":3,'
	wait_for 5000 mon_has 2 "$M2" '"event":"up","id":3,'
done
diag "interval 10 dead 3: node 3 declared down ${FAILOVER_MS[*]} ms after its link went down (bound $((10 * 7 / 2)) ms + ${FAST_SLACK_MS} ms slack)"
check "interval 10: back to all up and the original tables" wait_for 3000 tables_are "$T0" 1 2 3
flaps=$(mon_events 1 "$M1F" 0 | grep -c ' node down 2 ')
flaps="$flaps $(mon_events 2 "$M2F" 0 | grep -c ' node down 1 ')"
diag "interval 10: spurious flaps (VM stalls): node 1 saw node 2 down ${flaps% *} times, node 2 saw node 1 down ${flaps#* } times"

exec {IP3}>&- {TC3}>&-
check_eq "the batch commands in node 3 all worked" "" "$(grep -iE 'error|fail|usage' "$tmp/ip3.out" "$tmp/tc3.out")"
check_eq "the monitors said nothing on stderr" "" "$(cat "$tmp"/mon.*.err)"

ktap_finish
