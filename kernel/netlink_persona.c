// SPDX-License-Identifier: GPL-2.0
/*
 * The persona and disk commands of the generic netlink family.
 */
#include <linux/ctype.h>
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/stringify.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "netlink.h"
#include "shoal.h"

/* Caller holds sn->lock. */
static int shoal_put_persona(struct sk_buff *skb, struct shoal_net *sn,
			     const struct shoal_persona *p)
{
	struct nlattr *nest, *disk;
	u32 owner, epoch;
	unsigned int i;
	bool ready;
	u8 state;

	spin_lock_bh(&sn->persona_lock);
	owner = p->owner;
	epoch = p->epoch;
	state = p->state;
	ready = state == SHOAL_PERSONA_ACTIVE && p->disks_ready;
	spin_unlock_bh(&sn->persona_lock);

	if (nla_put_string(skb, SHOAL_A_PERSONA_NAME, p->name) ||
	    nla_put(skb, SHOAL_A_PERSONA_MAC, ETH_ALEN, p->mac) ||
	    (p->vlan && nla_put_u16(skb, SHOAL_A_PERSONA_VLAN, p->vlan)) ||
	    nla_put_u32(skb, SHOAL_A_PERSONA_OWNER, owner) ||
	    nla_put_u32(skb, SHOAL_A_PERSONA_EPOCH, epoch) ||
	    nla_put_u8(skb, SHOAL_A_PERSONA_STATE, state) ||
	    nla_put_u8(skb, SHOAL_A_PERSONA_DISKS_READY, ready))
		return -EMSGSIZE;
	if (p->dev &&
	    (nla_put_u32(skb, SHOAL_A_PERSONA_IFINDEX, p->dev->ifindex) ||
	     nla_put_string(skb, SHOAL_A_PERSONA_IFNAME, p->dev->name)))
		return -EMSGSIZE;

	nest = nla_nest_start(skb, SHOAL_A_PERSONA_NODES);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < p->nnodes; i++)
		if (nla_put_u32(skb, SHOAL_A_NODE_ID, p->nodes[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);

	nest = nla_nest_start(skb, SHOAL_A_PERSONA_ADDRS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < p->naddrs; i++) {
		const struct shoal_prefix *a = &p->addrs[i];

		disk = nla_nest_start(skb, SHOAL_A_ADDR);
		if (!disk ||
		    (a->family == AF_INET ?
		     nla_put_in_addr(skb, SHOAL_A_ADDR_IN, a->addr.ip) :
		     nla_put_in6_addr(skb, SHOAL_A_ADDR_IN6, &a->addr.ip6)) ||
		    nla_put_u8(skb, SHOAL_A_ADDR_PREFIXLEN, a->len))
			return -EMSGSIZE;
		nla_nest_end(skb, disk);
	}
	nla_nest_end(skb, nest);

	nest = nla_nest_start(skb, SHOAL_A_PERSONA_DISKS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < p->ndisks; i++) {
		disk = nla_nest_start(skb, SHOAL_A_DISK);
		if (!disk ||
		    nla_put_string(skb, SHOAL_A_DISK_NAME, p->disks[i].name) ||
		    nla_put_string(skb, SHOAL_A_DISK_SPEC, p->disks[i].spec))
			return -EMSGSIZE;
		nla_nest_end(skb, disk);
	}
	nla_nest_end(skb, nest);
	return shoal_put_node_set(skb, SHOAL_A_PERSONA_CONFIG_DIFFERS,
				  p->cfg_differs);
}

void shoal_notify_persona(struct shoal_net *sn,
			  const struct shoal_persona *p, u8 event)
{
	struct sk_buff *skb;
	void *hdr;

	skb = shoal_ntf_begin(sn, SHOAL_CMD_PERSONA_NTF, event, &hdr);
	if (skb)
		shoal_ntf_end(sn, skb, hdr, shoal_put_persona(skb, sn, p));
}

void shoal_notify_persona_change(struct shoal_net *sn,
				 const struct shoal_persona *p, u8 event,
				 u8 reason, u32 round)
{
	struct sk_buff *skb;
	void *hdr;

	skb = shoal_ntf_begin(sn, SHOAL_CMD_PERSONA_NTF, event, &hdr);
	if (skb)
		shoal_ntf_end(sn, skb, hdr,
			      shoal_put_persona(skb, sn, p) ||
			      (reason && nla_put_u8(skb, SHOAL_A_PERSONA_REASON,
						    reason)) ||
			      (round && nla_put_u32(skb, SHOAL_A_PERSONA_ROUND,
						    round)));
}

static int shoal_fill_persona(struct sk_buff *skb, struct shoal_net *sn,
			      const struct shoal_persona *p, u32 portid,
			      u32 seq, int flags, struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &shoal_genl_family, flags,
			  SHOAL_CMD_PERSONA_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (shoal_put_persona(skb, sn, p)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* The persona a request names; caller holds sn->lock. */
static struct shoal_persona *shoal_request_persona(struct shoal_net *sn,
						   struct genl_info *info,
						   int *err)
{
	struct nlattr *attr = info->attrs[SHOAL_A_PERSONA_NAME];
	struct shoal_persona *p;

	if (!attr) {
		NL_SET_ERR_MSG(info->extack, "a persona name is required");
		*err = -EINVAL;
		return NULL;
	}
	p = shoal_persona_find(sn, nla_data(attr));
	if (!p) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such persona");
		*err = -ENOENT;
	}
	return p;
}

int shoal_nl_persona_get(struct sk_buff *skb, struct genl_info *info)
{
	struct shoal_net *sn = shoal_info_net(info);
	struct shoal_persona *p;
	struct sk_buff *msg;
	int err = 0;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&sn->lock);
	p = shoal_request_persona(sn, info, &err);
	if (p)
		err = shoal_fill_persona(msg, sn, p, info->snd_portid,
					 info->snd_seq, 0, NULL);
	mutex_unlock(&sn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

int shoal_nl_persona_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct shoal_net *sn = shoal_net(sock_net(cb->skb->sk));
	struct shoal_persona *p;
	/* args[0]: how many personas earlier parts sent */
	long idx = 0;

	mutex_lock(&sn->lock);
	cb->seq = shoal_persona_dump_gen(sn);
	list_for_each_entry(p, &sn->personas, list) {
		if (idx++ < cb->args[0])
			continue;
		if (shoal_fill_persona(skb, sn, p, NETLINK_CB(cb->skb).portid,
				       cb->nlh->nlmsg_seq, NLM_F_MULTI, cb)) {
			idx--;
			break;
		}
	}
	mutex_unlock(&sn->lock);
	cb->args[0] = idx;
	return skb->len;
}

static bool shoal_name_ok(const char *name, bool upper_and_dot)
{
	const char *c;

	if (!*name)
		return false;
	for (c = name; *c; c++) {
		if (islower(*c) || isdigit(*c) || *c == '_' || *c == '-')
			continue;
		if (upper_and_dot && (isupper(*c) || *c == '.'))
			continue;
		return false;
	}
	return true;
}

static int shoal_parse_persona_nodes(struct nlattr *nest,
				     struct shoal_persona *p,
				     struct netlink_ext_ack *extack)
{
	DECLARE_BITMAP(seen, SHOAL_NODE_ID_MAX + 1);
	struct nlattr *attr;
	int rem;
	u32 id;

	bitmap_zero(seen, SHOAL_NODE_ID_MAX + 1);
	nla_for_each_nested(attr, nest, rem) {
		if (nla_type(attr) != SHOAL_A_NODE_ID)
			continue;
		id = nla_get_u32(attr);	/* the policy checked its range */
		if (test_and_set_bit(id, seen)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "a node appears twice in the list");
			return -EINVAL;
		}
		p->nodes[p->nnodes++] = id;
	}
	return 0;
}

/*
 * The lists of a persona: each nested attribute of the given type in
 * nest has its own attributes parsed into tb and handed to parse, which
 * takes it or says why not.
 */
static int shoal_parse_persona_list(struct nlattr *nest, int type,
				    int (*parse)(struct shoal_persona *p,
						 struct nlattr *attr,
						 struct nlattr **tb,
						 struct netlink_ext_ack *extack),
				    struct shoal_persona *p,
				    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SHOAL_A_MAX + 1];
	struct nlattr *attr;
	int rem, err;

	nla_for_each_nested(attr, nest, rem) {
		if (nla_type(attr) != type)
			continue;
		/* the nest was validated by the policy */
		err = nla_parse_nested(tb, SHOAL_A_MAX, attr, NULL, extack);
		if (err)
			return err;
		err = parse(p, attr, tb, extack);
		if (err)
			return err;
	}
	return 0;
}

static int shoal_parse_persona_addr(struct shoal_persona *p,
				    struct nlattr *attr, struct nlattr **tb,
				    struct netlink_ext_ack *extack)
{
	struct shoal_prefix *a = &p->addrs[p->naddrs];
	unsigned int i;

	if (p->naddrs == SHOAL_PERSONA_ADDRS_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "too many addresses (at most "
				    __stringify(SHOAL_PERSONA_ADDRS_MAX) ")");
		return -E2BIG;
	}
	if (!tb[SHOAL_A_ADDR_IN] == !tb[SHOAL_A_ADDR_IN6] ||
	    !tb[SHOAL_A_ADDR_PREFIXLEN]) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "an address is one IPv4 or IPv6 address and a prefix length");
		return -EINVAL;
	}
	a->len = nla_get_u8(tb[SHOAL_A_ADDR_PREFIXLEN]);
	if (tb[SHOAL_A_ADDR_IN]) {
		a->family = AF_INET;
		a->addr.ip = nla_get_in_addr(tb[SHOAL_A_ADDR_IN]);
	} else {
		a->family = AF_INET6;
		a->addr.ip6 = nla_get_in6_addr(tb[SHOAL_A_ADDR_IN6]);
	}
	if (a->family == AF_INET ? a->len > 32 ||
	    ipv4_is_multicast(a->addr.ip) || !a->addr.ip ||
	    ipv4_is_lbcast(a->addr.ip) || ipv4_is_loopback(a->addr.ip) :
	    ipv6_addr_type(&a->addr.ip6) &
	    (IPV6_ADDR_MULTICAST | IPV6_ADDR_ANY | IPV6_ADDR_LOOPBACK |
	     IPV6_ADDR_LINKLOCAL)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "not an address a persona can have");
		return -EINVAL;
	}
	for (i = 0; i < p->naddrs; i++) {
		if (p->addrs[i].family == a->family &&
		    !memcmp(&p->addrs[i].addr, &a->addr, sizeof(a->addr))) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "an address appears twice");
			return -EINVAL;
		}
	}
	p->naddrs++;
	return 0;
}

static int shoal_parse_persona_disk(struct shoal_persona *p,
				    struct nlattr *attr, struct nlattr **tb,
				    struct netlink_ext_ack *extack)
{
	struct shoal_disk *disk = &p->disks[p->ndisks];
	unsigned int i;

	if (p->ndisks == SHOAL_PERSONA_DISKS_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "too many disks (at most "
				    __stringify(SHOAL_PERSONA_DISKS_MAX) ")");
		return -E2BIG;
	}
	if (!tb[SHOAL_A_DISK_NAME] || !tb[SHOAL_A_DISK_SPEC]) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "a disk needs a name and a spec");
		return -EINVAL;
	}
	nla_strscpy(disk->name, tb[SHOAL_A_DISK_NAME], sizeof(disk->name));
	nla_strscpy(disk->spec, tb[SHOAL_A_DISK_SPEC], sizeof(disk->spec));
	if (!shoal_name_ok(disk->name, false)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SHOAL_A_DISK_NAME],
				    "a disk name is 1-"
				    __stringify(SHOAL_DISK_NAME_MAX)
				    " of a-z, 0-9, _ and -");
		return -EINVAL;
	}
	if (!disk->spec[0]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SHOAL_A_DISK_SPEC],
				    "a disk spec is not empty");
		return -EINVAL;
	}
	for (i = 0; i < p->ndisks; i++) {
		if (!strcmp(p->disks[i].name, disk->name)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SHOAL_A_DISK_NAME],
					    "two disks have this name");
			return -EINVAL;
		}
	}
	p->ndisks++;
	return 0;
}

int shoal_nl_persona_add(struct sk_buff *skb, struct genl_info *info)
{
	struct shoal_net *sn = shoal_info_net(info);
	struct nlattr **attrs = info->attrs;
	struct netlink_ext_ack *extack = info->extack;
	struct shoal_persona *tmpl;
	int err = -EINVAL;

	if (!attrs[SHOAL_A_PERSONA_NAME] || !attrs[SHOAL_A_PERSONA_MAC]) {
		NL_SET_ERR_MSG(extack, "a persona needs a name and a MAC");
		return -EINVAL;
	}
	tmpl = kzalloc(sizeof(*tmpl), SHOAL_GFP);
	if (!tmpl)
		return -ENOMEM;
	nla_strscpy(tmpl->name, attrs[SHOAL_A_PERSONA_NAME], sizeof(tmpl->name));
	if (!shoal_name_ok(tmpl->name, true) || !dev_valid_name(tmpl->name)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[SHOAL_A_PERSONA_NAME],
				    "a persona name is 1-"
				    __stringify(SHOAL_PERSONA_NAME_MAX)
				    " of A-Z, a-z, 0-9, _, . and -");
		goto out;
	}
	memcpy(tmpl->mac, nla_data(attrs[SHOAL_A_PERSONA_MAC]), ETH_ALEN);
	if (!is_valid_ether_addr(tmpl->mac)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[SHOAL_A_PERSONA_MAC],
				    "the MAC must be unicast and not zero");
		goto out;
	}
	if (attrs[SHOAL_A_PERSONA_VLAN])
		tmpl->vlan = nla_get_u16(attrs[SHOAL_A_PERSONA_VLAN]);
	if (attrs[SHOAL_A_PERSONA_NODES]) {
		err = shoal_parse_persona_nodes(attrs[SHOAL_A_PERSONA_NODES],
						tmpl, extack);
		if (err)
			goto out;
	}
	if (attrs[SHOAL_A_PERSONA_ADDRS]) {
		err = shoal_parse_persona_list(attrs[SHOAL_A_PERSONA_ADDRS],
					       SHOAL_A_ADDR,
					       shoal_parse_persona_addr, tmpl,
					       extack);
		if (err)
			goto out;
	}
	if (attrs[SHOAL_A_PERSONA_DISKS]) {
		err = shoal_parse_persona_list(attrs[SHOAL_A_PERSONA_DISKS],
					       SHOAL_A_DISK,
					       shoal_parse_persona_disk, tmpl,
					       extack);
		if (err)
			goto out;
	}
	err = shoal_persona_add(sn, tmpl, extack);
out:
	kfree(tmpl);
	return err;
}

int shoal_nl_persona_del(struct sk_buff *skb, struct genl_info *info)
{
	struct shoal_net *sn = shoal_info_net(info);
	struct shoal_persona *p;
	int err = 0;

	rtnl_lock();
	mutex_lock(&sn->lock);
	p = shoal_request_persona(sn, info, &err);
	if (p)
		shoal_persona_del(sn, p);
	mutex_unlock(&sn->lock);
	rtnl_unlock();
	return err;
}

static int shoal_nl_persona_move(struct genl_info *info, bool take)
{
	struct shoal_net *sn = shoal_info_net(info);
	struct shoal_persona *p;
	int err = 0;

	rtnl_lock();
	mutex_lock(&sn->lock);
	p = shoal_request_persona(sn, info, &err);
	if (p)
		err = take ? shoal_persona_takeover(sn, p, info->extack) :
			     shoal_persona_release(sn, p, info->extack);
	mutex_unlock(&sn->lock);
	rtnl_unlock();
	return err;
}

int shoal_nl_persona_takeover(struct sk_buff *skb, struct genl_info *info)
{
	return shoal_nl_persona_move(info, true);
}

int shoal_nl_persona_release(struct sk_buff *skb, struct genl_info *info)
{
	return shoal_nl_persona_move(info, false);
}

/*
 * The agent says what it did with one of a persona's disks; announced to
 * every listener, so that "shoal monitor" shows it with the rest.
 */
int shoal_nl_disk_report(struct sk_buff *skb, struct genl_info *info)
{
	struct shoal_net *sn = shoal_info_net(info);
	struct nlattr *tb[SHOAL_A_MAX + 1], *nest, *disk = NULL, *attr;
	struct shoal_persona *p;
	struct sk_buff *msg;
	unsigned int i;
	int rem, err = 0;
	void *hdr;
	u8 state;

	nest = info->attrs[SHOAL_A_PERSONA_DISKS];
	if (nest) {
		nla_for_each_nested(attr, nest, rem) {
			if (nla_type(attr) != SHOAL_A_DISK)
				continue;
			if (disk) {
				NL_SET_ERR_MSG_ATTR(info->extack, attr,
						    "report one disk at a time");
				return -EINVAL;
			}
			disk = attr;
		}
	}
	if (!disk) {
		NL_SET_ERR_MSG(info->extack, "a disk report needs one disk");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, SHOAL_A_MAX, disk, NULL, info->extack);
	if (err)
		return err;
	if (!tb[SHOAL_A_DISK_NAME] || !tb[SHOAL_A_DISK_STATE]) {
		NL_SET_ERR_MSG_ATTR(info->extack, disk,
				    "a disk report needs the disk's name and state");
		return -EINVAL;
	}
	state = nla_get_u8(tb[SHOAL_A_DISK_STATE]);

	mutex_lock(&sn->lock);
	p = shoal_request_persona(sn, info, &err);
	if (!p)
		goto out;
	for (i = 0; i < p->ndisks; i++)
		if (!nla_strcmp(tb[SHOAL_A_DISK_NAME], p->disks[i].name))
			break;
	if (i == p->ndisks) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SHOAL_A_DISK_NAME],
				    "the persona has no such disk");
		err = -ENOENT;
		goto out;
	}
	msg = shoal_ntf_begin(sn, SHOAL_CMD_DISK_NTF,
			      state == SHOAL_DISK_MAPPED ?
			      SHOAL_EVENT_DISK_MAPPED :
			      SHOAL_EVENT_DISK_UNMAPPED, &hdr);
	if (msg) {
		nest = NULL;
		err = nla_put_string(msg, SHOAL_A_PERSONA_NAME, p->name);
		if (!err) {
			nest = nla_nest_start(msg, SHOAL_A_DISK);
			err = !nest ||
			      nla_put_string(msg, SHOAL_A_DISK_NAME,
					     p->disks[i].name) ||
			      nla_put_string(msg, SHOAL_A_DISK_SPEC,
					     p->disks[i].spec) ||
			      nla_put_u8(msg, SHOAL_A_DISK_STATE, state);
			if (!err)
				nla_nest_end(msg, nest);
		}
		shoal_ntf_end(sn, msg, hdr, err);
		err = 0;
	}
out:
	mutex_unlock(&sn->lock);
	return err;
}
