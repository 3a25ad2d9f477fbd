#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: alone, no xdp (judges time; about membership, not the packet
# path)
#
# One owner through a partial partition: nodes 1 and 2 stop hearing each
# other while both still hear every other node. Neither may take what
# the other holds while a third node can see that both are alive: at no
# moment may two nodes hold the persona, or two nodes own one bucket.
# When the network heals, one node holds the persona and every node has
# the same bucket table. Four cases: 3 and 5 nodes, each with quorum on
# and off (Documentation/heartbeats.md, "When the network splits";
# Documentation/personas.md, "Splits and quorum").
#
#   n1 (eth0) --- port n1 (isolated) --+
#   n2 (eth0) --- port n2 (isolated) --+-- br0 (switch namespace)
#   n3 (eth0) --- port n3 -------------+
#   n4, n5 (eth0) --- ports n4, n5 ----+   (5-node cases)
#
# The cut: ports n1 and n2 of the switch's bridge are made "isolated".
# The bridge forwards nothing from one isolated port to another, and
# everything else as before: every frame between nodes 1 and 2 is
# dropped, both ways, heartbeats and persona claims included, and
# nothing else is. (Port isolation is the bridge's own; nft and ebtables
# are not installed, and the VM has what this machine has.) Healing
# turns it off.
#
# Every node: one key, heartbeats every 20 ms (down after 3 silent
# intervals), the service 192.0.2.100 (1024 buckets, every node) and the
# persona "web" (nodes 1,2,...: node 1 holds it first). From the cut,
# selftests/owners.py reads every node every 250 ms for 10 s: which nodes
# hold web, and which buckets each owns. A poll reads each node twice
# (forward, then backward), so a handover between two readings is not
# taken for two owners, and two owners it reports held at the same moment.

# shellcheck source=selftests/lib.sh
source "$(dirname "$0")/lib.sh"

ktap_plan 36

S=192.0.2.100
VMAC=02:00:00:aa:00:01
INTERVAL=20
WINDOW_S=10

# snap: every node's view at once, into SNAP_*. Starting a process costs
# about 150 ms under emulation: one shoal batch per node, read by bash.
#   STATES  "i:id=state,..." per node i, as it sees the others
#   WEB     "owner/epoch/state" of web per node
#   HOLDERS the nodes where web is active: "1", "1,2", "-"
#   TABLES  "same" if every node has the same bucket table, naming an
#           owner for every bucket; else "differ" or "unowned"
#   HEARD   "i<-j=ms,..." how long ago node i last heard node j
snap() {
	local i out nodes rest web buckets first='' l id st ms
	SNAP_STATES='' SNAP_WEB='' SNAP_HOLDERS='' SNAP_TABLES=same SNAP_HEARD=''
	for i in $NODES; do
		out=$(printf '%s\n' "node show" "bucket show $S" "persona show web" | sn "$i" -b - 2>/dev/null)
		nodes=${out%%$'\n'bucket *}
		rest=${out#"$nodes"}
		web=${rest##*$'\n'}
		buckets=${rest%$'\n'*}
		SNAP_STATES+="$i:"
		while read -r l id _ _ _ _ _ st _ ms; do
			[ "$l" = node ] || continue
			SNAP_STATES+="$id=$st,"
			[ -z "$ms" ] || SNAP_HEARD+="$i<-$id=${ms%ms},"
		done <<<"$nodes"
		SNAP_STATES="${SNAP_STATES%,} "
		if [[ $web =~ ^web\ .*owner\ ([a-z0-9]+)\ epoch\ ([0-9]+)\ state\ ([a-z]+) ]]; then
			SNAP_WEB+="${BASH_REMATCH[1]}/${BASH_REMATCH[2]}/${BASH_REMATCH[3]} "
			[ "${BASH_REMATCH[3]}" != active ] || SNAP_HOLDERS+="$i,"
		else
			SNAP_WEB+="?/?/? "
		fi
		if [[ $buckets != $'\n'bucket* ]] || [[ $buckets == *"owner none"* ]]; then
			SNAP_TABLES=unowned
		elif [ -z "$first" ]; then
			first=$buckets
		elif [ "$buckets" != "$first" ] && [ "$SNAP_TABLES" = same ]; then
			SNAP_TABLES=differ
		fi
	done
	SNAP_STATES=${SNAP_STATES% }
	SNAP_WEB=${SNAP_WEB% }
	SNAP_HOLDERS=${SNAP_HOLDERS%,}
	SNAP_HOLDERS=${SNAP_HOLDERS:--}
	SNAP_HEARD=${SNAP_HEARD%,}
}
snap_diag() {
	diag "states: $SNAP_STATES" "web (owner/epoch/state per node): $SNAP_WEB" \
		"holders: $SNAP_HOLDERS; bucket tables: $SNAP_TABLES"
}
# conditions on the latest snap
is_all_up() { [ "$SNAP_STATES" = "$ALL_UP" ]; }
# exactly one node holds web and every node names it owner
is_one_holder() {
	local w
	[[ $SNAP_HOLDERS =~ ^[0-9]+$ ]] || return 1
	for w in $SNAP_WEB; do
		[ "${w%%/*}" = "$SNAP_HOLDERS" ] || return 1
	done
}
is_one_table() { [ "$SNAP_TABLES" = same ]; }
# heard I J: ms since node I last heard node J in the latest snap, or -1
heard() {
	local h=",$SNAP_HEARD,"
	case $h in
	*",$1<-$2="*) h=${h#*",$1<-$2="}; echo "${h%%,*}" ;;
	*) echo -1 ;;
	esac
}
all_up() { snap && is_all_up; }
ready() { snap && is_all_up && [ "$SNAP_HOLDERS" = 1 ] && is_one_holder && is_one_table; }
healed() { snap && is_all_up && is_one_holder && is_one_table; }
# isolate on|off: the switch ports of nodes 1 and 2
isolate() {
	printf 'link set dev n%s type bridge_slave isolated %s\n' 1 "$1" 2 "$1" |
		ip -n "$(ns sw)" -batch -
}

# run_case N QUORUM
run_case() {
	local q=$2 name i j tmp pid go polls summary most
	N=$1
	name="$N nodes, quorum $q"
	NODES='' ALL_UP=''
	for ((i = 1; i <= N; i++)); do NODES+="$i "; done
	for i in $NODES; do
		ALL_UP+="$i:"
		for j in $NODES; do ALL_UP+="$j=up,"; done
		ALL_UP="${ALL_UP%,} "
	done
	ALL_UP=${ALL_UP% }
	make_cluster "$N"
	tmp=$(mktemp -d)
	add_cleanup "rm -rf $tmp"
	(umask 077 && shoal key generate >"$tmp/key")
	for i in $NODES; do
		{
			echo "cluster set dev eth0 node $i key $tmp/key interval $INTERVAL quorum $q"
			for j in $NODES; do echo "node add $j"; done
			echo "service add $S"
		} | sn "$i" -b -
	done
	# the persona once every node hears every other: node 1 claims it
	wait_for 10000 all_up || diag "$name: states before the persona: $SNAP_STATES"
	for i in $NODES; do
		sn "$i" persona add web mac "$VMAC" nodes "$(tr ' ' , <<<"${NODES% }")"
	done
	check "$name: everyone up on every node, node 1 holds web, one bucket table" \
		wait_for 10000 ready
	last_ok || snap_diag

	# the poller, ready before the cut
	mkfifo "$tmp/go"
	# shellcheck disable=SC2046 # one namespace a word
	selftests/owners.py --service "$S" --persona web --every 250 --for "$WINDOW_S" \
		$(for i in $NODES; do ns "$i"; done) <"$tmp/go" >"$tmp/polls" 2>&1 &
	pid=$!
	add_cleanup "kill $pid 2>/dev/null"
	exec {go}>"$tmp/go"
	wait_for 30000 has_line "$tmp/polls" ready || diag "owners.py: $(cat "$tmp/polls")"
	echo go >&"$go"
	exec {go}>&-
	# its first poll comes before the cut: it must see what the tool saw
	wait_for 5000 has_line "$tmp/polls" "poll "
	isolate on
	polls=$(grep -m1 '^poll ' "$tmp/polls")
	check_eq "$name: the poller's first reading, before the cut, agrees with the tool" \
		"holders 1 twice 0 served 1024" "$(awk '{ print $3, $4, $5, $6, $9, $10 }' <<<"$polls")"

	wait "$pid" || diag "owners.py exited with $?"
	summary=$(grep '^# polls' "$tmp/polls")
	diag "$name: ${summary#\# }"
	snap
	diag "after ${WINDOW_S} s:"
	snap_diag
	check "$name: the cut held: 1 and 2 heard nothing of each other for 5 s, node 3 heard both within 2 s" \
		test "$(heard 1 2)" -ge 5000 -a "$(heard 2 1)" -ge 5000 \
		-a "$(heard 3 1)" -ge 0 -a "$(heard 3 1)" -lt 2000 \
		-a "$(heard 3 2)" -ge 0 -a "$(heard 3 2)" -lt 2000
	last_ok || diag "last heard, ms: $SNAP_HEARD"
	most=$(awk '$2 == "polls" { print $11 }' <<<"$summary")
	check "$name: never two holders of web in ${WINDOW_S} s (most at one poll: ${most:-?})" \
		test "${most:-9}" -le 1
	last_ok || diag "first polls with two holders:" \
		"$(awk '$1 == "poll" && $4 ~ /,/' "$tmp/polls" | head -3)"
	check_eq "$name: never a bucket owned by two nodes in ${WINDOW_S} s (most at one poll)" 0 \
		"$(awk '$2 == "polls" { print $13 }' <<<"$summary")"
	last_ok || diag "first polls with buckets owned twice:" \
		"$(awk '$1 == "poll" && $6 > 0' "$tmp/polls" | head -3)"
	check_eq "$name: every poll read every node" 0 "$(grep -c ' errors ' "$tmp/polls")"

	isolate off
	wait_for 15000 healed
	check "$name, healed: everyone up on every node again" is_all_up
	check "$name, healed: exactly one node holds web, and every node says so" is_one_holder
	check "$name, healed: every node has the same bucket table" is_one_table
	last_ok || snap_diag
	cleanup
}

run_case 3 on
run_case 3 off
run_case 5 on
run_case 5 off

ktap_finish
