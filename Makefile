# SPDX-License-Identifier: GPL-2.0
#
# make            build kernel/shoal.ko, tools/shoal and build/dm-fail-load.so (a test library)
# make check      install what is missing, build, run unit and VM tests
# make demo       install what is missing, build, run the demo in a VM
# make bench      failover, false-failover and takeover benchmarks, shoal vs keepalived,
#                 and the packet-path benchmark, in VMs (bench/RESULTS.md)
# make install    install the module, the tool and the agent's systemd unit
#                 and example configuration (PREFIX, DESTDIR)
# make install-ocf  the Pacemaker resource agents ocf:shoal:service and
#                 ocf:shoal:persona, to $(OCFDIR)/resource.d/shoal (DESTDIR)
# make lint       checkpatch and sparse on the kernel sources

# The running kernel's build tree if it has one, else the newest installed.
KDIR ?= $(shell d=/lib/modules/$$(uname -r)/build; [ -d $$d ] && echo $$d || \
	  ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1)
PREFIX ?= /usr/local
DESTDIR ?=

all: module tool testlib

# The XDP kfunc needs the module's BTF, which Kbuild writes only when the
# build tree has a vmlinux, and Debian's has none: scripts/module-btf adds
# it after every link (Kbuild relinks the .ko every time).
module: build/btf-ids
	@test -n "$(KDIR)" || { echo "no kernel build tree found: install linux-headers-amd64 or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
	scripts/module-btf $(KDIR) kernel/shoal.ko build

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

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C tools clean
	$(MAKE) -C selftests/unit clean
	rm -rf build

.PHONY: all module tool testlib unit check demo bench install lint clean
