#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: no xdp (the netlink interface, not the packet path)
#
# The netlink contract through the shoal tool and through raw requests:
# every command's success path, every rejection with its message, state
# left untouched by rejected requests, permissions, dumps and events.
#
#   n1 (eth0) --+
#   n2 (eth0) --+-- br0 (switch namespace)
#   n3 (eth0) --+
#
# Each namespace is a node with state of its own: n1 is configured by
# hand, n2 takes a full table, n3 runs a failing batch and one that sets
# a key from standard input.
#
# Exit statuses: 1 the kernel refused, 2 a usage error, 3 a system error.

source "$(dirname "$0")/lib.sh"

ktap_plan 92

make_cluster 3
N1=$(ns 1)
N2=$(ns 2)
sh1() { shoal -n "$N1" "$@"; }
raw1() { in_ns 1 selftests/shoal-nl "$@"; }

# --- cluster --------------------------------------------------------------
check_eq "cluster show: nothing configured" "null null null" \
	"$(sh1 -j cluster show | jq -r '.[0] | "\(.node) \(.dev) \(.ifindex)"')"
check "cluster set dev eth0 node 1" sh1 cluster set dev eth0 node 1
ifindex=$(in_ns 1 cat /sys/class/net/eth0/ifindex)
check_eq "cluster show -j reports node, dev and ifindex" \
	"1 eth0 $ifindex" \
	"$(sh1 -j cluster show | jq -r '.[0] | "\(.node) \(.dev) \(.ifindex)"')"
check "cluster show (plain)" grep -q "^node 1 dev eth0" <<<"$(sh1 cluster show)"
check "cluster set node alone" sh1 cluster set node 7
check_eq "cluster set node keeps the device" "7 eth0" \
	"$(sh1 -j cluster show | jq -r '.[0] | "\(.node) \(.dev)"')"
sh1 cluster set node 1

check_msg "cluster set: unknown device (tool)" 2 'Error: device "nosuch" does not exist.' \
	sh1 cluster set dev nosuch node 1
check_msg "cluster set: node id 0" 2 'Error: node id must be between 1 and 255.' \
	sh1 cluster set node 0
check_msg "cluster set: node id 256" 2 'Error: node id must be between 1 and 255.' \
	sh1 cluster set node 256
check_msg "cluster set: nothing given (tool)" 2 \
	'Error: nothing to set; give "dev", "node", "interval", "dead", "key", "quorum", "hold" or "load" (try "shoal cluster help").' \
	sh1 cluster set
check_msg "cluster set: interval 5 (tool)" 2 \
	'Error: interval must be between 10 and 60000 ms.' sh1 cluster set interval 5
check_eq "raw CLUSTER_SET with interval 5: refused by the policy, with its range" \
	"error 34 integer out of range bad-attr 20 range 10..60000" \
	"$(raw1 req CLUSTER_SET CLUSTER_INTERVAL:u32=5)"
# the ranges are in the policies, for any client to read
check_eq "policy: the interval's range" "CLUSTER_INTERVAL u32 10..60000" \
	"$(raw1 policy CLUSTER_SET | grep '^CLUSTER_INTERVAL ')"
check_eq "policy: a node id in a nest" "SERVICE_NODES.NODE_ID u32 1..255" \
	"$(raw1 policy SERVICE_ADD | grep '^SERVICE_NODES.NODE_ID ')"
check_eq "policy: a pool's min" "SERVICE_POOL.POOL_MIN u32 1..16" \
	"$(raw1 policy SERVICE_SET | grep '^SERVICE_POOL.POOL_MIN ')"
# every integer a request takes has its range in the policy, but for a
# port (any), a protocol (a list, checked by the handler) and a mode that
# cannot be changed (refused with its reason whatever its value)
UNRANGED="SERVICE_ADD:SERVICE_PORT SERVICE_ADD:SERVICE_PROTO SERVICE_SET:SERVICE_MODE"
unranged=$(sed -n 's/^\tSHOAL_CMD_\([A-Z_]*\),.*/\1/p' uapi/linux/shoal.h | while read -r cmd; do
	raw1 policy "$cmd" 2>/dev/null | awk -v c="$cmd" '
		($2 == "u8" && $3 == "0..255") || ($2 == "u16" && $3 == "0..65535") ||
		($2 == "u32" && $3 == "0..4294967295") { print c ":" $1 }'
done | sort -u | paste -sd' ')
check_eq "policy: every other integer has its range" \
	"$UNRANGED" "$unranged"
check_msg "a prefix of agent does not start it" 2 \
	'Error: "a" would start the agent, a daemon; give "agent" in full.' \
	timeout 10 shoal -n "$N1" a
check_eq "raw CLUSTER_SET with no attributes" \
	"error 22 nothing to set: give a node id, a device or heartbeat settings" \
	"$(raw1 req CLUSTER_SET)"
check_eq "raw CLUSTER_SET with an ifindex that does not exist" \
	"error 19 device does not exist in this namespace bad-attr 20" \
	"$(raw1 req CLUSTER_SET CLUSTER_IFINDEX:u32=99999)"
check_eq "rejected cluster requests changed nothing" "1 eth0" \
	"$(sh1 -j cluster show | jq -r '.[0] | "\(.node) \(.dev)"')"

in_ns 1 ip link add dummy0 type dummy
check "cluster set dev dummy0" sh1 cluster set dev dummy0
in_ns 1 ip link del dummy0
check_eq "a deleted cluster device is forgotten" "1 null" \
	"$(sh1 -j cluster show | jq -r '.[0] | "\(.node) \(.dev)"')"
sh1 cluster set dev eth0

# --- nodes: success paths -------------------------------------------------
check "node add 1" sh1 node add 1
check "node add 2 weight 3" sh1 node add 2 weight 3
check "node add 3 spare" sh1 node add 3 spare
check "node add 255 (highest id)" sh1 node add 255
check_eq "node show -j lists all four in id order" "1,2,3,255" \
	"$(sh1 -j node show | jq -r 'map(.id) | join(",")')"
check_eq "node 2: weight 3, admin up, state up, not spare" \
	"3 up up false" \
	"$(sh1 -j node show 2 | jq -r '.[0] | "\(.weight) \(.admin) \(.state) \(.spare)"')"
check_eq "node 3 is a spare with weight 1" "true 1" \
	"$(sh1 -j node show 3 | jq -r '.[0] | "\(.spare) \(.weight)"')"
check_eq "node show 2 (plain)" "node 2 weight 3 admin up state up" \
	"$(sh1 node show 2)"
check "node set 2 down" sh1 node set 2 down
check_eq "node 2 is down, administratively and in state" "down down" \
	"$(sh1 -j node show 2 | jq -r '.[0] | "\(.admin) \(.state)"')"
check "node set 2 up weight 5" sh1 node set 2 up weight 5
check_eq "node 2 is up with weight 5" "up 5" \
	"$(sh1 -j node show 2 | jq -r '.[0] | "\(.admin) \(.weight)"')"
check "node set 3 spare off" sh1 node set 3 spare off
check_eq "node 3 is no longer a spare" "false" \
	"$(sh1 -j node show 3 | jq -r '.[0].spare')"
check "node del 255" sh1 node del 255
check_eq "node 255 is gone" "1,2,3" \
	"$(sh1 -j node show | jq -r 'map(.id) | join(",")')"
check "unique prefixes: shoal n sh" shoal -n "$N1" n sh
check "shoal node help" shoal node help

# --- nodes: rejections ----------------------------------------------------
before=$(sh1 -j node show)
check_msg "node add: existing node" 1 'Error: node already exists.' \
	sh1 node add 1
check_msg "node del: unknown node" 1 'Error: node does not exist.' \
	sh1 node del 42
check_msg "node set: unknown node" 1 'Error: node does not exist.' \
	sh1 node set 42 down
check_msg "node show: unknown node" 1 'Error: node does not exist.' \
	sh1 node show 42
check_msg "node add 0" 2 'Error: node id must be between 1 and 255.' sh1 node add 0
check_msg "node add 256" 2 'Error: node id must be between 1 and 255.' sh1 node add 256
check_msg "node add: weight 0" 2 'Error: weight must be between 1 and 65535.' \
	sh1 node add 9 weight 0
check_msg "node set: weight 65536" 2 'Error: weight must be between 1 and 65535.' \
	sh1 node set 1 weight 65536
check_msg "node add: id not a number (tool)" 2 'Error: "abc" is not a valid node id.' \
	sh1 node add abc
check_msg "node set with nothing to change (tool)" 2 \
	'Error: nothing to change; try "shoal node help".' sh1 node set 1
check_eq "raw NODE_ADD without a node id" \
	"error 22 missing node id missing NODE_ID" "$(raw1 req NODE_ADD)"
check_eq "raw NODE_SET with nothing to change" \
	"error 22 nothing to set: give a weight, flags, an admin state or an address" \
	"$(raw1 req NODE_SET NODE_ID:u32=1)"
check_eq "raw NODE_ADD with unknown flag bits" \
	"error 22 reserved bit set bad-attr 28" \
	"$(raw1 req NODE_ADD NODE_ID:u32=9 NODE_FLAGS:u32=0x80)"
check_eq "raw NODE_SET with admin state 7" \
	"error 34 integer out of range bad-attr 28 range 0..2" \
	"$(raw1 req NODE_SET NODE_ID:u32=1 NODE_ADMIN:u8=7)"
check_msg "node set: drain timeout 0" 2 \
	'Error: drain timeout must be between 1 and 86400 seconds.' \
	sh1 node set 1 drain timeout 0
check_msg "node set: drain timeout without a value (tool)" 2 \
	'Error: "timeout" needs a value; try "shoal node help".' \
	sh1 node set 1 drain timeout
check_eq "raw NODE_SET with a drain timeout, not draining" \
	"error 22 a drain timeout needs the admin state draining bad-attr 36" \
	"$(raw1 req NODE_SET NODE_ID:u32=1 NODE_ADMIN:u8=1 NODE_DRAIN_TIMEOUT:u32=5)"
check_eq "raw NODE_SET with drain timeout 0" \
	"error 34 integer out of range bad-attr 36 range 1..86400" \
	"$(raw1 req NODE_SET NODE_ID:u32=1 NODE_ADMIN:u8=2 NODE_DRAIN_TIMEOUT:u32=0)"
# malformed: rejected by the policy, still with a message
check "raw NODE_ADD with a short node id is malformed" \
	grep -Eq '^error 22 [^-]' <<<"$(raw1 req NODE_ADD NODE_ID:u8=9)"
check "raw NODE_DEL with an attribute it does not take" \
	grep -Eq '^error 22 [^-]' \
	<<<"$(raw1 req NODE_DEL NODE_ID:u32=1 NODE_WEIGHT:u32=2)"
check "raw NODE_ADD with an attribute type the family does not have" \
	grep -Eq '^error 22 [^-]' \
	<<<"$(raw1 req NODE_ADD NODE_ID:u32=9 200:u32=1)"
check_eq "rejected node requests changed nothing" "$before" \
	"$(sh1 -j node show)"

# --- namespaces, permissions ----------------------------------------------
check_eq "another namespace has its own, empty state" "[]" \
	"$(shoal -n "$N2" -j node show)"
check_eq "... and its own cluster settings" "null" \
	"$(shoal -n "$N2" -j cluster show | jq -r '.[0].node')"
check_msg "no CAP_NET_ADMIN over the netns (user ns): node add refused" 1 \
	'Error: Operation not permitted.' in_ns 1 unshare -U -r shoal node add 9
check_msg "no CAP_NET_ADMIN (capsh --drop): cluster set refused" 1 \
	'Error: Operation not permitted.' \
	in_ns 1 capsh --drop=cap_net_admin -- -c 'shoal cluster set node 9'
check_msg "no CAP_NET_ADMIN: node del refused" 1 'Error: Operation not permitted.' \
	in_ns 1 unshare -U -r shoal node del 1
check "no CAP_NET_ADMIN: reading is allowed" \
	in_ns 1 unshare -U -r shoal node show 1
check_msg "no CAP_NET_ADMIN: listening to events is refused" 1 \
	'Error: cannot join multicast group "events": Operation not permitted.' \
	in_ns 1 unshare -U -r shoal monitor
check_eq "unprivileged callers changed nothing" "$before" "$(sh1 -j node show)"

# --- events ----------------------------------------------------------------
events=$(mktemp)
add_cleanup "rm -f $events"
in_ns 1 selftests/shoal-nl listen 4 >"$events" &
listener=$!
wait_for 30000 grep -q ready "$events" || diag "the listener did not say ready"
sh1 node add 20 weight 2
sh1 node set 20 down
sh1 node del 20
wait "$listener"
check_eq "events: added, changed, down (admin), deleted, in order" \
	"NODE_NTF NODE_ADDED NODE_ID=20 NODE_WEIGHT=2 NODE_FLAGS=0 NODE_ADMIN=1 NODE_STATE=1
NODE_NTF NODE_CHANGED NODE_ID=20 NODE_WEIGHT=2 NODE_FLAGS=0 NODE_ADMIN=0 NODE_STATE=0
NODE_NTF NODE_DOWN NODE_ID=20 NODE_WEIGHT=2 NODE_FLAGS=0 NODE_ADMIN=0 NODE_STATE=0 NODE_REASON=1
NODE_NTF NODE_DELETED NODE_ID=20 NODE_WEIGHT=2 NODE_FLAGS=0 NODE_ADMIN=0 NODE_STATE=0" \
	"$(grep -v ready "$events")"
in_ns 1 selftests/shoal-nl listen 1 >"$events" &
listener=$!
wait_for 5000 grep -q ready "$events"
sh1 cluster set node 4
wait "$listener"
check_eq "events: cluster change" \
	"CLUSTER_NTF CLUSTER_CHANGED CLUSTER_NODE_ID=4 CLUSTER_IFINDEX=$ifindex CLUSTER_IFNAME=eth0 CLUSTER_INTERVAL=100 CLUSTER_DEAD=3 CLUSTER_QUORUM=0 CLUSTER_HEARTBEAT=0 CLUSTER_HOLD_TIMEOUT=300" \
	"$(grep -v ready "$events")"

# --- a full table: batch, dumps across messages ----------------------------
batch=$(mktemp)
add_cleanup "rm -f $batch"
for i in $(seq 1 255); do echo "node add $i weight $i"; done >"$batch"
check "batch: add 255 nodes" shoal -n "$N2" -b "$batch"
check_eq "node show -j lists all 255 nodes, each once" \
	"255 $(seq -s, 1 255)" \
	"$(shoal -n "$N2" -j node show | jq -r '"\(length) \(map(.id) | join(","))"')"
dump=$(in_ns 2 selftests/shoal-nl dump NODE_GET --bufsize 4096)
check_eq "a 4 KiB-buffer dump is complete and in order" \
	"255 $(seq -s, 1 255) 0" \
	"$(awk '{print $2, $6, $8}' <<<"$dump")"
check "... and spanned several messages" \
	test "$(awk '{print $4}' <<<"$dump")" -gt 2
dump=$(in_ns 2 selftests/shoal-nl dump NODE_GET --bufsize 4096 \
	--after-first "NODE_DEL NODE_ID:u32=250")
check_eq "a table changed mid-dump flags NLM_F_DUMP_INTR" "1" \
	"$(awk '{print $8}' <<<"$dump")"
printf 'node add 1\nnode add 256\nnode add 2\n' >"$batch"
check_msg "batch stops at the first error with its line number and status" 2 \
	"Error: node id must be between 1 and 255.
Command failed $batch:2" shoal -n "$(ns 3)" -b "$batch"
check_eq "... having run the lines before it and none after" "1" \
	"$(shoal -n "$(ns 3)" -j node show | jq -r 'map(.id) | join(",")')"
printf 'node add 2\nnode add 1\n' >"$batch"
check_msg "a batch line the kernel refuses: status 1" 1 \
	"Error: node already exists.
Command failed $batch:2" shoal -n "$(ns 3)" -b "$batch"
check_msg "a batch file that cannot be opened: status 3" 3 \
	'Error: cannot open "/nonexistent": No such file or directory.' \
	shoal -n "$(ns 3)" -b /nonexistent

# "key -" in a batch read from standard input takes the next line
key=$(shoal key generate)
check "batch from standard input: cluster set key -, the key, a command" \
	shoal -n "$(ns 3)" -b - <<<"cluster set dev eth0 node 3
cluster set key -
$key
node add 5"
check_eq "... heartbeats run (node, device and key) and the command after the key ran" \
	"true 1,2,5" \
	"$(shoal -n "$(ns 3)" -j cluster show | jq -r '.[0].heartbeat') $(shoal -n "$(ns 3)" -j node show | jq -r 'map(.id) | join(",")')"
check_msg "... a line that is no key: status 2, the key's line named" 2 \
	'Error: line 3 of standard input does not hold a key (64 hex digits); make one with "shoal key generate".
Command failed -:2' \
	shoal -n "$(ns 3)" -b - <<<"node add 6
cluster set key -
not a key
node add 7"

# --- dumps torn by a change in what they show -------------------------------
# (the address is 192.0.2.99, in network order)
SVC=SERVICE_ADDR4:raw=c0000263
sh1 service add 192.0.2.99 buckets 8192
node=$(sh1 -j node show | jq -r '.[0].id')
dump_buckets() { raw1 dump BUCKET_GET "$SVC" --bufsize 4096 "$@"; }
dump=$(dump_buckets)
check_eq "a bucket dump in parts, nothing changed: all of it, not flagged" "8192 0" \
	"$(awk '$4 > 2 {print $2, $8}' <<<"$dump")"
check_eq "a pin set mid-dump flags NLM_F_DUMP_INTR" "1" \
	"$(dump_buckets --after-first "BUCKET_SET $SVC BUCKET_ID:u32=8000 BUCKET_PIN:u32=$node" |
		awk '{print $8}')"
N3=$(ns 3)
sh3() { shoal -n "$N3" "$@"; }
sh3 node add 3
for i in $(seq 10 49); do
	echo "persona add p$i mac 02:00:00:00:02:$i nodes 3"
done | sh3 -b -
all_active() { [ "$(sh3 -j persona show | jq '[.[] | select(.state == "active")] | length')" = 40 ]; }
check "40 personas, all active here" wait_for 20000 all_active
dump=$(in_ns 3 selftests/shoal-nl dump PERSONA_GET --bufsize 4096)
check_eq "a persona dump in parts, nothing changed: all of it, not flagged" "40 0" \
	"$(awk '$4 > 2 {print $2, $8}' <<<"$dump")"
check_eq "a persona released mid-dump flags NLM_F_DUMP_INTR" "1" \
	"$(in_ns 3 selftests/shoal-nl dump PERSONA_GET --bufsize 4096 \
		--after-first "PERSONA_RELEASE PERSONA_NAME:str=p49" | awk '{print $8}')"

# --- a monitor that fell behind says so, and goes on ------------------------
tmp=$(mktemp -d)
add_cleanup "rm -rf $tmp"
ip netns exec "$N1" shoal monitor >"$tmp/mon" 2>"$tmp/mon.err" &
mon=$!
add_cleanup "kill -CONT $mon 2>/dev/null; kill $mon 2>/dev/null"
# shellcheck disable=SC2016 # expanded by eval, each time
wait_for 10000 eval 'sh1 cluster set load none && grep -q cluster "$tmp/mon"' ||
	diag "the monitor did not start: $(cat "$tmp/mon.err")"
kill -STOP "$mon"
# each a "cluster changed" event of about 1 KiB of socket buffer: 6000
# overrun its 2 MiB
for i in $(seq 6000); do echo "cluster set load $((i % 100))"; done | sh1 -b -
kill -CONT "$mon"
sh1 cluster set load 42
check "the monitor, stopped while 6000 events came, prints the next event" \
	wait_for 20000 grep -q "load 42" "$tmp/mon"
check_eq "... and said, once, that events were lost" \
	"Warning: events were lost (receive buffer overrun)." "$(cat "$tmp/mon.err")"
check "... and runs on" kill -0 "$mon"

ktap_finish
