#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The takeover benchmark, run inside the test VM by bench/run (through
# selftests/vm-run): how long a UDP client goes unanswered when the node
# holding an identity (a virtual MAC and an address) loses its link, and,
# for shoal, how long until the new owner has the identity's disk mapped.
# keepalived with a VRRP virtual MAC first, then a shoal persona, one after
# the other in one run.
#
#   ka, kb     (eth0) --+                           keepalived (first)
#   n1, n2, n3 (eth0) --+-- br0 (switch namespace)   shoal members (then)
#   cl         (eth0) --+                           the client, 198.51.100.200
#
# The client (bench/build/udpping run) sends one request every millisecond
# to the identity's address and notes when each answer arrives
# (CLOCK_MONOTONIC); every node answers on UDP 7000 with its id (udpping
# serve), so only the holder of the address answers. After 200 answers the
# holder's link is cut (eth0 set down by a "udpping linkdown" process
# started beforehand in its namespace, as in bench/failover.sh: the trial
# helper of bench/lib-bench.sh). The gap is the time from the old holder's
# last answer to the first answer from the new one.
#
# keepalived: ka and kb share 198.51.100.50/24 by VRRPv3 with use_vmac (the
# address on a macvlan interface, vrrp.51, carrying the VRRP virtual MAC
# 00:00:5e:00:01:33), advert_int the shoal interval, equal priority,
# nopreempt (the node that comes back stays backup). The pair is steady
# before each trial; the master is cut.
#
# shoal: 3 members, heartbeats with a key, quorum on; persona "web"
# (02:00:00:aa:00:01, 198.51.100.10/24, nodes 1,2,3) with one disk,
# data = /dev/loopN:0:2048 (a loop device on a sparse file: "shared
# storage" every namespace sees). "shoal agent" runs in every node's
# namespace (started before the heartbeats: an agent started later would
# take the owner's map for a stray, device-mapper names being the VM's,
# not a namespace's), and "shoal -j monitor" in every node. The owner is
# cut; besides the gap, from the moment the cut was asked for (CLOCK_REALTIME
# in the script, just before the cut process is told) to the new owner's
# monitor's events (CLOCK_REALTIME when it read them): "persona takeover"
# (takeover_us), "disks ready" (ready_us) and the agent's "disk mapped"
# (mapped_us), and to the old owner's "persona fenced" (fenced_us: it lost
# quorum) and its agent's "disk unmapped" (unmapped_us). Then the link comes back: before the next trial every node
# sees every node up, all agree on the new owner, the old owner's agent has
# removed its map and the new owner's is mapped. The persona stays on the
# new owner; the next trial cuts whoever owns it.
#
# Output: one line per trial,
#   BENCH takeover keepalived ADVERT_S TRIAL result gap_us G ...
#   BENCH takeover shoal INTERVAL_MS TRIAL result gap_us G ... takeover_us T
#       ready_us R mapped_us M fenced_us F unmapped_us U
# (the client's result line, bench/udpping.c; -1 for an event not seen)
# and "BENCH-INFO key value..." lines; bench/run turns them into tables.
# Each system starts with an unmeasured trial 0 (BENCH-WARMUP).
#
# Environment: BENCH_TRIALS (default 20), BENCH_TAKEOVER_INTERVAL (shoal's
# heartbeat interval, default 100 ms; keepalived's advert_int is the same),
# BENCH_TAKEOVER_DEAD (3), BENCH_TAKEOVER_SYSTEMS (default "keepalived
# shoal"), BENCH_KEEPALIVED_PRIORITY (254). vm-run passes no environment
# into the VM, so they may be given as arguments:
#   selftests/vm-run bench/takeover.sh BENCH_TRIALS=5

for a in "$@"; do
	case $a in
	BENCH_TRIALS=* | BENCH_TAKEOVER_INTERVAL=* | BENCH_TAKEOVER_DEAD=* | \
		BENCH_TAKEOVER_SYSTEMS=* | BENCH_KEEPALIVED_PRIORITY=*)
		export "${a?}" ;;
	*) echo "takeover.sh: unknown argument $a" >&2; exit 2 ;;
	esac
done

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/../selftests/lib.sh"
# shellcheck source=bench/lib-bench.sh
source "$(dirname "$0")/lib-bench.sh"

TRIALS=${BENCH_TRIALS:-20}
INTERVAL=${BENCH_TAKEOVER_INTERVAL:-100}
DEAD=${BENCH_TAKEOVER_DEAD:-3}
SYSTEMS=${BENCH_TAKEOVER_SYSTEMS-keepalived shoal}
KA_PRIO=${BENCH_KEEPALIVED_PRIORITY:-254}
UDPPING=$(realpath "$(dirname "$0")")/build/udpping
PORT=7000
SPORT=40000
VMAC=02:00:00:aa:00:01
PADDR=198.51.100.10
VIP=198.51.100.50
CLIENT=198.51.100.200

for v in "$TRIALS" "$INTERVAL" "$DEAD"; do
	[[ $v =~ ^[0-9]+$ ]] || { echo "takeover.sh: not a whole number: $v" >&2; exit 2; }
done
[ -x "$UDPPING" ] || { echo "takeover.sh: $UDPPING missing: run bench/run" >&2; exit 1; }
ADVERT=$(awk -v i="$INTERVAL" 'BEGIN { printf "%g", i / 1000 }')

tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"

info kernel "$(uname -r)"
info cpus "$(nproc)"
info trials "$TRIALS"
info takeover_interval "$INTERVAL"
info takeover_dead "$DEAD"
info keepalived_priority "$KA_PRIO"

make_client cl 192.0.2.200 2001:db8::200
CL=$(ns cl)
ip -n "$CL" addr add "$CLIENT/24" dev eth0

# serve NAMESPACE ID: a responder, killed at exit
serve() {
	ip netns exec "$(ns "$1")" "$UDPPING" serve --id "$2" --port "$PORT" >"$tmp/serve-$1" 2>&1 &
	add_cleanup "kill $! 2>/dev/null; wait $! 2>/dev/null"
}
served() { local n; for n in "$@"; do grep -qx ready "$tmp/serve-$n" || return 1; done; }
has() { [[ " $SYSTEMS " == *" $1 "* ]]; }

# --- keepalived ---------------------------------------------------------------

if has keepalived && ! command -v keepalived >/dev/null; then
	note "keepalived is not installed: skipped (bench/run installs it)"
elif has keepalived; then
	info keepalived "$(keepalived --version 2>&1 | head -n1)"
	info keepalived_advert "$ADVERT"
	make_client ka 192.0.2.11 2001:db8::11
	make_client kb 192.0.2.12 2001:db8::12
	add_cleanup ka_stop
	serve ka 11
	serve kb 12
	wait_for 20000 served ka kb || note "keepalived responders: $(cat "$tmp"/serve-k*)"
	KA_VMAC=1
	KA_SETTLE=$(awk -v a="$ADVERT" 'BEGIN { printf "%.3f", 5 * a + 0.2 }')
	note "keepalived advert_int $ADVERT, use_vmac: starting ($(elapsed))"
	ka_start "$ADVERT"
	if ! ka_steady; then
		note "keepalived did not settle: $(ka_who)" \
			"$(tail -n 20 "$tmp/ka-ka.log")" "$(tail -n 20 "$tmp/ka-kb.log")"
	else
		m=$(ka_master)
		info keepalived_vmac "$(ip -n "$(ns "$m")" -br link show dev "$KA_VMAC_DEV")"
		for ((t = 0; t <= TRIALS; t++)); do
			if [ "$t" = 1 ]; then
				masters0=$(ka_masters)
				cpu_reset
			fi
			for attempt in 1 2 3 4 5; do
				m=$(ka_master) || m=ka
				trial "takeover keepalived" "$ADVERT" "$t" "$VIP" "$SPORT" \
					"$m" "$([ "$m" = ka ] && echo 11 || echo 12)" "$attempt"
				rc=$?
				ip -n "$(ns "$m")" link set eth0 up
				ka_steady || note "keepalived not steady after trial $t: $(ka_who)"
				[ "$rc" = 2 ] || break
			done
		done
		info keepalived_cpu "$ADVERT" "$(cpu_busy)"
		info keepalived_masters "$ADVERT" "$(($(ka_masters) - masters0))"
	fi
	ka_stop
	# keepalived's logs, for bench/build/takeover.log
	for n in ka kb; do sed "s/^/KA $n /" "$tmp/ka-$n.log"; done
	note "keepalived: done ($(elapsed))"
	# Off the bridge: they would receive the persona's flooded traffic.
	printf 'link del %s\n' ka kb | ip -n "$(ns sw)" -batch -
fi

# --- shoal ---------------------------------------------------------------------

has shoal || { info elapsed "$(elapsed)"; exit 0; }

modprobe -q loop 2>/dev/null || true
modprobe -q dm_mod 2>/dev/null || true
truncate -s 8M "$tmp/shared.img"
LOOP=$(losetup -f --show "$tmp/shared.img") || LOOP=
if [ -z "$LOOP" ] || [ ! -e /dev/mapper/control ]; then
	echo "takeover.sh: no loop device or device-mapper: loop ${LOOP:--}" >&2
	exit 1
fi
add_cleanup "losetup -d $LOOP"
# whatever the run leaves behind (after the agents stop: cleanups run last first)
# shellcheck disable=SC2016 # evaluated then
add_cleanup 'for m in $(dmsetup ls 2>/dev/null | awk "/^shoal-/ { print \$1 }"); do dmsetup remove --force "$m"; done'

make_cluster 3
(umask 077 && shoal key generate >"$tmp/key")
printf 'log = stderr\n' >"$tmp/agent.conf"
for i in 1 2 3; do
	printf '%s\n' "cluster set dev eth0 node $i" "node add 1" "node add 2" "node add 3" \
		"persona add web mac $VMAC addr $PADDR/24 nodes 1,2,3 disk data=$LOOP:0:2048" |
		shoal -n "$(ns "$i")" -b - ||
		{ echo "takeover.sh: shoal configuration failed on node $i" >&2; exit 1; }
	serve "$i" "$i"
done
wait_for 20000 served 1 2 3 || note "shoal responders: $(cat "$tmp"/serve-[123])"

# The agents and monitors, before the heartbeats. The monitors' times are
# UTC, for jq's fromdateiso8601.
for i in 1 2 3; do
	ip netns exec "$(ns "$i")" shoal agent -c "$tmp/agent.conf" >"$tmp/agent-$i" 2>&1 &
	add_cleanup "kill $! 2>/dev/null; wait $! 2>/dev/null"
	TZ=UTC0 ip netns exec "$(ns "$i")" shoal -j monitor >"$tmp/mon-$i" 2>&1 &
	add_cleanup "kill $! 2>/dev/null; wait $! 2>/dev/null"
done
started() { local i; for i in 1 2 3; do grep -q started "$tmp/agent-$i" || return 1; done; }
wait_for 10000 started || note "the agents did not start:" "$(cat "$tmp"/agent-[123])"
for i in 1 2 3; do
	shoal -n "$(ns "$i")" cluster set key "$tmp/key" interval "$INTERVAL" dead "$DEAD" quorum on
done

# owner: the owner of web, if every node agrees on it and it is active there
owner() {
	local o
	o=$(for i in 1 2 3; do shoal -n "$(ns "$i")" -j persona show web; done |
		jq -r -s 'map(.[0].owner) | unique | if length == 1 then .[0] else "-" end')
	[[ $o =~ ^[123]$ ]] || return 1
	[ "$(shoal -n "$(ns "$o")" -j persona show web | jq -r '.[0].state')" = active ] || return 1
	echo "$o"
}
# mapped N: node N's disk is mapped (device-mapper is the VM's: any
# namespace may look), as its agent reported
mapped() {
	shoal -n "$(ns "$1")" -j disk show |
		jq -e '[.[] | select(.name == "shoal-web-data" and .state == "mapped")] | length == 1' \
			>/dev/null
}
# steady: every node up, one owner everyone agrees on, its disk mapped
steady() { nodes_up 1 2 3 && STEADY_OWNER=$(owner) && mapped "$STEADY_OWNER"; }
state() {
	local i
	for i in 1 2 3; do
		echo "node $i's view:"
		shoal -n "$(ns "$i")" node show
		shoal -n "$(ns "$i")" persona show web
	done
	shoal -n "$(ns 1)" disk show
}

# mon_mark: remembers how many events each node's monitor has logged
MON_SEEN=()
mon_mark() {
	local i l
	for i in 1 2 3; do
		mapfile -t l <"$tmp/mon-$i"
		MON_SEEN[i]=${#l[@]}
	done
}
# mon_new N: node N's events since mon_mark
mon_new() { tail -n +"$((MON_SEEN[$1] + 1))" "$tmp/mon-$1"; }
# mon_has N JQ_FILTER: one of node N's events since mon_mark matches
mon_has() { mon_new "$1" | jq -e -s "any(.[]; $2)" >/dev/null 2>&1; }
MAPPED='.object == "persona" and .event == "disk-mapped" and .name == "web" and .state == "mapped"'
UNMAPPED='.object == "persona" and .event == "disk-unmapped" and .name == "web" and .state == "unmapped"'

# events_after RESULT: "takeover_us T ready_us R mapped_us M fenced_us F
# unmapped_us U": when the new owner (the client's "new") announced the
# takeover, its disks ready and its disk mapped, and when the old owner
# ("old") was fenced and its agent had removed its map, from the cut
# (TRIAL_CUT_US); -1 if not seen. Waits for the new owner's disk to be
# mapped first (it comes dead intervals after the takeover, often after
# the client has finished).
events_after() {
	local old new
	old=$(awk '{ for (i = 1; i < NF; i++) if ($i == "old") print $(i + 1) }' <<<"$1")
	new=$(awk '{ for (i = 1; i < NF; i++) if ($i == "new") print $(i + 1) }' <<<"$1")
	if ! [[ $old =~ ^[123]$ && $new =~ ^[123]$ ]]; then
		echo "takeover_us -1 ready_us -1 mapped_us -1 fenced_us -1 unmapped_us -1"
		return
	fi
	poll_for 20000 mon_has "$new" "$MAPPED"
	{
		mon_new "$new" | jq -c '. + {node: "new"}'
		mon_new "$old" | jq -c '. + {node: "old"}'
	} 2>/dev/null | jq -r -s --argjson cut "$TRIAL_CUT_US" '
		def us: (.time | split(".")) as [$s, $f] |
			(($s + "Z") | fromdateiso8601) * 1000000 + ($f | tonumber) - $cut;
		def first_us(f): [.[] | select(.object == "persona" and .name == "web" and f) | us] |
			if length > 0 then .[0] else -1 end;
		"takeover_us \(first_us(.node == "new" and .event == "takeover")) " +
		"ready_us \(first_us(.node == "new" and .event == "disks-ready")) " +
		"mapped_us \(first_us(.node == "new" and .event == "disk-mapped" and .state == "mapped")) " +
		"fenced_us \(first_us(.node == "old" and .event == "fenced")) " +
		"unmapped_us \(first_us(.node == "old" and .event == "disk-unmapped" and .state == "unmapped"))"'
}

wait_for 30000 steady || note "shoal did not settle:" "$(state)" "$(cat "$tmp"/agent-[123])"
note "shoal interval $INTERVAL ms dead $DEAD: starting ($(elapsed))"
for ((t = 0; t <= TRIALS; t++)); do
	[ "$t" != 1 ] || cpu_reset
	for attempt in 1 2 3 4 5; do
		if ! poll_for 30000 steady; then
			note "shoal: not steady before trial $t:" "$(state)"
		fi
		o=$(owner) || o=1
		mon_mark
		TRIAL_EXTRA=events_after trial "takeover shoal" "$INTERVAL" "$t" "$PADDR" "$SPORT" \
			"$o" "$o" "$attempt"
		rc=$?
		ip -n "$(ns "$o")" link set eth0 up
		# the old owner's agent removes its map (the name is the VM's:
		# the new owner could not have mapped it otherwise)
		poll_for 20000 mon_has "$o" "$UNMAPPED" ||
			note "shoal trial $t: node $o's agent did not report its map removed" \
				"$(tail -n 5 "$tmp/agent-$o")"
		[ "$rc" = 2 ] || break
	done
done
poll_for 30000 steady || note "shoal: not steady after the trials:" "$(state)"
info shoal_cpu "$INTERVAL" "$(cpu_busy)"
info shoal_owner "$(owner || echo -)"
info shoal_takeovers "$(for i in 1 2 3; do
	printf 'n%s:%s\n' "$i" "$(jq -s '[.[] | select(.event == "takeover")] | length' \
		"$tmp/mon-$i" 2>/dev/null)"; done | paste -sd ' ')"
# times a new owner's agent found the map name still taken
info shoal_agent_waits "$(for i in 1 2 3; do
	printf 'n%s:%s\n' "$i" "$(grep -c 'exists; waiting' "$tmp/agent-$i")"; done | paste -sd ' ')"
# the agents' logs and the events, for bench/build/takeover.log
for i in 1 2 3; do sed "s/^/AGENT n$i /" "$tmp/agent-$i"; done
for i in 1 2 3; do sed "s/^/MON n$i /" "$tmp/mon-$i"; done
note "shoal: done ($(elapsed))"
info elapsed "$(elapsed)"
