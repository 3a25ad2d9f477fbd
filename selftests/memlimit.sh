#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shoal-test: no xdp (memory, not the packet path)
#
# What a user without privileges can make the kernel keep. In a user and
# network namespace of its own any user has shoal's whole API, so what
# shoal keeps for a namespace is charged to the memory cgroup of who asks
# for it, and bounded per namespace (uapi/linux/shoal.h:
# SHOAL_SERVICES_MAX, SHOAL_NS_BUCKETS_MAX). As user nobody, in a user and
# network namespace of its own:
#   - in a memory cgroup, services of 65536 buckets: each is charged to it
#     (4 MiB at least); with room for 1 MiB more, one more is
#     refused with a clear message, not with an OOM kill; deleting them,
#     then the namespace, gives all of it back;
#   - without a limit, 16 such services, then the bucket limit; 4096
#     services of one bucket, then the service limit: one more is refused,
#     alone or in a batch, and leaves nothing behind (not even its address
#     on lo); a deletion makes room again.

source "$(dirname "$0")/lib.sh"

ktap_plan 13

MIB=$((1024 * 1024))
tmp=$(mktemp -d)
chmod 755 "$tmp"
add_cleanup "rm -rf $tmp"

# a cgroup with the memory controller, for the user's shell
cgroot=/sys/fs/cgroup
grep -q " $cgroot cgroup2 " /proc/self/mounts || mount -t cgroup2 none "$cgroot"
echo +memory >"$cgroot/cgroup.subtree_control"
CG=$cgroot/shoal-$$
mkdir "$CG"
add_cleanup "rmdir $CG"
# (a user namespace without privileges; Debian's kernels can forbid them)
[ ! -e /proc/sys/kernel/unprivileged_userns_clone ] ||
	echo 1 >/proc/sys/kernel/unprivileged_userns_clone
modprobe dummy

# as_nobody CGROUP SCRIPT: run SCRIPT (bash) as user nobody in a user and
# network namespace of its own, with a cluster on a dummy device, in CGROUP
# (a directory, or "" for none)
as_nobody() {
	local cg=$1 script=$2
	printf '%s\n' "set -u" "ip link add d0 type dummy" "ip link set d0 up" \
		"shoal cluster set dev d0 node 1" "$script" >"$tmp/script"
	bash -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs"
		exec setpriv --reuid=65534 --regid=65534 --clear-groups \
			unshare -U -r -n bash "$2"' - "$cg" "$tmp/script"
}

# 1. In the cgroup, nobody's namespace (kept by a sleep), and commands run
# in it as nobody: services of 65536 buckets, each charged; then a limit
# with room for 1 MiB more.
bash -c 'echo $$ >"$1/cgroup.procs"
	exec setpriv --reuid=65534 --regid=65534 --clear-groups \
		unshare -U -r -n sleep 1000' - "$CG" &
keeper=$!
add_cleanup "kill $keeper 2>/dev/null"
# nobody CMD...: CMD in the namespace as nobody, in the cgroup
nobody() {
	bash -c 'echo $$ >"$1/cgroup.procs"; shift
		exec setpriv --reuid=65534 --regid=65534 --clear-groups \
			nsenter --preserve-credentials -t "$1" -U -n "${@:2}"' - "$CG" "$keeper" "$@"
}
mem() { cat "$CG/memory.current"; }
# (the sleep is in its namespace once nsenter can enter it)
wait_for 10000 nobody true
nobody sh -c 'ip link add d0 type dummy && ip link set d0 up &&
	shoal cluster set dev d0 node 1'
base=$(mem)
costs=() prev=$base
for i in 1 2 3 4; do
	nobody shoal service add 10.0.$i.1 buckets 65536
	costs+=($(( $(mem) - prev )))
	prev=$(mem)
done
diag "base $base; each service: ${costs[*]} bytes"
check "services of 65536 buckets added as nobody, each charged to its cgroup (4 MiB or more)" \
	test "$(printf '%s\n' "${costs[@]}" | sort -n | head -n 1)" -ge $((4 * MIB))
diag "memory.stat: $(grep -E '^(anon|file|kernel|slab|vmalloc) ' "$CG/memory.stat" | tr '\n' ' ')"
# What the cgroup could give back (page cache, dentries) would make room
# too: it is given back first, so that the room is 1 MiB and no more.
echo $((256 * MIB)) >"$CG/memory.reclaim" 2>/dev/null || true
diag "reclaimed: memory.stat: $(grep -E '^(anon|file|kernel|slab|vmalloc) ' "$CG/memory.stat" | tr '\n' ' ')"
echo $(( $(mem) + MIB )) >"$CG/memory.max"
check_msg "with 1 MiB of room left, one more is refused, said clearly" 1 \
	"Error: not enough memory for the service's buckets (memory cgroup limit?)." \
	nobody shoal service add 10.0.5.1 buckets 65536
check_eq "... and nobody was killed for it" "oom_kill 0" "$(grep '^oom_kill ' "$CG/memory.events")"
check_eq "... nor anything of it kept" 4 "$(nobody shoal -j service show | jq length)"
echo max >"$CG/memory.max"
for i in 1 2 3 4; do nobody shoal service del 10.0.$i.1; done
# (tables go after a grace period)
freed() { [ "$(mem)" -lt $((base + MIB)) ]; }
check "deleting the services gave their memory back (within 1 MiB)" wait_for 10000 freed
kill "$keeper"
wait "$keeper"
gone() { [ "$(mem)" -lt "$base" ]; }
check "... and deleting the namespace gave back the rest" wait_for 20000 gone

# 2. no cgroup limit: the namespace's own
out=$(as_nobody "" '
for i in $(seq 1 17); do
	err=$(shoal service add 10.0.$i.1 buckets 65536 2>&1) || { echo "refused $i $? $err"; break; }
done
shoal service del 10.0.1.1
shoal service add 10.1.0.1 buckets 65536 >/dev/null && echo "room again"
' 2>&1)
diag "16 services of 65536 buckets: ${SECONDS} s so far"
check_eq "16 services of 65536 buckets, not 17" \
	"refused 17 1 Error: a namespace's services have at most 1048576 buckets in all." \
	"$(grep '^refused ' <<<"$out")"
check_eq "... and room again after a deletion" "room again" "$(grep '^room ' <<<"$out")"

out=$(as_nobody "" '
for a in $(seq 0 15); do
	for b in $(seq 0 255); do
		echo "service add 10.$a.$b.1 buckets 1"
	done
done | shoal -b - || echo "batch $?"
shoal service show | grep -c "^service "
err=$(shoal service add 10.99.0.1 buckets 1 2>&1) || echo "refused $? $err"
echo "after count $(shoal service show | grep -c "^service ")"
err=$(shoal service show 10.99.0.1 2>&1) || echo "after show $? $err"
before=$(shoal service show | md5sum)
err=$(printf "%s\n" "service add 10.99.0.2 buckets 1" "service add 10.99.0.3 buckets 1" |
	shoal -b - 2>&1) || echo "after batch $? $(echo $err)"
[ "$(shoal service show | md5sum)" != "$before" ] || echo "after unchanged"
echo "after lo $(ip -o addr show dev lo | grep -c " 10\.99\.")"
shoal service del 10.0.0.1 && shoal service add 10.99.0.1 buckets 1 &&
	echo "after room $(shoal service show | grep -c "^service ")"
' 2>&1)
diag "4096 services of one bucket: ${SECONDS} s so far"
check_eq "4096 services of one bucket, then no more" \
	"4096
refused 1 Error: a namespace has at most 4096 services." \
	"$(grep -Ev '^(batch|after) ' <<<"$out")"
check_eq "... the refused one is not a service, and the others are all there" \
	"after count 4096
after show 1 Error: no service for this address." \
	"$(grep -E '^after (count|show) ' <<<"$out")"
check_eq "... in a batch, the refused line stops it, named, and changes nothing" \
	"after batch 1 Error: a namespace has at most 4096 services. Command failed -:1
after unchanged" \
	"$(grep -E '^after (batch|unchanged)' <<<"$out")"
check_eq "... no refused address was put on lo" "after lo 0" "$(grep '^after lo ' <<<"$out")"
check_eq "... and after a deletion there is room for one more" "after room 4096" \
	"$(grep '^after room ' <<<"$out")"

ktap_finish
