#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make install", on the host: into a DESTDIR, with PREFIX=/usr and with the
# default (/usr/local), it must put the module, the tool, the man page, the
# completion, the agent's systemd unit and its configuration where they
# belong, the unit starting the installed tool. The unit must load the
# module before the agent and restart it without ever reaching systemd's
# start limit; systemd-analyze, when there is one, must find nothing wrong
# with it. A second install keeps a configuration file that was edited.
#
# Nothing is built: the tree must have been built ("make"), as "make
# check" does first. (A rebuild would relink kernel/shoal.ko under the VM
# tests that run beside this one.)
#
# usage: selftests/unit/install.sh

export LC_ALL=C
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"

ktap_plan 17

stage=$(mktemp -d)
add_cleanup "rm -rf $stage"

# install DESTDIR [MAKE-ARGS...]: "make install" without the build it
# depends on, for the kernel the module was built for; its output in
# DESTDIR.log
install_into() {
	mkdir -p "$1"
	make -s -C "$top" -o all install KREL="$krel" DESTDIR="$1" "${@:2}" >"$1.log" 2>&1
}

if [ ! -e "$top/kernel/shoal.ko" ] || [ ! -x "$top/tools/shoal" ]; then
	fail "make install into a DESTDIR, PREFIX=/usr" "the tree is not built: run make"
	ktap_finish
	exit
fi
krel=$(modinfo -F vermagic "$top/kernel/shoal.ko" | cut -d' ' -f1)
d=$stage/usr
check "make install into a DESTDIR, PREFIX=/usr" install_into "$d" PREFIX=/usr
last_ok || diag "$(cat "$d.log")"

# Where that kernel's Kbuild installs an external module: extra/ (6.1) or
# updates/ (6.12), compressed as its modules are (6.12: xz).
kdir=/lib/modules/$krel/build
moddir=$(sed -n 's/^INSTALL_MOD_DIR ?= *//p' "$kdir/scripts/Makefile.modinst" 2>/dev/null)
suffix=$(sed -n 's/^CONFIG_MODULE_COMPRESS_\(GZIP\|XZ\|ZSTD\)=y$/\1/p' \
	"$kdir/include/config/auto.conf" 2>/dev/null)
case $suffix in
GZIP) suffix=.gz ;;
XZ) suffix=.xz ;;
ZSTD) suffix=.zst ;;
esac
check_eq "the module goes under lib/modules/RELEASE of the DESTDIR" \
	"lib/modules/$krel/${moddir:-extra}/kernel/shoal.ko$suffix" \
	"$(cd "$d" && find lib -name 'shoal.ko*')"
check "the tool to PREFIX/sbin, executable, the one built" \
	cmp "$d/usr/sbin/shoal" "$top/tools/shoal"
check "... and it runs" "$d/usr/sbin/shoal" -V
check_eq "the man page, the completion, the unit and the configuration" \
	"644 etc/shoal/agent.conf|644 usr/lib/systemd/system/shoal-agent.service|644 usr/share/bash-completion/completions/shoal|644 usr/share/man/man8/shoal.8|755 usr/sbin/shoal" \
	"$(cd "$d" && find etc usr -type f -printf '%m %p\n' | sort | paste -sd '|')"

unit=$d/usr/lib/systemd/system/shoal-agent.service
# key NAME: the value of NAME= in the installed unit (the last one)
key() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
check_eq "the unit starts the installed tool" "/usr/sbin/shoal agent" "$(key ExecStart)"
check_eq "... after loading the module" "/sbin/modprobe shoal" "$(key ExecStartPre)"
check "... with a modprobe that is there" test -x /sbin/modprobe
check_eq "... again when it fails" "on-failure" "$(key Restart)"
# secs VALUE DEFAULT: VALUE (plain or "Ns") in whole seconds, DEFAULT if empty
secs() { local v=${1:-$2}; echo "${v%s}"; }
interval=$(secs "$(key StartLimitIntervalSec)" 10)
burst=$(key StartLimitBurst)
burst=${burst:-5}
restart=$(secs "$(key RestartSec)" 0)
# starts RestartSec apart: at most INTERVAL / RestartSec + 1 in an interval
# shellcheck disable=SC2016 # expanded by eval
check "... never reaching the start limit (interval ${interval}s, burst $burst, restart every ${restart}s)" \
	eval '[ "$interval" = 0 ] || { [ "$restart" -gt 0 ] && [ $((interval / restart + 1)) -le "$burst" ]; }'
if command -v systemd-analyze >/dev/null; then
	# the unit as installed, but for the path of the tool, which is in DESTDIR
	mkdir "$stage/verify"
	sed "s|^ExecStart=/usr/sbin/shoal|ExecStart=$d/usr/sbin/shoal|" "$unit" \
		>"$stage/verify/shoal-agent.service"
	out=$(systemd-analyze verify --man=no "$stage/verify/shoal-agent.service" 2>&1)
	check_eq "systemd-analyze verify finds nothing wrong with the unit" "" "$out"
else
	skip "systemd-analyze verify finds nothing wrong with the unit" "no systemd-analyze"
fi
check "the configuration is the example" cmp "$d/etc/shoal/agent.conf" "$top/tools/agent.conf"

echo "allow_split_disks = yes" >>"$d/etc/shoal/agent.conf"
cp "$d/etc/shoal/agent.conf" "$stage/edited.conf"
check "make install again" install_into "$d" PREFIX=/usr
last_ok || diag "$(cat "$d.log")"
check "... keeps the configuration as it was edited" cmp "$d/etc/shoal/agent.conf" "$stage/edited.conf"

d=$stage/local
check "make install with the default PREFIX" install_into "$d"
last_ok || diag "$(cat "$d.log")"
check_eq "... puts the tool, the man page, the completion and the unit under /usr/local" \
	"usr/local/lib/systemd/system/shoal-agent.service usr/local/sbin/shoal usr/local/share/bash-completion/completions/shoal usr/local/share/man/man8/shoal.8" \
	"$(cd "$d" && find usr -type f | sort | paste -sd ' ')"
check_eq "... and the unit starts /usr/local/sbin/shoal" "/usr/local/sbin/shoal agent" \
	"$(sed -n 's/^ExecStart=//p' "$d/usr/local/lib/systemd/system/shoal-agent.service")"

ktap_finish
