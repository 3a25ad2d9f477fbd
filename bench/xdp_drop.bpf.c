// SPDX-License-Identifier: GPL-2.0
/* The floor of the packet-path benchmark: drop every frame in the driver. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
