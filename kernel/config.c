// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration agreement. Every node computes ownership alone, from its
 * own configuration: heartbeats carry a digest of each service's and
 * persona's (shoal_hb_set_cfgs()), and what the others said is kept per
 * service and persona. A node out of a service for its configuration
 * serves none of it (shoal_service_vote()); a persona configured
 * differently is reported, its claims keeping one owner anyway.
 */
#include <linux/etherdevice.h>
#include <net/ipv6.h>

#include "bucket.h"
#include "lookup.h"
#include "shoal.h"

/*
 * Node id said digest (in softirq): keep it, the digest before the bit
 * that says there is one. Returns whether that is news.
 */
static bool shoal_cfg_record(u64 *digests, unsigned long *heard, u32 id,
			     u64 digest)
{
	if (test_bit(id, heard) && READ_ONCE(digests[id]) == digest)
		return false;
	WRITE_ONCE(digests[id], digest);
	/* pairs with smp_rmb() in the readers: the bit, then the digest */
	smp_mb__before_atomic();
	set_bit(id, heard);
	return true;
}

/*
 * The digest of what decides which bucket a packet of the service falls
 * in and whether it is the service's at all: its address, protocol,
 * port, hash, buckets and mode. Nodes that differ in it have no bucket
 * in common. (Who owns which bucket, from its nodes, weights, pins or
 * pool, may differ for a while as a change goes from node to node: a
 * bucket moves from a live node only once all compute the same tables,
 * hold.c.)
 */
u64 shoal_service_cfg_digest(const struct shoal_service *svc)
{
	struct shoal_digest d;
	unsigned int n, i;
	u32 words[4];

	n = shoal_addr_words(svc->family, svc->addr.ip6.s6_addr32, words);
	shoal_digest_begin(&d, 3 + n);
	shoal_digest_add(&d, svc->family << 24 | svc->proto << 16 |
			 ntohs(svc->port));
	shoal_digest_add(&d, svc->hash << 8 | svc->mode);
	shoal_digest_add(&d, svc->nbuckets);
	for (i = 0; i < n; i++)
		shoal_digest_add(&d, words[i]);
	return shoal_digest_end(&d);
}

/*
 * In softirq, under RCU: a node's heartbeat says how it has a service
 * configured. Returns whether that is news.
 */
bool shoal_service_cfg_heard(struct shoal_net *sn, u32 id,
			     const struct shoal_hb_cfg *cfg)
{
	union shoal_addr addr = {};
	struct shoal_service *svc;
	u8 family = AF_INET6;

	memcpy(&addr.ip6, cfg->key, sizeof(addr.ip6));
	if (ipv6_addr_v4mapped(&addr.ip6)) {
		family = AF_INET;
		addr.ip = addr.ip6.s6_addr32[3];
		memset(&addr.ip6.s6_addr32[1], 0, 12);
	}
	svc = shoal_service_lookup(sn, family, &addr);
	return svc && shoal_cfg_record(svc->cfg_peer, svc->cfg_heard, id,
				       cfg->digest);
}

/*
 * Which nodes are out of the service: those whose configuration of it,
 * as they last said it, is not the one most of its live members have
 * (between as many, the higher digest). Every node that heard the same
 * comes to the same answer, so that one configuration serves, never two.
 * A node not heard of yet counts as agreeing. Returns whether the answer
 * changed.
 */
bool shoal_service_vote(struct shoal_net *sn, struct shoal_service *svc)
{
	struct shoal_cfg_vote *votes = sn->votes;
	DECLARE_BITMAP(out, SHOAL_NODE_ID_MAX + 1);
	unsigned int n = 0, i, j, count, most = 0;
	u32 local = sn->local_id, id;
	u64 mine = svc->cfg_digest;
	bool differ = false;
	u64 best = mine;
	bool changed;

	bitmap_zero(out, SHOAL_NODE_ID_MAX + 1);
	votes[n++] = (struct shoal_cfg_vote){ .digest = mine, .id = local };
	for (id = 1; id <= SHOAL_NODE_ID_MAX; id++) {
		if (id == local || !test_bit(id, svc->cfg_heard) ||
		    !shoal_node_live(sn, id))
			continue;
		smp_rmb();	/* the bit, then the digest */
		votes[n] = (struct shoal_cfg_vote){
			.digest = READ_ONCE(svc->cfg_peer[id]), .id = id,
		};
		differ |= votes[n++].digest != mine;
	}
	for (i = 0; differ && i < n; i++) {
		for (count = 0, j = 0; j < n; j++)
			count += votes[j].digest == votes[i].digest;
		if (count > most || (count == most && votes[i].digest > best)) {
			most = count;
			best = votes[i].digest;
		}
	}
	for (i = 0; differ && i < n; i++)
		if (votes[i].digest != best && votes[i].id)
			__set_bit(votes[i].id, out);
	changed = !bitmap_equal(out, svc->cfg_out, SHOAL_NODE_ID_MAX + 1);
	bitmap_copy(svc->cfg_out, out, SHOAL_NODE_ID_MAX + 1);
	return changed;
}

/*
 * The digest of a persona's configuration: its name, MAC and VLAN, the
 * nodes that may hold it, its addresses and disks.
 */
u64 shoal_persona_cfg_digest(const struct shoal_persona *p)
{
	unsigned int name = strnlen(p->name, sizeof(p->name));
	unsigned int n, i, dname, dspec;
	const struct shoal_prefix *a;
	struct shoal_digest d;
	u8 addr[16];

	n = 4 + DIV_ROUND_UP(name, 4) + p->nnodes + 5 * p->naddrs;
	for (i = 0; i < p->ndisks; i++)
		n += 1 + DIV_ROUND_UP(strnlen(p->disks[i].name,
					      sizeof(p->disks[i].name)), 4) +
		     DIV_ROUND_UP(strnlen(p->disks[i].spec,
					  sizeof(p->disks[i].spec)), 4);
	shoal_digest_begin(&d, n);
	shoal_digest_add(&d, name << 16 | p->vlan);
	shoal_digest_add(&d, p->nnodes << 16 | p->naddrs << 8 | p->ndisks);
	shoal_digest_bytes(&d, p->mac, ETH_ALEN);
	shoal_digest_bytes(&d, p->name, name);
	for (i = 0; i < p->nnodes; i++)
		shoal_digest_add(&d, p->nodes[i]);
	for (i = 0; i < p->naddrs; i++) {
		a = &p->addrs[i];
		memset(addr, 0, sizeof(addr));
		if (a->family == AF_INET)
			memcpy(addr, &a->addr.ip, sizeof(a->addr.ip));
		else
			memcpy(addr, &a->addr.ip6, sizeof(a->addr.ip6));
		shoal_digest_add(&d, a->family << 8 | a->len);
		shoal_digest_bytes(&d, addr, sizeof(addr));
	}
	for (i = 0; i < p->ndisks; i++) {
		dname = strnlen(p->disks[i].name, sizeof(p->disks[i].name));
		dspec = strnlen(p->disks[i].spec, sizeof(p->disks[i].spec));
		shoal_digest_add(&d, dname << 16 | dspec);
		shoal_digest_bytes(&d, p->disks[i].name, dname);
		shoal_digest_bytes(&d, p->disks[i].spec, dspec);
	}
	return shoal_digest_end(&d);
}

/* In softirq, under RCU: as shoal_service_cfg_heard(), for a persona. */
bool shoal_persona_cfg_heard(struct shoal_net *sn, u32 id,
			     const struct shoal_hb_cfg *cfg)
{
	struct shoal_persona *p = shoal_persona_by_mac(sn, cfg->key);

	return p && shoal_cfg_record(p->cfg_peer, p->cfg_heard, id,
				     cfg->digest);
}

/*
 * Caller holds sn->lock: report the personas whose configuration some
 * live node has otherwise than this one, when that changes.
 */
void shoal_personas_cfg_check(struct shoal_net *sn)
{
	DECLARE_BITMAP(differs, SHOAL_NODE_ID_MAX + 1);
	struct shoal_persona *p;
	u32 id;

	lockdep_assert_held(&sn->lock);
	list_for_each_entry(p, &sn->personas, list) {
		bitmap_zero(differs, SHOAL_NODE_ID_MAX + 1);
		for_each_set_bit(id, p->cfg_heard, SHOAL_NODE_ID_MAX + 1) {
			if (id == sn->local_id || !shoal_node_live(sn, id))
				continue;
			smp_rmb();	/* the bit, then the digest */
			if (READ_ONCE(p->cfg_peer[id]) != p->cfg_digest)
				__set_bit(id, differs);
		}
		if (bitmap_equal(differs, p->cfg_differs,
				 SHOAL_NODE_ID_MAX + 1))
			continue;
		bitmap_copy(p->cfg_differs, differs, SHOAL_NODE_ID_MAX + 1);
		shoal_notify_persona(sn, p, SHOAL_EVENT_PERSONA_CONFIG);
	}
}
