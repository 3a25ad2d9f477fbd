/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces shared by the parts of the shoal module.
 */
#ifndef _SHOAL_H
#define _SHOAL_H

#include <linux/bitmap.h>
#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/list.h>
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

/* Who owns which bucket of a service; replaced as a whole on change. */
struct shoal_table {
	struct rcu_head rcu;
	u32 nbuckets;
	u8 *owner;		/* node id per bucket, 0 for none */
	unsigned long owned[];	/* buckets this node owns */
};

struct shoal_bucket_stats {
	atomic64_t rx_packets;
	atomic64_t rx_bytes;
	atomic64_t dropped;
};

union shoal_addr {
	__be32 ip;
	struct in6_addr ip6;
};

/* An address served by every member; see uapi/linux/shoal.h. */
struct shoal_service {
	struct hlist_node hnode;	/* in shoal_net.svc_hash, RCU */
	struct list_head list;		/* in shoal_net.services, in order */
	struct rcu_head rcu;
	union shoal_addr addr;
	u8 family;
	u8 proto;
	__be16 port;
	u8 hash;
	bool all_nodes;
	u32 nbuckets;
	int ifindex;			/* 0 once the device is gone */
	u8 mac[ETH_ALEN];
	DECLARE_BITMAP(nodes, SHOAL_NODE_ID_MAX + 1);
	u8 *pins;			/* node id per bucket, 0: follow hash */
	struct shoal_table __rcu *table;
	struct shoal_bucket_stats *stats;
};

#define SHOAL_SVC_HASH_BITS	10

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

	/* services, in the order they were added */
	struct list_head services;
	unsigned int service_count;
	u32 service_gen;
	/* lookup by address for the packet path; allocated with the first
	 * service, when the hooks go in
	 */
	struct hlist_head *svc_hash;
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

struct shoal_service *shoal_service_lookup(struct shoal_net *sn, u8 family,
					   const union shoal_addr *addr);
struct shoal_service *shoal_service_find(struct shoal_net *sn, u8 family,
					 const union shoal_addr *addr);
int shoal_service_add(struct shoal_net *sn, struct shoal_service *tmpl,
		      struct netlink_ext_ack *extack);
int shoal_service_set_nodes(struct shoal_net *sn, struct shoal_service *svc,
			    bool all, const unsigned long *nodes);
void shoal_service_del(struct shoal_net *sn, struct shoal_service *svc);
void shoal_service_flush(struct shoal_net *sn);
void shoal_service_unlink_dev(struct shoal_net *sn, int ifindex);
int shoal_service_pin(struct shoal_net *sn, struct shoal_service *svc,
		      u32 bucket, u32 node);
void shoal_services_recompute(struct shoal_net *sn);
unsigned int shoal_addr_words(u8 family, const __be32 *addr, u32 *words);
void shoal_service_mac(u8 family, const union shoal_addr *addr, u8 *mac);
void shoal_service_stats(const struct shoal_service *svc, u32 first,
			 u32 count, u64 *packets, u64 *bytes, u64 *dropped);

int shoal_filter_start(struct net *net);
void shoal_filter_stop(struct net *net);
u32 shoal_flow_bucket(const struct shoal_service *svc, const __be32 *saddr,
		      __be16 sport, __be16 dport);

int shoal_genl_init(void);
void shoal_genl_uninit(void);
void shoal_notify_cluster(struct shoal_net *sn);
void shoal_notify_node(struct shoal_net *sn, const struct shoal_node *node,
		       u8 event);
void shoal_notify_service(struct shoal_net *sn,
			  const struct shoal_service *svc, u8 event);
void shoal_notify_moves(struct shoal_net *sn, const struct shoal_service *svc,
			u32 count, u32 from, u32 to);

#endif /* _SHOAL_H */
