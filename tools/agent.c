// SPDX-License-Identifier: GPL-2.0
/*
 * shoal agent: map a persona's disks on the node that owns it, and take
 * them away, error table first, when it does not any more.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/shoal.h>

#include "agentconf.h"
#include "diskspec.h"
#include "dm.h"
#include "nl.h"
#include "shoal.h"
#include "utils.h"

#define HINT "shoal agent help"

#define AGENT_RCVBUF	(1 << 20)
#define AGENT_RX_SIZE	65536
/* How often a taken map name is looked at again. */
#define AGENT_RETRY_MS	50
/* How often anything else that failed is tried again. */
#define AGENT_RETRY_SLOW_MS	1000
/* ... and a map that could not be failed (it is left suspended). */
#define AGENT_RETRY_FENCE_MS	250

static volatile sig_atomic_t stop;

struct agent_disk {
	char name[SHOAL_DISK_NAME_MAX + 1];
	char spec[SHOAL_DISK_SPEC_MAX + 1];
};

/* What the agent needs of a persona message. */
struct agent_persona {
	char name[SHOAL_PERSONA_NAME_MAX + 1];
	int state;		/* -1: not said */
	uint32_t epoch;
	bool ready;
	unsigned int ndisks;
	struct agent_disk disks[SHOAL_PERSONA_DISKS_MAX];
};

struct persona_set {
	struct agent_persona *items;
	size_t count;
	size_t size;
};

/* A map this agent made or found for a persona it owns. */
struct held_map {
	char name[DM_MAP_NAME_LEN];
};

#define HELD_MAX	(SHOAL_PERSONAS_MAX * SHOAL_PERSONA_DISKS_MAX)

/* Why a disk to map is not mapped yet. */
enum pending_why {
	PENDING_NEW,
	PENDING_NAME,		/* its name is taken: an old map going */
	PENDING_QUORUM,		/* quorum is off */
	PENDING_ERROR,		/* device-mapper refused: @err */
};

/*
 * A disk of a persona whose disks are ready here, not mapped yet. Tried
 * again after every batch of events and on a timer, until it is mapped or
 * the kernel says this node no longer owns the persona's disks.
 */
struct pending_map {
	char persona[SHOAL_PERSONA_NAME_MAX + 1];
	struct agent_disk disk;
	uint64_t since;		/* first tried, ms */
	uint64_t next;		/* next try on the timer, ms */
	enum pending_why why;	/* as last logged */
	int err;
	bool long_wait;		/* said it is taking long */
};

/*
 * A map to fail and remove that could not be, or not completely: tried
 * again on a timer until it is gone.
 */
struct pending_unmap {
	char name[DM_MAP_NAME_LEN];
	char persona[SHOAL_PERSONA_NAME_MAX + 1];	/* "": nothing to report */
	char disk[SHOAL_DISK_NAME_MAX + 1];
	uint64_t next;		/* next try, ms */
	int err;		/* what the last try said, logged once */
};

struct agent {
	struct agent_conf conf;
	struct nl_sock *ev;	/* events only */
	struct nl_sock *req;	/* requests and their replies */
	sigset_t wait_mask;	/* what ppoll() lets in */
	struct held_map held[HELD_MAX];
	unsigned int nheld;
	struct pending_map pending[HELD_MAX];
	unsigned int npending;
	struct pending_unmap *unmaps;
	unsigned int nunmaps, unmaps_size;
	/* events were lost and reconciling failed: when to try again, ms */
	uint64_t resync_at;
	/* UNMAP_DELAY_ENV */
	unsigned int unmap_delay_ms;
};

/* For tests: how long to hold off failing a map the node lost, in ms. */
#define UNMAP_DELAY_ENV	"SHOAL_AGENT_UNMAP_DELAY_MS"
#define UNMAP_DELAY_MAX	3600000

static void usage(void)
{
	printf("Usage: shoal agent [ { -c | config } CONFIG ]\n"
	       "       shoal agent help\n"
	       "where  CONFIG := the configuration file, default %s\n"
	       "Testing only: %s=MS in the environment makes\n"
	       "the agent fail and remove the maps of a persona this node\n"
	       "lost MS ms late (0 to %u).\n",
	       AGENT_CONF_DEFAULT, UNMAP_DELAY_ENV, UNMAP_DELAY_MAX);
}

static enum agent_log log_to = AGENT_LOG_STDERR;

static void agent_vlog(int prio, const char *fmt, va_list ap)
{
	if (log_to == AGENT_LOG_SYSLOG) {
		vsyslog(prio, fmt, ap);
	} else {
		if (prio <= LOG_ALERT)
			fputs("ALERT: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
	}
}

__attribute__((format(printf, 1, 2)))
static void agent_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	agent_vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

/* What an administrator must see: a map that may not be fenced. */
__attribute__((format(printf, 1, 2)))
static void agent_alert(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	agent_vlog(LOG_ALERT, fmt, ap);
	va_end(ap);
}

static void log_dm(const char *msg)
{
	static const char prefix[] = "device-mapper: ";

	/* most of libdevmapper's messages say where they come from */
	if (!strncmp(msg, prefix, sizeof(prefix) - 1))
		agent_log("%s", msg);
	else
		agent_log("%s%s", prefix, msg);
}

/* --- the kernel's side */

static int disk_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if ((type == SHOAL_A_DISK_NAME || type == SHOAL_A_DISK_SPEC) &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int persona_parse(const struct nlmsghdr *nlh, struct agent_persona *p)
{
	static const enum mnl_attr_data_type policy[SHOAL_A_MAX + 1] = {
		[SHOAL_A_PERSONA_NAME] = MNL_TYPE_NUL_STRING,
		[SHOAL_A_PERSONA_STATE] = MNL_TYPE_U8,
		[SHOAL_A_PERSONA_EPOCH] = MNL_TYPE_U32,
		[SHOAL_A_PERSONA_DISKS_READY] = MNL_TYPE_U8,
		[SHOAL_A_PERSONA_DISKS] = MNL_TYPE_NESTED,
	};
	const struct nlattr *tb[SHOAL_A_MAX + 1], *attr;

	if (nl_parse(nlh, policy, SHOAL_A_MAX, tb))
		return -1;
	if (!tb[SHOAL_A_PERSONA_NAME]) {
		pr_err_sys("malformed message from the kernel (no persona name).");
		return -1;
	}
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s",
		 mnl_attr_get_str(tb[SHOAL_A_PERSONA_NAME]));
	p->state = tb[SHOAL_A_PERSONA_STATE] ?
		   mnl_attr_get_u8(tb[SHOAL_A_PERSONA_STATE]) : -1;
	if (tb[SHOAL_A_PERSONA_EPOCH])
		p->epoch = mnl_attr_get_u32(tb[SHOAL_A_PERSONA_EPOCH]);
	p->ready = tb[SHOAL_A_PERSONA_DISKS_READY] &&
		   mnl_attr_get_u8(tb[SHOAL_A_PERSONA_DISKS_READY]);
	if (!tb[SHOAL_A_PERSONA_DISKS])
		return 0;
	mnl_attr_for_each_nested(attr, tb[SHOAL_A_PERSONA_DISKS]) {
		const struct nlattr *dtb[SHOAL_A_MAX + 1] = { NULL };
		struct agent_disk *d;

		if (mnl_attr_get_type(attr) != SHOAL_A_DISK)
			continue;
		if (p->ndisks == SHOAL_PERSONA_DISKS_MAX ||
		    mnl_attr_parse_nested(attr, disk_cb, dtb) < 0 ||
		    !dtb[SHOAL_A_DISK_NAME] || !dtb[SHOAL_A_DISK_SPEC]) {
			pr_err_sys("malformed message from the kernel (disk).");
			return -1;
		}
		d = &p->disks[p->ndisks++];
		snprintf(d->name, sizeof(d->name), "%s",
			 mnl_attr_get_str(dtb[SHOAL_A_DISK_NAME]));
		snprintf(d->spec, sizeof(d->spec), "%s",
			 mnl_attr_get_str(dtb[SHOAL_A_DISK_SPEC]));
	}
	return 0;
}

static int persona_set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct persona_set *set = data;

	if (set->count == set->size) {
		size_t size = set->size ? set->size * 2 : 8;
		struct agent_persona *items;

		items = realloc(set->items, size * sizeof(*items));
		if (!items) {
			pr_err_sys("out of memory.");
			return -1;
		}
		set->items = items;
		set->size = size;
	}
	if (persona_parse(nlh, &set->items[set->count]))
		return -1;
	set->count++;
	return 0;
}

static void persona_set_restart(void *data)
{
	((struct persona_set *)data)->count = 0;
}

static int personas_dump(struct agent *a, struct persona_set *set)
{
	struct nlmsghdr *req = nl_msg(a->req, SHOAL_CMD_PERSONA_GET, 0);

	memset(set, 0, sizeof(*set));
	return nl_dump(a->req, req, persona_set_cb, persona_set_restart, set);
}

struct cluster_view {
	bool quorum;
	uint32_t interval;
	uint32_t dead;
};

static int cluster_cb(const struct nlmsghdr *nlh, void *data)
{
	static const enum mnl_attr_data_type policy[SHOAL_A_MAX + 1] = {
		[SHOAL_A_CLUSTER_QUORUM] = MNL_TYPE_U8,
		[SHOAL_A_CLUSTER_INTERVAL] = MNL_TYPE_U32,
		[SHOAL_A_CLUSTER_DEAD] = MNL_TYPE_U32,
	};
	const struct nlattr *tb[SHOAL_A_MAX + 1];
	struct cluster_view *cv = data;

	if (nl_parse(nlh, policy, SHOAL_A_MAX, tb))
		return -1;
	if (tb[SHOAL_A_CLUSTER_QUORUM])
		cv->quorum = mnl_attr_get_u8(tb[SHOAL_A_CLUSTER_QUORUM]);
	if (tb[SHOAL_A_CLUSTER_INTERVAL])
		cv->interval = mnl_attr_get_u32(tb[SHOAL_A_CLUSTER_INTERVAL]);
	if (tb[SHOAL_A_CLUSTER_DEAD])
		cv->dead = mnl_attr_get_u32(tb[SHOAL_A_CLUSTER_DEAD]);
	return 0;
}

static int cluster_get(struct agent *a, struct cluster_view *cv)
{
	cv->quorum = false;
	cv->interval = SHOAL_INTERVAL_DEFAULT;
	cv->dead = SHOAL_DEAD_DEFAULT;
	return nl_request(a->req, nl_msg(a->req, SHOAL_CMD_CLUSTER_GET, 0),
			  cluster_cb, cv);
}

/* Tell the kernel, which tells "shoal monitor". */
static void report(struct agent *a, const char *persona, const char *disk,
		   uint8_t state)
{
	struct nlmsghdr *req = nl_msg(a->req, SHOAL_CMD_DISK_REPORT, 0);
	struct nlattr *nest, *d;

	mnl_attr_put_strz(req, SHOAL_A_PERSONA_NAME, persona);
	nest = mnl_attr_nest_start(req, SHOAL_A_PERSONA_DISKS);
	d = mnl_attr_nest_start(req, SHOAL_A_DISK);
	mnl_attr_put_strz(req, SHOAL_A_DISK_NAME, disk);
	mnl_attr_put_u8(req, SHOAL_A_DISK_STATE, state);
	mnl_attr_nest_end(req, d);
	mnl_attr_nest_end(req, nest);
	if (nl_request(a->req, req, NULL, NULL))
		agent_log("could not report disk %s of %s to the kernel",
			  disk, persona);
}

/* --- maps */

static int held_find(struct agent *a, const char *name)
{
	unsigned int i;

	for (i = 0; i < a->nheld; i++)
		if (!strcmp(a->held[i].name, name))
			return (int)i;
	return -1;
}

static void held_add(struct agent *a, const char *name)
{
	if (held_find(a, name) >= 0 || a->nheld == HELD_MAX)
		return;
	snprintf(a->held[a->nheld++].name, DM_MAP_NAME_LEN, "%s", name);
}

static void held_del(struct agent *a, const char *name)
{
	int i = held_find(a, name);

	if (i >= 0)
		a->held[i] = a->held[--a->nheld];
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool owns_disks(const struct agent_persona *p)
{
	return p->state == SHOAL_PERSONA_ACTIVE && p->ready;
}

static const struct agent_persona *persona_set_find(const struct persona_set *set,
						    const char *name)
{
	size_t i;

	for (i = 0; i < set->count; i++)
		if (!strcmp(set->items[i].name, name))
			return &set->items[i];
	return NULL;
}

static bool persona_has_disk(const struct agent_persona *p, const char *disk)
{
	unsigned int i;

	for (i = 0; i < p->ndisks; i++)
		if (!strcmp(p->disks[i].name, disk))
			return true;
	return false;
}

/* Map @d of @persona when it can be; tried at once, after the events. */
static void pending_add(struct agent *a, const char *persona,
			const struct agent_disk *d)
{
	struct pending_map *pm;
	unsigned int i;

	for (i = 0; i < a->npending; i++) {
		pm = &a->pending[i];
		if (!strcmp(pm->persona, persona) &&
		    !strcmp(pm->disk.name, d->name)) {
			pm->disk = *d;
			return;
		}
	}
	if (a->npending == HELD_MAX)
		return;
	pm = &a->pending[a->npending++];
	memset(pm, 0, sizeof(*pm));
	snprintf(pm->persona, sizeof(pm->persona), "%s", persona);
	pm->disk = *d;
	pm->since = now_ms();
	pm->next = pm->since;
}

static void pending_del(struct agent *a, unsigned int i)
{
	a->pending[i] = a->pending[--a->npending];
}

/* Pending disk @i is not to be mapped any more. */
static void forget(struct agent *a, unsigned int i)
{
	struct pending_map *pm = &a->pending[i];
	char name[DM_MAP_NAME_LEN];

	if (!disk_map_name(pm->persona, pm->disk.name, name, sizeof(name)))
		agent_log("not mapping %s: this node does not own the disks of %s any more",
			  name, pm->persona);
	pending_del(a, i);
}

/* Nothing of @persona is to be mapped any more. */
static void pending_forget(struct agent *a, const char *persona)
{
	unsigned int i = 0;

	while (i < a->npending) {
		if (strcmp(a->pending[i].persona, persona))
			i++;
		else
			forget(a, i);
	}
}

static void unmap(struct agent *a, const char *name, const char *persona,
		  const char *disk);

/*
 * Whether map @m is one the kernel serves for this node's @persona at
 * @epoch: a shoal table of that persona and epoch that is not fenced.
 */
static bool map_serves(const struct dm_map *m, const char *persona,
		       uint32_t epoch)
{
	return m->shoal && !m->fenced && m->epoch == epoch &&
	       !strcmp(m->persona, persona);
}

/*
 * Try to map one pending disk, the persona being at @epoch. Returns 0
 * when it is mapped (or will never be: a spec that does not parse), else
 * how many ms until the next try. @wait_ms is how long an old owner may
 * take to let go of the name.
 */
static unsigned int map_try(struct agent *a, struct pending_map *pm,
			    uint32_t epoch, uint64_t wait_ms)
{
	char name[DM_MAP_NAME_LEN], uuid[DM_MAP_NAME_LEN], err[DISKSPEC_ERR_LEN];
	static struct diskspec ds;
	struct dm_map m;
	uint64_t now;
	int ret;

	if (disk_map_name(pm->persona, pm->disk.name, name, sizeof(name)))
		return 0;
	if (diskspec_parse(pm->disk.spec, &ds, err, sizeof(err))) {
		agent_log("not mapping %s: %s", name, err);
		return 0;
	}
	snprintf(uuid, sizeof(uuid), "SHOAL-%s-%s", pm->persona, pm->disk.name);
	ret = dm_map_get(name, &m);
	if (!ret && map_serves(&m, pm->persona, epoch)) {
		/* made by this agent, or found at start */
		held_add(a, name);
		return 0;
	}
	/*
	 * This node's own map from before, in the way (it is at a past
	 * epoch): fail and remove it (deferred if it is open). Another
	 * node's is left to its agent.
	 */
	if (!ret && !m.deferred && held_find(a, name) >= 0) {
		agent_log("%s, this node's, is in the way; removing it", name);
		unmap(a, name, NULL, NULL);
		ret = dm_map_get(name, &m);
	}
	if (ret == -ENOENT) {
		dm_quiet(true);
		ret = dm_map_create(name, uuid, &ds, pm->persona, epoch);
		dm_quiet(false);
		if (!ret) {
			held_add(a, name);
			agent_log("mapped %s (%llu sectors)", name,
				  (unsigned long long)ds.sectors);
			report(a, pm->persona, pm->disk.name, SHOAL_DISK_MAPPED);
			return 0;
		}
		/* lost a race for the name: wait as for a taken one */
		if (ret == -EBUSY || ret == -EEXIST)
			ret = 0;
	}
	if (ret < 0) {
		/* the kernel refuses a table when the node lost the persona */
		if (pm->why != PENDING_ERROR || pm->err != ret)
			agent_log("could not map %s: %s; trying again", name,
				  strerror(-ret));
		pm->why = PENDING_ERROR;
		pm->err = ret;
		return AGENT_RETRY_SLOW_MS;
	}

	/* taken: by the old owner's map, on a host that runs several nodes */
	now = now_ms();
	if (pm->why != PENDING_NAME) {
		agent_log("%s exists; waiting for it to go", name);
		pm->why = PENDING_NAME;
		pm->since = now;
		pm->long_wait = false;
	} else if (!pm->long_wait && now - pm->since > wait_ms) {
		agent_log("%s is still taken after %llu ms; still waiting (is the old map open?)",
			  name, (unsigned long long)(now - pm->since));
		pm->long_wait = true;
	}
	return AGENT_RETRY_MS;
}

/*
 * Try the pending disks again: all of them after events (@all), else
 * those whose time has come. Each try first asks the kernel whether this
 * node still owns the persona's disks: what an event said may be stale.
 */
static void pending_run(struct agent *a, bool all)
{
	uint64_t now = now_ms(), wait_ms;
	const struct agent_persona *p;
	struct persona_set set;
	struct cluster_view cv;
	unsigned int i, ms;
	bool due = false;

	for (i = 0; i < a->npending; i++)
		if (all || a->pending[i].next <= now)
			due = true;
	if (!due)
		return;
	if (personas_dump(a, &set) || cluster_get(a, &cv)) {
		agent_log("cannot read the personas; trying again");
		free(set.items);
		for (i = 0; i < a->npending; i++)
			if (all || a->pending[i].next <= now)
				a->pending[i].next = now + AGENT_RETRY_SLOW_MS;
		return;
	}
	/* an old owner fences itself within dead intervals */
	wait_ms = 2ULL * cv.dead * cv.interval;
	i = 0;
	while (i < a->npending && !stop) {
		struct pending_map *pm = &a->pending[i];

		if (!all && pm->next > now) {
			i++;
			continue;
		}
		p = persona_set_find(&set, pm->persona);
		if (!p || !owns_disks(p) || !persona_has_disk(p, pm->disk.name)) {
			forget(a, i);
			continue;
		}
		if (!cv.quorum && !a->conf.allow_split_disks) {
			if (pm->why != PENDING_QUORUM)
				agent_log("not mapping the disks of %s: quorum is off, so a split could map them on two nodes (allow_split_disks = yes permits it)",
					  pm->persona);
			pm->why = PENDING_QUORUM;
			pm->next = now + AGENT_RETRY_SLOW_MS;
			i++;
			continue;
		}
		ms = map_try(a, pm, p->epoch, wait_ms);
		if (!ms) {
			pending_del(a, i);
			continue;
		}
		pm->next = now_ms() + ms;
		i++;
	}
	free(set.items);
}

static void map_persona(struct agent *a, const struct agent_persona *p)
{
	unsigned int i;

	for (i = 0; i < p->ndisks; i++)
		pending_add(a, p->name, &p->disks[i]);
}

static struct pending_unmap *unmap_find(struct agent *a, const char *name)
{
	unsigned int i;

	for (i = 0; i < a->nunmaps; i++)
		if (!strcmp(a->unmaps[i].name, name))
			return &a->unmaps[i];
	return NULL;
}

/* Try map @name again in @ms; the entry's err says what was logged. */
static struct pending_unmap *unmap_later(struct agent *a, const char *name,
					 const char *persona, const char *disk,
					 unsigned int ms)
{
	struct pending_unmap *pu = unmap_find(a, name);

	if (!pu) {
		if (a->nunmaps == a->unmaps_size) {
			unsigned int size = a->unmaps_size ? 2 * a->unmaps_size : 16;
			struct pending_unmap *grown;

			grown = realloc(a->unmaps, size * sizeof(*grown));
			if (!grown) {
				agent_alert("out of memory: %s will not be tried again",
					    name);
				return NULL;
			}
			a->unmaps = grown;
			a->unmaps_size = size;
		}
		pu = &a->unmaps[a->nunmaps++];
		memset(pu, 0, sizeof(*pu));
		snprintf(pu->name, sizeof(pu->name), "%s", name);
	}
	snprintf(pu->persona, sizeof(pu->persona), "%s", persona ? persona : "");
	snprintf(pu->disk, sizeof(pu->disk), "%s", disk ? disk : "");
	pu->next = now_ms() + ms;
	return pu;
}

static void unmap_done(struct agent *a, const char *name)
{
	struct pending_unmap *pu = unmap_find(a, name);

	if (pu)
		*pu = a->unmaps[--a->nunmaps];
}

/*
 * The error table could not be loaded into @name: the working table must
 * not go on serving, and removing the map would not stop it (an open
 * map's removal is deferred to its last close). Suspend it without
 * flushing instead: its I/O then waits in device-mapper and reaches no
 * disk until the error table is in.
 */
static void fail_failed(const char *name, int err, struct pending_unmap *pu)
{
	int ret = dm_map_suspend(name);

	if (pu && pu->err == err)
		return;
	if (!ret)
		agent_alert("could not load an error table into %s: %s; left it suspended without flushing (its I/O waits and reaches no disk); trying again",
			    name, strerror(-err));
	else
		agent_alert("could not load an error table into %s (%s) nor suspend it (%s): it may still write to the disk; trying again",
			    name, strerror(-err), strerror(-ret));
	if (pu)
		pu->err = err;
}

/*
 * Fail map @name at once, then remove it. @persona and @disk, when not
 * NULL, are what to report it as. What cannot be done now is tried again
 * later, never dropped: a map that could not be failed is left suspended
 * meanwhile, never removed with its working table still in.
 */
static void unmap(struct agent *a, const char *name, const char *persona,
		  const char *disk)
{
	struct pending_unmap *pu = unmap_find(a, name);
	bool deferred;
	struct dm_map m;
	int ret;

	ret = dm_map_get(name, &m);
	if (ret == -ENOENT) {
		held_del(a, name);
		unmap_done(a, name);
		return;
	}
	if (ret) {
		if (!pu || pu->err != ret)
			agent_log("could not read %s: %s; trying again", name,
				  strerror(-ret));
		pu = unmap_later(a, name, persona, disk, AGENT_RETRY_SLOW_MS);
		if (pu)
			pu->err = ret;
		return;
	}
	/*
	 * The kernel serves it: the namespace that made it holds the persona
	 * at its epoch. That is not a map to fail (an event that said
	 * otherwise is stale), nor this agent's if it did not make it.
	 */
	if (m.shoal && !m.fenced) {
		agent_log("not failing %s: the kernel serves it, for a node that holds %s at epoch %u",
			  name, m.persona, m.epoch);
		unmap_done(a, name);
		return;
	}
	/* failing, and going at its last close: done already */
	if (m.state == DM_MAP_FAILING && !m.suspended && m.deferred) {
		held_del(a, name);
		unmap_done(a, name);
		return;
	}
	if (m.state != DM_MAP_FAILING || m.suspended) {
		/* libdevmapper's own words, once: not at every try */
		dm_quiet(pu && pu->err);
		ret = dm_map_fail(name, m.sectors ? m.sectors : 1);
		dm_quiet(false);
		if (ret) {
			pu = unmap_later(a, name, persona, disk,
					 AGENT_RETRY_FENCE_MS);
			fail_failed(name, ret, pu);
			return;
		}
		agent_log("failing %s (error table, %llu sectors)", name,
			  (unsigned long long)m.sectors);
		if (persona)
			report(a, persona, disk, SHOAL_DISK_FAILING);
		if (pu)
			pu->err = 0;
	}
	ret = dm_map_remove(name, &deferred);
	if (ret) {
		/* failing already: no hurry */
		if (!pu || pu->err != ret)
			agent_log("could not remove %s: %s; trying again", name,
				  strerror(-ret));
		pu = unmap_later(a, name, persona, disk, AGENT_RETRY_SLOW_MS);
		if (pu)
			pu->err = ret;
		return;
	}
	held_del(a, name);
	unmap_done(a, name);
	agent_log(deferred ? "removing %s when it is closed (deferred)" :
			     "removed %s", name);
	if (persona)
		report(a, persona, disk, SHOAL_DISK_UNMAPPED);
}

/*
 * Fail and remove map @name of a persona this node lost or does not
 * know: at once, or UNMAP_DELAY_ENV late (for tests).
 */
static void fence(struct agent *a, const char *name, const char *persona,
		  const char *disk)
{
	if (!a->unmap_delay_ms) {
		unmap(a, name, persona, disk);
		return;
	}
	if (unmap_find(a, name))
		return;
	agent_log("fencing %s in %u ms (%s)", name, a->unmap_delay_ms,
		  UNMAP_DELAY_ENV);
	unmap_later(a, name, persona, disk, a->unmap_delay_ms);
}

/* The maps whose time to be tried again has come. */
static void unmaps_run(struct agent *a)
{
	uint64_t now = now_ms();
	unsigned int i = 0;

	while (i < a->nunmaps && !stop) {
		struct pending_unmap pu = a->unmaps[i];

		if (pu.next > now) {
			i++;
			continue;
		}
		unmap(a, pu.name, pu.persona[0] ? pu.persona : NULL,
		      pu.persona[0] ? pu.disk : NULL);
		/* still there, with a later time: move on; gone: same index */
		if (i < a->nunmaps && !strcmp(a->unmaps[i].name, pu.name))
			i++;
	}
}

/* The persona's maps that exist here; @report: the persona still exists. */
static void unmap_persona(struct agent *a, const struct agent_persona *p,
			  bool held_only, bool report_it)
{
	char name[DM_MAP_NAME_LEN];
	unsigned int i;

	for (i = 0; i < p->ndisks; i++) {
		if (disk_map_name(p->name, p->disks[i].name, name, sizeof(name)))
			continue;
		if (held_only && held_find(a, name) < 0)
			continue;
		/* an error reading it: try, and again later */
		if (!dm_map_exists(name)) {
			held_del(a, name);
			continue;
		}
		fence(a, name, report_it ? p->name : NULL,
		      report_it ? p->disks[i].name : NULL);
	}
}

/*
 * Make the maps agree with the kernel: map what this node owns, and
 * fail and remove maps of personas it does not own or that are gone.
 */
static int reconcile(struct agent *a)
{
	const char **names = NULL;
	struct persona_set set;
	struct dm_map *maps;
	unsigned int count, i, k;
	int ret;

	if (personas_dump(a, &set))
		return -1;
	ret = dm_map_list(&maps, &count);
	if (ret) {
		agent_log("cannot list device-mapper maps: %s", strerror(-ret));
		free(set.items);
		return -1;
	}
	names = calloc(set.count + 1, sizeof(*names));
	if (!names) {
		free(maps);
		free(set.items);
		return -1;
	}
	for (i = 0; i < set.count; i++)
		names[i] = set.items[i].name;

	for (k = 0; k < count && !stop; k++) {
		const struct agent_persona *p = NULL;
		const char *disk = NULL;
		int idx;

		idx = disk_map_split(maps[k].name, names, set.count, &disk);
		if (idx >= 0 && persona_has_disk(&set.items[idx], disk))
			p = &set.items[idx];
		if (p && owns_disks(p) &&
		    map_serves(&maps[k], p->name, p->epoch)) {
			held_add(a, maps[k].name);
			agent_log("found %s, of %s, which this node owns",
				  maps[k].name, p->name);
			continue;
		}
		/*
		 * The kernel serves it, not for this namespace: another node
		 * on this host (device-mapper names are per host) holds it.
		 */
		if (maps[k].shoal && !maps[k].fenced &&
		    !(p && owns_disks(p))) {
			agent_log("%s serves another network namespace; leaving it",
				  maps[k].name);
			continue;
		}
		agent_log("%s is not this node's (%s)", maps[k].name,
			  !p ? "no such persona or disk" :
			  owns_disks(p) ? "not a table of its current epoch" :
			  "another node owns the persona");
		fence(a, maps[k].name, p ? p->name : NULL, p ? disk : NULL);
	}
	for (i = 0; i < set.count && !stop; i++)
		if (owns_disks(&set.items[i]))
			map_persona(a, &set.items[i]);

	free(names);
	free(maps);
	free(set.items);
	return 0;
}

static void handle_event(struct agent *a, const struct nlmsghdr *nlh)
{
	static const enum mnl_attr_data_type policy[SHOAL_A_MAX + 1] = {
		[SHOAL_A_EVENT] = MNL_TYPE_U8,
	};
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[SHOAL_A_MAX + 1];
	static struct agent_persona p;
	uint8_t event;

	if (genl->cmd != SHOAL_CMD_PERSONA_NTF ||
	    nl_parse(nlh, policy, SHOAL_A_MAX, tb) || !tb[SHOAL_A_EVENT])
		return;
	event = mnl_attr_get_u8(tb[SHOAL_A_EVENT]);
	switch (event) {
	case SHOAL_EVENT_PERSONA_DISKS_READY:
	case SHOAL_EVENT_PERSONA_FENCED:
	case SHOAL_EVENT_PERSONA_RELEASED:
	case SHOAL_EVENT_PERSONA_DELETED:
		break;
	default:
		return;
	}
	if (persona_parse(nlh, &p))
		return;

	switch (event) {
	case SHOAL_EVENT_PERSONA_DISKS_READY:
		if (!owns_disks(&p))
			return;
		agent_log("disks of %s are ready", p.name);
		map_persona(a, &p);
		break;
	case SHOAL_EVENT_PERSONA_FENCED:
	case SHOAL_EVENT_PERSONA_RELEASED:
		/* the node lost it: whatever of it is mapped goes */
		agent_log("%s was %s", p.name,
			  event == SHOAL_EVENT_PERSONA_FENCED ? "fenced" :
								 "released");
		pending_forget(a, p.name);
		unmap_persona(a, &p, false, true);
		break;
	case SHOAL_EVENT_PERSONA_DELETED:
		pending_forget(a, p.name);
		/* nothing left to report to; only what this node held */
		unmap_persona(a, &p, p.state == SHOAL_PERSONA_STANDBY, false);
		break;
	}
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Until the earliest retry, in ms; -1: none is due. */
static int next_wake(const struct agent *a)
{
	uint64_t now = now_ms(), next = 0;
	unsigned int i;

	for (i = 0; i < a->npending; i++)
		if (!next || a->pending[i].next < next)
			next = a->pending[i].next;
	for (i = 0; i < a->nunmaps; i++)
		if (!next || a->unmaps[i].next < next)
			next = a->unmaps[i].next;
	if (a->resync_at && (!next || a->resync_at < next))
		next = a->resync_at;
	if (!next)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

static void resync(struct agent *a)
{
	if (reconcile(a)) {
		agent_log("could not reconcile; trying again");
		a->resync_at = now_ms() + AGENT_RETRY_SLOW_MS;
	} else {
		a->resync_at = 0;
	}
}

/*
 * Read what events there are, then act on them. Returns 1 if there were
 * events, 0 if none, -1 on an error.
 */
static int read_events(struct agent *a, char *buf)
{
	int fd = mnl_socket_get_fd(nl_mnl_socket(a->ev));
	uint16_t family = nl_family_id(a->ev);
	const struct nlmsghdr *nlh;
	bool lost = false;
	int n, got = 0;
	ssize_t len;

	for (;;) {
		len = recv(fd, buf, AGENT_RX_SIZE, MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			/*
			 * Events were lost. Those still queued came before the
			 * loss, and would undo what the kernel says now (a
			 * persona released, then taken back unheard): drop
			 * them, then ask the kernel how things are.
			 */
			if (errno == ENOBUFS) {
				if (!lost)
					agent_log("events were lost; reconciling");
				lost = true;
				got = 1;
				continue;
			}
			agent_log("cannot receive events: %s", strerror(errno));
			return -1;
		}
		got = 1;
		if (lost)
			continue;
		n = (int)len;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, n);
		     nlh = mnl_nlmsg_next(nlh, &n))
			if (nlh->nlmsg_type == family)
				handle_event(a, nlh);
	}
	if (lost)
		resync(a);
	return got;
}

/*
 * Events, and between them the retries: a disk waiting for its name or
 * for quorum never keeps the agent from hearing that the node lost the
 * persona.
 */
static int agent_loop(struct agent *a)
{
	int fd = mnl_socket_get_fd(nl_mnl_socket(a->ev));
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char *buf = malloc(AGENT_RX_SIZE);
	int ret = 0;

	if (!buf) {
		pr_err_sys("out of memory.");
		return -1;
	}
	while (!stop) {
		struct timespec ts, *tsp = NULL;
		int wake = next_wake(a), got = 0;

		if (wake >= 0) {
			ts.tv_sec = wake / 1000;
			ts.tv_nsec = (long)(wake % 1000) * 1000000;
			tsp = &ts;
		}
		if (ppoll(&pfd, 1, tsp, &a->wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			agent_log("cannot wait for events: %s", strerror(errno));
			ret = -1;
			break;
		}
		if (pfd.revents) {
			got = read_events(a, buf);
			if (got < 0) {
				ret = -1;
				break;
			}
		}
		if (a->resync_at && a->resync_at <= now_ms())
			resync(a);
		unmaps_run(a);
		pending_run(a, got);
	}
	free(buf);
	return stop ? 0 : ret;
}

static int unmap_delay(unsigned int *ms)
{
	const char *v = getenv(UNMAP_DELAY_ENV);
	unsigned long n;
	char *end;

	*ms = 0;
	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || *v < '0' || *v > '9' || n > UNMAP_DELAY_MAX) {
		pr_err("%s is \"%s\": expected ms from 0 to %u.",
		       UNMAP_DELAY_ENV, v, UNMAP_DELAY_MAX);
		return -1;
	}
	*ms = (unsigned int)n;
	return 0;
}

static int agent_run(const char *config)
{
	static struct agent agent;
	struct agent *a = &agent;
	int size = AGENT_RCVBUF, fd, ret = -1;
	struct sigaction sa = { .sa_handler = on_signal };
	char err[AGENT_CONF_ERR_LEN];
	sigset_t block;

	agentconf_init(&a->conf);
	if (agentconf_load(config ? config : AGENT_CONF_DEFAULT, config,
			   &a->conf, err, sizeof(err))) {
		pr_err("%s.", err);
		return -1;
	}
	if (unmap_delay(&a->unmap_delay_ms))
		return -1;
	log_to = a->conf.log;
	if (log_to == AGENT_LOG_SYSLOG)
		openlog("shoal-agent", LOG_PID, LOG_DAEMON);
	dm_set_logger(log_dm);

	/* listen first, so nothing between the dump and the loop is missed */
	a->ev = nl_open(SHOAL_GENL_NAME, SHOAL_GENL_VERSION);
	if (!a->ev || nl_mcast_join(a->ev, SHOAL_MCGRP_EVENTS))
		goto out;
	fd = mnl_socket_get_fd(nl_mnl_socket(a->ev));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	a->req = nl_open(SHOAL_GENL_NAME, SHOAL_GENL_VERSION);
	if (!a->req)
		goto out;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &a->wait_mask);
	sigdelset(&a->wait_mask, SIGINT);
	sigdelset(&a->wait_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	agent_log("started%s", a->conf.allow_split_disks ?
		  " (allow_split_disks: disks are mapped without quorum)" : "");
	if (a->unmap_delay_ms)
		agent_log("%s=%u: maps of a persona this node lost are failed that late (for tests only)",
			  UNMAP_DELAY_ENV, a->unmap_delay_ms);
	if (reconcile(a)) {
		agent_log("could not reconcile at start; trying again");
		a->resync_at = now_ms() + AGENT_RETRY_SLOW_MS;
	}
	ret = agent_loop(a);
	/* what stops the loop early is the system's doing, not the caller's */
	if (ret)
		fail_as(STATUS_SYSTEM);
	/* the maps stay: the persona is still this node's */
	agent_log("stopped");
out:
	free(a->unmaps);
	nl_close(a->req);
	nl_close(a->ev);
	if (log_to == AGENT_LOG_SYSLOG)
		closelog();
	return ret;
}

int do_agent(int argc, char **argv)
{
	const char *config = NULL;

	while (argc > 0) {
		if (!strcmp(argv[0], "-c") || is_prefix(argv[0], "config")) {
			if (argc < 2) {
				pr_err("\"%s\" needs a file; try \"" HINT "\".",
				       argv[0]);
				return -1;
			}
			if (config) {
				pr_err("the configuration file is given twice.");
				return -1;
			}
			config = argv[1];
			argc -= 2;
			argv += 2;
		} else if (is_prefix(argv[0], "help")) {
			usage();
			return 0;
		} else {
			pr_err("unknown argument \"%s\" for \"agent\"; try \"" HINT "\".",
			       argv[0]);
			return -1;
		}
	}
	return agent_run(config);
}
