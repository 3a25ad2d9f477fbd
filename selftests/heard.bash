# shellcheck shell=bash
# last_frame ID [SHOAL_OPTION...]: when this node last heard a regular
# frame of node ID, as "EARLIEST LATEST" (microseconds since the epoch).
# The kernel counts last_heard_ms, rounded down, at some moment between
# the clock readings around a query; a tool already running (batch mode,
# its output flushed after each command) keeps that window short, and
# three queries narrow it further. Frames flagged leaving do not count as
# heard. The options go to shoal (e.g. -n NETNS).
# Sourced by selftests/lib.sh and selftests/cluster/guest-lib.sh.
last_frame() {
	local id=$1 i t0 t1 out lh early=0 late=0 w
	shift
	coproc SHOW { exec shoal "$@" -j -b -; }
	for i in 0 1 2 3; do
		t0=${EPOCHREALTIME//[!0-9]/}
		echo "node show $id" >&"${SHOW[1]}"
		read -r -t 10 out <&"${SHOW[0]}"
		t1=${EPOCHREALTIME//[!0-9]/}
		# the first one waits for the tool to start: not timed
		[ "$i" != 0 ] || continue
		lh=$(jq -e '.[0].last_heard_ms' <<<"$out")
		t0=$((t0 - (lh + 1) * 1000)) t1=$((t1 - lh * 1000))
		[ "$t0" -le "$early" ] || early=$t0
		[ "$late" != 0 ] && [ "$t1" -ge "$late" ] || late=$t1
	done
	w=${SHOW[1]}
	exec {w}>&-
	wait "$SHOW_PID"
	echo "$early $late"
}
