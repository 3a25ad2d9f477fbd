#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packet-path benchmark, run inside the test VM by bench/run (through
# selftests/vm-run with "-icount shift=0,sleep=on" and a second NIC fed by
# bench/pktgen-dgram on the host): guest instructions per packet on the
# receive path, for each way of dropping a packet this node does not own
# and of delivering one it does.
#
# Under -icount shift=0 the guest clock advances 1 ns per guest instruction
# while the CPU runs, so with the CPU kept busy by the flood, instructions
# per packet = (guest ns elapsed - ns idle) / packets handled over a window
# (bench/pktwin window; idle whenever the host falls behind feeding the
# NIC, at the host's pace under sleep=on). Every
# row runs in a fresh network namespace the NIC is moved into, so no hook
# one row registers (conntrack, iptables tables, shoal's filter) is left
# for the next; between rows the NIC is down in the initial namespace and
# the guest idles. Frames: 64-byte IPv4/UDP, to SVC port PORT from 2^20
# sources (10.0.0.0/12, ports varied), to the NIC's own MAC.
#
# Rows, "handled" in parentheses:
#   drop rows (the NIC's rx_packets: every frame taken off the ring),
#   this node owning no bucket: bare XDP_DROP (bench/xdp_drop.bpf.c), shoal
#   XDP, shoal netfilter, iptables raw DROP, nft jhash + drop, xt_cluster,
#   CLUSTERIP; each checked to really drop: its drop counter rises by at
#   least the packets counted and no UDP datagram reaches the stack.
#   owned rows (datagrams read by the UDP sink, bench/pktwin sink): no
#   filter, a bare XDP_PASS program (bench/xdp_pass.bpf.c), shoal
#   netfilter, shoal XDP, a one-node cluster owning all.
#   scale rows: shoal netfilter (and XDP) drop with 64 and 65536 buckets,
#   64 nodes, 1000 services; and the memory 1000 services take.
#
# Output: "BENCH-PACKET ID status ok ns N count C busy_pct B ..." per row,
# "BENCH-PACKET ID status failed|na reason TEXT" for one that could not be
# measured, "BENCH-INFO key value" and "# " notes; bench/report.py makes
# the table.
#
# Arguments (vm-run passes no environment): BENCH_PACKET_MAC=MAC (the NIC's,
# required), BENCH_PACKET_WINDOW=NS (guest ns per window, default 1e9),
# BENCH_PACKET_SETTLE=NS (before each window, default 3e8),
# BENCH_PACKET_RATE=PPS (the generator's, for the record),
# BENCH_PACKET_BASELINE=KO REV (another build of the module, from commit
# REV: the owned shoal rows again with it, module swapped, rows
# own-shoal-nf-base and own-shoal-xdp-base). The generator starts when
# this writes "ready ADDR PORT" to $SHOAL_OUT/ready.

for a in "$@"; do
	case $a in
	BENCH_PACKET_MAC=* | BENCH_PACKET_WINDOW=* | BENCH_PACKET_SETTLE=* | BENCH_PACKET_RATE=* | \
		BENCH_PACKET_BASELINE=*)
		export "${a?}" ;;
	*) echo "packet.sh: unknown argument $a" >&2; exit 2 ;;
	esac
done
set -eu

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/../selftests/lib.sh"
# shellcheck source=bench/lib-bench.sh
source "$(dirname "$0")/lib-bench.sh"

MAC=${BENCH_PACKET_MAC:?packet.sh: BENCH_PACKET_MAC=MAC is required}
WINDOW=${BENCH_PACKET_WINDOW:-1000000000}
SETTLE=${BENCH_PACKET_SETTLE:-300000000}
SVC=198.51.100.10
PORT=9000
ADDR=198.51.100.2/24
build=$SHOAL_REPO/bench/build
PKTWIN=$build/pktwin
XDP_OBJ=$build/xdp_drop.bpf.o
XDP_PASS_OBJ=$build/xdp_pass.bpf.o
IPT=iptables-legacy

for v in "$WINDOW" "$SETTLE"; do
	[[ $v =~ ^[0-9]+$ ]] || { echo "packet.sh: not a whole number: $v" >&2; exit 2; }
done
if [ ! -x "$PKTWIN" ] || [ ! -f "$XDP_OBJ" ] || [ ! -f "$XDP_PASS_OBJ" ]; then
	echo "packet.sh: $PKTWIN or the XDP objects missing (bench/run builds them)" >&2
	exit 1
fi

tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"

modprobe virtio_net
DEV=
wait_for 10000 find_dev || true
find_dev || { echo "packet.sh: no NIC with MAC $MAC" >&2; exit 1; }
# bench/run starts the generator on this: what to send where
if [ -n "${SHOAL_OUT:-}" ]; then
	echo "ready $SVC $PORT" >"$SHOAL_OUT/ready.new"
	mv "$SHOAL_OUT/ready.new" "$SHOAL_OUT/ready"
fi

info kernel "$(uname -r)"
info cpus "$(nproc)"
info packet_window_ns "$WINDOW"
info packet_settle_ns "$SETTLE"
info packet_rate "${BENCH_PACKET_RATE:-?}"
info packet_dev "$DEV $(ethtool -i "$DEV" | awk '/^driver/ { print $2 }')"
info packet_iptables "$($IPT --version 2>&1)"
info packet_nft "$(nft --version 2>&1)"

PK=$(ns pk)
add_cleanup "ip netns del $PK 2>/dev/null"

# The drop counters, one per kind of row: each prints a number.
drops_ipt() {
	pk $IPT -t "$1" -L "$2" -v -x -n | awk -v t="$3" '$3 == t { n += $1 } END { print n + 0 }'
}
drops_raw() { drops_ipt raw PREROUTING DROP; }
drops_cluster() { drops_ipt mangle PREROUTING DROP; }
drops_clusterip() { drops_ipt filter INPUT CLUSTERIP; }
drops_nft() {
	pk nft list chain ip bench pre | awk '/vmap/ { for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}
# shoal's: all it dropped, and of those what its XDP program did
drops_shoal() { shoal -n "$PK" -s -j service show "$SVC" | jq '.[0].stats.dropped_packets'; }
drops_shoal_xdp() {
	shoal -n "$PK" -s -j service show "$SVC" | jq '.[0].stats.xdp_dropped_packets // 0'
}

# --- setups: each returns non-zero with a message on stderr if it failed,
# 3 if the feature is not there.

setup_xdp_pass() { ip -n "$PK" link set dev "$DEV" xdpdrv obj "$XDP_PASS_OBJ" sec xdp; }
setup_raw() { pk $IPT -t raw -A PREROUTING -d "$SVC" -p udp --dport "$PORT" -j DROP; }
# The nft recipe that replaces CLUSTERIP: a hash of the source mod N picks
# a verdict, accept for the values this node owns, drop for the others;
# this node owns neither of 2.
setup_nft() {
	pk nft -f - <<-EOF
	table ip bench {
		chain pre {
			type filter hook prerouting priority raw; policy accept;
			ip daddr $SVC udp dport $PORT counter jhash ip saddr . udp sport mod 2 seed 0x5eed vmap { 0 : drop, 1 : drop }
		}
	}
	EOF
}
# xt_cluster's documented pair: mark what this node owns, drop the rest.
# It takes no empty node mask: "! both nodes" owns none of the 2 nodes'
# hashes, and still hashes every packet.
setup_cluster() {
	pk $IPT -t mangle -A PREROUTING -d "$SVC" -p udp --dport "$PORT" -m cluster \
		--cluster-total-nodes 2 ! --cluster-local-nodemask 3 --cluster-hash-seed 0x5eed \
		-j MARK --set-mark 0xffff &&
		pk $IPT -t mangle -A PREROUTING -d "$SVC" -p udp --dport "$PORT" \
			-m mark ! --mark 0xffff -j DROP
}
# CLUSTERIP, 2 nodes; this node then gives up its node number (-1), as a
# node whose share moved away does, and owns none.
setup_clusterip() {
	pk $IPT -A INPUT -d "$SVC/32" -i "$DEV" -p udp --dport "$PORT" -j CLUSTERIP --new \
		--hashmode sourceip-sourceport --clustermac 01:00:5e:00:00:64 \
		--total-nodes 2 --local-node 1 --hash-init 0x5eed || return 1
	pk sh -c "echo -1 >/proc/net/ipt_CLUSTERIP/$SVC" || return 1
	local nodes
	nodes=$(pk cat "/proc/net/ipt_CLUSTERIP/$SVC")
	[ -z "$nodes" ] || { echo "CLUSTERIP still has local nodes: $nodes" >&2; return 1; }
}

# shoal_setup OWN NODES BUCKETS SERVICES XDP: cluster on the NIC, node 1
# (this one) alone (OWN 1: owns every bucket) or a spare beside nodes
# 2..NODES (OWN 0: owns none); SERVICES - 1 other services first, then
# SVC udp PORT with BUCKETS buckets; XDP 1: "service set SVC xdp on".
shoal_setup() {
	local own=$1 nodes=$2 buckets=$3 services=$4 xdp=$5 i owned want err
	{
		echo "cluster set dev $DEV node 1"
		if [ "$own" = 1 ]; then
			echo "node add 1"
		else
			echo "node add 1 spare"
			for ((i = 2; i <= nodes; i++)); do echo "node add $i"; done
		fi
	} >"$tmp/batch"
	shoal -n "$PK" -b "$tmp/batch" || return 1
	if [ "$services" -gt 1 ]; then
		for ((i = 1; i < services; i++)); do
			echo "service add 198.18.$((i / 250)).$((i % 250 + 1)) proto udp port $PORT buckets $buckets"
		done >"$tmp/batch"
		shoal -n "$PK" -b "$tmp/batch" || return 1
	fi
	shoal -n "$PK" service add "$SVC" proto udp port "$PORT" buckets "$buckets" || return 1
	owned=$(shoal -n "$PK" -j service show "$SVC" | jq '.[0].owned_buckets | length')
	want=$((own ? buckets : 0))
	[ "$owned" = "$want" ] ||
		{ echo "this node owns $owned buckets of $SVC, not $want" >&2; return 1; }
	if [ "$xdp" = 1 ]; then
		err=$(shoal -n "$PK" service set "$SVC" xdp on 2>&1) ||
			{ echo "shoal service set $SVC xdp on failed: ${err//$'\n'/ }" >&2; return 3; }
	fi
	return 0
}

# mem_sample: MEM, the kernel's slab, per-CPU and vmalloc memory in kB
mem_sample() {
	MEM=$(awk '$1 == "Slab:" || $1 == "Percpu:" || $1 == "VmallocUsed:" { n += $2 } END { print n }' \
		/proc/meminfo)
}

# Wait for the flood
wait_flood

# --- drop rows: this node owns none of the service's buckets
DROPS_FN=drops_xdp row drop-xdp drop setup_xdp
DROPS_FN=drops_shoal_xdp ON_LO=0 SHOAL=1 row drop-shoal-xdp drop shoal_setup 0 2 1024 1 1
DROPS_FN=drops_shoal ON_LO=0 SHOAL=1 row drop-shoal-nf drop shoal_setup 0 2 1024 1 0
DROPS_FN=drops_raw row drop-raw drop setup_raw
DROPS_FN=drops_nft row drop-nft drop setup_nft
DROPS_FN=drops_cluster row drop-xt-cluster drop setup_cluster
DROPS_FN=drops_clusterip row drop-clusterip drop setup_clusterip

# --- owned rows: a one-node cluster, every bucket this node's
none() { :; }
zero() { echo 0; }
DROPS_FN=zero row own-none owned none
# what any XDP program costs the driver's receive path
DROPS_FN=zero row own-xdp-pass owned setup_xdp_pass
DROPS_FN=drops_shoal ON_LO=0 SHOAL=1 row own-shoal-nf owned shoal_setup 1 1 1024 1 0
DROPS_FN=drops_shoal ON_LO=0 SHOAL=1 row own-shoal-xdp owned shoal_setup 1 1 1024 1 1
# the same with the baseline build of the module, swapped in and out
if [ -n "${BENCH_PACKET_BASELINE:-}" ]; then
	read -r base_ko base_rev <<<"$BENCH_PACKET_BASELINE"
	info baseline "$base_rev $(sha256sum "$base_ko" | cut -c1-12)"
	if rmmod shoal && insmod "$base_ko"; then
		DROPS_FN=drops_shoal ON_LO=0 SHOAL=1 row own-shoal-nf-base owned shoal_setup 1 1 1024 1 0
		DROPS_FN=drops_shoal ON_LO=0 SHOAL=1 row own-shoal-xdp-base owned shoal_setup 1 1 1024 1 1
	else
		note "the baseline module $base_ko did not load"
	fi
	grep -q '^shoal ' /proc/modules && rmmod shoal
	selftests/vm/shoal-load
fi

# --- scale: shoal's drop with fewer and more buckets, more nodes, more
# services (the 999 others first)
for x in nf xdp; do
	xdp=0 fn=drops_shoal
	[ "$x" = nf ] || xdp=1 fn=drops_shoal_xdp
	DROPS_FN=$fn ON_LO=0 SHOAL=1 row "scale-$x-b64" drop shoal_setup 0 2 64 1 "$xdp"
	DROPS_FN=$fn ON_LO=0 SHOAL=1 row "scale-$x-b65536" drop shoal_setup 0 2 65536 1 "$xdp"
	DROPS_FN=$fn ON_LO=0 SHOAL=1 row "scale-$x-n64" drop shoal_setup 0 64 1024 1 "$xdp"
	DROPS_FN=$fn ON_LO=0 SHOAL=1 row "scale-$x-s1000" drop shoal_setup 0 2 1024 1000 "$xdp"
done

# --- memory: what 999 services of 1024 buckets take, and what as many
# addresses on lo alone take (shoal puts each service's address there)
modprobe dummy
ip netns add "$PK"
ip -n "$PK" link add d0 up type dummy
printf '%s\n' "cluster set dev d0 node 1" "node add 1" >"$tmp/batch"
shoal -n "$PK" -b "$tmp/batch"
for ((i = 1; i < 1000; i++)); do
	echo "service add 198.18.$((i / 250)).$((i % 250 + 1)) proto udp port $PORT"
done >"$tmp/batch"
mem_sample
m0=$MEM
shoal -n "$PK" -b "$tmp/batch"
mem_sample
info packet_mem_services "999 $((MEM - m0))"
ip netns del "$PK"
ip netns add "$PK"
for ((i = 1; i < 1000; i++)); do
	echo "addr add 198.18.$((i / 250)).$((i % 250 + 1))/32 dev lo"
done >"$tmp/batch"
mem_sample
m0=$MEM
ip -n "$PK" -batch "$tmp/batch"
mem_sample
info packet_mem_addrs "999 $((MEM - m0))"
ip netns del "$PK"

# --- the floor again: how repeatable a row is
DROPS_FN=drops_xdp row drop-xdp-again drop setup_xdp
info elapsed "$(elapsed)"
