#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bash completion (tools/shoal.bash-completion), on the host: each check
# sets the words of a command line as bash would (COMP_WORDS, with "=" a
# word of its own), calls the completion function and compares what it
# offers. "shoal" and "ip" are stand-ins that answer from fixed tables and
# record how they were asked, so that nothing needs the module or a
# namespace: node ids 1 and 2 in this shell's namespace, 7 and 9 in
# namespace "blue", whose devices are lo, eth0 (a veth) and blue0.
#
# usage: selftests/unit/completion.sh [ COMPLETION-FILE ]

export LC_ALL=C
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"

file=${1:-$top/tools/shoal.bash-completion}
bc=/usr/share/bash-completion/bash_completion
if [ ! -r "$bc" ]; then
	ktap_plan 1
	skip "bash completion" "bash-completion is not installed (scripts/setup installs it)"
	ktap_finish
	exit
fi
# shellcheck source=/dev/null
. "$bc"
# shellcheck source=tools/shoal.bash-completion
. "$file"

calls=$(mktemp)
add_cleanup "rm -f $calls"

shoal() {
	echo "shoal $*" >>"$calls"
	case "$*" in
	"node show")
		printf '%s\n' "node 1 weight 1 admin up state up last_heard 12ms" \
			"node 2 weight 3 admin up state down spare"
		;;
	"-n blue node show")
		printf '%s\n' "node 7 weight 1 admin up state up" \
			"node 9 weight 1 admin up state up"
		;;
	"service show" | "-n blue service show")
		printf '%s\n' \
			"service 192.0.2.100 proto tcp port 80 hash saddr-sport buckets 1024 nodes all mac 03:5e:12:34:56:78 dev eth0 xdp off owned 341" \
			"service 2001:db8::1 proto any port all hash saddr buckets 64 nodes all mac 03:5e:12:34:56:79 dev eth0 xdp off owned 21"
		;;
	"persona show")
		printf '%s\n' \
			"web mac 02:00:00:aa:00:01 owner 2 epoch 3 state active dev web nodes 1,2" \
			"    addr 198.51.100.10/24 fd00::10/64" \
			"db mac 02:00:00:aa:00:02 owner none epoch 0 state standby dev db nodes any"
		;;
	*)
		return 1
		;;
	esac
}

# as "ip -n blue -br link show" prints them
ip() {
	echo "ip $*" >>"$calls"
	[ "$*" = "-n blue -br link show" ] || return 1
	printf '%s\n' \
		"lo               UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP> " \
		"eth0@if12        UP             02:00:00:00:00:07 <BROADCAST,MULTICAST,UP,LOWER_UP> " \
		"blue0            DOWN           6a:a0:74:4e:e6:25 <BROADCAST,NOARP> "
}

# offers WORD...: what completing the last WORD offers, sorted, on one line
offers() {
	local COMP_WORDS=("shoal" "$@") COMP_CWORD=$# COMP_LINE COMP_POINT COMPREPLY=()
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	_shoal shoal "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd' '
}

# the devices of this shell's namespace, as the completion lists them
here=$(for d in /sys/class/net/*; do [ -e "$d" ] && echo "${d##*/}"; done | sort | paste -sd' ')

ktap_plan 28

check_eq "objects" "agent bucket cluster disk help key monitor node persona service" \
	"$(offers "")"
check_eq "long options" "--batch --help --json --netns --pretty --statistics --version" \
	"$(offers --)"
check_eq "node commands" "add del help set show" "$(offers node "")"
check_eq "node de: del" "del" "$(offers node de)"
check_eq "node de ID (\"de\" is del, or its alias delete): the node ids" "1 2" \
	"$(offers node de "")"
check_eq "node delete ID: the node ids" "1 2" "$(offers node delete "")"
check_eq "n l ID (list, show's alias): the node ids" "1 2" "$(offers n l "")"
check_eq "cluster l: leave and list are two commands, nothing to offer after" "" \
	"$(offers cluster l "")"
check_eq "node set ID: what a node's settings are" "addr down drain spare up weight" \
	"$(offers node set 1 "")"
check_eq "node set ID drain: a timeout or other settings" "addr spare timeout weight" \
	"$(offers node set 1 drain "")"
check_eq "node add ID spare: on, off or the next setting" "addr down off on up weight" \
	"$(offers node add 3 spare "")"
check_eq "service set ADDR: nodes, xdp, pool" "nodes pool xdp" \
	"$(offers service set 192.0.2.100 "")"
check_eq "service set ADDR pool: its words" "down hold load max min off up" \
	"$(offers service set 192.0.2.100 pool "")"
check_eq "service set ADDR pool ... load: what load is" "conns cpu pps pushed" \
	"$(offers service set 192.0.2.100 nodes 1,2 pool min 1 max 2 load "")"
check_eq "service add ADDR: its settings" \
	"buckets dev distributors hash mac mode nodes port proto xdp" \
	"$(offers service add 192.0.2.1 "")"
check_eq "service del: the services" "192.0.2.100 2001:db8::1" "$(offers service del "")"
check_eq "cluster set: every setting, load too" "dead dev hold interval key load node quorum" \
	"$(offers cluster set "")"
check_eq "cluster set load: a percentage or none" "none" "$(offers cluster set load "")"
empty=$(mktemp -d)
add_cleanup "rmdir $empty"
check_eq "cluster set key no: none (a file is ./none)" "none" \
	"$(cd "$empty" && offers cluster set key no)"
check_eq "agent: -c, config, help" "-c config help" "$(offers agent "")"
check_eq "persona de: the personas" "db web" "$(offers persona de "")"
check_eq "service add ADDR dev: this namespace's devices" "$here" \
	"$(offers service add 192.0.2.1 dev "")"

: >"$calls"
check_eq "-n blue service add ADDR dev: blue's devices" "blue0 eth0 lo" \
	"$(offers -n blue service add 192.0.2.1 dev "")"
check_eq "... asked of ip in blue" "ip -n blue -br link show" "$(cat "$calls")"
check_eq "-jn blue cluster set dev: blue's devices" "blue0 eth0 lo" \
	"$(offers -jn blue cluster set dev "")"
check_eq "--netns=blue node set: blue's node ids" "7 9" \
	"$(offers --netns = blue node set "")"
check_eq "-nblue -s node show: blue's node ids" "7 9" "$(offers -nblue -s node show "")"
check_eq "-netns blue -j service set ADDR nodes: all and blue's node ids" "7 9 all" \
	"$(offers -netns blue -j service set 192.0.2.100 nodes "")"

ktap_finish
