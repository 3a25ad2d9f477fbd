# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154 # the caller's variables, and ones for it
# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the benchmarks that run inside the test VM
# (bench/failover.sh, bench/falsefail.sh), sourced after selftests/lib.sh:
# output lines for bench/report.py, clocks, the VM's CPU load, and a
# keepalived (VRRPv3) pair, namespaces ka and kb, sharing one address.
#
# The caller sets tmp (a scratch directory), and before using the
# keepalived helpers VIP (the shared address), KA_PRIO (the priority of
# both) and KA_SETTLE (seconds: a little more than 5 adverts).

# poll_for TIMEOUT_MS CMD...: wait_for, but every 200 ms: for waits whose
# commands start processes (each one stalls the emulated VM for a while:
# fewer, fewer false detections).
exec {POLL_FD}<> <(:)
poll_for() {
	local end=$((${EPOCHREALTIME//[!0-9]/} + $1 * 1000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "${EPOCHREALTIME//[!0-9]/}" -lt "$end" ] || return 1
		read -r -t 0.2 -u "$POLL_FD" _ || true
	done
}

info() { echo "BENCH-INFO $*"; }
# note TEXT...: each line of each argument as a "# " line
note() {
	local a l
	for a in "$@"; do
		while IFS= read -r l; do printf '# %s\n' "$l"; done <<<"$a"
	done
}
now_ms() { local t=${EPOCHREALTIME//[!0-9]/}; echo $((t / 1000)); }
T0=$(now_ms)
elapsed() { echo "$((($(now_ms) - T0) / 1000))s"; }

# CPU time of the VM while something ran: cpu_reset, then cpu_sample
# before and after each stretch, adding CPU_T and CPU_I's differences to
# CPU_ALL and CPU_BUSY; cpu_busy prints the share that was not idle.
cpu_reset() { CPU_BUSY=0; CPU_ALL=0; }
cpu_sample() {
	local a v
	read -r -a a </proc/stat
	CPU_T=0
	for v in "${a[@]:1}"; do CPU_T=$((CPU_T + v)); done
	CPU_I=$((a[4] + a[5]))
}
cpu_busy() { echo "$((CPU_ALL ? 100 * CPU_BUSY / CPU_ALL : 0))%"; }
cpu_reset

# --- keepalived ---------------------------------------------------------------

# ka_conf NAME ADVERT: keepalived's configuration for node NAME
ka_conf() {
	cat <<-EOF
	global_defs {
		router_id $1
		vrrp_version 3
		vrrp_garp_master_repeat 1
		vrrp_garp_lower_prio_repeat 1
		vrrp_higher_prio_send_advert true
	}
	vrrp_instance VI {
		state BACKUP
		interface eth0
		virtual_router_id 51
		priority $KA_PRIO
		nopreempt
		advert_int $2
		virtual_ipaddress {
			$VIP/24 dev eth0
		}
	}
	EOF
}

# ka_vip NAME: whether NAME holds the address
ka_vip() { ip -n "$(ns "$1")" -br addr show dev eth0 | grep -q " $VIP/"; }
# ka_master: the node that holds the address, if exactly one does
ka_master() {
	local on_a=0 on_b=0
	ka_vip ka && on_a=1
	ka_vip kb && on_b=1
	case $on_a$on_b in
	10) echo ka ;;
	01) echo kb ;;
	*) return 1 ;;
	esac
}
ka_one_master() { ka_master >/dev/null; }
# ka_steady: one master, the same after 5 adverts
ka_steady() {
	local i m
	for i in 1 2 3 4 5; do
		poll_for 30000 ka_one_master || return 1
		m=$(ka_master)
		sleep "$KA_SETTLE"
		[ "$(ka_master)" != "$m" ] || return 0
	done
	return 1
}
# ka_masters: how many times either node has become master so far
ka_masters() { cat "$tmp/ka-ka.log" "$tmp/ka-kb.log" | grep -c "Entering MASTER STATE"; }
ka_who() { echo "address on: $(ka_master || echo "none or both")"; }

# ka_stamp: copies its input, each line prefixed with the time it was read
# (microseconds since the epoch, CLOCK_REALTIME): keepalived's own console
# lines carry none finer than a second. No process is started per line.
ka_stamp() {
	local l
	while IFS= read -r l; do
		printf '%s %s\n' "${EPOCHREALTIME//[!0-9]/}" "$l"
	done
}

# ka_start ADVERT: keepalived on ka and kb, logging to $tmp/ka-NAME.log;
# with KA_STAMP=1 each line of the log starts with ka_stamp's time.
ka_start() {
	local n log cmd
	for n in ka kb; do
		mkdir -p "$tmp/ka-run-$n"
		ka_conf "$n" "$1" >"$tmp/ka-$n.conf"
		log=$tmp/ka-$n.log
		# -n: stays in the foreground (its VRRP child is stopped with it)
		cmd=(ip netns exec "$(ns "$n")" keepalived -n -P -G -l -D -f "$tmp/ka-$n.conf"
			-p "$tmp/ka-run-$n/keepalived.pid" -r "$tmp/ka-run-$n/vrrp.pid")
		if [ "${KA_STAMP:-0}" = 1 ]; then
			"${cmd[@]}" > >(ka_stamp >"$log") 2>&1 &
		else
			"${cmd[@]}" >"$log" 2>&1 &
		fi
		KA_PID[$n]=$!
	done
}

ka_stop() {
	local n
	for n in ka kb; do
		[ -n "${KA_PID[$n]:-}" ] || continue
		kill "${KA_PID[$n]}" 2>/dev/null
		wait "${KA_PID[$n]}" 2>/dev/null
		KA_PID[$n]=
	done
}

declare -A KA_PID
