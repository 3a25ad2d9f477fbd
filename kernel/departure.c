// SPDX-License-Identifier: GPL-2.0
/*
 * Saying goodbye: a node that goes away tells the others, so that they
 * take its work over at once instead of after the dead time. Leaving by
 * command, with the cluster device or the namespace is cluster.c's; here
 * is what no namespace asks for: the machine rebooting or shutting down
 * (reboot notifier), and the kernel panicking. From the panic path no
 * lock can be taken and no work run: the frame goes out through netpoll,
 * which cluster devices such as virtio_net and veth support.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netpoll.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/reboot.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "shoal.h"

/* Every namespace's shoal state; RCU, so that a panic can walk it. */
static LIST_HEAD(shoal_nets);
static DEFINE_MUTEX(shoal_nets_lock);

void shoal_departure_net_init(struct shoal_net *sn)
{
	mutex_lock(&shoal_nets_lock);
	list_add_rcu(&sn->all, &shoal_nets);
	mutex_unlock(&shoal_nets_lock);
}

/*
 * The namespace goes: a reboot no longer sees it, a panic no longer once
 * the grace period that the core waits for before its exit is over.
 */
void shoal_departure_net_exit(struct shoal_net *sn)
{
	mutex_lock(&shoal_nets_lock);
	list_del_rcu(&sn->all);
	mutex_unlock(&shoal_nets_lock);
}

/*
 * A netpoll instance on the cluster device, for the panic path; NULL if
 * there is no device or it cannot do netpoll (the node then goes
 * unannounced when it panics). Caller holds RTNL.
 */
struct netpoll *shoal_netpoll_open(struct net_device *dev)
{
	struct netpoll *np;

	ASSERT_RTNL();
	if (!dev)
		return NULL;
	np = kzalloc(sizeof(*np), SHOAL_GFP);
	if (!np)
		return NULL;
	np->name = KBUILD_MODNAME;
	if (__netpoll_setup(np, dev)) {
		netdev_info(dev, "no netpoll: a panic here will not be announced\n");
		kfree(np);
		return NULL;
	}
	return np;
}

/* Caller holds RTNL; no frame is sent through np from now on. */
void shoal_netpoll_close(struct netpoll *np)
{
	ASSERT_RTNL();
	if (np)
		__netpoll_free(np);
}

/* Every namespace leaves its cluster. */
static void shoal_departure_all(void)
{
	struct shoal_net *sn;

	mutex_lock(&shoal_nets_lock);
	list_for_each_entry(sn, &shoal_nets, all)
		shoal_cluster_shutdown(sn);
	mutex_unlock(&shoal_nets_lock);
}

/* The machine reboots, halts or powers off. */
static int shoal_reboot(struct notifier_block *nb, unsigned long action,
			void *data)
{
	shoal_departure_all();
	return NOTIFY_DONE;
}

static struct notifier_block shoal_reboot_nb = {
	.notifier_call = shoal_reboot,
};

/*
 * The kernel panics, the other CPUs stopped: for every namespace whose
 * heartbeats run, frames that say it leaves, through netpoll. Nothing
 * is freed here, nothing waited for.
 */
static int shoal_panic(struct notifier_block *nb, unsigned long action,
		       void *data)
{
	struct shoal_net *sn;

	rcu_read_lock();
	list_for_each_entry_rcu(sn, &shoal_nets, all)
		shoal_hb_panic(sn);
	rcu_read_unlock();
	return NOTIFY_DONE;
}

static struct notifier_block shoal_panic_nb = {
	.notifier_call = shoal_panic,
	/* before others that may never return (kdump's, a panic timeout) */
	.priority = INT_MAX,
};

int shoal_departure_init(void)
{
	int err;

	err = register_reboot_notifier(&shoal_reboot_nb);
	if (err)
		return err;
	atomic_notifier_chain_register(&panic_notifier_list, &shoal_panic_nb);
	return 0;
}

/*
 * The module goes: every namespace leaves first, while its cluster device
 * still takes frames (unregistering the device notifier next replays the
 * devices' removal, which would stop heartbeats without a word).
 */
void shoal_departure_uninit(void)
{
	atomic_notifier_chain_unregister(&panic_notifier_list, &shoal_panic_nb);
	unregister_reboot_notifier(&shoal_reboot_nb);
	shoal_departure_all();
}
