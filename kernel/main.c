// SPDX-License-Identifier: GPL-2.0
/*
 * shoal: a cluster of Linux machines serving one set of addresses.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>

#include "bucket.h"
#include "shoal.h"

static int __init shoal_init(void)
{
	int err;

	shoal_bucket_init();
	err = shoal_pernet_init();
	if (err)
		goto err_pernet;
	err = shoal_genl_init();
	if (err)
		goto err_genl;
	err = shoal_netdev_init();
	if (err)
		goto err_netdev;
	/* tables may be loaded as soon as it is registered */
	err = shoal_dm_init();
	if (err)
		goto err_dm;
	shoal_hb_init();
	err = shoal_departure_init();
	if (err)
		goto err_departure;
	/* last: its programs may run as soon as it is registered */
	shoal_xdp_init();

	pr_info("loaded\n");
	return 0;

err_departure:
	shoal_hb_uninit();
	shoal_dm_uninit();
err_dm:
	shoal_netdev_uninit();
err_netdev:
	shoal_genl_uninit();
err_genl:
	shoal_pernet_uninit();
	/* what was set up meanwhile is freed by RCU callbacks in here */
	rcu_barrier();
err_pernet:
	return err;
}

static void __exit shoal_exit(void)
{
	shoal_departure_uninit();
	shoal_hb_uninit();
	shoal_dm_uninit();
	shoal_netdev_uninit();
	shoal_genl_uninit();
	shoal_pernet_uninit();
	/* services are freed by RCU callbacks in this module */
	rcu_barrier();
	shoal_node_check_leaks();
	pr_info("unloaded\n");
}

module_init(shoal_init);
module_exit(shoal_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("shoal: a shared-address service cluster");
MODULE_ALIAS_GENL_FAMILY(SHOAL_GENL_NAME);
