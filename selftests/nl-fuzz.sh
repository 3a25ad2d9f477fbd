#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: no xdp (the netlink interface, not the packet path)
#
# Hostile requests: random and half-valid netlink requests for every
# command and attribute (selftests/nl-fuzz.py), sent
#   - without CAP_NET_ADMIN over the namespace (unshare -U -r): every
#     request that changes state is refused with EPERM, nothing changes;
#   - from a user namespace with a network namespace of its own (unshare
#     -U -r -n), where it is the administrator: nothing changes here;
#   - as the administrator of a node with a cluster, a service and a
#     persona: a refused request changes nothing.
# The VM harness fails the suite on any warning or oops in the kernel log,
# and unloads the module afterwards (a leaked reference would keep it).
#
#   n1 (eth0) --+
#   n2 (eth0) --+-- br0 (switch namespace)
#   n3 (eth0) --+
#
# The seed is printed; selftests/vm-run --env SHOAL_FUZZ_SEED=N
# selftests/nl-fuzz.sh repeats a run.

source "$(dirname "$0")/lib.sh"

ktap_plan 9

SEED=${SHOAL_FUZZ_SEED:-$((RANDOM * 32768 + RANDOM))}
diag "seed $SEED"
# fuzz WRAPPER ARGS...: nl-fuzz.py ARGS in node 1's namespace, run by
# WRAPPER ("env", or an unshare command line)
fuzz() {
	local wrap=$1
	shift
	# shellcheck disable=SC2086 # WRAPPER is a command line
	in_ns 1 $wrap python3 selftests/nl-fuzz.py "$@"
}

make_cluster 3
for i in 1 2 3; do
	printf '%s\n' "cluster set dev eth0 node $i" "node add 1" "node add 2" "node add 3" \
		"service add 192.0.2.80 proto tcp port 80" \
		"persona add web mac 02:00:00:00:01:01 nodes 1,2 addr 198.51.100.10/24" |
		sn "$i" -b -
done
ALL_UP="1=up,2=up,3=up"
wait_for 10000 all_see "1 2 3" "$ALL_UP" || diag "not all up: $(node_states 1 2 3)"

check_eq "every command that changes state needs CAP_NET_ADMIN, none that reads" "" \
	"$(fuzz env ops | awk '($1 ~ /_(ADD|SET|DEL|LEAVE|TAKEOVER|RELEASE|REPORT)$/) != ($2 == "admin")
		END { if (NR < 10) print "only " NR " commands" }')"
snap=$(fuzz env snapshot)
check "the configuration can be read" test -n "$snap"

# 1. no capability over the namespace
out=$(fuzz "unshare -U -r" run --unprivileged --seed "$SEED" --count 15000 2>&1)
check "15,000 requests without CAP_NET_ADMIN: each change refused with EPERM" \
	test $? = 0
diag "$out"
check_eq "... and nothing changed" "$snap" "$(fuzz env snapshot)"

# 2. the administrator of a namespace of one's own
out=$(fuzz "unshare -U -r -n" run --seed $((SEED + 1)) --count 5000 2>&1)
check "5,000 requests in a user and network namespace of its own" test $? = 0
diag "$out"
check_eq "... changed nothing here" "$snap" "$(fuzz env snapshot)"

# 3. the administrator
out=$(fuzz env run --seed $((SEED + 2)) --count 30000 --check-every 10 2>&1)
check "30,000 requests with CAP_NET_ADMIN: no refused request changed anything" \
	test $? = 0
diag "$out"
check "the module still answers" sn 1 cluster show
# (node 1 may have left, or changed its key: only 2 and 3 are known)
see_each_other() { [[ "$(node_states 2 3)" =~ ^2:.*2=up,3=up.*\ 3:.*2=up,3=up ]]; }
check "nodes 2 and 3 still see each other" wait_for 10000 see_each_other

ktap_finish
