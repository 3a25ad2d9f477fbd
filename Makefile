# SPDX-License-Identifier: GPL-2.0
#
# make            build kernel/shoal.ko, tools/shoal and build/dm-fail-load.so (a test library)
#                 for kernel KREL (a release in /lib/modules) or the tree KDIR;
#                 default: the running kernel if it has a build tree, else
#                 Debian's default kernel, else the newest (scripts/kernel-release)
# make check      install what is missing, build, run unit and VM tests (all on
#                 KREL's kernel, some on a second kernel too: selftests/run)
# make demo       install what is missing, build, run the demo in a VM
# make bench      failover, false-failover and takeover benchmarks, shoal vs keepalived,
#                 and the packet-path benchmark, in VMs (bench/RESULTS.md)
# make install    install the module, the tool and the agent's systemd unit
#                 and example configuration (PREFIX, DESTDIR)
# make install-ocf  the Pacemaker resource agents ocf:shoal:service and
#                 ocf:shoal:persona, to $(OCFDIR)/resource.d/shoal (DESTDIR)
# make lint       checkpatch and sparse on the kernel sources
# make module-copy KREL=R  the module for kernel R in build/kernel-R/, a copy
#                 of its sources, leaving kernel/shoal.ko alone (selftests/run's
#                 second kernel)
# make dkms-install  the module's source to /usr/src/shoal-VERSION, built and
#                 installed by DKMS for every kernel with headers and an image
#                 (DKMS_KERNELS), and again for each kernel installed later
# make deb        Debian packages shoal (tool, agent) and shoal-dkms (module
#                 source) in build/deb/, checked with lintian
# make check-packages  build both packages, install them and DKMS's module for
#                 every kernel in a chroot, load it in a VM (minutes; root)

# The kernel to build for: KREL=RELEASE (/lib/modules/RELEASE/build) or
# KDIR=TREE. By default the running kernel if it has a build tree, else
# Debian's default kernel (linux-headers-amd64's), else the newest with a
# build tree (scripts/kernel-release): installing another kernel's headers
# does not change what plain "make" builds.
KREL ?= $(eval KREL := $(shell scripts/kernel-release))$(KREL)
KDIR ?= $(if $(KREL),/lib/modules/$(KREL)/build)
PREFIX ?= /usr/local
DESTDIR ?=
# the tool's, the DKMS tree's and the packages' (scripts/version)
VERSION = $(eval VERSION := $(shell scripts/version))$(VERSION)

all: module tool testlib

# The XDP kfunc needs the module's BTF, which Kbuild writes only when the
# build tree has a vmlinux, and Debian's has none: scripts/module-btf adds
# it after every link (Kbuild relinks the .ko every time).
module: build/btf-ids
	@test -n "$(KDIR)" || { echo "no kernel build tree found: install linux-headers-amd64 or set KREL or KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
	scripts/module-btf $(KDIR) kernel/shoal.ko build

# The module's sources, for DKMS and for module-copy.
MODULE_SRC = Kbuild $(shell find kernel uapi -name '*.[ch]' ! -name '*.mod.c' -o -name Kbuild)

# The module for another kernel (KREL), built in a copy of its sources so
# kernel/shoal.ko stays the main build's. cp -pu: Kbuild sees unchanged
# sources as unchanged.
COPY_DIR = build/kernel-$(KREL)
module-copy: build/btf-ids
	@test -d "$(KDIR)" || { echo "no kernel build tree $(KDIR): install linux-headers-$(KREL)" >&2; exit 1; }
	mkdir -p $(COPY_DIR)
	cp -pu --parents $(MODULE_SRC) $(COPY_DIR)/
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(COPY_DIR) modules
	scripts/module-btf $(KDIR) $(COPY_DIR)/kernel/shoal.ko build

build/btf-ids: scripts/btf-ids.c
	@mkdir -p build
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -o $@ $< \
		$$(pkg-config --cflags --libs libbpf libelf)

tool:
	$(MAKE) -C tools

# an LD_PRELOAD library selftests/persona-disk.sh fails table loads with
testlib: build/dm-fail-load.so

build/dm-fail-load.so: selftests/dm-fail-load.c
	@mkdir -p build
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -shared -fPIC -o $@ $< -ldl

unit:
	$(MAKE) -C selftests/unit run
	selftests/unit/completion.sh
	selftests/unit/docs.py

check:
	scripts/setup
	$(MAKE) all
	selftests/run

demo:
	scripts/setup
	$(MAKE) all
	selftests/vm-run scripts/demo

bench:
	scripts/setup
	$(MAKE) all
	bench/run

# Debian's build trees carry no signing key: install unsigned
install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		CONFIG_MODULE_SIG_ALL= modules_install
	$(if $(DESTDIR),,depmod -a $$(cat $(KDIR)/include/config/kernel.release))
	$(MAKE) -C tools install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# Pacemaker's resource agents (they need resource-agents' ocf-shellfuncs)
OCFDIR ?= /usr/lib/ocf
install-ocf:
	install -d $(DESTDIR)$(OCFDIR)/resource.d/shoal
	install -m 0755 ocf/service ocf/persona $(DESTDIR)$(OCFDIR)/resource.d/shoal/
.PHONY: install-ocf

# sparse relinks the module without BTF: give it back
lint:
	scripts/lint $(KDIR); status=$$?; $(MAKE) module && exit $$status

# What DKMS builds the module from: "make module" and what it needs.
DKMS_FILES = Makefile $(MODULE_SRC) \
	scripts/module-btf scripts/btf-ids.c scripts/version scripts/kernel-release
DKMS_DIR = $(DESTDIR)/usr/src/shoal-$(VERSION)
# every kernel with a build tree and an image (module-btf reads the image)
DKMS_KERNELS ?= $(shell for d in /lib/modules/*/build; do r=$$(basename $$(dirname $$d)); \
	[ ! -e /boot/vmlinuz-$$r ] || echo $$r; done)

dkms-src:
	rm -rf $(DKMS_DIR)
	mkdir -p $(DKMS_DIR)
	cp --parents $(DKMS_FILES) $(DKMS_DIR)/
	echo '$(VERSION)' >$(DKMS_DIR)/VERSION
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >$(DKMS_DIR)/dkms.conf

# (again: the same version removed first, as its source was just replaced;
# DKMS's own make must not inherit this one's flags)
DKMS = env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dkms
dkms-install: dkms-src
	@test -n "$(DKMS_KERNELS)" || { echo "no kernel with headers and an image in /boot" >&2; exit 1; }
	! $(DKMS) status -m shoal -v '$(VERSION)' | grep -q . || $(DKMS) remove shoal/'$(VERSION)' --all
	$(DKMS) add shoal/'$(VERSION)'
	for k in $(DKMS_KERNELS); do $(DKMS) install shoal/'$(VERSION)' -k $$k || exit 1; done

# DKMS's clean: the module's objects, in the tree DKMS copied
clean-module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

# Packages are built in a copy of the tree, build/deb/shoal-VERSION.
DEB_DIR = build/deb
DEB_FILES = Makefile Kbuild dkms.conf README.md debian kernel uapi scripts tools ocf
deb:
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/shoal-$(VERSION)
	{ git ls-files -co --exclude-standard -- $(DEB_FILES) 2>/dev/null || \
		find $(DEB_FILES) -type f ! -name '*.o' ! -name '*.ko' ! -name '*.d'; } | \
		xargs cp --parents -t $(DEB_DIR)/shoal-$(VERSION)
	echo '$(VERSION)' >$(DEB_DIR)/shoal-$(VERSION)/VERSION
	sed -i '1s/([^)]*)/($(VERSION))/' $(DEB_DIR)/shoal-$(VERSION)/debian/changelog
	cd $(DEB_DIR)/shoal-$(VERSION) && dpkg-buildpackage -us -uc -b
	lintian --fail-on error $(DEB_DIR)/*.changes
	@ls $(DEB_DIR)/*.deb

check-packages:
	selftests/unit/packages.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C tools clean
	$(MAKE) -C selftests/unit clean
	rm -rf build

.PHONY: all module module-copy tool testlib unit check demo bench install lint dkms-src \
	dkms-install clean-module deb check-packages clean
