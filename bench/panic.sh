#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The failover gap on a kernel panic, run on the host by bench/run: a panic
# takes a whole VM down, so this needs one VM per node. It runs the
# several-VM test selftests/cluster/departure.guest (three VMs on one switch,
# service 10.0.0.100, persona web on node 1; node 1 panics with sysrq c)
# once per trial at each heartbeat interval, and reads from its report when
# nodes 2 and 3 counted node 1 down, and saw its buckets and its persona
# move, after node 1's last regular heartbeat (the panic comes at most one
# interval after it; the module's panic notifier then sends its goodbye
# through netpoll). Each time is known to a range, LO..HI ms, from the
# receiver's own clock (see departure.host). And from the panic itself: node 1
# sends a datagram to the others just before it panics, and they note its
# arrival; the gap is from there.
#
# Output: "BENCH-MOVES panic INTERVAL DEAD TRIAL result status ok|failed
# down2 LO..HI down3 LO..HI buckets2 LO..HI buckets3 LO..HI web LO..HI
# moved3 LO..HI pdown2 MS pdown3 MS pbuckets2 MS pbuckets3 MS pweb MS
# printing MS" lines ("-" for a time not measured; the first six after node
# 1's last regular heartbeat, the p ones after the panic; printing: what
# VM 1's kernel spent printing the panic before its notifiers ran, from
# its console's timestamps), read by bench/report.py with the
# planned-changes benchmark.
#
# usage: bench/panic.sh [INTERVALS] [DEAD] [TRIALS]
#   INTERVALS ("100 20 10"), DEAD (10: three VMs share this machine's CPUs,
#   and fewer dead intervals at 10 ms would make them declare each other
#   down for a VM's stall, which is not what is measured), TRIALS (2).
set -u

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
read -r -a intervals <<<"${1:-100 20 10}"
dead=${2:-10}
trials=${3:-2}

# range LOG VM WHAT: "LO..HI" from the report line "vmN: WHAT LO..HI ms
# after node 1's last regular heartbeat", or "-"
range() {
	local r
	r=$(sed -n "s/^ *# vm$2: $3 \([0-9-]*\.\.[0-9-]*\) ms after node 1's last regular heartbeat.*/\1/p" \
		"$1" | tail -n 1)
	echo "${r:--}"
}

# since LOG VM WHAT: the ms of "vmN: WHAT MS ms after the panic", or "-"
since() {
	local r
	r=$(sed -n "s/^ *# vm$2: $3 \(-\?[0-9]*\) ms after the panic.*/\1/p" "$1" | tail -n 1)
	echo "${r:--}"
}

# printing LOG: from VM 1's console, the ms its kernel spent from sysrq's
# "Trigger a crash" to the end of the panic's stack dump, after which the
# panic notifiers run: what the panic path costs before the goodbye can
# go (a serial console under emulation is slow), or "-"
printing() {
	local dir
	dir=$(sed -n 's/^# logs kept in //p' "$1" | tail -n 1)
	[ -f "$dir/vm1/console.log" ] || { echo -; return; }
	tr -d '\r' <"$dir/vm1/console.log" | awk '
		/\] sysrq: Trigger a crash$/ { t0 = substr($0, index($0, "[") + 1) + 0 }
		t0 && /\] +<\/TASK>$/ { t1 = substr($0, index($0, "[") + 1) + 0 }
		END { if (t0 && t1) printf "%d\n", (t1 - t0) * 1000; else print "-" }'
	rm -rf "$dir"
}

for i in "${intervals[@]}"; do
	for ((t = 1; t <= trials; t++)); do
		log=$(mktemp)
		if "$repo/selftests/cluster-run" --keep "$repo/selftests/cluster/departure.guest" "$i" "$dead" panic \
			>"$log" 2>&1; then
			st=ok
		else
			st=failed
			sed 's/^/# panic: /' "$log" | grep -E 'not ok|# vm[0-9]' | head -n 20
		fi
		echo "BENCH-MOVES panic $i $dead $t result status $st" \
			"down2 $(range "$log" 2 'node 1 down')" \
			"down3 $(range "$log" 3 'node 1 down')" \
			"buckets2 $(range "$log" 2 'its last buckets moved')" \
			"buckets3 $(range "$log" 3 'its last buckets moved')" \
			"web $(range "$log" 2 'web taken over')" \
			"moved3 $(range "$log" 3 'web moved to node 2')" \
			"pdown2 $(since "$log" 2 'node 1 down')" \
			"pdown3 $(since "$log" 3 'node 1 down')" \
			"pbuckets2 $(since "$log" 2 'its last buckets moved')" \
			"pbuckets3 $(since "$log" 3 'its last buckets moved')" \
			"pweb $(since "$log" 2 'web taken over')" \
			"printing $(printing "$log")"
		rm -f "$log"
	done
done
