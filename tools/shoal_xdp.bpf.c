// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP program "shoal service set ADDR xdp on" attaches: the verdict is
 * the module's, from the very tables its netfilter hooks read, so this
 * holds no state of its own and cannot fall out of step with them.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int shoal_xdp_verdict(struct xdp_md *ctx) __ksym;

SEC("xdp")
int shoal_xdp(struct xdp_md *ctx)
{
	return shoal_xdp_verdict(ctx);
}

/* kfuncs are for GPL-compatible programs only */
char LICENSE[] SEC("license") = "GPL";
