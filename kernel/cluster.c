// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace cluster state: this namespace's node id and the device
 * that carries cluster traffic.
 */
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/netlink.h>

#include "shoal.h"

unsigned int shoal_net_id __read_mostly;

int shoal_cluster_set(struct shoal_net *sn, const struct shoal_cluster_cfg *cfg,
		      struct netlink_ext_ack *extack)
{
	const u32 *node_id = cfg->node_id;
	const int *ifindex = cfg->ifindex, *ifindex2 = cfg->ifindex2;
	struct shoal_hb_state *fresh;
	int link2, err = 0;

	/*
	 * All or nothing: whatever can fail is checked, or allocated, before
	 * anything changes. Heartbeats may start with this change.
	 */
	fresh = shoal_hb_alloc();
	if (!fresh) {
		NL_SET_ERR_MSG(extack,
			       "cannot allocate the heartbeat state: out of memory");
		return -ENOMEM;
	}
	/*
	 * RTNL keeps the device from going away between the check and the
	 * store; the unregister notifier runs under it too.
	 */
	rtnl_lock();
	if (ifindex) {
		struct net_device *dev = __dev_get_by_index(sn->net, *ifindex);

		if (!dev) {
			NL_SET_ERR_MSG_ATTR(extack, cfg->ifindex_attr,
					    "device does not exist in this namespace");
			err = -ENODEV;
		} else if (shoal_is_persona_dev(dev)) {
			NL_SET_ERR_MSG_ATTR(extack, cfg->ifindex_attr,
					    "a persona's interface cannot be the cluster device");
			err = -EINVAL;
		}
		if (err)
			goto out_rtnl;
	}
	if (ifindex2 && *ifindex2) {
		struct net_device *dev = __dev_get_by_index(sn->net, *ifindex2);

		if (!dev) {
			NL_SET_ERR_MSG_ATTR(extack, cfg->ifindex2_attr,
					    "second link: device does not exist in this namespace");
			err = -ENODEV;
		} else if (shoal_is_persona_dev(dev)) {
			NL_SET_ERR_MSG_ATTR(extack, cfg->ifindex2_attr,
					    "a persona's interface cannot be a heartbeat link");
			err = -EINVAL;
		}
		if (err)
			goto out_rtnl;
	}
	mutex_lock(&sn->lock);
	link2 = ifindex2 ? *ifindex2 : sn->ifindex2;
	if (link2 && link2 == (ifindex ? *ifindex : sn->ifindex)) {
		NL_SET_ERR_MSG_ATTR(extack, ifindex2 ? cfg->ifindex2_attr :
					    cfg->ifindex_attr,
				    "the second heartbeat link must be another device than the cluster device");
		err = -EINVAL;
		goto out;
	}
	/* their interfaces sit on it: one cluster device at a time */
	if (ifindex && sn->ifindex && *ifindex != sn->ifindex &&
	    sn->persona_count) {
		NL_SET_ERR_MSG(extack,
			       "personas live on the cluster device: delete them before changing it");
		err = -EBUSY;
		goto out;
	}
	if (cfg->clear_key && rcu_access_pointer(sn->hb)) {
		NL_SET_ERR_MSG(extack,
			       "heartbeats run with the key: leave the cluster first");
		err = -EBUSY;
		goto out;
	}
	if ((cfg->interval || cfg->dead) && !cfg->key &&
	    (!sn->has_key || cfg->clear_key)) {
		NL_SET_ERR_MSG(extack,
			       "heartbeats need a key: make one with \"shoal key generate\"");
		err = -ENOKEY;
		goto out;
	}
	if (ifindex) {
		WRITE_ONCE(sn->ifindex, *ifindex);
		shoal_service_adopt_dev(sn, __dev_get_by_index(sn->net,
							       *ifindex));
	}
	WRITE_ONCE(sn->ifindex2, link2);
	if (cfg->key) {
		memcpy(sn->key, cfg->key, SHOAL_KEY_LEN);
		sn->has_key = true;
	}
	if (cfg->clear_key) {
		memzero_explicit(sn->key, sizeof(sn->key));
		sn->has_key = false;
	}
	if (cfg->interval)
		sn->interval_ms = *cfg->interval;
	if (cfg->dead)
		sn->dead = *cfg->dead;
	if (cfg->quorum)
		sn->quorum = *cfg->quorum;
	if (cfg->hold_timeout)
		WRITE_ONCE(sn->hold_timeout, *cfg->hold_timeout);
	if (cfg->pushed_load) {
		WRITE_ONCE(sn->pushed_load, *cfg->pushed_load);
		shoal_pools_announce(sn);
		shoal_pools_kick(sn);
	}
	if (node_id)
		WRITE_ONCE(sn->local_id, *node_id);
	/* after a leave, heartbeats set up again bring this node back */
	if (sn->left == SHOAL_LEFT_COMMAND && (cfg->node_id || cfg->ifindex ||
					       cfg->key || cfg->interval ||
					       cfg->dead))
		sn->left = SHOAL_LEFT_NO;
	/* cannot fail: fresh is there if heartbeats start */
	shoal_hb_update(sn, &fresh);
	shoal_notify_cluster(sn);
	/* members not heard yet when heartbeats start are down by timeout */
	shoal_nodes_changed(sn, SHOAL_REASON_UNSPEC);
out:
	mutex_unlock(&sn->lock);
out_rtnl:
	rtnl_unlock();
	shoal_hb_free(fresh);
	return err;
}

/*
 * This node leaves the cluster, for why: it stops serving (its buckets
 * and personas), then its heartbeats say it leaves and stop, so that the
 * others take its work over at once. Caller holds RTNL and sn->lock.
 */
static void shoal_cluster_depart(struct shoal_net *sn, u8 why)
{
	ASSERT_RTNL();
	lockdep_assert_held(&sn->lock);
	if (sn->left)
		return;
	sn->left = why;
	shoal_nodes_changed(sn, SHOAL_REASON_ADMIN);
	shoal_persona_leave(sn);
	shoal_hb_update(sn, NULL);
	shoal_notify_cluster(sn);
}

int shoal_cluster_leave(struct shoal_net *sn, struct netlink_ext_ack *extack)
{
	int err = 0;

	rtnl_lock();
	mutex_lock(&sn->lock);
	if (!rcu_access_pointer(sn->hb)) {
		NL_SET_ERR_MSG(extack,
			       "heartbeats do not run: this node is in no cluster to leave");
		err = -ENOTCONN;
	} else {
		shoal_cluster_depart(sn, SHOAL_LEFT_COMMAND);
	}
	mutex_unlock(&sn->lock);
	rtnl_unlock();
	return err;
}

/* The machine reboots or shuts down (departure.c). */
void shoal_cluster_shutdown(struct shoal_net *sn)
{
	rtnl_lock();
	mutex_lock(&sn->lock);
	if (!sn->dying)
		shoal_cluster_depart(sn, SHOAL_LEFT_EXIT);
	mutex_unlock(&sn->lock);
	rtnl_unlock();
}

/*
 * The cluster device is being removed: it goes down first, and then
 * frames can no longer be sent. Leave while they can. (A device merely
 * set down is a failure like any other: the others notice the silence.)
 */
static void shoal_cluster_dismantle(struct shoal_net *sn,
				    struct net_device *dev)
{
	mutex_lock(&sn->lock);
	if (!sn->dying && READ_ONCE(sn->ifindex) == dev->ifindex &&
	    rcu_access_pointer(sn->hb))
		shoal_cluster_depart(sn, SHOAL_LEFT_DEVICE);
	mutex_unlock(&sn->lock);
}

static bool shoal_link_running(struct shoal_net *sn, int ifindex)
{
	struct net_device *dev;

	dev = ifindex ? __dev_get_by_index(sn->net, ifindex) : NULL;
	return dev && netif_running(dev);
}

/*
 * A heartbeat link is up again after it was set down. If the other link
 * was down too (or there is none), this node heard nobody meanwhile, and
 * what it made of that (everyone else down) is stale. It starts anew, as
 * a node that restarts: it takes nothing, and so resets no connection
 * the others took meanwhile, until it has heard them. Caller holds RTNL.
 */
static void shoal_cluster_link_up(struct shoal_net *sn, struct net_device *dev)
{
	int other;

	mutex_lock(&sn->lock);
	if (dev->ifindex == sn->ifindex)
		other = sn->ifindex2;
	else if (dev->ifindex == sn->ifindex2)
		other = sn->ifindex;
	else
		goto out;
	if (!sn->dying && !shoal_link_running(sn, other) &&
	    rcu_access_pointer(sn->hb)) {
		if (shoal_hb_restart(sn))
			netdev_warn(dev, "could not start heartbeats again\n");
		shoal_notify_cluster(sn);
		shoal_nodes_changed(sn, SHOAL_REASON_UNSPEC);
	}
out:
	mutex_unlock(&sn->lock);
}

static int shoal_netdev_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct shoal_net *sn;

	if (event == NETDEV_GOING_DOWN && dev->dismantle &&
	    !shoal_is_persona_dev(dev)) {
		shoal_cluster_dismantle(shoal_net(dev_net(dev)), dev);
		return NOTIFY_DONE;
	}
	if (event == NETDEV_UP && !shoal_is_persona_dev(dev)) {
		shoal_cluster_link_up(shoal_net(dev_net(dev)), dev);
		return NOTIFY_DONE;
	}
	/*
	 * A device moving to another namespace is unregistered here too.
	 * Persona interfaces are never cluster or service devices, and are
	 * unregistered under sn->lock.
	 */
	if (event != NETDEV_UNREGISTER || shoal_is_persona_dev(dev))
		return NOTIFY_DONE;

	sn = shoal_net(dev_net(dev));
	/*
	 * Persona interfaces sit on the cluster device and must go first,
	 * even while the namespace's exit runs: from another namespace, the
	 * device can be deleted before the exit took the personas down
	 * (a veth's peer). That queues no work.
	 */
	shoal_persona_unlink_dev(sn, dev);
	/*
	 * Otherwise a dying namespace's devices go after shoal_net_exit(),
	 * which took down everything that named them: its state is not to
	 * be touched.
	 */
	if (sn->dying)
		return NOTIFY_DONE;
	shoal_service_unlink_dev(sn, dev->ifindex);
	if (READ_ONCE(sn->ifindex2) == dev->ifindex) {
		/* heartbeats go on over the cluster device alone */
		mutex_lock(&sn->lock);
		WRITE_ONCE(sn->ifindex2, 0);
		shoal_hb_update(sn, NULL);
		shoal_notify_cluster(sn);
		mutex_unlock(&sn->lock);
		return NOTIFY_DONE;
	}
	if (READ_ONCE(sn->ifindex) != dev->ifindex)
		return NOTIFY_DONE;

	mutex_lock(&sn->lock);
	WRITE_ONCE(sn->ifindex, 0);
	/* left with the device, if at all: a new device is a new start */
	if (sn->left == SHOAL_LEFT_DEVICE)
		sn->left = SHOAL_LEFT_NO;
	shoal_hb_update(sn, NULL);
	shoal_notify_cluster(sn);
	shoal_nodes_changed(sn, SHOAL_REASON_ADMIN);
	mutex_unlock(&sn->lock);
	return NOTIFY_DONE;
}

static struct notifier_block shoal_netdev_notifier = {
	.notifier_call = shoal_netdev_event,
};

/* set while the module loads: the namespaces older than it */
static bool shoal_net_loading;

static int __net_init shoal_net_init(struct net *net)
{
	struct shoal_net *sn = shoal_net(net);

	sn->net = net;
	/* the namespace's creator; none for one older than the module (the
	 * loader's, say a short-lived unit's, would be the wrong one to pin)
	 */
	sn->memcg = shoal_net_loading ? NULL :
		    get_mem_cgroup_from_mm(current->mm);
	sn->node_gen = 1;
	sn->service_gen = 1;
	INIT_LIST_HEAD(&sn->services);
	mutex_init(&sn->lock);
	skb_queue_head_init(&sn->ntf_held);
	sn->quorate = true;
	shoal_hb_net_init(sn);
	shoal_hold_net_init(sn);
	shoal_pool_net_init(sn);
	shoal_persona_net_init(sn);
	sn->rx_accepted = alloc_percpu_gfp(u64, SHOAL_GFP);
	if (!sn->rx_accepted) {
		mem_cgroup_put(sn->memcg);
		return -ENOMEM;
	}
	shoal_departure_net_init(sn);
	return 0;
}

/*
 * The namespace goes: the node leaves, while frames can still be sent, and
 * stops. The core waits for an RCU grace period after every namespace's
 * pre_exit, once for all of them, before the exit below: a frame received
 * meanwhile, or a panic walking the namespaces, is done with sn by then.
 */
static void __net_exit shoal_net_pre_exit(struct net *net)
{
	struct shoal_net *sn = shoal_net(net);

	shoal_departure_net_exit(sn);
	rtnl_lock();
	mutex_lock(&sn->lock);
	/* the others take over at once */
	shoal_cluster_depart(sn, SHOAL_LEFT_EXIT);
	WRITE_ONCE(sn->dying, true);
	WRITE_ONCE(sn->ifindex, 0);
	WRITE_ONCE(sn->ifindex2, 0);
	/* no device: heartbeats stop, their timers with them */
	shoal_hb_update(sn, NULL);
	mutex_unlock(&sn->lock);
	rtnl_unlock();
}

/*
 * The core unregisters the namespace's devices after this (we are a pernet
 * device), and frees sn after that: from here on nothing may act on sn but
 * this function, and the work it cancels must not be queued again.
 */
static void __net_exit shoal_net_exit(struct net *net)
{
	struct shoal_net *sn = shoal_net(net);

	shoal_persona_flush(sn);
	shoal_service_flush(sn);
	shoal_node_flush(sn);
	/* nothing can queue the work now; it may be running, but not again */
	shoal_hb_net_exit(sn);
	shoal_hold_net_exit(sn);
	shoal_pool_net_exit(sn);
	shoal_persona_net_exit(sn);
	free_percpu(sn->rx_accepted);
	mem_cgroup_put(sn->memcg);
	memzero_explicit(sn->key, sizeof(sn->key));
}

static struct pernet_operations shoal_net_ops = {
	.init = shoal_net_init,
	.pre_exit = shoal_net_pre_exit,
	.exit = shoal_net_exit,
	.id = &shoal_net_id,
	.size = sizeof(struct shoal_net),
};

/*
 * As a device, so that a dying namespace runs shoal_net_exit() before
 * the core unregisters the devices left: persona interfaces go first.
 */
int shoal_pernet_init(void)
{
	int err;

	shoal_net_loading = true;
	err = register_pernet_device(&shoal_net_ops);
	shoal_net_loading = false;
	return err;
}

void shoal_pernet_uninit(void)
{
	unregister_pernet_device(&shoal_net_ops);
}

/*
 * Unregistering replays NETDEV_UNREGISTER for every device, so the family
 * must still be registered then: the notifier goes last in, first out.
 */
int shoal_netdev_init(void)
{
	return register_netdevice_notifier(&shoal_netdev_notifier);
}

void shoal_netdev_uninit(void)
{
	unregister_netdevice_notifier(&shoal_netdev_notifier);
}
