// SPDX-License-Identifier: GPL-2.0
/*
 * The "shoal" device-mapper target: a persona's disk that serves I/O only
 * while this node holds the persona. The fence is in the I/O path, so it
 * holds the moment the module fences the persona, whatever the agent
 * does or whether it runs at all.
 *
 * Table line: <device> <offset> <persona> <epoch>
 *
 * like "linear" for the first two. The persona is looked up in the
 * network namespace of the process that loads the table (each namespace
 * is a node). Every bio is remapped to <device> if that namespace still
 * holds <persona> ACTIVE at <epoch> with its disks ready, and failed at
 * once otherwise: no queueing, no suspend, no flush. An epoch is held
 * once; a table of a past epoch never serves again, nor one of a persona
 * deleted since (a persona of the same name added again is another).
 *
 * The table does not keep its namespace alive (a namespace that has gone
 * must not go on owning a persona): the namespace's exit cuts the tables'
 * link to it, and from then on they fail every bio.
 *
 * Bios that passed before a fence are counted until they complete: the
 * node says it let the persona go (and the new owner's disks become
 * ready) only once none is left (shoal_dm_idle()).
 */
#include <linux/device-mapper.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "shoal.h"

#define DM_MSG_PREFIX "shoal"

struct shoal_dm {
	struct list_head list;		/* in shoal_dm_list */
	/* the loader's namespace; NULL once it has gone */
	struct net __rcu *net;
	struct dm_dev *dev;
	sector_t start;
	atomic_t inflight;		/* bios passed, not completed */
	bool draining;			/* a fence waits for inflight 0 */
	u32 epoch;
	u64 added;			/* which persona of that name */
	bool said;			/* logged that it fails */
	char persona[SHOAL_PERSONA_NAME_MAX + 1];
};

/* every table's target, for the namespaces' exit */
static LIST_HEAD(shoal_dm_list);
static DEFINE_MUTEX(shoal_dm_mutex);

/* 0 if @sd may pass I/O now, else why not (shoal_persona_holds()). */
static int shoal_dm_check(struct shoal_dm *sd)
{
	u64 added = sd->added;
	struct net *net;
	int ret = -ENETDOWN;

	rcu_read_lock();
	net = rcu_dereference(sd->net);
	/*
	 * A namespace whose last reference is gone may still be linked
	 * until its exit runs: its state is freed only after a grace period
	 * that this read-side section holds off.
	 */
	if (net && check_net(net))
		ret = shoal_persona_holds(shoal_net(net), sd->persona,
					  sd->epoch, &added);
	rcu_read_unlock();
	return ret;
}

/*
 * A bio passed by shoal_dm_map() completed, or one counted there was
 * failed: the last one a fence waits for wakes the persona's work.
 * Any context.
 */
static void shoal_dm_done(struct shoal_dm *sd)
{
	struct net *net;

	/* full barrier: pairs with the one in shoal_dm_idle() */
	if (!atomic_dec_and_test(&sd->inflight) || !READ_ONCE(sd->draining))
		return;
	rcu_read_lock();
	net = rcu_dereference(sd->net);
	if (net && check_net(net))
		shoal_persona_kick(shoal_net(net));
	rcu_read_unlock();
}

/*
 * Whether no bio that passed a table of @persona loaded in @net is still
 * in flight; the tables then wake the persona's work when it is so.
 * Called after the persona was fenced: nothing passes any more. Process
 * context.
 */
bool shoal_dm_idle(struct net *net, const char *persona)
{
	struct shoal_dm *sd;
	bool idle = true;

	mutex_lock(&shoal_dm_mutex);
	list_for_each_entry(sd, &shoal_dm_list, list) {
		if (rcu_access_pointer(sd->net) != net ||
		    strcmp(sd->persona, persona))
			continue;
		WRITE_ONCE(sd->draining, true);
		/* pairs with atomic_dec_and_test() in shoal_dm_done() */
		smp_mb();
		if (atomic_read(&sd->inflight))
			idle = false;
	}
	/* then failed bios need not wake anyone */
	list_for_each_entry(sd, &shoal_dm_list, list)
		if (idle && rcu_access_pointer(sd->net) == net &&
		    !strcmp(sd->persona, persona))
			WRITE_ONCE(sd->draining, false);
	mutex_unlock(&shoal_dm_mutex);
	return idle;
}

static const char *shoal_dm_why(int err)
{
	switch (err) {
	case -ENOENT:
		return "no such persona in the table's network namespace";
	case -ESTALE:
		return "the persona is at another epoch on this node";
	case -EPERM:
		return "this node does not hold the persona at that epoch";
	case -EAGAIN:
		return "the persona's disks are not ready on this node yet";
	default:
		return "the network namespace has gone";
	}
}

static int shoal_dm_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct net *net = current->nsproxy->net_ns;
	unsigned long long start;
	struct shoal_dm *sd;
	char dummy;
	int err;

	if (argc != 4) {
		ti->error = "Expected <device> <offset> <persona> <epoch>";
		return -EINVAL;
	}
	sd = kzalloc(sizeof(*sd), SHOAL_GFP);
	if (!sd) {
		ti->error = "Cannot allocate the shoal context";
		return -ENOMEM;
	}
	err = -EINVAL;
	if (sscanf(argv[1], "%llu%c", &start, &dummy) != 1 ||
	    start != (sector_t)start) {
		ti->error = "Invalid device offset";
		goto err_free;
	}
	sd->start = start;
	if (!*argv[2] || strlen(argv[2]) > SHOAL_PERSONA_NAME_MAX) {
		ti->error = "Invalid persona name";
		goto err_free;
	}
	strscpy(sd->persona, argv[2], sizeof(sd->persona));
	/* nobody owns anything at epoch 0 */
	if (kstrtou32(argv[3], 10, &sd->epoch) || !sd->epoch) {
		ti->error = "Invalid epoch";
		goto err_free;
	}
	err = dm_get_device(ti, argv[0], dm_table_get_mode(ti->table),
			    &sd->dev);
	if (err) {
		ti->error = "Device lookup failed";
		goto err_free;
	}

	/* the caller is in @net: it cannot go before it is linked here */
	RCU_INIT_POINTER(sd->net, net);
	rcu_read_lock();
	err = shoal_persona_holds(shoal_net(net), sd->persona, sd->epoch,
				  &sd->added);
	rcu_read_unlock();
	if (err) {
		ti->error = (char *)shoal_dm_why(err);
		err = -EPERM;
		goto err_put;
	}
	mutex_lock(&shoal_dm_mutex);
	list_add(&sd->list, &shoal_dm_list);
	mutex_unlock(&shoal_dm_mutex);

	ti->num_flush_bios = 1;
	ti->num_discard_bios = 1;
	ti->num_secure_erase_bios = 1;
	ti->num_write_zeroes_bios = 1;
	ti->private = sd;
	return 0;

err_put:
	dm_put_device(ti, sd->dev);
err_free:
	kfree(sd);
	return err;
}

/* device-mapper calls this once no I/O can reach the target any more */
static void shoal_dm_dtr(struct dm_target *ti)
{
	struct shoal_dm *sd = ti->private;

	mutex_lock(&shoal_dm_mutex);
	list_del(&sd->list);
	mutex_unlock(&shoal_dm_mutex);
	dm_put_device(ti, sd->dev);
	kfree(sd);
}

static int shoal_dm_map(struct dm_target *ti, struct bio *bio)
{
	struct shoal_dm *sd = ti->private;
	int err;

	/*
	 * Counted before the check: a fence that follows the check sees
	 * it in flight (the check and the fence take one lock).
	 */
	atomic_inc(&sd->inflight);
	err = shoal_dm_check(sd);
	if (unlikely(err)) {
		shoal_dm_done(sd);
		if (!READ_ONCE(sd->said)) {
			WRITE_ONCE(sd->said, true);
			DMINFO("%s: failing I/O: %s (persona %s, epoch %u)",
			       dm_device_name(dm_table_get_md(ti->table)),
			       shoal_dm_why(err), sd->persona, sd->epoch);
		}
		return DM_MAPIO_KILL;
	}
	bio_set_dev(bio, sd->dev->bdev);
	bio->bi_iter.bi_sector = sd->start +
				 dm_target_offset(ti, bio->bi_iter.bi_sector);
	return DM_MAPIO_REMAPPED;
}

static int shoal_dm_end_io(struct dm_target *ti, struct bio *bio,
			   blk_status_t *error)
{
	shoal_dm_done(ti->private);
	return DM_ENDIO_DONE;
}

static void shoal_dm_status(struct dm_target *ti, status_type_t type,
			    unsigned int status_flags, char *result,
			    unsigned int maxlen)
{
	struct shoal_dm *sd = ti->private;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		DMEMIT("%s", shoal_dm_check(sd) ? "fenced" : "serving");
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%s %llu %s %u", sd->dev->name,
		       (unsigned long long)sd->start, sd->persona, sd->epoch);
		break;
	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",device_name=%s,start=%llu,persona=%s,epoch=%u;",
		       sd->dev->name, (unsigned long long)sd->start,
		       sd->persona, sd->epoch);
		break;
	}
}

static int shoal_dm_iterate_devices(struct dm_target *ti,
				    iterate_devices_callout_fn fn, void *data)
{
	struct shoal_dm *sd = ti->private;

	return fn(ti, sd->dev, sd->start, ti->len, data);
}

/*
 * No ioctl pass-through and no DAX: both would reach the device without
 * a bio, past the check in shoal_dm_map().
 */
static struct target_type shoal_dm_target = {
	.name = "shoal",
	.version = { 1, 1, 0 },
	.features = DM_TARGET_NOWAIT,
	.module = THIS_MODULE,
	.ctr = shoal_dm_ctr,
	.dtr = shoal_dm_dtr,
	.map = shoal_dm_map,
	.end_io = shoal_dm_end_io,
	.status = shoal_dm_status,
	.iterate_devices = shoal_dm_iterate_devices,
};

/*
 * Namespaces going away: their tables fail from now on. Their state
 * (personas included) is freed once every exit has run, so wait for the
 * readers that found them before returning.
 */
static void __net_exit shoal_dm_net_exit_batch(struct list_head *net_exit_list)
{
	struct shoal_dm *sd;
	struct net *net;
	bool cut = false;

	mutex_lock(&shoal_dm_mutex);
	list_for_each_entry(sd, &shoal_dm_list, list) {
		list_for_each_entry(net, net_exit_list, exit_list) {
			if (rcu_access_pointer(sd->net) == net) {
				RCU_INIT_POINTER(sd->net, NULL);
				cut = true;
			}
		}
	}
	mutex_unlock(&shoal_dm_mutex);
	if (cut)
		synchronize_rcu();
}

static struct pernet_operations shoal_dm_net_ops = {
	.exit_batch = shoal_dm_net_exit_batch,
};

int shoal_dm_init(void)
{
	int err;

	err = register_pernet_subsys(&shoal_dm_net_ops);
	if (err)
		return err;
	err = dm_register_target(&shoal_dm_target);
	if (err)
		unregister_pernet_subsys(&shoal_dm_net_ops);
	return err;
}

/* No table uses the target: each holds a reference to this module. */
void shoal_dm_uninit(void)
{
	dm_unregister_target(&shoal_dm_target);
	unregister_pernet_subsys(&shoal_dm_net_ops);
}
