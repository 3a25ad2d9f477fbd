#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: no xdp (a pool's settings, not the packet path)
#
# Elastic pools, their settings: a service's node list keeps its order
# (the pool's candidates, first choice first); a pool is set, shown and
# set off; bad settings are refused with a clear message and change
# nothing, whether the tool or a raw request sends them; a node's pushed
# load is set, shown and cleared.

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 38

S=192.0.2.100
SUDP=192.0.2.101
SRAW=SERVICE_ADDR4:raw=c0000264
make_cluster 1
printf '%s\n' "cluster set dev eth0 node 1" "node add 1" "node add 2" "node add 3" \
	"node add 4" "service add $S proto tcp port 80 nodes 3,1,2" \
	"service add $SUDP proto udp port 53 nodes 1,2,3" | sn 1 -b -
raw() { in_ns 1 selftests/shoal-nl req "$@"; }
nodes() { sn 1 -j service show "$S" | jq -c '.[0].nodes'; }
# the pool's settings (state aside), and its members as ID:ROLE
pool() { sn 1 -j service show "$S" | jq -c '.[0].pool | if . then del(.members, .decision) else . end'; }
members() { sn 1 -j service show "$S" | jq -c '[.[0].pool.members[] | "\(.id):\(.role)"]'; }

check_eq "a node list keeps its order" "[3,1,2]" "$(nodes)"
check_msg "a node twice in a list is refused by the tool" 2 \
	'Error: node 1 appears twice in "1,2,1"; each node is listed once, first choice first.' \
	sn 1 service set "$S" nodes 1,2,1
check_eq "raw: ... by the kernel too" "error 22 a node appears twice in the list" \
	"$(raw SERVICE_SET "$SRAW" "SERVICE_NODES:nest=[NODE_ID:u32=1,NODE_ID:u32=2,NODE_ID:u32=1]" |
		sed 's/ bad-attr.*//')"
check_eq "... and the list is as it was" "[3,1,2]" "$(nodes)"
check_eq "no pool to begin with" null "$(pool)"

check "pool min 2 max 3 up 80 down 30" sn 1 service set "$S" pool min 2 max 3 up 80 down 30
check "shown as it would be typed, with the defaults: hold 30, load cpu" \
	grep -q "pool min 2 max 3 up 80 down 30 hold 30 load cpu" <<<"$(sn 1 service show "$S")"
check_eq "in JSON, no decision yet" \
	'{"min":2,"max":3,"up":80,"down":30,"hold":30,"load":"cpu","capacity":null,"epoch":0,"decider":null}' \
	"$(pool)"
check_eq "before any decision, the first min nodes of the list are active" \
	'["3:active","1:active","2:standby"]' "$(members)"
before=$(pool)

# refused, each with its reason: ranges by the tool (status 2), relations
# by the kernel (status 1)
check_msg "max below min is refused by the kernel" 1 'Error: pool max must be at least min.' \
	sn 1 service set "$S" pool min 3 max 2 up 80 down 30
check_msg "max 17 is refused by the tool" 2 'Error: pool max must be between 1 and 16.' \
	sn 1 service set "$S" pool min 2 max 17 up 80 down 30
check_msg "min 0 is refused by the tool" 2 'Error: pool min must be between 1 and 16.' \
	sn 1 service set "$S" pool min 0 max 2 up 80 down 30
check_msg "down not below up is refused by the kernel" 1 'Error: pool down must be below up.' \
	sn 1 service set "$S" pool min 2 max 3 up 30 down 30
check_msg "up 0 is refused by the tool" 2 'Error: pool up must be between 1 and 254 percent.' \
	sn 1 service set "$S" pool min 2 max 3 up 0 down 0
check_msg "hold 0 is refused by the tool" 2 \
	'Error: pool hold must be between 1 and 3600 seconds.' \
	sn 1 service set "$S" pool min 2 max 3 up 80 down 30 hold 0
check_msg "min 4 on a service of 3 nodes is refused by the kernel" 1 \
	"Error: the service has fewer nodes than the pool's min." \
	sn 1 service set "$S" pool min 4 max 4 up 80 down 30
check_msg "a node list shorter than the pool's min is refused by the kernel" 1 \
	"Error: the service has fewer nodes than the pool's min." \
	sn 1 service set "$S" nodes 1
check_msg "new connections counted on a UDP service are refused by the kernel" 1 \
	'Error: a pool whose load is new connections needs a TCP service.' \
	sn 1 service set "$SUDP" pool min 2 max 3 up 80 down 30 load conns 10
check_eq "... which has no pool" null "$(sn 1 -j service show "$SUDP" | jq -c '.[0].pool')"
# refused by the tool, before any request
check_msg "a rate without its capacity is refused by the tool" 2 \
	'Error: "load pps" needs the rate one member takes at 100%, as in "load pps 10000".' \
	sn 1 service set "$S" pool min 2 max 3 up 80 down 30 load pps
check_msg "a pool without down is refused by the tool" 2 \
	'Error: a pool needs "down": give min, max, up and down; try "shoal service help".' \
	sn 1 service set "$S" pool min 2 max 3 up 80
# raw requests the tool never sends
check_eq "raw: a capacity with load cpu" \
	"error 22 a capacity goes with a pool whose load is a rate" \
	"$(raw SERVICE_SET "$SRAW" "SERVICE_POOL:nest=[POOL_MIN:u32=2,POOL_MAX:u32=3,POOL_UP:u32=80,POOL_DOWN:u32=30,POOL_CAPACITY:u32=5]" |
		sed 's/ bad-attr.*//')"
check_eq "raw: a rate without a capacity" \
	"error 22 a pool whose load is a rate needs the capacity of one member" \
	"$(raw SERVICE_SET "$SRAW" "SERVICE_POOL:nest=[POOL_MIN:u32=2,POOL_MAX:u32=3,POOL_UP:u32=80,POOL_DOWN:u32=30,POOL_LOAD:u8=2]" |
		sed 's/ missing.*//')"
check_eq "raw: off with a setting" "error 22 a pool set off takes no other setting" \
	"$(raw SERVICE_SET "$SRAW" "SERVICE_POOL:nest=[POOL_OFF:flag=1,POOL_MIN:u32=2]" | sed 's/ bad-attr.*//')"
check_eq "raw: down missing" "error 22 a pool needs min, max, up and down missing POOL_DOWN" \
	"$(raw SERVICE_SET "$SRAW" "SERVICE_POOL:nest=[POOL_MIN:u32=2,POOL_MAX:u32=3,POOL_UP:u32=80]")"
check_eq "raw: an unknown load" "error 34 integer out of range range 0..3" \
	"$(raw SERVICE_SET "$SRAW" "SERVICE_POOL:nest=[POOL_MIN:u32=2,POOL_MAX:u32=3,POOL_UP:u32=80,POOL_DOWN:u32=30,POOL_LOAD:u8=9]" |
		sed 's/ bad-attr [0-9]*//')"
check_eq "refused settings changed nothing" "$before [3,1,2]" "$(pool) $(nodes)"

check "nodes and pool in one request" \
	sn 1 service set "$S" nodes 4,3,2,1 pool min 4 max 4 up 90 down 10 hold 5 load pps 1000
check_eq "... both applied" \
	'[4,3,2,1] {"min":4,"max":4,"up":90,"down":10,"hold":5,"load":"pps","capacity":1000,"epoch":0,"decider":null}' \
	"$(nodes) $(pool)"
# the utilization an operator or agent pushes, for "load pushed"
check_eq "no load pushed to begin with" null "$(sn 1 -j cluster show | jq -c '.[0].load')"
check "cluster set load 85" sn 1 cluster set load 85
check "... shown" grep -q "load 85%" <<<"$(sn 1 cluster show)"
check_msg "load 255 is refused by the tool" 2 'Error: load must be between 0 and 254.' \
	sn 1 cluster set load 255
check_eq "raw: load 300" "error 34 integer out of range range 0..255" \
	"$(raw CLUSTER_SET CLUSTER_LOAD:u32=300 | sed 's/ bad-attr [0-9]*//')"
check "cluster set load none" sn 1 cluster set load none
check_eq "... none again" null "$(sn 1 -j cluster show | jq -c '.[0].load')"

check "pool off" sn 1 service set "$S" pool off
check_eq "... no pool any more, the nodes as they were" "null [4,3,2,1]" "$(pool) $(nodes)"

ktap_finish
