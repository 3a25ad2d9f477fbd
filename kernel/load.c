// SPDX-License-Identifier: GPL-2.0
/*
 * What a node's utilization is, for pools: the machine's CPUs busy, or a
 * service's packets or new TCP connections kept a second against a
 * capacity, each over the last second, measured every heartbeat interval.
 */
#include <linux/kernel_stat.h>
#include <linux/tick.h>

#include "lookup.h"

/* Samples at least this far apart; a window holds a second of them. */
#define SHOAL_LOAD_STEP_NS	(NSEC_PER_SEC / (SHOAL_LOAD_SAMPLES / 2))

/*
 * Add a sample (counters a and b at now) if the last one is a step old,
 * and say what a and b grew by over the last second (or as long as there
 * are samples): false if there is none yet.
 */
static bool shoal_load_step(struct shoal_load_window *w, u64 now, u64 a,
			    u64 b, u64 *da, u64 *db, u64 *dt)
{
	unsigned int i, last, old;

	last = (w->head + SHOAL_LOAD_SAMPLES - 1) % SHOAL_LOAD_SAMPLES;
	if (!w->n || now - w->at[last] >= SHOAL_LOAD_STEP_NS) {
		w->at[w->head] = now;
		w->a[w->head] = a;
		w->b[w->head] = b;
		w->head = (w->head + 1) % SHOAL_LOAD_SAMPLES;
		w->n = min_t(unsigned int, w->n + 1, SHOAL_LOAD_SAMPLES);
	}
	/* the newest sample a second old or more, else the oldest */
	old = (w->head + SHOAL_LOAD_SAMPLES - w->n) % SHOAL_LOAD_SAMPLES;
	for (i = 0; i < w->n; i++) {
		last = (w->head + SHOAL_LOAD_SAMPLES - 1 - i) %
		       SHOAL_LOAD_SAMPLES;
		if (now - w->at[last] >= NSEC_PER_SEC) {
			old = last;
			break;
		}
	}
	if (now <= w->at[old])
		return false;
	*da = a - w->a[old];
	*db = b - w->b[old];
	*dt = now - w->at[old];
	return true;
}

/* The CPUs' busy and whole time so far, in ns, all online CPUs. */
static void shoal_cpu_times(u64 *busy, u64 *total)
{
	struct kernel_cpustat kcs;
	u64 b, idle, iowait;
	int cpu;

	*busy = 0;
	*total = 0;
	for_each_online_cpu(cpu) {
		kcpustat_cpu_fetch(&kcs, cpu);
		b = kcs.cpustat[CPUTIME_USER] + kcs.cpustat[CPUTIME_NICE] +
		    kcs.cpustat[CPUTIME_SYSTEM] + kcs.cpustat[CPUTIME_IRQ] +
		    kcs.cpustat[CPUTIME_SOFTIRQ] + kcs.cpustat[CPUTIME_STEAL];
		/* tickless idle is accounted apart, as /proc/stat does */
		idle = get_cpu_idle_time_us(cpu, NULL);
		idle = idle == -1ULL ? kcs.cpustat[CPUTIME_IDLE] :
		       idle * NSEC_PER_USEC;
		iowait = get_cpu_iowait_time_us(cpu, NULL);
		iowait = iowait == -1ULL ? kcs.cpustat[CPUTIME_IOWAIT] :
			 iowait * NSEC_PER_USEC;
		*busy += b;
		*total += b + idle + iowait;
	}
}

static u8 shoal_percent(u64 part, u64 whole)
{
	return whole ? min_t(u64, div64_u64(part * 100, whole),
			     SHOAL_UTIL_MAX) : SHOAL_UTIL_NONE;
}

/* The machine's CPUs busy over the last second, in percent. */
u8 shoal_load_cpu(struct shoal_net *sn, u64 now)
{
	u64 busy, total, db, dt, dtime;

	shoal_cpu_times(&busy, &total);
	if (!shoal_load_step(&sn->cpu_window, now, busy, total, &db, &dt,
			     &dtime))
		return SHOAL_UTIL_NONE;
	return shoal_percent(db, dt);
}

/*
 * A pooled service's packets, or new TCP connections, kept a second over
 * the last second, against its capacity, in percent.
 */
u8 shoal_load_rate(struct shoal_service *svc, u64 now)
{
	struct shoal_pool *pool = svc->pool;
	struct shoal_stats_sum sum;
	u64 dn, dummy, dt;

	shoal_service_stats(svc, &sum);
	if (!shoal_load_step(&pool->window, now,
			     pool->load == SHOAL_LOAD_CONNS ? sum.new_flows :
							     sum.packets,
			     0, &dn, &dummy, &dt))
		return SHOAL_UTIL_NONE;
	/* a second's worth over capacity, as a share */
	return shoal_percent(dn * NSEC_PER_SEC, (u64)pool->capacity * dt);
}
