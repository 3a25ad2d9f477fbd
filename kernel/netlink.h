/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of the generic netlink family share.
 */
#ifndef _SHOAL_NETLINK_H
#define _SHOAL_NETLINK_H

#include <net/genetlink.h>

#include "shoal.h"

extern struct genl_family shoal_genl_family;

enum shoal_mcgrp {
	SHOAL_MCGRP_EVENTS_ID,
};

static inline struct shoal_net *shoal_info_net(struct genl_info *info)
{
	return shoal_net(genl_info_net(info));
}

struct sk_buff *shoal_ntf_begin(struct shoal_net *sn, u8 cmd, u8 event,
				void **hdr);
void shoal_ntf_end(struct shoal_net *sn, struct sk_buff *skb, void *hdr,
		   int err);

int shoal_put_node_set(struct sk_buff *skb, int attr, const unsigned long *ids);
int shoal_put_hb_stats(struct sk_buff *skb, int attr,
		       const struct shoal_hb_stats *st);

int shoal_nl_service_get(struct sk_buff *skb, struct genl_info *info);
int shoal_nl_service_dump_start(struct netlink_callback *cb);
int shoal_nl_service_dump(struct sk_buff *skb, struct netlink_callback *cb);
int shoal_nl_service_add(struct sk_buff *skb, struct genl_info *info);
int shoal_nl_service_set(struct sk_buff *skb, struct genl_info *info);
int shoal_nl_service_del(struct sk_buff *skb, struct genl_info *info);
int shoal_nl_bucket_dump(struct sk_buff *skb, struct netlink_callback *cb);
int shoal_nl_bucket_set(struct sk_buff *skb, struct genl_info *info);

int shoal_nl_persona_get(struct sk_buff *skb, struct genl_info *info);
int shoal_nl_persona_dump(struct sk_buff *skb, struct netlink_callback *cb);
int shoal_nl_persona_add(struct sk_buff *skb, struct genl_info *info);
int shoal_nl_persona_del(struct sk_buff *skb, struct genl_info *info);
int shoal_nl_persona_takeover(struct sk_buff *skb, struct genl_info *info);
int shoal_nl_persona_release(struct sk_buff *skb, struct genl_info *info);
int shoal_nl_disk_report(struct sk_buff *skb, struct genl_info *info);

#endif /* _SHOAL_NETLINK_H */
