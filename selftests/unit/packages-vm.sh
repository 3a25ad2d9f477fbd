#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In the VM of selftests/unit/packages.sh: the root the packages were
# installed in (this machine's, with the layer dpkg and DKMS wrote,
# $SHOAL_OUT/up, over it), made the root. modprobe must load the
# module DKMS built for this kernel, with its BTF, and the demo must run
# with the tool the package installed.
set -eu
r=/run/pkgroot
mkdir -p "$r"
mount -t overlay overlay -o "lowerdir=$SHOAL_OUT/up:/" "$r"
for d in proc sys dev; do
	mount --rbind "/$d" "$r/$d"
done
mount -t tmpfs tmpfs "$r/run"
# (the repository may be in /tmp)
mount --bind /tmp "$r/tmp"

# A root of its own (pivot_root, not chroot alone): the demo makes user
# namespaces, which the kernel refuses to a chrooted process.
# shellcheck disable=SC2016 # expanded in the new root
exec unshare -m --propagation private bash -euc '
	cd "$1"
	pivot_root . mnt
	umount -l /mnt
	exec chroot . /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
		HOME=/tmp TERM=dumb bash -euc "$3" packages-vm "$2"
' packages-vm "$r" "$PWD" '
	cd "$1"
	krel=$(uname -r)
	echo "packages-vm: $krel"
	modprobe shoal
	path=$(modinfo -n shoal)
	case $path in
	"/lib/modules/$krel/updates/dkms/shoal.ko"*) ;;
	*) echo "packages-vm: FAIL: modprobe took $path"; exit 1 ;;
	esac
	[ -d /sys/module/shoal ] || { echo "packages-vm: FAIL: not loaded"; exit 1; }
	[ -e /sys/kernel/btf/shoal ] || { echo "packages-vm: FAIL: no BTF"; exit 1; }
	[ "$(command -v shoal)" = /usr/sbin/shoal ] ||
		{ echo "packages-vm: FAIL: shoal is $(command -v shoal)"; exit 1; }
	echo "packages-vm: loaded $path, with BTF; shoal is /usr/sbin/shoal"
	scripts/demo
	echo "packages-vm: demo done"
'
