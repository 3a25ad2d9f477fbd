/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces shared by the parts of the shoal module.
 */
#ifndef _SHOAL_H
#define _SHOAL_H

#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include "../uapi/linux/shoal.h"

struct netlink_ext_ack;

/* A declared cluster member. Replaced, never modified, once published. */
struct shoal_node {
	struct rcu_head rcu;
	u32 id;
	u32 weight;
	u32 flags;
	u8 admin;
};

/* Everything shoal knows about one network namespace. */
struct shoal_net {
	struct net *net;
	/* serialises configuration changes; readers use RCU */
	struct mutex lock;
	/* bumped on every change of the node table, so dumps see changes */
	u32 node_gen;
	u32 local_id;
	/* cluster device; written under RTNL and lock, read under either */
	int ifindex;
	struct shoal_node __rcu *nodes[SHOAL_NODE_ID_MAX + 1];
};

extern unsigned int shoal_net_id;

static inline struct shoal_net *shoal_net(const struct net *net)
{
	return net_generic(net, shoal_net_id);
}

int shoal_pernet_init(void);
void shoal_pernet_uninit(void);
int shoal_netdev_init(void);
void shoal_netdev_uninit(void);
int shoal_cluster_set(struct shoal_net *sn, const u32 *node_id,
		      const int *ifindex, struct netlink_ext_ack *extack);

struct shoal_node *shoal_node_get(struct shoal_net *sn, u32 id);
struct shoal_node *shoal_node_get_locked(struct shoal_net *sn, u32 id);
int shoal_node_add(struct shoal_net *sn, const struct shoal_node *tmpl,
		   struct netlink_ext_ack *extack);
int shoal_node_replace(struct shoal_net *sn, const struct shoal_node *tmpl);
void shoal_node_del(struct shoal_net *sn, struct shoal_node *node);
void shoal_node_flush(struct shoal_net *sn);
void shoal_node_check_leaks(void);
u8 shoal_node_state(const struct shoal_node *node);

int shoal_genl_init(void);
void shoal_genl_uninit(void);
void shoal_notify_cluster(struct shoal_net *sn);
void shoal_notify_node(struct shoal_net *sn, const struct shoal_node *node,
		       u8 event);

#endif /* _SHOAL_H */
