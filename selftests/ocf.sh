#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: no xdp (the Pacemaker agents' actions and exit codes, not the packet path)
#
# The Pacemaker resource agents, ocf/service (ocf:shoal:service) and
# ocf/persona (ocf:shoal:persona): their meta-data is valid, ocf-tester
# (Debian's resource-agents) passes both on a node of a running cluster,
# bad parameters get the OCF exit codes, and start, stop and monitor do
# what they say: a service is there or not, on each node apart; a persona
# started on a node is taken over by it, the other node's monitor says
# not running, and stop releases it.
#
#   n1 (eth0) --+-- br0 (switch namespace)
#   n2 (eth0) --+
#
# Nodes 1 and 2 with heartbeats; persona "web" (nodes 1,2) on both. Each
# agent runs in a node's namespace, as Pacemaker would run it on that node.
# SHOAL_OCF_DIR runs other agents (to see the checks fail against broken
# ones).

# Conditions are written in single quotes, to be evaluated when polled.
# shellcheck disable=SC2016
# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 44

AGENTS=$(realpath "${SHOAL_OCF_DIR:-ocf}")
export OCF_ROOT=/usr/lib/ocf
S=192.0.2.100

if [ ! -e "$OCF_ROOT/lib/heartbeat/ocf-shellfuncs" ] || ! command -v ocf-tester >/dev/null; then
	for ((i = 0; i < 44; i++)); do skip "ocf agents" "no resource-agents (apt-get install resource-agents)"; done
	ktap_finish
	exit
fi

make_cluster 2
make_scratch
for i in 1 2; do
	printf '%s\n' "cluster set dev eth0 node $i key $tmp/key" "node add 1" "node add 2" \
		"persona add web mac 02:00:00:aa:00:01 addr 198.51.100.10/24 nodes 1,2" | sn "$i" -b -
done

# ra NODE AGENT ACTION [NAME=VALUE...]: the agent's exit status for ACTION
# in NODE's namespace, with the parameters NAME=VALUE (its output, if any,
# in $tmp/ra.out)
ra() {
	local n=$1 agent=$2 action=$3 rc=0
	shift 3
	ip netns exec "$(ns "$n")" env OCF_RESOURCE_INSTANCE=t "${@/#/OCF_RESKEY_}" \
		"$AGENTS/$agent" "$action" >"$tmp/ra.out" 2>&1 || rc=$?
	echo "$rc"
}
# rc_is DESC WANT NODE AGENT ACTION [NAME=VALUE...]: ra's status is WANT
rc_is() {
	local desc=$1 want=$2
	shift 2
	check_eq "$desc" "$want" "$(ra "$@")"
	last_ok || diag "$(cat "$tmp/ra.out")"
}
# pstate N: "owner state" of web as node N sees it
pstate() { sn "$1" -j persona show web | jq -r '.[0] | "\(.owner) \(.state)"'; }
svc_on() { sn "$1" -j service show | jq -r 'map(.address) | join(" ")'; }

check "both nodes are up, with heartbeats" wait_for 5000 all_see "1 2" "1=up,2=up"
check "node 1 holds web" wait_for 3000 eval '[ "$(pstate 1)" = "1 active" ] && [ "$(pstate 2)" = "1 standby" ]'

# --- meta-data ------------------------------------------------------------
for a in service persona; do
	check "$a: meta-data is valid (ra-api-1.dtd)" eval \
		"'$AGENTS/$a' meta-data | (cd /usr/share/resource-agents && xmllint --noout --valid -)"
done

check_eq "make install-ocf puts both in OCFDIR/resource.d/shoal, executable" \
	"755 persona|755 service" \
	"$(make -s install-ocf DESTDIR="$tmp/stage" >/dev/null &&
		find "$tmp/stage/usr/lib/ocf/resource.d/shoal" -type f -printf '%m %f\n' | sort | paste -sd '|')"

# --- ocf-tester -------------------------------------------------------------
# tester NODE AGENT NAME=VALUE...: ocf-tester, in NODE's namespace
tester() {
	local n=$1 agent=$2 o=()
	shift 2
	for a in "$@"; do o+=(-o "$a"); done
	ip netns exec "$(ns "$n")" ocf-tester -n t "${o[@]}" "$AGENTS/$agent"
}
check "ocf-tester: service" tester 1 service address=$S proto=tcp port=80
check "ocf-tester: persona" tester 1 persona name=web
check "... which leaves web held by node 2 (released last)" \
	wait_for 3000 eval '[ "$(pstate 2)" = "2 active" ]'

# --- bad parameters ---------------------------------------------------------
rc_is "service: no address is OCF_ERR_CONFIGURED" 6 1 service validate-all
rc_is "service: an address that is none" 6 1 service validate-all address=192.0.2
rc_is "service: a bad protocol" 6 1 service validate-all address=$S proto=sctp
rc_is "service: a port out of range" 6 1 service validate-all address=$S port=65536
rc_is "service: a bad hash" 6 1 service validate-all address=$S hash=daddr
rc_is "service: buckets 0" 6 1 service validate-all address=$S buckets=0
rc_is "service: a bad node list" 6 1 service validate-all address=$S nodes=1,,2
check_eq "service: start with bad parameters is OCF_ERR_CONFIGURED and does nothing" "6|" \
	"$(ra 1 service start address=$S proto=sctp)|$(svc_on 1)"
rc_is "service: no shoal tool is OCF_ERR_INSTALLED" 5 1 service validate-all address=$S binary=/nonexistent
rc_is "service: a device that is not there" 5 1 service validate-all address=$S dev=nosuch0
rc_is "persona: no name is OCF_ERR_CONFIGURED" 6 1 persona validate-all
rc_is "persona: a name that is none" 6 1 persona validate-all name=a/b
rc_is "persona: a persona not configured here is OCF_ERR_INSTALLED" 5 1 persona validate-all name=nosuch
rc_is "persona: ... and not running here" 7 1 persona monitor name=nosuch
rc_is "an action the agents do not have" 3 1 persona promote name=web

# --- service: start, monitor, stop on each node apart ---------------------
rc_is "service: probe before start: not running" 7 1 service monitor address=$S CRM_meta_interval=0
rc_is "service: start on node 1" 0 1 service start address=$S proto=tcp port=80
rc_is "service: start on node 2" 0 2 service start address=$S proto=tcp port=80
check_eq "both serve it, as tcp port 80" "tcp 80 tcp 80" \
	"$(for i in 1 2; do sn "$i" -j service show; done | jq -r -s 'map(.[0] | "\(.proto) \(.port)") | join(" ")')"
rc_is "service: start again: success" 0 1 service start address=$S proto=tcp port=80
rc_is "service: monitor on node 1" 0 1 service monitor address=$S proto=tcp port=80
rc_is "service: monitor with another port than the one served is an error" 1 1 service monitor address=$S proto=tcp port=81
rc_is "service: stop on node 1" 0 1 service stop address=$S proto=tcp port=80
check_eq "... it is gone from node 1 only" "|$S" "$(svc_on 1)|$(svc_on 2)"
rc_is "service: monitor on node 1 after stop: not running" 7 1 service monitor address=$S proto=tcp port=80
rc_is "service: monitor on node 2: running" 0 2 service monitor address=$S proto=tcp port=80
rc_is "service: stop again: success" 0 1 service stop address=$S proto=tcp port=80
check_eq "service: IPv6, with XDP: start, monitor, monitor without XDP, stop, monitor" "0 0 1 0 7" \
	"$(for a in start monitor monitor- stop monitor; do
		x=xdp=true; [ "$a" != monitor- ] || x=xdp=false
		ra 1 service "${a%-}" address=2001:db8::100 proto=udp port=53 "$x"
	done | paste -sd ' ')"

# --- persona: start takes over, stop releases -------------------------------
rc_is "persona: start on node 1 (node 2 holds it)" 0 1 persona start name=web
check_eq "node 1 holds it, node 2 is fenced" "1 active|1 fenced" "$(pstate 1)|$(pstate 2)"
rc_is "persona: monitor on node 1: running" 0 1 persona monitor name=web
rc_is "persona: monitor on node 2: not running" 7 2 persona monitor name=web
rc_is "persona: stop on node 1" 0 1 persona stop name=web
check "node 1 released it, to node 2" wait_for 3000 eval '[ "$(pstate 1)|$(pstate 2)" = "2 released|2 active" ]'
last_ok || diag "$(pstate 1)|$(pstate 2)"
rc_is "persona: monitor on node 1 after stop: not running" 7 1 persona monitor name=web
rc_is "persona: stop again: success" 0 1 persona stop name=web

ktap_finish
