#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The distributor benchmark, run inside the test VM by bench/run (through
# selftests/vm-run with "-icount shift=0,sleep=on" and a second NIC fed by
# bench/build/pktgen-dgram on the host, as bench/packet.sh): shoal's
# distributor mode (Documentation/distributor.md) against IPVS, the
# director Linux has had for decades, in three parts.
#
# 1. cost: guest instructions per packet passed on. The NIC is moved into
#    a fresh namespace per row (the row helpers of bench/lib-bench.sh);
#    that namespace is the node holding the service address
#    (198.51.100.10 UDP 9000, the NIC at 198.51.100.2/24), and every frame
#    of the flood (64-byte UDP, 2^20 sources) must leave again by the same
#    NIC, to another node: 198.51.100.3 on the link (a static neighbour,
#    nud permanent: no ARP), or 203.0.113.3 behind the gateway
#    198.51.100.1 (static too) in IP in IP. The frames come back to the
#    host's QEMU socket and are discarded there. Rows, "handled" = the NIC's
#    rx_packets over a bench/build/pktwin window (the NIC's tx_packets
#    counted too), each checked to have passed every packet on: the
#    forwarder's own counter rises by at least the packets counted and no
#    datagram reaches UDP:
#      shoal-nf-link, shoal-nf-ipip: "service add ... mode distributor
#        distributors 1 nodes 1,2", node 1 (this namespace) a spare, so
#        node 2 (never heard from, so never declared down: the cluster
#        has no heartbeat interval here) owns every bucket; netfilter
#        path; counter: forwarded_packets of "shoal -s service show".
#      shoal-xdp-link, shoal-xdp-ipip: the same with "xdp on"; counter:
#        xdp_forwarded_packets (status na, with the tool's message, where
#        the module refuses XDP for a distributor service).
#      ipvs-dr, ipvs-tun: "ipvsadm -A -u SVC:9000 -s mh" and one real
#        server, "-g" (direct routing, on the link) or "-i" (IP in IP);
#        counter: the virtual service's InPkts. Every packet of the flood
#        is a new UDP flow to IPVS (2^20 of them, cycled): each makes a
#        connection entry (ip_vs loaded with conn_tab_bits=20, not the
#        default 12 whose 4096 chains would grow long).
#      ipvs-dr-ops: the same as ipvs-dr with one-packet scheduling (-o):
#        no connection entry, each packet scheduled alone, as shoal does.
#      drop-xdp (bare XDP_DROP) and own-none (no filter, delivered to a
#        socket): bench/packet.sh's floors, for reference.
#
# 2. takeover: the gap a UDP client sees (bench/build/udpping run, one
#    request a millisecond, "--silence 50": the same server answering again
#    after 50 ms of silence counts as the way through the new director)
#    when the director holding the address loses its link (a "udpping
#    linkdown" started beforehand sets its eth0 down: the trial helper of
#    bench/lib-bench.sh), from the last answer before to the first after.
#
#      ka, kb (eth0) --+                keepalived + IPVS DR (first)
#      r1, r2 (eth0) --+-- br0 (sw)     real servers, 192.0.2.100 on lo
#      n1, n2, n3    --+                shoal (then)
#      cl     (eth0) --+                the client, 192.0.2.200
#
#    keepalived + IPVS: ka and kb run keepalived (VRRPv3, advert_int the
#    shoal interval, equal priority, nopreempt) for 192.0.2.100/24, and the
#    same IPVS table, "-u 192.0.2.100:7000 -s mh -b mh-port" (the source
#    port hashed too, as shoal's saddr-sport), real servers r1 and r2
#    with -g; the master is cut. shoal: n1, n2, n3, "service add
#    192.0.2.100 proto any port all mode distributor distributors 1,2",
#    heartbeats with a key at the same interval, dead 3; the holder (n1)
#    is cut. In both the client's flow is served by a node that is not cut
#    (a real server; for shoal n3, which owns the flow's bucket).
#
# 3. conns: CONNS TCP connections held (selftests/client.py hold, a line
#    every LINE s) through the director to the servers, then the director's
#    link cut; the connections that break in the 15 s after, by reason.
#    IPVS (TCP 192.0.2.100:7001, -s mh -b mh-port, -g, r1 and r2) without its sync
#    daemon, then with "ipvsadm --start-daemon master|backup" on both
#    directors; shoal (n1..n3, distributors 1,2, the holder n1 also a
#    serving node): only the connections n1 itself served are expected
#    to break, and the line says how many it served.
#
# Output: "BENCH-DIST ROW status ok ns N count RX count TX idle_ns I
# windows W forwarded F udp_in U ..." per cost row ("status failed|na
# reason TEXT" for one that could not be measured), "BENCH takeover
# SYSTEM INTERVAL TRIAL result gap_us G ..." per trial (BENCH-WARMUP for
# each system's trial 0), "BENCH-DIST-CONNS SYSTEM held H ... broken B
# ..." per system, "BENCH-INFO key value" and "# " notes; bench/report.py
# makes the tables.
#
# Arguments (vm-run passes no environment): BENCH_DISTRIBUTOR_MAC=MAC (the
# second NIC's, required for part 1), BENCH_DISTRIBUTOR_PARTS ("cost
# takeover conns"), BENCH_PACKET_WINDOW=NS (guest ns per window, 1e9),
# BENCH_PACKET_SETTLE=NS (3e8), BENCH_PACKET_RATE (for the record),
# BENCH_TRIALS (takeover trials per system, 10), BENCH_DISTRIBUTOR_INTERVAL
# (100 ms), BENCH_DISTRIBUTOR_DEAD (3), BENCH_DISTRIBUTOR_CONNS (100),
# BENCH_KEEPALIVED_PRIORITY (254). The generator starts when this writes
# "ready ADDR PORT" to $SHOAL_OUT/ready.

for a in "$@"; do
	case $a in
	BENCH_DISTRIBUTOR_MAC=* | BENCH_DISTRIBUTOR_PARTS=* | BENCH_PACKET_WINDOW=* | \
		BENCH_PACKET_SETTLE=* | BENCH_PACKET_RATE=* | BENCH_TRIALS=* | \
		BENCH_DISTRIBUTOR_INTERVAL=* | BENCH_DISTRIBUTOR_DEAD=* | BENCH_DISTRIBUTOR_CONNS=* | \
		BENCH_KEEPALIVED_PRIORITY=*)
		export "${a?}" ;;
	*) echo "distributor.sh: unknown argument $a" >&2; exit 2 ;;
	esac
done
set -eu

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/../selftests/lib.sh"
# shellcheck source=bench/lib-bench.sh
source "$(dirname "$0")/lib-bench.sh"

PARTS=${BENCH_DISTRIBUTOR_PARTS-cost takeover conns}
MAC=${BENCH_DISTRIBUTOR_MAC:-}
WINDOW=${BENCH_PACKET_WINDOW:-1000000000}
SETTLE=${BENCH_PACKET_SETTLE:-300000000}
TRIALS=${BENCH_TRIALS:-10}
INTERVAL=${BENCH_DISTRIBUTOR_INTERVAL:-100}
DEAD=${BENCH_DISTRIBUTOR_DEAD:-3}
CONNS=${BENCH_DISTRIBUTOR_CONNS:-100}
KA_PRIO=${BENCH_KEEPALIVED_PRIORITY:-254}
build=$SHOAL_REPO/bench/build
PKTWIN=$build/pktwin
XDP_OBJ=$build/xdp_drop.bpf.o
UDPPING=$build/udpping
CLIENTPY=$SHOAL_REPO/selftests/client.py
RESPONDER=$SHOAL_REPO/selftests/responder.py

for v in "$WINDOW" "$SETTLE" "$TRIALS" "$INTERVAL" "$DEAD" "$CONNS"; do
	[[ $v =~ ^[0-9]+$ ]] || { echo "distributor.sh: not a whole number: $v" >&2; exit 2; }
done
has_part() { [[ " $PARTS " == *" $1 "* ]]; }

tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"

info kernel "$(uname -r)"
info cpus "$(nproc)"
info dist_parts "$PARTS"
# ip_vs with a connection table of 2^20 chains (a flood of 2^20 flows),
# and the scheduler used, before ipvsadm loads it with the defaults
modprobe ip_vs conn_tab_bits=20
modprobe ip_vs_mh
info dist_ipvsadm "$(ipvsadm --version 2>&1 | head -n 1)"
info dist_ipvs "$(head -n 1 /proc/net/ip_vs 2>/dev/null || echo '?')"

# --- 1. cost -----------------------------------------------------------------

SVC=198.51.100.10
PORT=9000
ADDR=198.51.100.2/24
NEAR=198.51.100.3
NEAR_MAC=02:00:00:5e:b0:03
GW=198.51.100.1
GW_MAC=02:00:00:5e:b0:fe
FAR=203.0.113.3
ROW_TAG=BENCH-DIST

# peers WAY: the other node reachable without ARP: on the link (link) or
# behind the gateway (ipip); prints its address
peers() {
	if [ "$1" = link ]; then
		ip -n "$PK" neigh add "$NEAR" lladdr "$NEAR_MAC" nud permanent dev "$DEV" || return 1
		echo "$NEAR"
	else
		ip -n "$PK" neigh add "$GW" lladdr "$GW_MAC" nud permanent dev "$DEV" || return 1
		ip -n "$PK" route add 203.0.113.0/24 via "$GW" dev "$DEV" || return 1
		echo "$FAR"
	fi
}

# setup_shoal WAY XDP: this namespace node 1 holding SVC, node 2 owning
# every bucket; XDP 1: "xdp on" (3 with the tool's message if refused)
setup_shoal() {
	local other owned holder err
	other=$(peers "$1") || return 1
	printf '%s\n' "cluster set dev $DEV node 1" "node add 1 spare addr ${ADDR%/*}" \
		"node add 2 addr $other" \
		"service add $SVC proto udp port $PORT nodes 1,2 mode distributor distributors 1" |
		shoal -n "$PK" -b - || return 1
	owned=$(shoal -n "$PK" -j service show "$SVC" | jq '.[0].owned_buckets | length')
	holder=$(shoal -n "$PK" -j service show "$SVC" | jq '.[0].holder')
	if [ "$owned" != 0 ]; then
		# the spare owns buckets: pin every one to node 2
		for ((b = 0; b < 1024; b++)); do echo "bucket set $SVC $b node 2"; done >"$tmp/batch"
		shoal -n "$PK" -b "$tmp/batch" || return 1
		owned=$(shoal -n "$PK" -j service show "$SVC" | jq '.[0].owned_buckets | length')
	fi
	if [ "$owned" != 0 ] || [ "$holder" != 1 ]; then
		echo "node 1 owns $owned buckets of $SVC and the holder is $holder" >&2
		return 1
	fi
	if [ "$2" = 1 ]; then
		err=$(shoal -n "$PK" service set "$SVC" xdp on 2>&1) ||
			{ echo "shoal service set $SVC xdp on: ${err//$'\n'/ }" >&2; return 3; }
	fi
	return 0
}
fwd_shoal() { shoal -n "$PK" -s -j service show "$SVC" | jq '.[0].stats.forwarded_packets'; }
fwd_shoal_xdp() {
	shoal -n "$PK" -s -j service show "$SVC" | jq '.[0].stats.xdp_forwarded_packets // 0'
}

# setup_ipvs WAY [-o]: IPVS on SVC:PORT, maglev hashing, one real server
setup_ipvs() {
	local other how=-g
	other=$(peers "$1") || return 1
	[ "$1" = link ] || how=-i
	# one process: no packet finds the service without its server
	printf '%s\n' "-A -u $SVC:$PORT -s mh ${*:2}" "-a -u $SVC:$PORT -r $other:$PORT $how" |
		pk ipvsadm -R
}
# the virtual service's packets in, and the connections it made
ipvs_stat() {
	pk ipvsadm -L -n -u "$SVC:$PORT" --stats --exact |
		awk -v c="$1" '$1 == "UDP" { print $c; exit }'
}
# IPVS sums its per-CPU counters every 2 s (its rate estimator): wait for that
fwd_ipvs() { sleep 2.5; ipvs_stat 4; }
ipvs_conns() { echo "conns $(ipvs_stat 3)"; }

none() { :; }
zero() { echo 0; }

if has_part cost; then
	[ -n "$MAC" ] || { echo "distributor.sh: BENCH_DISTRIBUTOR_MAC=MAC is required" >&2; exit 2; }
	if [ ! -x "$PKTWIN" ] || [ ! -f "$XDP_OBJ" ]; then
		echo "distributor.sh: $PKTWIN or $XDP_OBJ missing (bench/run builds them)" >&2
		exit 1
	fi
	modprobe virtio_net
	DEV=
	wait_for 10000 find_dev || true
	find_dev || { echo "distributor.sh: no NIC with MAC $MAC" >&2; exit 1; }
	if [ -n "${SHOAL_OUT:-}" ]; then
		echo "ready $SVC $PORT" >"$SHOAL_OUT/ready.new"
		mv "$SHOAL_OUT/ready.new" "$SHOAL_OUT/ready"
	fi
	info packet_window_ns "$WINDOW"
	info packet_settle_ns "$SETTLE"
	info packet_rate "${BENCH_PACKET_RATE:-?}"
	info packet_dev "$DEV $(ethtool -i "$DEV" | awk '/^driver/ { print $2 }')"
	PK=$(ns pk)
	add_cleanup "ip netns del $PK 2>/dev/null"
	wait_flood

	DROPS_FN=drops_xdp row drop-xdp drop setup_xdp
	DROPS_FN=zero row own-none owned none
	DROPS_FN=fwd_ipvs ROW_EXTRA=ipvs_conns row ipvs-dr fwd setup_ipvs link
	DROPS_FN=fwd_ipvs ROW_EXTRA=ipvs_conns row ipvs-dr-ops fwd setup_ipvs link -o
	DROPS_FN=fwd_ipvs ROW_EXTRA=ipvs_conns row ipvs-tun fwd setup_ipvs ipip
	DROPS_FN=fwd_shoal ON_LO=0 SHOAL=1 row shoal-nf-link fwd setup_shoal link 0
	DROPS_FN=fwd_shoal ON_LO=0 SHOAL=1 row shoal-nf-ipip fwd setup_shoal ipip 0
	DROPS_FN=fwd_shoal_xdp ON_LO=0 SHOAL=1 row shoal-xdp-link fwd setup_shoal link 1
	DROPS_FN=fwd_shoal_xdp ON_LO=0 SHOAL=1 row shoal-xdp-ipip fwd setup_shoal ipip 1
	note "cost: done ($(elapsed))"
fi

# --- 2. takeover, 3. conns: one bridge -----------------------------------------

has_part takeover || has_part conns || { info elapsed "$(elapsed)"; exit 0; }
[ -x "$UDPPING" ] || { echo "distributor.sh: $UDPPING missing: run bench/run" >&2; exit 1; }

VIP=192.0.2.100
PORT=7000
TPORT=7001
CLIENT=192.0.2.200
ADVERT=$(awk -v i="$INTERVAL" 'BEGIN { printf "%g", i / 1000 }')
KA_SETTLE=$(awk -v a="$ADVERT" 'BEGIN { printf "%.3f", 5 * a + 0.2 }')
TRIAL_SILENCE=50
info dist_interval "$INTERVAL"
info dist_dead "$DEAD"
info trials "$TRIALS"
info dist_conns "$CONNS"
info keepalived "$(keepalived --version 2>&1 | head -n1)"

make_client cl "$CLIENT" 2001:db8::200
CL=$(ns cl)

# serve NAMESPACE ID: the UDP (udpping) and TCP (responder.py) responders
serve() {
	ip netns exec "$(ns "$1")" "$UDPPING" serve --id "$2" --port "$PORT" >"$tmp/serve-$1" 2>&1 &
	add_cleanup "kill $! 2>/dev/null; wait $! 2>/dev/null"
	ip netns exec "$(ns "$1")" "$RESPONDER" --id "$2" --tcp "$TPORT" >"$tmp/resp-$1" 2>&1 &
	add_cleanup "kill $! 2>/dev/null; wait $! 2>/dev/null"
}
served() {
	local n
	for n in "$@"; do
		grep -qx ready "$tmp/serve-$n" && grep -qx ready "$tmp/resp-$n" || return 1
	done
}

# flow_of ID: a source port of the client whose flow to VIP:PORT ID answers
flow_of() {
	ip netns exec "$CL" "$UDPPING" find "$VIP" "$PORT" --source "$CLIENT" \
		--sports 40000-40015 --wait 2000 | awk -v id="$1" '$2 == id { print $1; exit }'
}
# answerer: the node that answers the client's flow from port 40000
answerer() {
	ip netns exec "$CL" "$UDPPING" find "$VIP" "$PORT" --source "$CLIENT" \
		--sports 40000-40000 --wait 2000 | awk '$2 != 0 { print $2 }'
}

# conns_run SYSTEM CUT_NS K: CONNS held connections to VIP:TPORT (client.py
# port set K), CUT_NS's link cut, the BENCH-DIST-CONNS line 15 s later
# (connections served per node before, broken per node and reason)
conns_run() {
	local sys=$1 victim=$2 out=$tmp/hold-$1 st=$tmp/hold-$1.status pid broke
	rm -f "$st"
	ip netns exec "$CL" "$CLIENTPY" hold "$VIP" "$TPORT" --count "$CONNS" --sources "$CLIENT" \
		--port-set "$3" --interval 0.5 --timeout 5 --status "$st" >"$out" 2>&1 &
	pid=$!
	if ! poll_for 120000 grep -q '^ready ' "$out"; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		note "$sys conns: not ready: $(tail -n 3 "$out")"
		echo "BENCH-DIST-CONNS $sys error not-ready"
		return 1
	fi
	sleep 2
	ip -n "$(ns "$victim")" link set eth0 down
	sleep 15
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ip -n "$(ns "$victim")" link set eth0 up
	broke=$(awk '$1 == "broke"' "$out")
	[ -z "$broke" ] || note "$sys conns: broken (index source port node reason ms):" \
		"$(cut -d' ' -f2- <<<"$broke" | head -n 5)"
	echo "BENCH-DIST-CONNS $sys $(awk '
		$1 == "ready" { held = $2; failed = $3 }
		$1 == "conn" && $5 != "none" { by[$5]++ }
		$1 == "broke" { b++; bn[$5]++; r = $6; sub(/:.*/, "", r); br[r]++ }
		END {
			printf "held %d failed %d broken %d", held, failed, b
			s = ""; for (n in by) s = s n ":" by[n] ","; sub(/,$/, "", s)
			printf " served %s", s == "" ? "-" : s
			s = ""; for (n in bn) s = s n ":" bn[n] ","; sub(/,$/, "", s)
			printf " broken_by %s", s == "" ? "-" : s
			s = ""; for (n in br) s = s n ":" br[n] ","; sub(/,$/, "", s)
			printf " reasons %s\n", s == "" ? "-" : s
		}' "$out") victim $victim"
}

# --- keepalived + IPVS
make_client ka 192.0.2.11 2001:db8::11
make_client kb 192.0.2.12 2001:db8::12
make_client r1 192.0.2.21 2001:db8::21
make_client r2 192.0.2.22 2001:db8::22
for n in r1 r2; do
	ip -n "$(ns "$n")" addr add "$VIP/32" dev lo
	ip netns exec "$(ns "$n")" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2
done
serve r1 21
serve r2 22
for n in ka kb; do
	printf '%s\n' "-A -u $VIP:$PORT -s mh -b mh-port" \
		"-a -u $VIP:$PORT -r 192.0.2.21:$PORT -g" "-a -u $VIP:$PORT -r 192.0.2.22:$PORT -g" \
		"-A -t $VIP:$TPORT -s mh -b mh-port" \
		"-a -t $VIP:$TPORT -r 192.0.2.21:$TPORT -g" "-a -t $VIP:$TPORT -r 192.0.2.22:$TPORT -g" |
		ip netns exec "$(ns "$n")" ipvsadm -R
done
wait_for 20000 served r1 r2 || note "real servers: $(cat "$tmp"/serve-r* "$tmp"/resp-r*)"
add_cleanup ka_stop
ka_start "$ADVERT"
ka_steady || note "keepalived did not settle: $(ka_who)"

if has_part takeover; then
	note "keepalived + IPVS, advert_int $ADVERT: starting ($(elapsed))"
	for ((t = 0; t <= TRIALS; t++)); do
		for attempt in 1 2 3 4 5; do
			m=$(ka_master) || m=ka
			id=$(answerer) || id=0
			rc=0
			TRIAL_SILENCE=$TRIAL_SILENCE trial "takeover keepalived-ipvs" "$INTERVAL" "$t" \
				"$VIP" 40000 "$m" "$id" "$attempt" || rc=$?
			ip -n "$(ns "$m")" link set eth0 up
			ka_steady || note "keepalived not steady after trial $t: $(ka_who)"
			[ "$rc" = 2 ] || break
		done
	done
fi
if has_part conns; then
	m=$(ka_master) || m=ka
	conns_run ipvs "$m" 1 || true
	ka_steady || note "keepalived not steady: $(ka_who)"
	for n in ka kb; do
		ip netns exec "$(ns "$n")" ipvsadm --start-daemon master --mcast-interface eth0
		ip netns exec "$(ns "$n")" ipvsadm --start-daemon backup --mcast-interface eth0
	done
	info dist_ipvs_sync "$(ip netns exec "$(ns ka)" ipvsadm -L --daemon | paste -sd ' ')"
	m=$(ka_master) || m=ka
	conns_run ipvs-sync "$m" 2 || true
fi
ka_stop
for n in ka kb; do sed "s/^/KA $n /" "$tmp/ka-$n.log"; done
printf 'link del %s\n' ka kb r1 r2 | ip -n "$(ns sw)" -batch -
note "keepalived + IPVS: done ($(elapsed))"

# --- shoal
make_cluster 3
(umask 077 && shoal key generate >"$tmp/key")
for i in 1 2 3; do
	printf '%s\n' "cluster set dev eth0 node $i" "node add 1 addr 192.0.2.1" \
		"node add 2 addr 192.0.2.2" "node add 3 addr 192.0.2.3" \
		"service add $VIP proto any port all nodes 1,2,3 mode distributor distributors 1,2" |
		shoal -n "$(ns "$i")" -b - ||
		{ echo "distributor.sh: shoal configuration failed on node $i" >&2; exit 1; }
	serve "$i" "$i"
done
wait_for 20000 served 1 2 3 || note "shoal responders: $(cat "$tmp"/serve-[123] "$tmp"/resp-[123])"
for i in 1 2 3; do
	shoal -n "$(ns "$i")" cluster set key "$tmp/key" interval "$INTERVAL" dead "$DEAD" quorum on
done
# steady: every node up, and node 1 the holder on all
holder1() {
	local i
	for i in 1 2 3; do
		[ "$(shoal -n "$(ns "$i")" -j service show "$VIP" | jq -r '.[0].holder')" = 1 ] ||
			return 1
	done
}
steady() { nodes_up 1 2 3 && holder1; }
poll_for 30000 steady || note "shoal did not settle: $(shoal -n "$(ns 1)" service show)"
sport=$(flow_of 3)
info dist_shoal_flow "$sport"

if has_part takeover; then
	note "shoal interval $INTERVAL ms dead $DEAD: starting ($(elapsed))"
	for ((t = 0; t <= TRIALS; t++)); do
		for attempt in 1 2 3 4 5; do
			poll_for 30000 steady || note "shoal: not steady before trial $t"
			rc=0
			TRIAL_SILENCE=$TRIAL_SILENCE trial "takeover shoal" "$INTERVAL" "$t" "$VIP" \
				"${sport:-40000}" 1 3 "$attempt" || rc=$?
			ip -n "$(ns 1)" link set eth0 up
			[ "$rc" = 2 ] || break
		done
	done
fi
if has_part conns; then
	poll_for 30000 steady || note "shoal: not steady before the connections"
	conns_run shoal 1 3 || true
fi
info elapsed "$(elapsed)"
