/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels shoal builds on, 6.1 and 6.12, behind
 * small helpers: the rest of the code reads the same on both.
 */
#ifndef _SHOAL_COMPAT_H
#define _SHOAL_COMPAT_H

#include <linux/btf_ids.h>
#include <linux/netdevice.h>
#include <linux/version.h>
#include <net/genetlink.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>	/* skb_gso_validate_network_len() */
#endif

/* The attributes a dump request came with. */
static inline struct nlattr **shoal_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * A device that stays in the namespace it was made in, and needs no lock
 * to send. (The namespace flag was named netns_local before 6.13 and
 * stable kernels that took the rename; Kbuild tells which.)
 */
static inline void shoal_dev_local_lockless(struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	dev->lltx = true;
#ifdef SHOAL_HAVE_NETNS_IMMUTABLE
	dev->netns_immutable = true;
#else
	dev->netns_local = true;
#endif
#else
	dev->features |= NETIF_F_NETNS_LOCAL | NETIF_F_LLTX;
#endif
}

/* A set of kfuncs: marked as such since 6.9, which refuses one that is not. */
#ifdef BTF_KFUNCS_START
#define SHOAL_KFUNCS_START(name)	BTF_KFUNCS_START(name)
#define SHOAL_KFUNCS_END(name)		BTF_KFUNCS_END(name)
#else
#define SHOAL_KFUNCS_START(name)	BTF_SET8_START(name)
#define SHOAL_KFUNCS_END(name)		BTF_SET8_END(name)
#endif

#endif /* _SHOAL_COMPAT_H */
