/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces shared by the parts of the shoal module.
 */
#ifndef _SHOAL_H
#define _SHOAL_H

#include <linux/bitmap.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/list.h>
#include <linux/hrtimer.h>
#include <linux/memcontrol.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/seqlock.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include "../uapi/linux/shoal.h"
#include "compat.h"
#include "frame.h"
#include "member.h"

/*
 * A dereference on the packet path. The netfilter hooks run under
 * rcu_read_lock(); an XDP program, and so the kfunc, may run with only
 * bottom halves disabled, which is a read-side section as well.
 */
#define shoal_deref(p)	rcu_dereference_check(p, rcu_read_lock_bh_held())

/*
 * Memory kept for a namespace, or worked with for it: charged to a memory
 * cgroup (the caller's in a request, the namespace's in work items, see
 * shoal_charge_begin()), and refused when that is full, neither retried
 * hard nor paid for with an OOM kill.
 */
#define SHOAL_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

struct netlink_ext_ack;

/* A declared cluster member. Replaced, never modified, once published. */
struct shoal_node {
	struct rcu_head rcu;
	u32 id;
	u32 weight;
	u32 flags;
	u8 admin;
	u32 drain_timeout;	/* seconds; 0: the cluster's hold timeout */
	/* its own addresses, for distributors to reach it; 0/:: none */
	__be32 addr4;
	struct in6_addr addr6;
};

/* Fingerprints of held connected UDP flows, sorted. */
struct shoal_prints {
	struct rcu_head rcu;
	unsigned int n;
	u64 print[SHOAL_HB_PRINTS_MAX];
};

/*
 * The fingerprints the live members say they hold, for the packet path: in
 * the members' order (to tell a change) and sorted (to look one up).
 */
struct shoal_print_set {
	struct rcu_head rcu;
	unsigned int n;
	u64 *sorted;		/* print + n */
	u64 print[];
};

void shoal_prints_sort(u64 *print, unsigned int n);

/* Whether print is among the n sorted ones (shoal_prints_sort()). */
static inline bool shoal_print_find(const u64 *sorted, unsigned int n,
				    u64 print)
{
	unsigned int lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sorted[mid] == print)
			return true;
		if (sorted[mid] < print)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * What the packet path does with each bucket of a service; replaced as a
 * whole on change (hold.c).
 */
struct shoal_table {
	struct rcu_head rcu;
	u32 nbuckets;
	u8 *owner;		/* node id per bucket, 0 for none: the target */
	/* ours, but another node still holds flows in it: we take new
	 * flows and those we have a socket for
	 */
	unsigned long *contested;
	/* moved away from us; we keep the flows we have sockets for */
	unsigned long *holding;
	/* distributor mode only (else NULL): where a packet this node does
	 * not keep goes, the node that takes the bucket's new flows (0:
	 * none known), and for contested buckets the node we took it from
	 * (0: none)
	 */
	u8 *acting;
	u8 *taken;
	unsigned long owned[];	/* ours outright: every packet */
};

/* What became of a packet of a service: kept, dropped, passed on. */
enum shoal_fate {
	SHOAL_KEPT,
	SHOAL_DROPPED,
	SHOAL_XDP_DROPPED,		/* by the XDP program */
	SHOAL_FORWARDED,		/* passed on to another node */
	SHOAL_XDP_FORWARDED,		/* by the XDP program */
	SHOAL_FATES,
};

/*
 * A packet's counters: its bucket's count of its fate, the one counter
 * CPUs share (a namespace may have 2^20 buckets: per CPU they would cost
 * too much), and the service's totals, this CPU's. Bytes and new flows
 * are the service's alone. See Documentation/services.md, Counters.
 */
struct shoal_bucket_stats {
	atomic64_t n[SHOAL_FATES];
};

struct shoal_svc_stats {
	u64_stats_t n[SHOAL_FATES];
	u64_stats_t bytes;		/* of the packets kept */
	u64_stats_t new_flows;		/* of those, TCP SYNs */
	struct u64_stats_sync syncp;
};

/* The layout of an Ethernet/IPv4 ARP packet after its header. */
struct shoal_arp_body {
	u8 sha[ETH_ALEN];
	__be32 sip;
	u8 tha[ETH_ALEN];
	__be32 tip;
} __packed;

union shoal_addr {
	__be32 ip;
	struct in6_addr ip6;
};

/* An address served by every member; see uapi/linux/shoal.h. */
/* Node ids in an order that matters (first choice first), each once. */
struct shoal_node_list {
	u16 n;
	u8 id[SHOAL_NODE_ID_MAX];
};

/*
 * Counters sampled every step for a second (load.c): a rate over the last
 * second, whatever the heartbeat interval.
 */
#define SHOAL_LOAD_SAMPLES	16
struct shoal_load_window {
	u64 at[SHOAL_LOAD_SAMPLES];
	u64 a[SHOAL_LOAD_SAMPLES];
	u64 b[SHOAL_LOAD_SAMPLES];
	u8 head;
	u8 n;
};

/* A pool's decision, or a standby passed over, and why (pool.c). */
struct shoal_pool_decision {
	u8 event;			/* SHOAL_EVENT_POOL_*, 0: none yet */
	u8 member;			/* who joins, leaves or is passed over */
	u8 util;			/* what triggered it, SHOAL_UTIL_NONE */
	u8 why;				/* enum shoal_pool_why */
	u32 epoch;
	u8 decider;
	u64 at;				/* ktime_get_ns() */
};

/*
 * A service's elastic pool (pool.c): its settings, as the uapi's
 * SHOAL_A_POOL_*, and the decision it follows.
 */
struct shoal_pool {
	u8 min;
	u8 max;
	u8 up;				/* percent */
	u8 down;
	u16 hold;			/* s */
	u8 load;			/* enum shoal_load */
	u32 capacity;			/* a second, for load pps or conns */
	u32 epoch;			/* 0: no decision yet */
	u8 decider;
	u8 nactive;
	u8 active[SHOAL_POOL_MEMBERS];	/* in the order they joined */
	/* the regular members the service's ranks were computed with */
	u8 nranked;
	u8 ranked[SHOAL_POOL_MEMBERS];
	/* since when a member is busy, or all idle (0: not now); every
	 * decision starts them again
	 */
	u64 over_since;
	u64 under_since;
	u8 over_util;			/* the busiest member's, then */
	u8 under_util;			/* the busiest's while all idle */
	struct shoal_pool_decision last;
	u8 util;			/* this node's, last measured */
	struct shoal_load_window window;	/* of its packets kept */
	/* the reason each standby was last passed over for, said once */
	u8 skipped[SHOAL_NODE_ID_MAX + 1];
};

struct shoal_service {
	struct hlist_node hnode;	/* in shoal_net.svc_hash, RCU */
	struct list_head list;		/* in shoal_net.services, in order */
	struct rcu_head rcu;
	union shoal_addr addr;
	u8 family;
	u8 proto;
	__be16 port;
	u8 hash;
	u8 port_shift;			/* see shoal_flow_bucket() */
	u64 flow_hash_init;		/* shoal_flow_hash_init() */
	bool all_nodes;
	bool xdp;			/* XDP programs drop for it too */
	u64 xdp_match;			/* shoal_xdp_match() */
	u32 nbuckets;
	int ifindex;			/* 0 once the device is gone */
	u8 mac[ETH_ALEN];
	struct shoal_node_list nodes;	/* unless all_nodes */
	u8 mode;			/* enum shoal_service_mode */
	/* distributor mode: who may hold the address, in order (n 0: the
	 * service's nodes); who holds it now, under sn->lock, read
	 * locklessly; the nodes seen up, to tell one coming up
	 */
	struct shoal_node_list distributors;
	u32 holder;
	DECLARE_BITMAP(up_seen, SHOAL_NODE_ID_MAX + 1);
	struct shoal_pool *pool;	/* NULL: every member active */
	u8 *pins;			/* node id per bucket, 0: follow hash */
	/* SHOAL_RANKS identities per bucket, best first, for members_gen */
	u8 *rank;
	u64 ranked_gen;
	/*
	 * Ownership, under sn->lock (hold.c): who is to own each bucket,
	 * as computed from the members; who takes its new flows now, as
	 * far as this node knows; for buckets that are ours, the live node
	 * we took it from, which may still hold flows in it; the
	 * buckets we gave up while flows of ours are in them; and who
	 * owns each bucket as computed without this node.
	 */
	u8 *target;
	u8 *acting;
	u8 *taken;
	u8 *without;
	unsigned long *held;
	/* room for nbuckets bytes or bits, for work under sn->lock
	 * (recomputing, settling, counting held flows): allocated with the
	 * service, so that this work cannot fail for want of memory
	 */
	void *scratch;
	bool computed;			/* target was computed once */
	u64 digest;			/* of target, shoal_table_digest() */
	u32 held_flows;			/* flows counted in held buckets */
	u64 hold_until;			/* then held buckets are given up */
	struct shoal_table __rcu *table;
	struct shoal_bucket_stats *stats;
	struct shoal_svc_stats __percpu *totals;
	/*
	 * Configuration agreement (service.c): the digest of what of this
	 * service's configuration decides its buckets, as this node has
	 * it; as each node last said it in its heartbeats (written in
	 * softirq, with the bit after the digest); and the nodes out of
	 * the service because theirs is not the most common (this node's
	 * bit included), under sn->lock.
	 */
	u64 cfg_digest;
	u64 *cfg_peer;
	DECLARE_BITMAP(cfg_heard, SHOAL_NODE_ID_MAX + 1);
	DECLARE_BITMAP(cfg_out, SHOAL_NODE_ID_MAX + 1);
};

#define SHOAL_SVC_HASH_BITS	10
#define SHOAL_PERSONA_MAC_HASH_BITS	6

struct shoal_prefix {
	u8 family;
	u8 len;
	union shoal_addr addr;
};

struct shoal_disk {
	char name[SHOAL_DISK_NAME_MAX + 1];
	char spec[SHOAL_DISK_SPEC_MAX + 1];
};

/*
 * A persona deleted while this node held it: its heartbeats go on saying
 * it let go (fencing until its disks are idle, then released for dead
 * intervals), so that the others take it over at once. Under
 * sn->persona_lock.
 */
struct shoal_persona_gone {
	char name[IFNAMSIZ];		/* for its disks (shoal_dm_idle()) */
	u8 mac[ETH_ALEN];
	bool disks_idle;
	u32 epoch;
	u64 idle_since;
};

/*
 * A persona: configuration (the same on every node, fixed once added)
 * and this node's view of who owns it. The list and the configuration
 * change under sn->lock and are read under RCU; the view changes under
 * sn->persona_lock, also from the packet path.
 */
struct shoal_persona {
	struct list_head list;		/* in sn->personas, RCU */
	struct hlist_node mac_node;	/* in sn->persona_by_mac, RCU */
	struct rcu_head rcu;
	char name[IFNAMSIZ];
	u8 mac[ETH_ALEN];
	u16 vlan;
	u8 nnodes;			/* 0: every regular node */
	u8 nodes[SHOAL_NODE_ID_MAX];
	u8 ndisks;
	struct shoal_disk disks[SHOAL_PERSONA_DISKS_MAX];
	u8 naddrs;
	struct shoal_prefix addrs[SHOAL_PERSONA_ADDRS_MAX];
	struct net_device *dev;		/* its interface; under RTNL */
	bool addrs_on;			/* on it; under sn->lock */

	/* the view, under sn->persona_lock */
	u32 owner;			/* 0: none */
	u32 epoch;
	u8 state;			/* enum shoal_persona_state */
	u8 reason;			/* why state last changed */
	u8 released_by;			/* passed over for epoch + 1 */
	u8 prev_owner;			/* while claiming: who had it */
	bool prev_released;		/* ... and said it let go */
	u8 announced;			/* GARP rounds sent */
	bool disks_ready;
	/* fenced, and no bio of ours to its disks in flight (dm_target.c) */
	bool disks_idle;
	u32 held_epoch;			/* what we held, said as released */
	u64 changed;			/* ns of the last change of state */
	u64 idle_since;			/* disks_idle since then */
	u64 owner_heard;		/* when the owner last said it was */
	u64 added;			/* when this node learnt of it */
	u64 deadline;			/* claiming: activate anyway then */
	u64 ready_at;			/* active: disks ready then */
	u64 next_announce;
	u32 events;			/* BIT(SHOAL_EVENT_*) to report */
	/*
	 * Its configuration's digest, as each node last said it (written
	 * in softirq, the bit after the digest), and the live nodes whose
	 * digest differs from ours, as last reported (under sn->lock).
	 */
	u64 cfg_digest;
	u64 cfg_peer[SHOAL_NODE_ID_MAX + 1];
	DECLARE_BITMAP(cfg_heard, SHOAL_NODE_ID_MAX + 1);
	DECLARE_BITMAP(cfg_differs, SHOAL_NODE_ID_MAX + 1);
};

/*
 * Whether this node speaks for p now, and at which epoch: the packet
 * path's reading of p's view, without persona_lock. The epoch changes
 * only while p is not active.
 */
static inline bool shoal_persona_speaks(const struct shoal_persona *p,
					u32 *epoch)
{
	/* pairs with shoal_persona_activate(): the epoch is set before */
	if (smp_load_acquire(&p->state) != SHOAL_PERSONA_ACTIVE)
		return false;
	if (epoch)
		*epoch = READ_ONCE(p->epoch);
	return true;
}

/*
 * A persona's interface. Who owns the persona is its view alone; the
 * interface points at it (NULL once the persona is being deleted, before
 * it is freed by RCU) and keeps no copy.
 */
struct shoal_persona_priv {
	struct shoal_net *sn;
	struct net_device *lower;
	struct shoal_persona __rcu *persona;
	u16 vlan;
};

/* Heartbeats go over the cluster device (link 0) and a second link (1). */
#define SHOAL_HB_LINKS	2

/* Heartbeat frame counters, for a node or the whole namespace. */
struct shoal_hb_stats {
	u64 tx, rx, lost, rejected;
	u64 bad_mac, replayed, malformed, foreign, unknown, unverified;
	u64 duplicate;		/* heard again over the other link */
	u64 stalled_ms;		/* the namespace's only */
};

/* What heartbeats tell of one node. */
struct shoal_peer {
	u64 nonce;		/* the boot we count */
	u64 old_nonces[4];	/* earlier boots, never taken back */
	struct shoal_seqwin win;	/* its sequence numbers seen */
	u64 last_heard;		/* ktime_get_ns() of its last fresh frame */
	u64 stalled_at;		/* hb->stalled then */
	u64 grace_end;		/* relayed still: counts until then */
	u64 load_pps;
	/* what its newest frame says of its tables and holds */
	u64 top_seq;		/* that frame's sequence number */
	u64 digest;
	u32 held;
	bool has_digest;
	bool holding;
	bool left;		/* it said it was leaving: no member */
	bool has_key;		/* it has our keys[0], its last frame says */
	u8 nprints;
	u64 prints[SHOAL_HB_PRINTS_MAX];
	u8 npools;		/* its pool entries (pool.c) */
	struct shoal_hb_pool pools[SHOAL_HB_POOLS_MAX];
	u32 interval_ms;	/* as the node announces it */
	struct shoal_lateness late;	/* of its frames: its deadline's margin */
	u8 rise;		/* frames in a row toward coming up */
	u8 reason;		/* why it last left or joined the view */
	bool heard;		/* a boot of it was verified */
	bool alive;		/* counted alive from its own frames */
	bool starting;		/* its latest frame says it is starting */
	bool confirms;		/* ... and echoes a frame of our boot */
	/* a boot heard but not shown recent yet: what to echo to it */
	u64 cand_nonce;
	u64 cand_seq;
	u64 cand_heard;		/* when it last advanced */
	u32 cand_interval_ms;
	bool restarted;		/* its old boot counted: not yet reported */
	/* when it last left the members while heard only through others */
	u64 left_unheard;
	/* per heartbeat link: its boot and sequence numbers heard there,
	 * so that the copy of a frame heard over the other link is told
	 * from a replay, and a link it is silent on is seen
	 */
	u64 link_nonce[SHOAL_HB_LINKS];
	struct shoal_seqwin link_win[SHOAL_HB_LINKS];
	u8 links;		/* bit per link it is heard on */
	u8 links_told;		/* as last reported */
	struct shoal_hb_stats stats;
};

/* What replies tell of a node from its heartbeats (shoal_hb_peer()). */
struct shoal_peer_info {
	bool heard;
	u64 since_ms;		/* since its last fresh frame, if heard */
	u64 load_pps;
	u8 links;		/* bit per link it is heard on, if live */
	u32 down_after_us;	/* the silence it is declared down after */
	struct shoal_hb_stats stats;
};

struct shoal_net;

/* A sender's virtual LAN frames as received: its boot, and the sequence
 * numbers seen of it, so that a frame is taken once. Taken in softirq.
 */
struct shoal_vlan_rx {
	spinlock_t lock;		/* the two below */
	u64 nonce;
	struct shoal_seqwin win;
};

/* A cluster key as frames use it (shoal_hb_key_init()). */
struct shoal_hb_key {
	siphash_key_t mac[2];	/* heartbeat tags: a half of the key each */
	siphash_key_t vlan;	/* virtual LAN tags */
	u32 cluster_id;
};

/* A running heartbeat instance; exists while heartbeats run. */
struct shoal_hb_state {
	struct rcu_head rcu;
	struct shoal_net *sn;
	u32 node_id;			/* the id it speaks for */
	struct hrtimer timer;		/* sends */
	struct hrtimer check_timer;	/* at the earliest deadline */
	/* everything below; taken in softirq */
	spinlock_t lock;
	/*
	 * keys[0]: the configured key. keys[1], while the key changes
	 * (key_change), the one before it: frames go out under it until
	 * every node heard has said it has the new one, so that a rolling
	 * change declares nobody down; then under the new one, and the old
	 * is still taken until old_key_end. The virtual LAN path reads
	 * them under key_seq.
	 */
	struct shoal_hb_key keys[2];
	u8 key_change;			/* enum shoal_key_change */
	u64 old_key_end;
	seqcount_spinlock_t key_seq;
	/* virtual LAN frames: the last sequence number sent, and per sender
	 * what was received (persona_vlan.c)
	 */
	atomic64_t vlan_seq_tx;
	struct shoal_vlan_rx vlan_rx[SHOAL_NODE_ID_MAX + 1];
	u32 interval_ms;
	u32 dead;
	u64 nonce;
	u64 seq;
	u64 load_total, load_time, load_pps;
	struct shoal_hb_stats stats;
	u64 reported_rejected, auth_event_time;
	/* the members or what they said changed: hb_work recomputes. Not
	 * set by a rejected frame, which costs a counter and no more
	 */
	bool members_changed;
	u32 rejected_claim;	/* node all rejects claimed, U32_MAX: several */
	/* time our send tick was overdue, in all: we could hear nobody */
	u64 stalled;
	u64 stall_mark;		/* counted up to then */
	u64 ran;		/* when a timer of ours last ran */
	u64 stall_end;		/* when it last ran an interval late */
	u64 started;		/* when this instance started */
	u64 first_seq;		/* none sent: peers' echoes of later ones
				 * confirm us
				 */
	bool starting;		/* not heard the others yet: no member */
	bool leaving;		/* frames say so; sent as it stops */
	/* the links through netpoll, for the panic path */
	struct netpoll *np[SHOAL_HB_LINKS];
	/* a live peer's links changed: hb_work reports it */
	bool links_changed;
	/* this node's tables and holds, as its frames say them */
	u64 digest;
	u32 held;
	bool holding;
	u8 nprints;
	u64 prints[SHOAL_HB_PRINTS_MAX];
	/* this node's pool entries, as its frames say them */
	u8 npools;
	struct shoal_hb_pool pools[SHOAL_HB_POOLS_MAX];
	/* its services' and personas' configuration digests
	 * (shoal_hb_set_cfgs()), a few a frame, in turn from cfg_next
	 */
	u16 ncfgs;
	u16 cfg_next;
	struct shoal_hb_cfg cfgs[SHOAL_SERVICES_MAX + SHOAL_PERSONAS_MAX];
	/* what the live members hold, for the packet path; under lock */
	struct shoal_print_set __rcu *held_prints;
	/* the members, as computed from everything heard (member.h) */
	struct shoal_idset view;
	bool alone;		/* stopped starting with nobody heard */
	/* persona entries for the frame being built */
	struct shoal_hb_entry entries[SHOAL_HB_ENTRIES_MAX];
	struct shoal_peer peers[SHOAL_NODE_ID_MAX + 1];
	/* what each peer's latest frame says of the others */
	struct shoal_member_report reports[SHOAL_NODE_ID_MAX + 1];
};

/* Everything shoal knows about one network namespace. */
struct shoal_net {
	struct net *net;
	/* what work items charge: the cgroup of who made the namespace */
	struct mem_cgroup *memcg;
	struct list_head all;		/* every namespace's (departure.c) */
	/* shoal_net_exit() has begun: nothing acts on the rest but it.
	 * Set under RTNL and lock.
	 */
	bool dying;
	/* serialises configuration changes; readers use RCU */
	struct mutex lock;
	/* events made while ownership changes, sent once the tables are
	 * published (shoal_ntf_hold()): a listener woken by one would
	 * otherwise delay the publishing
	 */
	struct sk_buff_head ntf_held;
	bool ntf_holding;
	/* bumped on every change of the node table, so dumps see changes */
	u32 node_gen;
	/* bumped when a node is added or removed or its weight or flags
	 * change: what bucket rankings depend on (not up or down)
	 */
	u64 members_gen;
	/* for recomputing services, under lock */
	struct shoal_member members[SHOAL_NODE_ID_MAX];
	struct shoal_candidate cand[SHOAL_NODE_ID_MAX];
	/* the services' configuration digests, as our frames are to say
	 * them, changed since heartbeats last took them
	 */
	bool cfgs_changed;
	/* room for the votes on a service's configuration, under lock */
	struct shoal_cfg_vote {
		u64 digest;
		u32 id;
	} votes[SHOAL_NODE_ID_MAX + 1];

	/* what one node's frames say of the pools, and what ours are to
	 * say: room for pool.c's work under lock, which so cannot fail
	 */
	struct shoal_hb_pool pools_heard[SHOAL_HB_POOLS_MAX];
	struct shoal_hb_pool pools_said[SHOAL_HB_POOLS_MAX];
	u32 local_id;
	/* cluster device, and a second heartbeat link (0: none); written
	 * under RTNL and lock, read under either
	 */
	int ifindex;
	int ifindex2;
	struct shoal_node __rcu *nodes[SHOAL_NODE_ID_MAX + 1];

	/* services, in the order they were added */
	struct list_head services;
	unsigned int service_count;
	u32 service_gen;
	/* lookup by address for the packet path; allocated with the first
	 * service, when the hooks go in; written under sn->lock
	 */
	struct hlist_head __rcu *svc_hash;
	/* services and personas: whether the ARP_OUT hook is in; RTNL */
	unsigned int arp_out_users;

	/* this node left the cluster (cluster leave): it serves nothing
	 * until heartbeats are set up again
	 */
	u8 left;			/* enum shoal_left */
	/* seconds flows are held after their bucket moved away */
	u32 hold_timeout;
	/* this node was away (not a member, or without quorum): the others
	 * served its buckets meanwhile, and may hold flows in them still; it
	 * takes them back from those (svc->without) once all agree
	 */
	bool returning;
	/* judges the pools, every heartbeat interval while there are any */
	struct delayed_work pool_work;
	struct shoal_load_window cpu_window;	/* load.c */
	/* percent, for pools whose load is pushed; SHOAL_UTIL_NONE: none */
	u8 pushed_load;
	/* the connected UDP flows held (shoal_flow_print()), for heartbeats
	 * and the packet path; under lock, read under RCU
	 */
	struct shoal_prints __rcu *prints;
	/* counts held flows, and gives up buckets with none left */
	struct delayed_work hold_work;
	/* nodes whose drain was last reported as done */
	DECLARE_BITMAP(reported_drained, SHOAL_NODE_ID_MAX + 1);

	/* packets services kept, for the load heartbeats report */
	u64 __percpu *rx_accepted;

	/* heartbeat configuration, under lock */
	u8 key[SHOAL_KEY_LEN];
	bool has_key;
	bool quorum;
	bool quorate;		/* last announced: this side has quorum */
	u32 interval_ms;
	u32 dead;
	/* running heartbeats, or NULL */
	struct shoal_hb_state __rcu *hb;
	struct work_struct hb_work;
	/* the links heartbeats listen on, as the cluster's links were */
	int hb_mc_ifindex[SHOAL_HB_LINKS];
	/* node states last announced, to announce changes */
	DECLARE_BITMAP(reported_up, SHOAL_NODE_ID_MAX + 1);

	/* personas, in the order they were added */
	struct list_head personas;
	/* the same, by MAC, for the receive path; MACs are unique */
	struct hlist_head persona_by_mac[1 << SHOAL_PERSONA_MAC_HASH_BITS];
	unsigned int persona_count;
	u32 persona_gen;
	/* each persona's view (owner, epoch, state); taken in softirq */
	spinlock_t persona_lock;
	/* deleted personas still said released; under persona_lock */
	struct shoal_persona_gone gone[SHOAL_PERSONAS_MAX];
	unsigned int ngone;
	/* the lower device whose receive handler is ours, under RTNL */
	struct net_device *persona_lower;
	/* ownership decisions and what follows them, in process context */
	struct delayed_work persona_work;
	/* rtnetlink, for personas' addresses; used from persona_work only */
	struct socket *rtnl_sock;
};

extern unsigned int shoal_net_id;

static inline struct shoal_net *shoal_net(const struct net *net)
{
	return net_generic(net, shoal_net_id);
}

/*
 * Work items charge what they allocate to the namespace's memory cgroup,
 * from shoal_charge_begin() to shoal_charge_end(), not to the worker.
 */
static inline struct mem_cgroup *shoal_charge_begin(struct shoal_net *sn)
{
	return set_active_memcg(sn->memcg);
}

static inline void shoal_charge_end(struct mem_cgroup *old)
{
	set_active_memcg(old);
}

int shoal_pernet_init(void);
void shoal_pernet_uninit(void);
int shoal_netdev_init(void);
void shoal_netdev_uninit(void);
/* What a cluster set request changes; NULL members stay as they are. */
struct shoal_cluster_cfg {
	const u32 *node_id;
	const int *ifindex;
	const int *ifindex2;		/* 0: no second link */
	/* for the error messages */
	const struct nlattr *ifindex_attr, *ifindex2_attr;
	const u8 *key;
	bool clear_key;
	const u32 *interval;
	const u32 *dead;
	const bool *quorum;
	const u32 *hold_timeout;
	const u8 *pushed_load;
};

int shoal_cluster_set(struct shoal_net *sn, const struct shoal_cluster_cfg *cfg,
		      struct netlink_ext_ack *extack);
int shoal_cluster_leave(struct shoal_net *sn, struct netlink_ext_ack *extack);
void shoal_cluster_shutdown(struct shoal_net *sn);

struct netpoll;
int shoal_departure_init(void);
void shoal_departure_uninit(void);
void shoal_departure_net_init(struct shoal_net *sn);
void shoal_departure_net_exit(struct shoal_net *sn);
struct netpoll *shoal_netpoll_open(struct net_device *dev);
void shoal_netpoll_close(struct netpoll *np);
void shoal_hb_panic(struct shoal_net *sn);

/* Why this node left the cluster (sn->left). */
enum shoal_left {
	SHOAL_LEFT_NO,
	SHOAL_LEFT_COMMAND,	/* cluster leave; a cluster set brings it back */
	SHOAL_LEFT_DEVICE,	/* the cluster device is being removed */
	SHOAL_LEFT_EXIT,	/* the namespace or the module goes */
};

struct shoal_node *shoal_node_get(struct shoal_net *sn, u32 id);
struct shoal_node *shoal_node_get_locked(struct shoal_net *sn, u32 id);
int shoal_node_add(struct shoal_net *sn, const struct shoal_node *tmpl,
		   struct netlink_ext_ack *extack);
int shoal_node_replace(struct shoal_net *sn, const struct shoal_node *tmpl);
void shoal_node_del(struct shoal_net *sn, struct shoal_node *node);
void shoal_node_flush(struct shoal_net *sn);
void shoal_node_check_leaks(void);
u8 shoal_node_state(struct shoal_net *sn, const struct shoal_node *node);
bool shoal_has_quorum(struct shoal_net *sn);
void shoal_nodes_changed(struct shoal_net *sn, u8 reason);

struct shoal_service *shoal_service_find(struct shoal_net *sn, u8 family,
					 const union shoal_addr *addr);
int shoal_service_add(struct shoal_net *sn, struct shoal_service *tmpl,
		      struct netlink_ext_ack *extack);
int shoal_service_set_nodes(struct shoal_net *sn, struct shoal_service *svc,
			    bool all, const struct shoal_node_list *nodes);
unsigned int shoal_service_candidates(struct shoal_net *sn, bool all,
				      const struct shoal_node_list *nodes,
				      u8 *ids);

/* pool.c */
int shoal_pool_check(struct shoal_net *sn, const struct shoal_service *svc,
		     const struct shoal_pool *conf, bool all,
		     const struct shoal_node_list *nodes,
		     struct netlink_ext_ack *extack);
int shoal_pool_set(struct shoal_net *sn, struct shoal_service *svc,
		   const struct shoal_pool *conf);
unsigned int shoal_pool_active(struct shoal_net *sn,
			       const struct shoal_service *svc, u8 *ids);
u8 shoal_pool_util_of(struct shoal_net *sn, const struct shoal_service *svc,
		      u32 id);
bool shoal_pool_ranked(const struct shoal_pool *pool,
		       const struct shoal_member *members, unsigned int n);
void shoal_pool_note_ranked(struct shoal_pool *pool,
			    const struct shoal_member *members, unsigned int n);
void shoal_pools_announce(struct shoal_net *sn);
void shoal_pools_heard(struct shoal_net *sn);
void shoal_pools_kick(struct shoal_net *sn);
void shoal_pool_net_init(struct shoal_net *sn);
u8 shoal_load_cpu(struct shoal_net *sn, u64 now);
u8 shoal_load_rate(struct shoal_service *svc, u64 now);
void shoal_pool_net_exit(struct shoal_net *sn);
void shoal_service_del(struct shoal_net *sn, struct shoal_service *svc);
void shoal_service_flush(struct shoal_net *sn);
void shoal_service_unlink_dev(struct shoal_net *sn, int ifindex);
void shoal_service_adopt_dev(struct shoal_net *sn, struct net_device *dev);
int shoal_service_pin(struct shoal_net *sn, struct shoal_service *svc,
		      u32 bucket, u32 node);
void shoal_services_recompute(struct shoal_net *sn);
bool shoal_node_live(struct shoal_net *sn, u32 id);
bool shoal_service_cfg_heard(struct shoal_net *sn, u32 id,
			     const struct shoal_hb_cfg *cfg);
bool shoal_persona_cfg_heard(struct shoal_net *sn, u32 id,
			     const struct shoal_hb_cfg *cfg);
u64 shoal_service_cfg_digest(const struct shoal_service *svc);
bool shoal_service_vote(struct shoal_net *sn, struct shoal_service *svc);
u64 shoal_persona_cfg_digest(const struct shoal_persona *p);
void shoal_personas_cfg_check(struct shoal_net *sn);
void shoal_hb_set_cfgs(struct shoal_net *sn);
void shoal_service_mac(u8 family, const union shoal_addr *addr, u8 *mac);
/*
 * A bucket's counters (no bytes or new flows), or a service's; dropped
 * includes xdp_dropped, forwarded xdp_forwarded.
 */
struct shoal_stats_sum {
	u64 packets, bytes, dropped, xdp_dropped, new_flows, forwarded;
	u64 xdp_forwarded;
};

void shoal_bucket_stats(const struct shoal_service *svc, u32 bucket,
			struct shoal_stats_sum *sum);
void shoal_service_stats(const struct shoal_service *svc,
			 struct shoal_stats_sum *sum);
struct shoal_table *shoal_table_alloc(u32 nbuckets, bool hops);

void shoal_hold_net_init(struct shoal_net *sn);
void shoal_hold_net_exit(struct shoal_net *sn);
void shoal_services_settle(struct shoal_net *sn);
int shoal_service_publish(struct shoal_net *sn, struct shoal_service *svc);
u32 shoal_hold_local(struct shoal_net *sn);
struct sk_buff;
struct shoal_flow;
bool shoal_hold_keeps(struct shoal_net *sn, const struct shoal_service *svc,
		      struct sk_buff *skb, const struct shoal_flow *flow,
		      bool ours);

/* distributor.c */
bool shoal_distributors_listed(struct shoal_net *sn,
			       const struct shoal_node_list *dist, bool all,
			       const struct shoal_node_list *nodes);
void shoal_distributor_update(struct shoal_net *sn, struct shoal_service *svc);
void shoal_distributor_added(struct shoal_net *sn,
			     const struct shoal_service *svc);
unsigned int shoal_distributor_pass(struct shoal_net *sn,
				    const struct shoal_service *svc,
				    const struct shoal_table *t, u32 bucket,
				    struct sk_buff *skb);
bool shoal_distributor_decap(struct shoal_net *sn, struct sk_buff *skb,
			     u8 family);

/* filter.c */
void shoal_send_na(const struct shoal_service *svc, struct net_device *dev,
		   const u8 *dest_mac, const struct in6_addr *daddr,
		   bool solicited);
int shoal_filter_start(struct net *net);
void shoal_filter_stop(struct net *net);
int shoal_xdp_init(void);
struct xdp_md;
int shoal_xdp_verdict(struct xdp_md *ctx);	/* a kfunc, for BPF programs */

/* xdp_forward.c */
struct xdp_buff;
int shoal_distributor_xdp(struct shoal_net *sn,
			  const struct shoal_service *svc, u32 bucket,
			  struct xdp_buff *xdp);

void shoal_hb_init(void);
void shoal_hb_uninit(void);
void shoal_hb_net_init(struct shoal_net *sn);
void shoal_hb_net_exit(struct shoal_net *sn);
struct shoal_hb_state *shoal_hb_alloc(void);
void shoal_hb_free(struct shoal_hb_state *hb);
int shoal_hb_update(struct shoal_net *sn, struct shoal_hb_state **fresh);
int shoal_hb_restart(struct shoal_net *sn);
bool shoal_hb_alive(struct shoal_net *sn, u32 id);
u8 shoal_hb_reason(struct shoal_net *sn, u32 id, bool up);
bool shoal_hb_starting(struct shoal_net *sn);
bool shoal_hb_joining(struct shoal_net *sn, u32 id);
bool shoal_hb_hears_members(struct shoal_net *sn);
u64 shoal_hb_left_unheard(struct shoal_net *sn, u32 id);
bool shoal_hb_peer(struct shoal_net *sn, u32 id,
		   struct shoal_peer_info *out);
bool shoal_hb_stats(struct shoal_net *sn, struct shoal_hb_stats *out);
u8 shoal_hb_key_change(struct shoal_net *sn);
bool shoal_hb_agreed(struct shoal_net *sn, u64 digest,
		     const unsigned long *live);
bool shoal_hb_agrees(struct shoal_net *sn, u32 id, u64 digest);
bool shoal_hb_holding(struct shoal_net *sn, u32 id);
u32 shoal_hb_held_of(struct shoal_net *sn, u32 id);
bool shoal_hb_print_held(struct shoal_net *sn, u64 print);
void shoal_hb_set_holds(struct shoal_net *sn, u64 digest, bool holding,
			u32 held, const struct shoal_prints *prints);
void shoal_hb_set_pools(struct shoal_net *sn,
			const struct shoal_hb_pool *pools, unsigned int n);
unsigned int shoal_hb_pools_of(struct shoal_net *sn, u32 id,
			       unsigned int first, unsigned int max,
			       struct shoal_hb_pool *out);

u32 shoal_persona_dump_gen(struct shoal_net *sn);
struct shoal_persona *shoal_persona_find(struct shoal_net *sn,
					 const char *name);
int shoal_persona_add(struct shoal_net *sn, const struct shoal_persona *tmpl,
		      struct netlink_ext_ack *extack);
void shoal_persona_del(struct shoal_net *sn, struct shoal_persona *p);
void shoal_persona_flush(struct shoal_net *sn);
void shoal_persona_unlink_dev(struct shoal_net *sn, struct net_device *dev);
void shoal_persona_net_init(struct shoal_net *sn);

unsigned int shoal_persona_entries(struct shoal_net *sn,
				   struct shoal_hb_entry *out, u64 now,
				   u64 window);
unsigned int shoal_persona_entries_panic(struct shoal_net *sn,
					 struct shoal_hb_entry *out);
void shoal_persona_input(struct shoal_net *sn, u32 from, const u8 *buf,
			 const struct shoal_hb *frame);
void shoal_persona_kick(struct shoal_net *sn);
void shoal_persona_leave(struct shoal_net *sn);
void shoal_persona_net_exit(struct shoal_net *sn);
int shoal_persona_takeover(struct shoal_net *sn, struct shoal_persona *p,
			   struct netlink_ext_ack *extack);
int shoal_persona_release(struct shoal_net *sn, struct shoal_persona *p,
			  struct netlink_ext_ack *extack);
int shoal_persona_holds(struct shoal_net *sn, const char *name, u32 epoch,
			u64 *added);

#if IS_ENABLED(CONFIG_BLK_DEV_DM)
int shoal_dm_init(void);
void shoal_dm_uninit(void);
bool shoal_dm_idle(struct net *net, const char *persona);
#else
static inline int shoal_dm_init(void) { return 0; }
static inline void shoal_dm_uninit(void) { }
static inline bool shoal_dm_idle(struct net *net, const char *persona)
{
	return true;
}
#endif

int shoal_persona_dev_create(struct shoal_net *sn, struct shoal_persona *p,
			     struct net_device *lower,
			     struct netlink_ext_ack *extack);
void shoal_persona_dev_destroy(struct shoal_net *sn, struct shoal_persona *p,
			       struct list_head *kill);
void shoal_persona_dev_release_lower(struct shoal_net *sn);
int shoal_arp_out_get(struct shoal_net *sn);
void shoal_arp_out_put(struct shoal_net *sn);
int shoal_rtnl_open(struct shoal_net *sn);
void shoal_rtnl_close(struct shoal_net *sn);
int shoal_rtnl_addr(struct shoal_net *sn, int ifindex,
		    const struct shoal_prefix *prefix, bool add);
struct shoal_persona *shoal_persona_by_mac(struct shoal_net *sn,
					   const u8 *mac);
struct net_device *shoal_persona_dev_by_mac(struct shoal_net *sn,
					    const u8 *mac, u16 vlan);
void shoal_persona_vlan_xmit(struct sk_buff *skb, struct net_device *dev,
			     u32 epoch);
rx_handler_result_t shoal_persona_vlan_rcv(struct shoal_net *sn,
					   struct sk_buff *skb);
void shoal_persona_vlan_flood(struct shoal_net *sn, struct sk_buff *skb,
			      u16 vlan, const struct net_device *except);
bool shoal_is_persona_dev(const struct net_device *dev);
bool shoal_persona_dev_speaks(const struct net_device *dev);
void shoal_persona_dev_carrier(struct shoal_persona *p);

int shoal_genl_init(void);
void shoal_genl_uninit(void);
void shoal_notify_cluster(struct shoal_net *sn);
void shoal_notify_node(struct shoal_net *sn, const struct shoal_node *node,
		       u8 event);
void shoal_notify_pool(struct shoal_net *sn, const struct shoal_service *svc,
		       const struct shoal_pool_decision *d);
void shoal_notify_service(struct shoal_net *sn,
			  const struct shoal_service *svc, u8 event);
void shoal_notify_node_state(struct shoal_net *sn,
			     const struct shoal_node *node, bool up, u8 reason);
void shoal_ntf_hold(struct shoal_net *sn);
void shoal_ntf_release(struct shoal_net *sn);
void shoal_notify_auth_failed(struct shoal_net *sn,
			      const struct shoal_hb_stats *stats, u32 node_id);
void shoal_notify_persona(struct shoal_net *sn,
			  const struct shoal_persona *p, u8 event);
void shoal_notify_persona_change(struct shoal_net *sn,
				 const struct shoal_persona *p, u8 event,
				 u8 reason, u32 round);
bool shoal_hb_since(struct shoal_net *sn, u64 *started);
u64 shoal_hb_load_of(struct shoal_net *sn, u32 id);
void shoal_hb_send_now(struct shoal_net *sn);
void shoal_notify_moves(struct shoal_net *sn, const struct shoal_service *svc,
			u32 count, u32 from, u32 to);

#endif /* _SHOAL_H */
