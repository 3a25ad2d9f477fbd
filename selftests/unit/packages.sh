#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages and DKMS, end to end, leaving this machine's root as
# it was:
#
#   make deb ──> shoal_*.deb, shoal-dkms_*.deb ──> lintian: no error
#        │
#        ▼
#   chroot: / with a scratch tmpfs over it (overlayfs, in a mount namespace
#   of this script's own): make dkms-install, then dkms remove; dpkg -i both;
#   dkms install for every kernel with headers and an image; the module
#   removed for one kernel and built again by the hook a kernel package runs
#   when it is installed
#        │  (the scratch layer, shared with the VM over 9p)
#        ▼
#   one VM per kernel (selftests/vm-run, SHOAL_KREL): the same layer over the
#   VM's root, chroot, modprobe shoal loads the DKMS-built module, the demo
#   runs with the installed /usr/sbin/shoal (XDP too: the module's BTF)
#
# Needs root, dpkg-dev, debhelper, dh-dkms, lintian and dkms, and what
# "make" needs (scripts/setup). Not part of "make check": it takes minutes.
#
# usage: selftests/unit/packages.sh

export LC_ALL=C
top=$(cd "$(dirname "$0")/../.." && pwd)
# Everything mounted here goes with the namespace, whatever happens.
if [ "${SHOAL_PACKAGES_NS:-}" != 1 ]; then
	SHOAL_PACKAGES_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"

kernels=()
for d in /lib/modules/*/build; do
	k=${d#/lib/modules/}
	k=${k%/build}
	[ ! -e "/boot/vmlinuz-$k" ] || kernels+=("$k")
done

ktap_plan $((10 + 3 * ${#kernels[@]} + 4 + ${#kernels[@]}))

missing=
for c in dpkg-buildpackage dh dh_dkms lintian dkms unshare; do
	command -v "$c" >/dev/null || missing+=" $c"
done
if [ -n "$missing" ] || [ ${#kernels[@]} -eq 0 ]; then
	fail "what the test needs is there" \
		"missing:${missing:- none}; kernels: ${kernels[*]:-none} (apt-get install dpkg-dev debhelper dh-dkms lintian dkms)"
	ktap_finish
	exit
fi

scratch=$(mktemp -d)
mount -t tmpfs -o mode=0755 tmpfs "$scratch"
add_cleanup "umount -R -l $scratch; rmdir $scratch"

# logged LOG CMD...: CMD, its output in LOG
logged() { local log=$1; shift; "$@" >"$log" 2>&1; }

check "make deb builds shoal and shoal-dkms (lintian: no error)" \
	logged "$scratch/deb.log" make -s -C "$top" deb DEB_DIR="$scratch/deb"
last_ok || { diag "$(tail -n 30 "$scratch/deb.log")"; ktap_finish; exit; }
ver=$(cat "$scratch"/deb/shoal-*/VERSION)
dkms_deb=$scratch/deb/shoal-dkms_${ver}_all.deb
tool_deb=$(echo "$scratch/deb/shoal_${ver}_"*.deb)
check_eq "lintian reports no errors" "" "$(lintian "$scratch"/deb/*.changes 2>/dev/null | grep '^E:')"
check_eq "the version is scripts/version's" "$("$top/scripts/version")" "$ver"
check_eq "shoal holds the Pacemaker agents, executable" \
	"-rwxr-xr-x ./usr/lib/ocf/resource.d/shoal/persona|-rwxr-xr-x ./usr/lib/ocf/resource.d/shoal/service" \
	"$(dpkg-deb -c "$tool_deb" | awk '$6 ~ /ocf\/resource\.d\/shoal\/./ { print $1, $6 }' | sort | paste -sd '|')"
check_eq "... and suggests resource-agents, which they need" resource-agents \
	"$(dpkg-deb -f "$tool_deb" Suggests)"

# / with the scratch layer over it
r=$scratch/root
mkdir -p "$scratch/share/up" "$scratch/work" "$r"
mount -t overlay overlay -o "lowerdir=/,upperdir=$scratch/share/up,workdir=$scratch/work" "$r"
for d in proc sys dev; do
	mount --rbind "/$d" "$r/$d"
done
# (/tmp is the layer's too: the repository may be there)
mount -t tmpfs tmpfs "$r/run"
cp "$dkms_deb" "$tool_deb" "$r/tmp/"
# in_root CMD...: CMD in the chroot, with a clean environment
in_root() {
	chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"
}
# ko K: the module DKMS installed for kernel K, if any
ko() { find "$r/lib/modules/$1/updates/dkms" -name 'shoal.ko*' 2>/dev/null; }

# make dkms-install first, from this tree, then its builds and source away
check "make dkms-install in the chroot" \
	logged "$scratch/make-dkms.log" in_root make -C "$top" dkms-install
last_ok || diag "$(tail -n 20 "$scratch/make-dkms.log"; tail -n 20 "$r"/var/lib/dkms/shoal/*/build/make.log)"
check_eq "... installs the module for every kernel" \
	"$(printf "shoal/$ver, %s, x86_64: installed\n" "${kernels[@]}" | sort)" \
	"$(in_root dkms status shoal 2>/dev/null | sort)"
in_root dkms remove "shoal/$ver" --all >/dev/null 2>&1
rm -rf "$r/usr/src/shoal-$ver"
check_eq "... and dkms remove takes it away" "" "$(in_root dkms status shoal 2>/dev/null)"

check "dpkg -i shoal-dkms shoal in the chroot" \
	logged "$scratch/dpkg.log" in_root dpkg -i "/tmp/${dkms_deb##*/}" "/tmp/${tool_deb##*/}"
last_ok || diag "$(tail -n 30 "$scratch/dpkg.log")"
check_eq "... the tool is /usr/sbin/shoal, of the same version" "shoal version $ver" \
	"$(in_root /usr/sbin/shoal -V 2>&1)"

for k in "${kernels[@]}"; do
	check "dkms install for $k" \
		logged "$scratch/dkms-$k.log" in_root dkms install "shoal/$ver" -k "$k"
	last_ok || diag "$(tail -n 20 "$scratch/dkms-$k.log"; tail -n 20 "$r/var/lib/dkms/shoal/$ver/build/make.log" 2>/dev/null)"
	check "... the module is in /lib/modules/$k/updates/dkms" test -n "$(ko "$k")"
	check "... and modules.dep names it" grep -q '^updates/dkms/shoal.ko' "$r/lib/modules/$k/modules.dep"
done

# A kernel installed later: its package's postinst runs
# /etc/kernel/postinst.d/dkms RELEASE IMAGE.
k=${kernels[0]}
in_root dkms remove "shoal/$ver" -k "$k" >"$scratch/remove.log" 2>&1
check_eq "dkms remove for $k takes the module away" "" "$(ko "$k")"
check "a kernel installed ($k): the hook its package runs, /etc/kernel/postinst.d/dkms" \
	logged "$scratch/hook.log" in_root /etc/kernel/postinst.d/dkms "$k" "/boot/vmlinuz-$k"
last_ok || diag "$(tail -n 20 "$scratch/hook.log")"
check "... builds and installs the module again" test -n "$(ko "$k")"
check_eq "dkms status: installed for every kernel" \
	"$(printf "shoal/$ver, %s, x86_64: installed\n" "${kernels[@]}" | sort)" \
	"$(in_root dkms status shoal 2>/dev/null | sort)"

umount -R "$r"
for k in "${kernels[@]}"; do
	check "$k: in a VM, modprobe loads the DKMS module, the installed tool runs the demo" \
		logged "$scratch/vm-$k.log" env SHOAL_KREL="$k" "$top/selftests/vm-run" --no-module \
			--timeout 500 --out "$scratch/share" "$top/selftests/unit/packages-vm.sh"
	last_ok || diag "$(tail -n 40 "$scratch/vm-$k.log")"
	diag "$(grep -a '^packages-vm:' "$scratch/vm-$k.log")"
done

ktap_finish
