// SPDX-License-Identifier: GPL-2.0
/* Pass every frame: what having any XDP program on the NIC costs. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
