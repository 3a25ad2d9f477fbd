// SPDX-License-Identifier: GPL-2.0
/*
 * Personas: identities that live on one node at a time. This file keeps
 * their configuration; persona_dev.c is their interface.
 *
 * The list changes under RTNL and sn->lock (an interface comes and goes
 * with each persona) and is read under RCU by the packet path.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "shoal.h"

void shoal_persona_net_init(struct shoal_net *sn)
{
	INIT_LIST_HEAD(&sn->personas);
	spin_lock_init(&sn->persona_lock);
	sn->persona_gen = 1;
}

/* Caller holds sn->lock or RCU. */
struct shoal_persona *shoal_persona_find(struct shoal_net *sn,
					 const char *name)
{
	struct shoal_persona *p;

	list_for_each_entry_rcu(p, &sn->personas, list,
				lockdep_is_held(&sn->lock))
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

static struct shoal_persona *shoal_persona_by_mac_locked(struct shoal_net *sn,
							 const u8 *mac)
{
	struct shoal_persona *p;

	list_for_each_entry(p, &sn->personas, list)
		if (ether_addr_equal(p->mac, mac))
			return p;
	return NULL;
}

static bool shoal_persona_nodes_declared(struct shoal_net *sn,
					 const struct shoal_persona *tmpl,
					 struct netlink_ext_ack *extack)
{
	unsigned int i;

	for (i = 0; i < tmpl->nnodes; i++) {
		if (!shoal_node_get_locked(sn, tmpl->nodes[i])) {
			NL_SET_ERR_MSG(extack,
				       "the node list names a node that is not declared");
			return false;
		}
	}
	return true;
}

int shoal_persona_add(struct shoal_net *sn, const struct shoal_persona *tmpl,
		      struct netlink_ext_ack *extack)
{
	struct net_device *lower;
	struct shoal_persona *p;
	int err;

	rtnl_lock();
	mutex_lock(&sn->lock);
	err = -EEXIST;
	if (shoal_persona_find(sn, tmpl->name)) {
		NL_SET_ERR_MSG(extack, "a persona with this name exists");
		goto out;
	}
	if (shoal_persona_by_mac_locked(sn, tmpl->mac)) {
		NL_SET_ERR_MSG(extack, "another persona has this MAC");
		goto out;
	}
	err = -ENOSPC;
	if (sn->persona_count >= SHOAL_PERSONAS_MAX) {
		NL_SET_ERR_MSG(extack, "too many personas in this namespace");
		goto out;
	}
	err = -ENOENT;
	if (!shoal_persona_nodes_declared(sn, tmpl, extack))
		goto out;
	err = -ENODEV;
	lower = sn->ifindex ? __dev_get_by_index(sn->net, sn->ifindex) : NULL;
	if (!lower) {
		NL_SET_ERR_MSG(extack,
			       "personas need the cluster device: shoal cluster set dev DEV");
		goto out;
	}
	err = -EADDRINUSE;
	if (ether_addr_equal(lower->dev_addr, tmpl->mac)) {
		NL_SET_ERR_MSG(extack, "the MAC is the cluster device's own");
		goto out;
	}

	err = -ENOMEM;
	p = kmemdup(tmpl, sizeof(*p), GFP_KERNEL);
	if (!p)
		goto out;
	INIT_LIST_HEAD(&p->list);
	p->dev = NULL;
	p->owner = 0;
	p->epoch = 0;
	p->state = SHOAL_PERSONA_STANDBY;
	err = shoal_persona_dev_create(sn, p, lower, extack);
	if (err) {
		kfree(p);
		goto out;
	}
	list_add_tail_rcu(&p->list, &sn->personas);
	sn->persona_count++;
	sn->persona_gen++;
	shoal_notify_persona(sn, p, SHOAL_EVENT_PERSONA_ADDED);
out:
	mutex_unlock(&sn->lock);
	rtnl_unlock();
	return err;
}

/* Caller holds RTNL and sn->lock. */
static void shoal_persona_unlink(struct shoal_net *sn, struct shoal_persona *p,
				 struct list_head *kill)
{
	shoal_notify_persona(sn, p, SHOAL_EVENT_PERSONA_DELETED);
	list_del_rcu(&p->list);
	sn->persona_count--;
	sn->persona_gen++;
	shoal_persona_dev_destroy(sn, p, kill);
	kfree_rcu(p, rcu);
}

/* Caller holds RTNL and sn->lock. */
void shoal_persona_del(struct shoal_net *sn, struct shoal_persona *p)
{
	ASSERT_RTNL();
	lockdep_assert_held(&sn->lock);
	shoal_persona_unlink(sn, p, NULL);
	shoal_persona_dev_release_lower(sn);
}

/*
 * The cluster device is going away (its NETDEV_UNREGISTER, under RTNL):
 * its personas go with it, their interfaces unregistered with it.
 */
void shoal_persona_unlink_dev(struct shoal_net *sn, struct net_device *dev)
{
	struct shoal_persona *p, *tmp;
	LIST_HEAD(kill);

	ASSERT_RTNL();
	if (sn->persona_lower != dev)
		return;
	mutex_lock(&sn->lock);
	list_for_each_entry_safe(p, tmp, &sn->personas, list) {
		/* already going, in the same batch as the device */
		if (p->dev && p->dev->reg_state != NETREG_REGISTERED)
			WRITE_ONCE(p->dev, NULL);
		shoal_persona_unlink(sn, p, &kill);
	}
	shoal_persona_dev_release_lower(sn);
	mutex_unlock(&sn->lock);
	unregister_netdevice_many(&kill);
}

/* The namespace is going away. */
void shoal_persona_flush(struct shoal_net *sn)
{
	struct shoal_persona *p, *tmp;
	LIST_HEAD(kill);

	rtnl_lock();
	mutex_lock(&sn->lock);
	list_for_each_entry_safe(p, tmp, &sn->personas, list)
		shoal_persona_unlink(sn, p, &kill);
	shoal_persona_dev_release_lower(sn);
	mutex_unlock(&sn->lock);
	unregister_netdevice_many(&kill);
	rtnl_unlock();
}
