// SPDX-License-Identifier: GPL-2.0
/* Someone else's XDP program, which shoal must leave alone. */
#include <linux/bpf.h>

__attribute__((section("xdp"), used))
int pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

__attribute__((section("license"), used))
char _license[] = "GPL";
