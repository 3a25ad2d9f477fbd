#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the benchmarks' output into bench/RESULTS.md.

usage: report.py OUT --command CMD --commit C [--host-kernel K]
                 [--failover LOG --failover-seconds S [--failover-status N]]
                 [--falsefail LOG --falsefail-seconds S [--falsefail-status N]]
                 [--takeover LOG --takeover-seconds S [--takeover-status N]]
                 [--packet LOG --packet-seconds S [--packet-status N] [--micro MD]]
                 [--moves LOG --moves-seconds S [--moves-status N]]
                 [--pools LOG --pools-seconds S [--pools-status N]]
                 [--distributor LOG --distributor-seconds S [--distributor-status N]]

OUT has a section per benchmark: "# Failover benchmark", from the "BENCH ..."
and "BENCH-INFO ..." lines of bench/failover.sh's console log, and
"# False-failover benchmark", from the "BENCH-FALSE ..." lines of
bench/falsefail.sh's, and "# Takeover benchmark", from the "BENCH takeover
..." lines of bench/takeover.sh's, and "# Packet-path benchmark", from the
"BENCH-PACKET ..." lines of bench/packet.sh's (with bench/micro's table from
MD), and "# Connections kept through planned changes", from the "BENCH-MOVES
..." lines of bench/moves.sh's, and "# Pools: growing and shrinking by load",
from the "BENCH-POOL ..." lines of bench/pools.sh's, and "# Distributor
benchmark", from the "BENCH-DIST ...", "BENCH-DIST-CONNS ..." and "BENCH
takeover ..." lines of bench/distributor.sh's. A benchmark whose log is not given keeps its section of OUT as it was,
word for word (it was not run this time). Writes OUT, prints it, and exits
1 if the failover benchmark ran and its target check failed (or nothing was
measured), or if the false-failover, packet-path, planned-changes or pools
benchmark ran and a target it measured was missed, else 0: the others have
no target. Each section's commit, date and host kernel are those its log
begins with (bench/run writes them), else those of the command line.
"""

import argparse
import datetime
import math
import re
import statistics
import sys
import time


def parse(path):
    trials = {}  # (kind, setting) -> list of dicts

    def trial(line):
        w = line.split()
        if len(w) < 6 or w[4] != "result":
            return
        d = {"trial": int(w[3])}
        d.update(pairs(w[5:]))
        trials.setdefault((w[1], w[2]), []).append(d)

    infos, notes = read_log(path, {"BENCH ": trial})
    per = {}  # key -> {setting: value}, for "BENCH-INFO key setting value"
    for key, values in infos.items():
        for value in values:
            w = value.split(" ", 1)
            if len(w) == 2:
                per.setdefault(key, {})[w[0]] = w[1]
    return trials, last(infos), per, notes


# shoal declares a member down dead of its intervals and a margin more
# after its last frame: the mean lateness of its frames and four times its
# mean deviation, at most this much of an interval (kernel/member.h, struct
# shoal_lateness; Documentation/heartbeats.md); VRRPv3's backup, 3 adverts
# and the skew after the master's last one (RFC 5798).
SHOAL_MARGIN_MAX = 0.5
VRRP_ADVERTS = 3


def shoal_margin(width, interval):
    """shoal's margin, in ms, on a link whose delay is uniform over width ms
    (netem): lateness is the positive part of the difference of two such
    delays (a triangle on +-width), summed numerically."""
    if width <= 0:
        return 0.0
    steps = 2000
    pts = []
    for k in range(steps):
        x = -width + (k + 0.5) * 2 * width / steps
        pts.append((max(0.0, x), (width - abs(x)) / (width * width) * 2 * width / steps))
    mean = sum(v * p for v, p in pts)
    dev = sum(abs(v - mean) * p for v, p in pts)
    return min(SHOAL_MARGIN_MAX * interval, mean + 4 * dev)


def p99(xs):
    """Nearest rank: the smallest value with at least 99% of them <= it."""
    s = sorted(xs)
    return s[max(0, math.ceil(0.99 * len(s)) - 1)]


def ms(us):
    return "%.1f" % (us / 1000.0)


def disturbed(r):
    """The old member answered after the new one had: it was still alive
    when the other took over, so the takeover was not caused by the cut
    (a false detection that happened to fall in the trial)."""
    return int(r.get("gap_us", -1)) >= 0 and int(r.get("stale", 0)) > 0


def stats(rows):
    ok = [int(r["gap_us"]) for r in rows if int(r.get("gap_us", -1)) >= 0 and not disturbed(r)]
    res = {"n": len(rows), "ok": len(ok), "disturbed": sum(1 for r in rows if disturbed(r))}
    res["failed"] = len(rows) - len(ok) - res["disturbed"]
    if ok:
        res.update(min=min(ok), median=statistics.median(ok), p99=p99(ok), max=max(ok))
    rtt = [int(r["rtt_p50_us"]) for r in rows if int(r.get("rtt_p50_us", -1)) >= 0]
    rttmax = [int(r["rtt_max_us"]) for r in rows if int(r.get("rtt_max_us", -1)) >= 0]
    res["early"] = sum(1 for r in rows if int(r.get("early", 0)) > 0)
    late = [int(r.get("late", 0)) for r in rows]
    sent = [int(r.get("sent", 0)) for r in rows]
    res["rtt"] = statistics.median(rtt) if rtt else None
    res["rttmax"] = max(rttmax) if rttmax else None
    res["late"] = sum(late) / max(1, sum(sent))
    return res


def key_num(k):
    return -float(k[1])


def failover_section(args):
    """The failover benchmark's section: (markdown lines, every target met)."""
    trials, info, per, notes = parse(args.failover)
    shoal = sorted(((k, v) for k, v in trials.items() if k[0] == "shoal"),
                   key=lambda kv: key_num(kv[0]))
    ka = sorted(((k, v) for k, v in trials.items() if k[0] == "keepalived"),
                key=lambda kv: key_num(kv[0]))
    nt = info.get("trials", "?")

    dead = int(info.get("shoal_dead", "3"))
    prio = int(info.get("keepalived_priority", "254"))
    members = int(info.get("shoal_members", "3"))
    cut = info.get("shoal_cut", str(members))
    others = [str(i) for i in range(1, members + 1) if str(i) != cut]
    ka_nodes = info.get("keepalived_nodes", "2")
    skew = (256 - prio) / 256.0
    # down events a trial causes: the cut member on every other member,
    # and every other member on the cut one (it hears nobody either)
    per_trial = 2 * len(others)

    def names(ids, conj="and"):
        """"node 1", "nodes 1 and 2", "node 1 or 2": the nodes IDS."""
        if len(ids) < 2:
            return "node " + "".join(ids)
        return "node%s %s %s %s" % ("s" if conj == "and" else "", ", ".join(ids[:-1]), conj,
                                    ids[-1])

    out = []
    w = out.append
    out += section_head(FAILOVER_TITLE, args, args.failover)
    w("- Kernel (guest): %s, under QEMU TCG (software emulation, %s vCPU); host kernel %s"
      % (info.get("kernel", "?"), info.get("cpus", "?"), host(args, args.failover)))
    if "keepalived" in info:
        w("- keepalived: %s" % info["keepalived"])
    w("- Trials per setting: %s; client flows: %s; run time: %d min %02d s (its VM run)"
      % (nt, info.get("flows", "?"), args.failover_seconds // 60, args.failover_seconds % 60))
    if args.failover_status:
        w("- **The VM run failed (exit status %d)**: see bench/build/failover.log."
          % args.failover_status)
    w("")
    w("## What is measured")
    w("")
    w("One VM run (`selftests/vm-run bench/failover.sh`), network namespaces on a bridge. "
      "A client (`bench/udpping.c`) sends a UDP request every 1 ms (absolute CLOCK_MONOTONIC "
      "deadlines, round-robin over %s source ports) and takes the time each answer reached "
      "its socket (the kernel's receive timestamp: a client that runs late reads an answer "
      "late, but its time stays). After 200 answers the link of the member answering it is cut: its "
      "`eth0` is set down (SIOCSIFFLAGS, what `ip link set eth0 down` does) by a process "
      "started beforehand in its namespace, since under emulation starting a process stalls "
      "the VM for tens of milliseconds. The **gap** is the time from that member's last "
      "answer to the first answer from another member. The cut falls at set phases of the "
      "interval I: in trial k of n, (k − ½)/n·I after the next heartbeat or advert the member "
      "sends (the kernel's timestamp of it, on a packet socket: `udpping linkdown --after`), "
      "the same phases for both systems, so that they are compared at equal phases, not at "
      "chance ones; each trial's phase as it fell is in the log (`phase_us`)."
      % info.get("flows", "?"))
    w("")
    w("- **keepalived**: %s nodes, one VRRPv3 instance, one address (multicast adverts on the "
      "bridge, priority %d on %s — the highest a backup may have, so the smallest skew — "
      "`nopreempt`, `vrrp_higher_prio_send_advert` and `vrrp_garp_lower_prio_repeat 1` so "
      "that after two masters for a moment the client is told again where the address is); "
      "the master's link is cut; the old master comes back as backup, and the nodes are "
      "steady, before the next trial." % (ka_nodes, prio, "both" if ka_nodes == "2" else "all"))
    w("- **shoal**: %d members, `cluster set dev eth0 node I key KEY interval MS dead %d`, the "
      "service `192.0.2.100 proto udp port 7000` on all, the client's flows all owned by "
      "node %s, whose link is cut. Node %s comes back, is up on every member and owns its "
      "buckets again before the next trial." % (members, dead, cut, cut))
    w("- Each setting starts with one unmeasured warm-up trial (under emulation the first "
      "run of any code path — the monitors, the client, the cut — is tens of ms slower).")
    w("- A trial whose client is answered by the wrong member from the start (a takeover "
      "nobody caused just before it) is tried again, up to 5 times.")
    counts = sorted({stats(r)["ok"] for _, r in ka + shoal if stats(r)["ok"]})
    if counts and all(math.ceil(0.99 * n) == n for n in counts):
        w("- p99 is the nearest-rank 99th percentile: **with %s trials it is the maximum**."
          % " or ".join(str(n) for n in counts))
    else:
        w("- p99 is the nearest-rank 99th percentile of the trials measured.")
    w("")
    w("**Timing under emulation is slow and noisy.** The VM is QEMU TCG (no KVM) with %s vCPU "
      "shared by the client, the responders, the heartbeat timers and keepalived, on a host "
      "that may be running other VMs; times are the guest's CLOCK_MONOTONIC, which follows "
      "the host's real time, so every stall of the emulator lands in the numbers. The "
      "*client RTT p50* column is the baseline latency, *late ticks* the share of 1 ms sends "
      "that went out more than 1 ms late, *vCPU busy* how loaded the VM was."
      % info.get("cpus", "?"))
    w("")
    # where in an interval after the last frame each one fires
    ka_lo, ka_hi = VRRP_ADVERTS - 1 + skew, VRRP_ADVERTS + skew
    # on the bench's quiet bridge the margin is next to nothing
    sh_lo, sh_hi = dead - 1, dead
    later = (sh_lo + sh_hi) / 2 - (ka_lo + ka_hi) / 2
    if abs(later) < 0.05:
        verdict = ("both fire in the same window: shoal's median and p99 can match "
                   "keepalived's")
    else:
        verdict = ("shoal's window lies %.2f·I %s VRRP's: by design, not by noise, its median "
                   "and p99 come out about that much %s keepalived's"
                   % (abs(later), "after" if later > 0 else "before",
                      "above" if later > 0 else "below"))
    w("What to expect, from the protocols alone: the cut falls at a random point within an "
      "interval I after the last heartbeat/advert. VRRPv3's backup takes over Master_Down = "
      "%d·I + skew after the last advert it heard (skew = (256 − priority)/256 · I = %.3f·I "
      "here): the gap lies in (%.2f·I, %.2f·I], median %.2f·I. shoal declares a member down "
      "at its deadline, dead·I and a margin after its last frame, the margin following how "
      "late its frames come (at most %g·I; next to nothing on this quiet bridge, "
      "`Documentation/heartbeats.md`): the gap lies in (%g·I, %g·I] and the margin, median "
      "%g·I and the margin. Both add the time to move the address or publish the new bucket "
      "table, and the emulation's delays. At equal intervals, with shoal's dead %d against "
      "VRRP's %d adverts, %s."
      % (VRRP_ADVERTS, skew, ka_lo, ka_hi, (ka_lo + ka_hi) / 2, SHOAL_MARGIN_MAX, sh_lo,
         sh_hi, (sh_lo + sh_hi) / 2, dead, VRRP_ADVERTS, verdict))
    w("")

    def row_cells(s):
        if s["ok"]:
            return [ms(s["min"]), ms(s["median"]), ms(s["p99"])]
        return ["-", "-", "-"]

    def table(title, rows, label, bound_title, bound, extras):
        w("## " + title)
        w("")
        w("| %s | trials | min (ms) | median (ms) | p99 (ms) | %s | client RTT p50 (ms) | "
          "late ticks | vCPU busy | %s |" % (label, bound_title,
                                             " | ".join(t for t, _ in extras)))
        w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|%s" % ("---:|" * len(extras)))
        for (kind, setting), r in rows:
            s = stats(r)
            bad = ["%d %s" % (s[k], k) for k in ("disturbed", "failed") if s[k]]
            trials_s = "%d" % s["ok"] + (" (%s)" % ", ".join(bad) if bad else "")
            c = row_cells(s)
            w("| %s | %s | %s | %s | %s | %s | %s | %.0f%% | %s | %s |" % (
                setting, trials_s, c[0], c[1], c[2], bound(setting),
                ms(s["rtt"]) if s["rtt"] is not None else "-", 100 * s["late"],
                per.get(kind + "_cpu", {}).get(setting, "?"),
                " | ".join(f(kind, setting, r, s) for _, f in extras)))
        w("")

    def ka_bound(setting):
        a = float(setting) * 1000
        return "%.4g–%.4g" % (ka_lo * a, ka_hi * a)

    def shoal_bound(setting):
        i = float(setting)
        return "%g–%g + margin" % (sh_lo * i, sh_hi * i)

    def ka_extra(kind, setting, r, s):
        m = per.get("keepalived_masters", {}).get(setting)
        spurious = "?" if m is None else str(max(0, int(m) - len(r)))
        return "%d / %s" % (s["early"], spurious)

    def shoal_extra(kind, setting, r, s):
        d = per.get("shoal_downs", {}).get(setting)
        if d is None:
            return "%d / ?" % s["early"]
        counts = dict(x.split(":") for x in d.split())
        total = sum(int(v) for v in counts.values())
        return "%d / %d" % (s["early"], max(0, total - per_trial * len(r)))

    def shoal_margin_cell(kind, setting, r, s):
        d = [int(x["deadline_us"]) - dead * float(setting) * 1000 for x in r
             if int(x.get("deadline_us", -1)) >= 0]
        return ms(statistics.median(d)) if d else "-"

    if ka:
        table("keepalived (VRRPv3, priority %d)" % prio, ka, "advert_int (s)",
              "expected (ms)", ka_bound, [("early trials / extra takeovers", ka_extra)])
    if shoal:
        table("shoal (dead %d)" % dead, shoal, "interval (ms)", "expected (ms)", shoal_bound,
              [("early trials / extra down events", shoal_extra),
               ("median margin (ms)", shoal_margin_cell)])
    w("*trials*: those measured; *disturbed* ones are left out of the statistics: the member "
      "cut off still answered after another had taken over, so the takeover was a false "
      "detection that fell into the trial, not the cut's doing (the gap is then near 0); "
      "*failed*: no gap could be measured (see the notes). "
      "*early trials*: trials in which the client was answered by another member before the "
      "cut (a failover nobody caused: a false detection); *extra takeovers* / *extra down "
      "events*: VRRP master transitions beyond one per trial, shoal `node down (timeout)` "
      "events beyond the %d each trial causes (node %s on %s, %s on node %s), counted by "
      "`shoal monitor` on every node, which is stopped (SIGSTOP) for each trial, from the "
      "client's start to its result, and then reads what came meanwhile: it counts every event but "
      "takes no CPU at the moment measured, as keepalived's side has no instrument. *margin*: "
      "what node %s's deadline on node 1 was beyond dead·I when it was declared down (`shoal "
      "-j node show`'s `down_after_us`, read after the trial): how late its frames had come."
      % (per_trial, cut, names(others), names(others), cut, cut))
    w("")

    # target check: like with like, at each interval both were measured at
    w("## Target check")
    w("")
    w("At each interval both were measured at, shoal's median gap must not exceed "
      "keepalived's median, and shoal's p99 gap must not exceed keepalived's p99; at 10 ms, "
      "shoal's p99 gap must be under 40 ms.")
    w("")
    targets = []
    kamap = {float(k[1]) * 1000: v for k, v in ka}
    equal = 0
    for (kind, setting), r in shoal:
        kr = kamap.get(float(setting))
        if kr is None:
            continue
        equal += 1
        s, k = stats(r), stats(kr)
        for key, name in (("median", "median"), ("p99", "p99")):
            title = "at %s ms, shoal's %s ≤ keepalived's %s" % (setting, name, name)
            if not s["ok"] or not k["ok"]:
                targets.append((title, False, "shoal %s, keepalived %s" % (
                    ms(s[key]) if s["ok"] else "not measured",
                    ms(k[key]) if k["ok"] else "not measured")))
                continue
            good = s[key] <= k[key]
            if ms(s[key]) == ms(k[key]) and s[key] != k[key]:
                # equal to a tenth: the microseconds tell
                text = "shoal %.3f ms, keepalived %.3f ms" % (s[key] / 1000.0, k[key] / 1000.0)
            else:
                text = "shoal %s ms, keepalived %s ms" % (ms(s[key]), ms(k[key]))
            if s["failed"]:
                text += " (%d shoal trials failed)" % s["failed"]
                good = False
            targets.append((title, good, text))
    if not equal:
        targets.append(("shoal's median and p99 ≤ keepalived's at an equal interval", None,
                        "no interval measured for both"))
    ten = [r for (kind, setting), r in shoal if float(setting) == 10]
    if ten:
        s = stats(ten[0])
        text = "p99 %s ms" % ms(s["p99"]) if s["ok"] else "no trial measured"
        good = bool(s["ok"]) and s["p99"] < 40000
        if s["failed"]:
            text += " (%d trials failed)" % s["failed"]
            good = False
        targets.append(("at 10 ms, shoal's p99 < 40 ms", good, text))
    else:
        targets.append(("at 10 ms, shoal's p99 < 40 ms", False, "not measured"))
    lines, passed = target_lines(targets)
    out += lines
    passed &= bool(shoal)
    w("")
    w("Overall: %s" % ("every target met" if passed else "**a target missed**"))
    w("")

    w("## Every trial (gap in ms)")
    w("")
    for (kind, setting), r in ka + shoal:
        unit = "ms" if kind == "shoal" else "s"
        gaps = ", ".join((ms(int(x["gap_us"])) + ("!" if int(x.get("early", 0)) else "") +
                          ("~" if disturbed(x) else ""))
                         if int(x["gap_us"]) >= 0 else "failed" for x in r)
        w("- %s %s %s: %s" % (kind, setting, unit, gaps))
    w("")
    w("(! marks an early trial, ~ a disturbed one.)")
    w("")
    out.extend(notes_block(notes))
    return out, passed


# --- false failovers ------------------------------------------------------------

FAILOVER_TITLE = "# Failover benchmark"
FALSE_TITLE = "# False-failover benchmark"


def run_meta(args, path):
    """What bench/run wrote at the top of the log at PATH: the run's commit,
    date and host kernel ({"commit", "date", "host_kernel"}); for a log
    without them, the command line's and this moment."""
    info = last(read_log(path, {})[0])
    return {"commit": info.get("run_commit", args.commit),
            "date": info.get("run_date",
                             time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())),
            "host_kernel": info.get("run_host_kernel", args.host_kernel)}


def host(args, path):
    """The host kernel of the run whose log is at PATH."""
    return run_meta(args, path)["host_kernel"]


def section_head(title, args, path):
    """A section's first lines: its title, and what made it, when (from the
    log at PATH)."""
    meta = run_meta(args, path)
    return [title, "", "Generated by `bench/run`; do not edit by hand.", "",
            "- Command: `%s`" % args.command,
            "- Date: %s" % meta["date"],
            "- Commit: %s" % meta["commit"]]


def target_lines(targets):
    """A target check's lines, from (name, good or None if not measured,
    text) triples, and whether every one measured was met."""
    lines, passed = [], True
    for name, good, text in targets:
        verdict = "not measured" if good is None else ("met" if good else "**missed**")
        if good is not None:
            passed &= good
        lines.append("- %s: %s: %s" % (name, text, verdict))
    return lines, passed


def notes_block(notes):
    """A section's notes from its run, as lines ([] if none)."""
    if not notes:
        return []
    return ["Notes from the run:", ""] + ["    " + x for x in notes] + [""]


def pairs(words):
    """{KEY: VALUE} of a line's "KEY VALUE KEY VALUE ..." words."""
    return {words[i]: words[i + 1] for i in range(0, len(words) - 1, 2)}


def read_log(path, handlers):
    """A benchmark's console log: its "BENCH-INFO KEY VALUE" lines as info
    (KEY -> [VALUE, ...], in the log's order) and its "# " notes, returned
    as (info, notes); each other line goes to handlers[PREFIX] (called with
    the whole line) of the first PREFIX it starts with, or nowhere."""
    info, notes = {}, []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith("BENCH-INFO "):
                _, key, *rest = line.split(" ", 2)
                info.setdefault(key, []).append(rest[0] if rest else "")
            elif line.startswith("# "):
                notes.append(line[2:])
            else:
                for prefix, handle in handlers.items():
                    if line.startswith(prefix):
                        handle(line)
                        break
    return info, notes


def last(info):
    """read_log's info with the last VALUE of each KEY: {KEY: VALUE}."""
    return {key: values[-1] for key, values in info.items()}


def takeover_trial(trials, line):
    """A "BENCH takeover SYSTEM SETTING TRIAL result KEY VALUE ..." line,
    into trials[SYSTEM]."""
    w = line.split()
    if len(w) < 7 or w[5] != "result":
        return
    d = {"setting": w[3], "trial": int(w[4])}
    d.update(pairs(w[6:]))
    trials.setdefault(w[2], []).append(d)


def parse_false(path):
    rows = []  # (system, setting, {key: value})
    events = {}  # (system, setting) -> list of event lines' words

    def row(line):
        w = line.split()
        if len(w) >= 3:
            rows.append((w[1], w[2], pairs(w[3:])))

    def event(line):
        w = line.split()
        if len(w) >= 7:
            events.setdefault((w[1], w[2]), []).append(w[3:])

    # info: key -> list of values, in order
    info, notes = read_log(path, {"BENCH-FALSE ": row, "BENCH-FALSE-EVENT ": event})
    return info, rows, events, notes


def tri_tail(x, width):
    """P(d2 - d1 > x), d1 and d2 independent and uniform on [0, width)."""
    if width <= 0:
        return 1.0 if x < 0 else 0.0
    if x >= width:
        return 0.0
    if x <= -width:
        return 1.0
    if x >= 0:
        return (width - x) ** 2 / (2.0 * width * width)
    return 1.0 - (width + x) ** 2 / (2.0 * width * width)


def gap_chance(p, width, interval, limit):
    """For a frame a receiver got, the chance that the next one it gets
    comes more than limit later: m - 1 frames lost in a row, then the m-th
    arrives m intervals on, give or take the difference of their delays."""
    total, m = 0.0, 1
    while True:
        pm = (1 - p) * p ** (m - 1)
        if pm < 1e-15:
            return total
        total += pm * tri_tail(limit - m * interval, width)
        m += 1


def netem_params(spec):
    """(loss, width of the uniform delay in ms) of "loss 1% delay 5ms 5ms"."""
    loss = re.search(r"\bloss (?:random )?([0-9.]+)%", spec)
    delay = re.search(r"\bdelay ([0-9.]+)ms(?: ([0-9.]+)ms)?", spec)
    if not loss or not delay:
        return None
    jitter = float(delay.group(2) or 0)
    # netem without a distribution table: uniform on [delay - jitter, delay + jitter)
    return float(loss.group(1)) / 100.0, 2 * jitter


def utc_us(stamp):
    """Microseconds since the epoch of shoal monitor's time (printed in UTC)."""
    t = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f")
    return int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1e6)


def pct(part, whole):
    return "%.2f%%" % (100.0 * part / whole) if whole else "-"


def whole(n):
    return "%d" % int(n)


def shoal_events(evs):
    """The window's node events of one shoal setting: (time_us, observer, event,
    reason, node) in time order."""
    out = []
    for e in evs:
        phase, obs, stamp, event, reason, node = e[:6]
        if phase != "in":
            continue
        try:
            out.append((utc_us(stamp), obs, event, reason, node))
        except ValueError:
            continue
    return sorted(out)


def incidents(downs, tolerance_us):
    """Down events of one node by different observers within tolerance of
    the first: one burst of that node's frames lost (netem drops a frame
    for all its receivers)."""
    groups = []
    for t, obs, _, _, node in downs:
        for g in groups:
            if g["node"] == node and t - g["t"] <= tolerance_us and obs not in g["obs"]:
                g["obs"].add(obs)
                break
        else:
            groups.append({"node": node, "t": t, "obs": {obs}})
    return len(groups)


def time_down(evs):
    """Median time from a node-down event to the same observer's next up
    event for that node, in ms."""
    spans, down = [], {}
    for t, obs, event, reason, node in evs:
        if event == "down" and reason == "timeout":
            down[(obs, node)] = t
        elif event == "up" and (obs, node) in down:
            spans.append((t - down.pop((obs, node))) / 1000.0)
    return statistics.median(spans) if spans else None


def per_minute(times_us, start_us, window_s):
    # a window a little over whole minutes (it is timed) has no extra bin
    n = max(1, int(math.ceil((window_s - 1) / 60.0)))
    bins = [0] * n
    for t in times_us:
        i = int((t - start_us) / 60e6)
        bins[min(max(i, 0), n - 1)] += 1
    return bins


def second_master(evs):
    """Median time from a node entering MASTER to its entering BACKUP again
    (with equal priorities, the lower address gives way), in ms."""
    spans, since = [], {}
    for t, node, st in evs:
        if st == "MASTER":
            since[node] = t
        elif node in since:
            spans.append((t - since.pop(node)) / 1000.0)
    return statistics.median(spans) if spans else None


def ka_moves(evs, before):
    """How often the address changed hands: a node became the only master
    where the other one had been."""
    state = {"ka": "BACKUP", "kb": "BACKUP"}
    if before in state:
        state[before] = "MASTER"
    holder, moves = (before if before in state else None), 0
    for _, node, st in evs:
        state[node] = st
        masters = [n for n, v in state.items() if v == "MASTER"]
        if len(masters) == 1 and masters[0] != holder:
            if holder is not None:
                moves += 1
            holder = masters[0]
    return moves


def false_section(args):
    """The false-failover benchmark's section: (markdown lines, its target
    met or not measured)."""
    info, rows, events, notes = parse_false(args.falsefail)

    def first(key, default="?"):
        return info.get(key, [default])[0]

    netem = first("false_netem")
    params = netem_params(netem)
    prio = int(first("keepalived_priority", "254"))
    window = first("false_seconds")
    interval_ms = float(first("false_interval", "10"))

    def observers(d):
        """The shoal members of a window: those its counts are by."""
        return sorted(int(k[3:]) for k in d if k.startswith("by_"))

    def ka_nodes(d):
        return sorted(k[len("master_"):] for k in d
                      if k.startswith("master_") and k not in ("master_before",
                                                                "master_after"))

    # the nodes of each system, as the windows counted them
    members = max((len(observers(d)) for sy, _, d in rows if sy == "shoal"),
                  default=int(first("false_nodes", "0")))
    kas = max((len(ka_nodes(d)) for sy, _, d in rows if sy == "keepalived"),
              default=int(first("false_nodes", "0")))
    hogs = first("false_hogs_per_node", "1")

    out = []
    w = out.append
    out += section_head(FALSE_TITLE, args, args.falsefail)
    w("- Kernel (guest): %s, under QEMU TCG (software emulation, %s vCPU); host kernel %s"
      % (first("kernel"), first("cpus"), host(args, args.falsefail)))
    if "keepalived" in info:
        w("- keepalived: %s" % first("keepalived"))
    w("- Window per setting: %s s; run time: %d min %02d s (its VM run)"
      % (window, args.falsefail_seconds // 60, args.falsefail_seconds % 60))
    if args.falsefail_status:
        w("- **The VM run failed (exit status %d)**: see bench/build/falsefail.log."
          % args.falsefail_status)
    w("")
    w("## What is measured")
    w("")
    w("How often a member that is alive is declared dead. One VM run (`selftests/vm-run "
      "bench/falsefail.sh`), network namespaces on a bridge, nothing failing on purpose; "
      "shoal first, then keepalived, each for a window of %s s per setting:" % window)
    w("")
    w("- **Every link is lossy and jittery**: `tc qdisc add dev eth0 root netem %s` on every "
      "node's `eth0` (what `selftests/heartbeat-lossy.sh` does), so every frame a node sends "
      "towards the switch is dropped with that chance and delayed by a uniform random time; "
      "a frame a node multicasts is lost for all its receivers alike. In place: `%s`."
      % (netem, (info.get("false_qdisc", ["? ?"])[0].split(" ", 1) + ["?"])[1]))
    w("- **Every node is busy**: %s (`sh -c 'while :; do :; done'`, normal "
      "priority) in each node's namespace, started %s s before the window (process starts "
      "stall the emulated VM) and stopped after it. The VM has %s vCPU: the hogs, the "
      "members' processes and the kernel's timers share it; *vCPU busy* is the share of "
      "the window the vCPU was not idle, *hogs* the part of it the busy loops had."
      % ("one busy loop" if hogs == "1" else "%s busy loops" % hogs, first("false_settle"),
         first("cpus")))
    w("- **Like with like**: shoal on %d nodes, keepalived on %d, each node with its hog%s, "
      "so the vCPU is shared by %s busy loops for shoal and %s for keepalived."
      % (members, kas, "" if hogs == "1" else "s", members * int(hogs), kas * int(hogs))
      + (" The load per node is the same." if members == kas else
         " **The load differs**: not like with like."))
    w("- **shoal**: %d members, `cluster set dev eth0 node I key KEY interval %g dead D`; "
      "every member runs `shoal -j monitor`, and every `node down` event with reason "
      "`timeout` in the window is a false failover (the member's buckets move). Each member "
      "watches %s: %d watched pairs.%s"
      % (members, interval_ms, "the other" if members == 2 else "the %d others" % (members - 1),
         members * (members - 1),
         "" if members < 3 else
         " A burst of one member's frames lost is lost for %s, so events come %d at a "
         "time: *incidents* counts a node's down events by different observers within 50 ms "
         "as one." % ("both others" if members == 3 else "all %d others" % (members - 1),
                      members - 1)))
    if any(sy == "shoal" and int(d.get("links", 1)) == 2 for sy, _, d in rows):
        w("- **shoal over two links**: each member also has `eth1` on a second bridge, with "
          "the same netem qdisc, and the windows marked *two links* run with `cluster set "
          "dev eth0 dev eth1`: every frame goes out on both links, each dropped and delayed "
          "on its own, and a member is down only when silent on both. The other windows "
          "use `eth0` alone.")
    w("- **keepalived**: %d nodes, the failover benchmark's VRRPv3 configuration (priority %d "
      "on %s, `nopreempt`, multicast adverts); the window starts with one master, the same "
      "for 5 adverts. Its log says when a node enters MASTER, BACKUP or FAULT state; a node "
      "*entering MASTER* is VRRP's node-down event (a backup gave up on a master that is "
      "alive). Only the backup%s watch%s the master: %d watched pair%s. With equal "
      "priorities, two masters settle on the one with the higher address, so each takeover "
      "is followed by a node going back to BACKUP: *address moved* counts how often the "
      "address changed hands."
      % (kas, prio, "both" if kas == 2 else "all", "" if kas == 2 else "s",
         "es" if kas == 2 else "", kas - 1,
         "" if kas == 2 else "s"))
    w("")

    def limits(system, setting, d):
        """(interval, the gap that declares a node dead), in ms."""
        if system == "shoal":
            i = float(d.get("interval_ms", interval_ms))
            return i, int(d.get("dead", setting)) * i + shoal_margin(params[1], i)
        i = float(setting) * 1000
        return i, VRRP_ADVERTS * i + (256 - prio) / 256.0 * i

    def watched(system, d):
        """The watched pairs: each shoal member watches every other one, each
        VRRP backup its master."""
        if system == "shoal":
            n = len(observers(d))
            return n * (n - 1)
        return len(ka_nodes(d)) - 1

    def links_of(d):
        """A shoal window's heartbeat links."""
        return int(d.get("links", 1))

    def shoal_label(setting, d):
        return "interval %s ms, dead %s%s" % (d.get("interval_ms", "?"), d.get("dead", setting),
                                             ", two links" if links_of(d) == 2 else "")

    def label_of(system, setting, d):
        if system == "shoal":
            return "shoal " + shoal_label(setting, d)
        return "keepalived advert_int %s s, priority %d" % (setting, prio)

    def loss_of(system, d):
        """The chance a frame is lost: over two links, lost on both (each link's
        netem drops on its own). The copy that counts is the earlier of two;
        its delay is taken as one link's, which only adds to the gaps."""
        p = params[0]
        return p * p if system == "shoal" and links_of(d) == 2 else p

    # expectations
    exp_note = ""
    if params and interval_ms > 0:
        p, width = params
        exp_note = ("What to expect from the loss and the jitter alone: a receiver declares a "
                    "sender dead when the gap between two frames it receives exceeds the limit "
                    "— `dead`·I and a margin for shoal (the mean lateness of the frames and "
                    "four times its mean deviation: %.1f ms for this jitter), VRRP's "
                    "Master_Down_Interval %d·I + "
                    "(256 − priority)/256·I for keepalived. After m − 1 frames lost in a row (chance (1 − p)·p^(m−1), "
                    "p = %g) the gap is m·I plus the difference of two independent delays, "
                    "uniform over %g ms (a triangle on ±%g ms). "
                    % (shoal_margin(width, interval_ms), VRRP_ADVERTS, p, width, width))
        here = []
        for system, setting, d in rows:
            i, limit = limits(system, setting, d)
            secs = int(d.get("window_ms", 0)) / 1000.0
            q = loss_of(system, d)
            if i > 0 and secs > 0:
                here.append("%s (limit %.4g ms%s): %.2f per watched pair in its %.0f s, %d "
                            "frames" % (label_of(system, setting, d), limit,
                                        ", p = %g over both links" % q if q != p else "",
                                        (1 - q) * secs * 1000 / i *
                                        gap_chance(q, width, i, limit), secs,
                                        secs * 1000 / i))
        if here:
            exp_note += "Here: %s. " % "; ".join(here)
        exp_note += ("*expected* is this sum over m, times the frames each pair receives, times "
                     "the watched pairs%s. It is a floor: delays beyond netem's (a sender's "
                     "timer run late, a receiver that runs late, the emulator's stalls) only "
                     "add to it, and they hit a process that competes with the hogs for the "
                     "vCPU (keepalived) harder than a kernel timer (shoal)."
                     % (" (for shoal, 1/%d as many incidents)" % (members - 1)
                        if members > 2 else ""))

    def expected(system, setting, d):
        if not params:
            return None
        width = params[1]
        p = loss_of(system, d)
        secs = int(d.get("window_ms", 0)) / 1000.0
        i, limit = limits(system, setting, d)
        if i <= 0:
            return None
        return watched(system, d) * (1 - p) * secs * 1000 / i * gap_chance(p, width, i, limit)

    w("## Results")
    w("")
    w("| system | setting | window (s) | node-down events (false failovers) | expected | "
      "per observer | frames received / lost (loss) | vCPU busy (hogs) |")
    w("|---|---|---:|---:|---:|---|---|---:|")
    details = []
    replayed_any = False
    minutes = []
    compare = []
    for system, setting, d in rows:
        def n(key, d=d):
            return int(d.get(key, 0))

        secs = n("window_ms") / 1000.0
        exp = expected(system, setting, d)
        busy = "%s%% (%s%%)" % (d.get("busy_pct", "?"), d.get("hog_pct", "?"))
        evs = events.get((system, setting), [])
        outside = "%d / %d" % (n("pre"), n("post"))
        stalls = "%d (max %s ms)" % (n("stalls"), d.get("stall_max_ms", "?"))
        netem_cell = "%s / %s (%s)" % (whole(n("netem_sent")), whole(n("netem_dropped")),
                                       pct(n("netem_dropped"), n("netem_sent") + n("netem_dropped")))
        if system == "shoal":
            sev = shoal_events(evs)
            downs = [e for e in sev if e[2] == "down" and e[3] == "timeout"]
            tol = 50000
            inc = incidents(downs, tol)
            obs = []
            ids = observers(d)
            per_inc = max(1, len(ids) - 1)
            for o in ids:
                by = n("by_%d" % o)
                part = ", ".join("n%d %d" % (x, n("pair_%d_%d" % (o, x)))
                                 for x in ids if x != o and n("pair_%d_%d" % (o, x)))
                obs.append("n%d: %d%s" % (o, by, " (%s)" % part if part else ""))
            rx = sum(n("rx_%d" % o) for o in ids)
            lost = sum(n("lost_%d" % o) for o in ids)
            tx = sum(n("tx_%d" % o) for o in ids)
            rej = sum(n("rejected_%d" % o) for o in ids)
            rep = sum(n("replayed_%d" % o) for o in ids)
            label = shoal_label(setting, d)
            if exp is None:
                exp_cell = "?"
            elif per_inc > 1:
                exp_cell = "%.1f (%.1f incidents)" % (exp, exp / per_inc)
            else:
                exp_cell = "%.1f" % exp
            w("| shoal | %s | %.0f | **%d**%s | %s | %s | %s / %s (%s) | %s |" % (
                label, secs, n("downs"), " (%d incidents)" % inc if per_inc > 1 else "",
                exp_cell, "; ".join(obs), whole(rx), whole(lost), pct(lost, rx + lost), busy))
            td = time_down(sev)
            replayed_any = replayed_any or rep > 0
            details.append("| shoal | %s | %.1f | %s | %s / %s / %s / %s (%s replayed) | %s | "
                           "%d / %d | %s | %s |" % (
                               label, n("stats_ms") / 1000.0, netem_cell, whole(tx),
                               whole(rx), whole(lost), whole(rej), whole(rep),
                               "%.0f" % td if td is not None else "-",
                               n("ups"), n("downs_other"), outside, stalls))
            start = n("start_us")
            if start:
                minutes.append("- shoal %s: %s" % (label, ", ".join(
                    str(x) for x in per_minute([e[0] for e in downs], start, secs))))
            compare.append(("shoal", label, n("downs"), watched(system, d), secs,
                            float(d.get("interval_ms", interval_ms)), int(d.get("dead", setting)),
                            links_of(d)))
            if d.get("up_after") == "no":
                notes.append("shoal %s: not every node was up after the window" % label)
        else:
            kev = sorted((int(e[2]), e[1], e[3]) for e in evs if e[0] == "in")
            moves = ka_moves(kev, d.get("master_before"))
            label = "advert_int %s s, priority %d" % (setting, prio)
            kn = ka_nodes(d)
            obs = "%s (entering MASTER); %d state changes; address moved %d×" % (
                ", ".join("%s %d" % (x, n("master_" + x)) for x in kn), n("changes"), moves)
            faults = sum(n("fault_" + x) for x in kn)
            if faults:
                obs += "; %d FAULT" % faults
            w("| keepalived | %s | %.0f | **%d** | %s | %s | %s sent / %s dropped (%s), "
              "by netem | %s |" % (
                  label, secs, n("takeovers"), "%.1f" % exp if exp is not None else "?", obs,
                  whole(n("netem_sent")), whole(n("netem_dropped")),
                  pct(n("netem_dropped"), n("netem_sent") + n("netem_dropped")), busy))
            sm = second_master(kev)
            details.append("| keepalived | %s | %.1f | %s | - | %s | - | %s | %s |" % (
                label, n("stats_ms") / 1000.0, netem_cell,
                "%.1f (as a master, then BACKUP)" % sm if sm is not None else "-",
                outside, stalls))
            start = n("start_us")
            if start:
                minutes.append("- keepalived %s: %s" % (label, ", ".join(
                    str(x) for x in per_minute([e[0] for e in kev if e[2] == "MASTER"],
                                               start, secs))))
            compare.append(("keepalived", label, n("takeovers"), watched(system, d), secs,
                            float(setting) * 1000, VRRP_ADVERTS, 1))
    w("")
    w("*frames received / lost*: shoal's heartbeat counters (`shoal -s cluster show`, summed "
      "over the members: frames accepted, and the gaps in sequence numbers), keepalived's "
      "from the netem qdiscs (every packet the nodes sent: the master's adverts, "
      "gratuitous ARPs). *per observer*: the events each node logged, and of which node.")
    w("")
    if exp_note:
        w(exp_note)
        w("")
    def rate(c):
        """False failovers per watched pair and hour."""
        return c[2] / c[3] / (c[4] / 3600.0) if c[3] and c[4] else float("nan")

    if compare:
        w("## False failovers per watched pair and hour")
        w("")
        for c in compare:
            w("- %s (%s): %.1f (%d event%s, %d watched pair%s, %.0f s)" % (
                c[0], c[1], rate(c), c[2], "" if c[2] == 1 else "s", c[3],
                "" if c[3] == 1 else "s", c[4]))
        # shoal over two lossy links against one, at the same settings
        for two in (c for c in compare if c[0] == "shoal" and c[7] == 2):
            for one in (c for c in compare if c[0] == "shoal" and c[7] == 1 and
                        c[5:7] == two[5:7]):
                w("- shoal, two links against one (interval %g ms, dead %d, each link "
                  "dropping and delaying as above): %.1f against %.1f"
                  % (two[5], two[6], rate(two), rate(one)))
        w("")
    # like with like: shoal at keepalived's interval with as many misses
    # tolerated as VRRP's 3 adverts
    targets = []
    # (keepalived has one link: so does shoal here)
    for s_ in (c for c in compare if c[0] == "shoal" and c[7] == 1):
        for k in (c for c in compare if c[0] == "keepalived"):
            if s_[5] == k[5] and s_[6] == k[6]:
                targets.append(("shoal (%s) ≤ keepalived (%s), per watched pair and hour"
                                % (s_[1], k[1]), rate(s_) <= rate(k),
                                "%.1f against %.1f" % (rate(s_), rate(k))))
    if not targets:
        targets.append(("shoal ≤ keepalived per watched pair and hour, at an equal interval "
                        "and miss tolerance", None, "no such pair of windows measured"))
    w("## Target check")
    w("")
    w("At an equal interval and an equal miss tolerance (shoal's dead against VRRP's %d "
      "adverts), shoal's false failovers per watched pair and hour must not exceed "
      "keepalived's. The other windows are for information." % VRRP_ADVERTS)
    w("")
    lines, passed = target_lines(targets)
    out.extend(lines)
    w("")
    reorder_note = ""
    if replayed_any and params and interval_ms >= params[1]:
        # delays spread over less than the interval cannot reorder frames
        # sent an interval apart: some were sent closer together
        reorder_note = (" — with frames sent %g ms apart and delays spread over %g ms, "
                        "that happens only when two frames reached the qdisc less than an "
                        "interval apart (a send that ran late): the senders' timing jitters "
                        "beyond netem's" % (interval_ms, params[1]))
    w("## Details")
    w("")
    w("| system | setting | counters read over (s) | netem sent / dropped (loss) | "
      "heartbeats tx / rx / lost / rejected | median time down (ms) | up events / other "
      "down events | events before / after the window | wake-ups > 50 ms late |")
    w("|---|---|---:|---|---|---:|---|---|---|")
    for line in details:
        w(line)
    w("")
    w("*counters read over*: the netem and heartbeat counters are read before the hogs start "
      "and after they stop (under the hogs each process started to read them takes about a "
      "second), so they cover the window, the settling and a few seconds more; the ratios "
      "are what matters. *netem*: every packet the nodes sent, and those the qdiscs dropped. "
      "*lost* also counts frames that arrived after a later one (netem's jitter reorders "
      "frames), which are then *rejected* as *replayed*%s. *time down*: from a node-down event "
      "to the same observer's next up event for that node, as the monitors read them (a "
      "member is up again on the third frame in a row); for keepalived, how long a node that "
      "entered MASTER stayed master before going back to BACKUP (both nodes masters "
      "meanwhile). *events before / after*: from the "
      "hogs' start to the window, and from its end until the monitors stopped (the hogs "
      "stopped and the counters read); not counted above. *wake-ups*: a process in the VM "
      "sleeping 10 ms at a time noted each wake-up more than 50 ms late, in the window: "
      "stalls of the VM itself, and, with the hogs, the scheduler's delays."
      % reorder_note)
    w("")
    if minutes:
        w("Node-down events (keepalived: entries into MASTER) per minute of the window:")
        w("")
        for m in minutes:
            w(m)
        w("")
    for v in info.get("keepalived_sched", []):
        node, _, text = v.partition(" ")
        policy = re.search(r"policy: (\S+)", text)
        prio_m = re.search(r"priority: (\S+)", text)
        notes.append("keepalived's VRRP process on %s: %s" % (
            node, "%s, priority %s" % (policy.group(1), prio_m.group(1) if prio_m else "?")
            if policy else text.strip()))
    out.extend(notes_block(notes))
    return out, passed


# --- takeover ---------------------------------------------------------------------

TAKEOVER_TITLE = "# Takeover benchmark"


def parse_takeover(path):
    """bench/takeover.sh's log: ({system: [trial dicts]}, info, notes)."""
    trials = {}
    info, notes = read_log(path, {"BENCH takeover ": lambda line: takeover_trial(trials, line)})
    return trials, last(info), notes


def takeover_section(args):
    trials, info, notes = parse_takeover(args.takeover)
    interval = int(info.get("takeover_interval", "100"))
    dead = int(info.get("takeover_dead", "3"))
    prio = int(info.get("keepalived_priority", "254"))
    skew = (256 - prio) / 256.0
    advert = info.get("keepalived_advert", "%g" % (interval / 1000.0))
    nt = info.get("trials", "?")
    secs = args.takeover_seconds

    out = []
    w = out.append
    out += section_head(TAKEOVER_TITLE, args, args.takeover)
    w("- Kernel (guest): %s, under QEMU TCG (software emulation, %s vCPU); host kernel %s"
      % (info.get("kernel", "?"), info.get("cpus", "?"), host(args, args.takeover)))
    if "keepalived" in info:
        w("- keepalived: %s" % info["keepalived"])
    w("- shoal: interval %d ms, dead %d, quorum on; keepalived: advert_int %s s, priority %d, "
      "use_vmac" % (interval, dead, advert, prio))
    w("- Trials per system: %s (after one unmeasured warm-up trial); run time: %d min %02d s "
      "(its VM run)" % (nt, secs // 60, secs % 60))
    if args.takeover_status:
        w("- **The VM run failed (exit status %d)**: see bench/build/takeover.log."
          % args.takeover_status)
    w("")
    w("## What is measured")
    w("")
    w("One VM run (`selftests/vm-run bench/takeover.sh`), network namespaces on a bridge. An "
      "identity — a virtual MAC and an address on it — is held by one node at a time; every "
      "node runs a UDP responder that answers with its id, so only the holder answers. A "
      "client (`bench/udpping.c`) sends a request to the identity's address every 1 ms and "
      "takes the time each answer reached its socket (the kernel's receive timestamp). "
      "After 200 answers the holder's link is "
      "cut (`eth0` set down by a process started beforehand in its namespace). The link comes "
      "back and the cluster is steady before the next trial; the identity stays where it "
      "went, and the next trial cuts whoever holds it.")
    w("")
    w("- **keepalived**: 2 nodes, one VRRPv3 instance with `use_vmac` (the address "
      "198.51.100.50/24 on a macvlan interface carrying the VRRP virtual MAC), `advert_int` "
      "%s s, priority %d on both, `nopreempt`." % (advert, prio))
    w("- **shoal**: 3 members, `cluster set ... interval %d dead %d quorum on`, persona `web` "
      "(`addr 198.51.100.10/24 nodes 1,2,3 disk data=/dev/loopN:0:2048`, a loop device as "
      "the shared storage), `shoal agent` and `shoal -j monitor` in every member's namespace."
      % (interval, dead))
    w("")
    w("Measures: **gap**, from the old holder's last answer to the first answer from the new "
      "one (the client's clock); for shoal also, from the moment the cut was asked for "
      "(CLOCK_REALTIME in the script, just before the cutting process is told) to the new "
      "owner's events as its `shoal -j monitor` read them: **takeover** (`persona takeover`, "
      "the persona's interface is up there), **disks ready** (`disks ready`) and **disk "
      "mapped** (the agent's `disk mapped` report, the map `shoal-web-data` created through "
      "libdevmapper); *agent* is disk mapped − disks ready, the agent's own time.")
    w("")
    I = interval
    w("What to expect, by design: the cut falls at a random point within an interval I = %d ms "
      "after the last heartbeat/advert. VRRPv3's backup takes over 3·I + skew after the last "
      "advert it heard (skew = %.3f·I): gap in (%.0f, %.0f] ms. shoal declares the owner down "
      "dead·I and a margin (at most %g·I) after its last heartbeat, and the next node of the list claims the "
      "persona at "
      "once: takeover in (%d, %d] ms after the cut, the gap about the same plus the first "
      "gratuitous ARP. The disks are ready dead·I = %d ms after that claim "
      "(Documentation/personas.md, \"Disks\": by then an old owner that is alive but cut off "
      "has lost quorum and fenced itself), so disks ready in (%d, %d] ms after the cut; disk "
      "mapped adds the agent's time (an event, a libdevmapper create and, without udev, the "
      "device node, then a report), and its wait if the old owner's map of the same "
      "name is not gone yet. Timing under emulation (QEMU TCG, one vCPU, a host possibly "
      "busy with other VMs) is slow and noisy: every stall lands in the numbers."
      % (I, skew, (2 + skew) * I, (3 + skew) * I, SHOAL_MARGIN_MAX, (dead - 1) * I,
         (dead + SHOAL_MARGIN_MAX) * I, dead * I, (2 * dead - 1) * I,
         (2 * dead + SHOAL_MARGIN_MAX) * I))
    w("")

    def cell(xs):
        if not xs:
            return ["-", "-", "-"]
        return [ms(min(xs)), ms(statistics.median(xs)), ms(p99(xs))]

    def vals(rows, key, gap=False):
        """The values measured; for the gap, disturbed trials left out."""
        return [int(r[key]) for r in rows
                if int(r.get(key, -1)) >= 0 and not (gap and disturbed(r))]

    def diff(rows, a, b):
        return [int(r[a]) - int(r[b]) for r in rows
                if int(r.get(a, -1)) >= 0 and int(r.get(b, -1)) >= 0]

    w("## Results")
    w("")
    w("| system | measure | trials | min (ms) | median (ms) | p99 = max (ms) | expected (ms) |")
    w("|---|---|---:|---:|---:|---:|---:|")
    ka = trials.get("keepalived", [])
    sh = trials.get("shoal", [])
    if ka:
        g = vals(ka, "gap_us", True)
        w("| keepalived | gap | %d/%d | %s | %.0f–%.0f |" % (
            len(g), len(ka), " | ".join(cell(g)), (2 + skew) * I, (3 + skew) * I))
    if sh:
        span = "%d–%d" % ((dead - 1) * I, (dead + SHOAL_MARGIN_MAX) * I)
        span2 = "%d–%d" % ((2 * dead - 1) * I, (2 * dead + SHOAL_MARGIN_MAX) * I)
        rows = [("gap", vals(sh, "gap_us", True), span + " + ARP"),
                ("takeover (new owner)", vals(sh, "takeover_us"), span),
                ("disks ready (new owner)", vals(sh, "ready_us"), span2),
                ("disk mapped (new owner)", vals(sh, "mapped_us"), span2 + " + agent"),
                ("agent: mapped − ready", diff(sh, "mapped_us", "ready_us"), "small"),
                ("fenced (old owner, quorum lost)", vals(sh, "fenced_us"), span),
                ("map removed (old owner)", vals(sh, "unmapped_us"), span + " + agent")]
        for name, xs, exp in rows:
            w("| shoal | %s | %d/%d | %s | %s |" % (name, len(xs), len(sh), " | ".join(cell(xs)),
                                                     exp))
    if not ka and not sh:
        w("| - | nothing measured | 0 | - | - | - | - |")
    w("")
    w("*trials*: measured / run; a gap is left out when the old holder still answered after "
      "the new one had (*disturbed*: a takeover nobody caused fell into the trial). p99 is "
      "the nearest-rank 99th percentile: **with %s trials it is the maximum**. The gap starts "
      "at the old holder's last answer, the other measures at the cut, a little later; the "
      "expected ranges are from the cut. *fenced* and *map removed*: the old owner, cut off, "
      "sees both others down dead·I and a margin (at most %g·I) after their last heartbeats, loses quorum and "
      "fences the persona; its agent loads an error table into the map and removes it. The "
      "new owner's map can only be created once that one is gone (device-mapper names are "
      "the VM's, not a namespace's)." % (nt, SHOAL_MARGIN_MAX))
    w("")
    w("## Every trial (ms)")
    w("")

    def fmt(r, key):
        v = int(r.get(key, -1))
        return ms(v) if v >= 0 else "-"

    def fmt_gap(r):
        return fmt(r, "gap_us") + ("!" if int(r.get("early", 0)) else "") + \
            ("~" if disturbed(r) else "")

    if ka:
        w("- keepalived gap: %s" % ", ".join(fmt_gap(r) for r in ka))
    if sh:
        w("- shoal gap: %s" % ", ".join(fmt_gap(r) for r in sh))
    for key, name in (("takeover_us", "takeover"), ("ready_us", "disks ready"),
                      ("mapped_us", "disk mapped"), ("fenced_us", "old owner fenced"),
                      ("unmapped_us", "old owner's map removed")):
        if sh:
            w("- shoal %s: %s" % (name, ", ".join(fmt(r, key) for r in sh)))
    if sh:
        w("- shoal owners (old → new): %s" % ", ".join(
            "%s→%s" % (r.get("old", "?"), r.get("new", "?")) for r in sh))
    w("")
    w("(! marks a trial whose client was answered by another node before the cut, ~ a "
      "disturbed one.)")
    w("")
    extra = []
    for k, label in (("keepalived_cpu", "vCPU busy in the keepalived trials"),
                     ("shoal_cpu", "vCPU busy in the shoal trials"),
                     ("keepalived_masters", "keepalived's entries into MASTER (one a trial "
                      "expected)"),
                     ("shoal_takeovers", "shoal takeover events per node (the first "
                      "placement and the warm-up included)"),
                     ("shoal_agent_waits", "new owners' agents that found the map name still "
                      "taken")):
        v = info.get(k)
        if v is None:
            continue
        if k in ("keepalived_cpu", "shoal_cpu", "keepalived_masters"):
            v = v.split(" ", 1)[-1]  # after the setting
        extra.append("%s: %s" % (label, v.strip()))
    if extra:
        w("; ".join(extra) + ".")
        w("")
    out.extend(notes_block(notes))
    return out

PACKET_TITLE = "# Packet-path benchmark"

# Rows in the order shown: (id, label, earlier reference or None)
PACKET_DROP_ROWS = [
    ("drop-xdp", "bare XDP_DROP (`bench/xdp_drop.bpf.c`, native XDP): the floor", 4850),
    ("drop-shoal-xdp", "shoal, XDP (`service set ADDR xdp on`)", None),
    ("drop-shoal-nf", "shoal, netfilter", None),
    ("drop-raw", "iptables raw table DROP", 5640),
    ("drop-nft", "nft `jhash ip saddr . udp sport mod 2` → drop, prerouting", 6010),
    ("drop-xt-cluster", "iptables `-m cluster` (xt_cluster) + DROP", None),
    ("drop-clusterip", "CLUSTERIP, no local node", 6840),
    ("drop-xdp-again", "bare XDP_DROP again, last row (repeatability)", 4850),
]
PACKET_OWNED_ROWS = [
    ("own-none", "no filter at all"),
    ("own-xdp-pass", "no filter, a bare XDP_PASS program (`bench/xdp_pass.bpf.c`)"),
    ("own-shoal-nf", "shoal, netfilter (one-node cluster)"),
    ("own-shoal-xdp", "shoal, XDP on (one-node cluster)"),
]
PACKET_SCALE = [
    ("", "1 service, 1024 buckets, 2 nodes (the drop row)"),
    ("-b64", "64 buckets"),
    ("-b65536", "65,536 buckets"),
    ("-n64", "64 nodes"),
    ("-s1000", "1,000 services"),
]


def parse_window(status, kv, none_reason):
    """A window's result from bench/build/pktwin, as the packet-path and
    planned-changes benchmarks print it: STATUS and then "KEY VALUE"
    words (count N repeated, reason TEXT last); instructions per packet
    (ipp) from the guest ns that were not idle and the first count."""
    d = {"status": status, "counts": []}
    i = 0
    while i < len(kv):
        if kv[i] == "reason":
            d["reason"] = " ".join(kv[i + 1:])
            break
        if i + 1 < len(kv):
            if kv[i] == "count":
                d["counts"].append(int(kv[i + 1]))
            else:
                d[kv[i]] = kv[i + 1]
        i += 2
    if d["status"] == "ok":
        try:
            ns, idle = int(d["ns"]), int(d["idle_ns"])
            d["busy_ns"] = ns - idle
            d["busy"] = (ns - idle) / ns if ns else 0.0
            d["ipp"] = (ns - idle) / d["counts"][0] if d["counts"][0] else None
        except (KeyError, IndexError, ValueError):
            d["status"], d["reason"] = "failed", "unreadable result line"
        if d["status"] == "ok" and d.get("ipp") is None:
            d["status"], d["reason"] = "failed", none_reason
    return d


def window_row(rows, at, none_reason, line):
    """A "... ID status STATUS KEY VALUE ..." line of a window's result, its
    ID the word at AT: parse_window's dict into rows[ID]."""
    w = line.split(" ")
    if len(w) >= at + 3 and w[at + 1] == "status":
        rows[w[at]] = parse_window(w[at + 2], w[at + 3:], none_reason)


def parse_packet(path):
    rows = {}
    info, notes = read_log(path, {
        "BENCH-PACKET ": lambda line: window_row(rows, 1, "no packets counted", line)})
    return rows, last(info), notes


def packet_section(args):
    """(markdown lines, targets passed)"""
    rows, info, notes = parse_packet(args.packet)
    out = []
    w = out.append
    secs = args.packet_seconds

    def ok(rid):
        r = rows.get(rid)
        return r if r and r["status"] == "ok" else None

    def ipp(rid):
        r = ok(rid)
        return r["ipp"] if r else None

    def num(x):
        return "{:,.0f}".format(x)

    def not_measured(rid):
        r = rows.get(rid)
        if r is None:
            return "not measured (row not run)"
        if r["status"] == "na":
            return "not available (%s)" % r.get("reason", "?")
        return "failed (%s)" % r.get("reason", "?")

    def cells(rid, base):
        r = ok(rid)
        if not r:
            return None
        busy = "%.1f%%" % (100 * r["busy"])
        ratio = "%.3f" % (r["ipp"] / base) if base else "-"
        return [num(r["ipp"]), ratio, num(r["counts"][0]), busy]

    floors = [ipp(x) for x in ("drop-xdp", "drop-xdp-again") if ipp(x)]
    floor = statistics.mean(floors) if floors else None
    nofilter = ipp("own-none")

    # the XDP_DROP rows measure the same thing: how far apart they came out
    drops = [ok(x) for x in ("drop-xdp", "drop-xdp-again") if ok(x)]
    if len(drops) > 1:
        xdp_check = ("(in this run, %d XDP_DROP windows with the CPU %.1f%% to %.1f%% busy "
                     "agreed within %.2f%%)" % (
                         len(drops), 100 * min(r["busy"] for r in drops),
                         100 * max(r["busy"] for r in drops),
                         100 * (max(floors) - min(floors)) / floor))
    else:
        xdp_check = "(in this run, fewer than two XDP_DROP windows to compare)"

    out += section_head(PACKET_TITLE, args, args.packet)
    w("- Kernel (guest): %s, under QEMU TCG with `-icount shift=0,sleep=on` (%s vCPU); host "
      "kernel %s" % (info.get("kernel", "?"), info.get("cpus", "?"), host(args, args.packet)))
    w("- NIC: %s; %s; %s" % (info.get("packet_dev", "?"), info.get("packet_iptables", "?"),
                             info.get("packet_nft", "?")))
    w("- Window: %s guest ns after %s ns of settling, per row; run time: %d min %02d s (its VM "
      "run)" % (num(int(info.get("packet_window_ns", "0"))),
                num(int(info.get("packet_settle_ns", "0"))), secs // 60, secs % 60))
    if args.packet_status:
        w("- **The VM run failed (exit status %d)**: see bench/build/packet.log."
          % args.packet_status)
    w("")
    w("## What is measured")
    w("")
    w("One VM run (`selftests/vm-run bench/packet.sh`) with a second NIC, virtio-net "
      "(`-netdev dgram`, 1024-entry receive ring): every UDP datagram `bench/pktgen-dgram` sends "
      "to QEMU's socket on 127.0.0.1 arrives as one Ethernet frame. The generator sends "
      "64-byte frames (60 without the FCS) of IPv4/UDP with valid checksums to the NIC's MAC "
      "and the service address 198.51.100.10 port 9000, from 2^20 sources (addresses in "
      "10.0.0.0/12, each with its own port), with `sendmmsg`, at up to %s a second: far more "
      "than the guest takes, the rest is dropped on the host." % info.get("packet_rate", "?"))
    w("")
    w("Under `-icount shift=0` the guest's clock advances 1 ns per guest instruction while the "
      "CPU runs, so **instructions per packet = (guest ns of the window − guest ns the CPU "
      "idled) / packets handled**, read by `bench/pktwin window` (CLOCK_MONOTONIC, the counter, "
      "and the idle time the kernel's nohz bookkeeping keeps in `/proc/timer_list`, at both "
      "ends of the window). The flood keeps the CPU busy; *CPU busy* shows how fully. With "
      "`sleep=off` an idle guest skips straight to its next timer, so a moment with the ring "
      "empty (the host late feeding it, e.g. while other VMs run) ended a window with few or "
      "no packets; with `sleep=on` idle time passes at the host's pace and is subtracted "
      "%s. A window whose CPU idled more than 20%% is tried again (up to 3 windows; the "
      "busiest is kept)." % xdp_check)
    w("")
    w("Every row runs in a fresh network namespace that the NIC is moved into, so nothing one "
      "row sets up (conntrack, iptables tables, shoal's hooks) is left for the next; between "
      "rows the NIC is down and the guest idles.")
    w("")
    w("- **Drop rows**: this node owns no bucket of the service. *Handled*: the NIC's "
      "`rx_packets` (every frame the driver took off the ring). Each row is checked to really "
      "drop: its own drop counter rose by at least the packets counted, and no UDP datagram "
      "reached the stack (`/proc/net/snmp` Udp InDatagrams + NoPorts + InErrors unchanged; "
      "the service address is on `lo`, so a packet let through would count). Drop counters: "
      "XDP, `ethtool -S` xdp_drops; shoal, `shoal -s -j service show` dropped_packets (for XDP, "
      "xdp_dropped_packets: the XDP program's own drops); iptables, the rule's packet counter; "
      "nft, the rule's counter. shoal: `cluster set dev eth0 node 1`, this node a spare "
      "(`node add 1 spare`) beside node 2 (up: no key, no heartbeats), `service add "
      "198.51.100.10 proto udp port 9000`: it owns 0 of 1024 buckets. iptables: "
      "iptables-legacy (CLUSTERIP and xt_cluster need the xtables path): raw PREROUTING DROP; "
      "xt_cluster as documented, mangle PREROUTING `-m cluster --cluster-total-nodes 2 ! "
      "--cluster-local-nodemask 3 -j MARK`, then DROP what is not marked (it takes no empty "
      "mask; the inverted full mask owns nothing, and still hashes every packet; it needs "
      "conntrack); CLUSTERIP on filter INPUT, 2 nodes, `sourceip-sourceport`, then `echo -1 "
      ">/proc/net/ipt_CLUSTERIP/198.51.100.10` (needs conntrack; 6.1 refuses it through "
      "iptables-nft). With 2^20 sources nearly every packet is a new flow to conntrack: an "
      "entry allocated and, dropped unconfirmed, freed. nft: prerouting at raw priority, "
      "`counter jhash ip saddr . udp sport mod 2 seed 0x5eed vmap { 0 : drop, 1 : drop }` "
      "(the node's own values would map to accept).")
    w("- **Owned rows**: a one-node cluster owning all 1024 buckets (or no filter at all), a "
      "UDP socket bound to the service (`bench/pktwin sink`, a `recvmmsg` loop, 64 a call). "
      "*Handled*: the datagrams the sink read. Packets the kernel took but dropped at the "
      "socket (its buffer full) are in *rcvbuf errors*; their work is in the numerator.")
    w("- **Scale rows**: shoal's drop, as the drop row, with one thing changed.")
    w("")

    passed = True
    w("## Results")
    w("")
    if len(floors) == 2:
        fl = "%s, the mean of its two rows, %.2f%% apart" % (
            num(floor), 100 * abs(floors[0] - floors[1]) / floor)
    else:
        fl = num(floor) if floor else "not measured"
    w("Not owned (dropped), ratio to the XDP_DROP floor (%s):" % fl)
    w("")
    w("| row | instructions/packet | ratio to XDP_DROP | packets counted | CPU busy | "
      "earlier reference |")
    w("|---|---:|---:|---:|---:|---:|")
    for rid, label, ref in PACKET_DROP_ROWS:
        c = cells(rid, floor)
        refs = num(ref) if ref else "-"
        if c:
            w("| %s | %s | %s | %s | %s | %s |" % (label, c[0], c[1], c[2], c[3], refs))
        else:
            w("| %s | %s | | | | %s |" % (label, not_measured(rid), refs))
    w("")
    w("Owned (delivered to a UDP socket), ratio to no filter:")
    w("")
    w("| row | instructions/packet | ratio to no filter | datagrams read | CPU busy | "
      "rcvbuf errors |")
    w("|---|---:|---:|---:|---:|---:|")
    base = info.get("baseline", "").split()
    owned_rows = list(PACKET_OWNED_ROWS)
    if base:
        owned_rows += [("own-shoal-nf-base", "shoal, netfilter, the module of %s" % base[0]),
                       ("own-shoal-xdp-base", "shoal, XDP on, the module of %s" % base[0])]
    for rid, label in owned_rows:
        c = cells(rid, nofilter)
        if c:
            w("| %s | %s | %s | %s | %s | %s |" % (label, c[0], c[1], c[2], c[3],
                                                   rows[rid].get("rcvbuf_errors", "?")))
        else:
            w("| %s | %s | | | | |" % (label, not_measured(rid)))
    w("")
    w("*earlier reference*: the same method on Debian's 6.1 kernel, measured before this "
      "benchmark existed (XDP_DROP, raw DROP, nft jhash drop, CLUSTERIP drop).")
    w("")
    xp, sxo = ipp("own-xdp-pass"), ipp("own-shoal-xdp")
    if xp is not None and nofilter is not None:
        line = ("Any XDP program on virtio-net costs packets that pass: the bare XDP_PASS row is "
                "%+.1f%% over no filter: virtio_net's receive path with a program attached" % (100 * (xp / nofilter - 1)))
        if sxo is not None:
            line += "; shoal with XDP on is %+.1f%% over XDP_PASS" % (100 * (sxo / xp - 1))
        w(line + ".")
        w("")

    w("## Target check")
    w("")

    def verdict(good):
        return "PASS" if good else "**FAIL**"

    sx, sn, raw = ipp("drop-shoal-xdp"), ipp("drop-shoal-nf"), ipp("drop-raw")
    if sx is not None and floor is not None:
        good = sx - floor <= 100
        passed &= good
        w("- shoal XDP drop within 100 instructions of bare XDP_DROP: %s − %s = %s: %s"
          % (num(sx), num(floor), num(sx - floor), verdict(good)))
    else:
        w("- shoal XDP drop within 100 instructions of bare XDP_DROP: not measured: %s"
          % (not_measured("drop-shoal-xdp") if sx is None else not_measured("drop-xdp")))
    if sn is not None and raw is not None:
        good = sn <= raw
        passed &= good
        w("- shoal netfilter drop ≤ iptables raw DROP: %s vs %s: %s"
          % (num(sn), num(raw), verdict(good)))
    else:
        w("- shoal netfilter drop ≤ iptables raw DROP: not measured: %s"
          % (not_measured("drop-shoal-nf") if sn is None else not_measured("drop-raw")))
    for rid, what in (("own-shoal-nf", "netfilter"), ("own-shoal-xdp", "XDP on")):
        v = ipp(rid)
        if v is not None and nofilter is not None:
            good = v <= 1.05 * nofilter
            passed &= good
            w("- owned, shoal %s within 5%% of no filter: %s vs %s (%+.1f%%): %s"
              % (what, num(v), num(nofilter), 100 * (v / nofilter - 1), verdict(good)))
        else:
            w("- owned, shoal %s within 5%% of no filter: not measured: %s"
              % (what, not_measured(rid) if v is None else not_measured("own-none")))
    # Any XDP program on virtio-net moves passing packets to a slower
    # receive path; what shoal adds to that is measured against the bare
    # program (reported, not part of the exit status: the issue's target is
    # the one above).
    v, xp = ipp("own-shoal-xdp"), ipp("own-xdp-pass")
    if v is not None and xp is not None and nofilter is not None:
        w("- owned, shoal XDP on within 5%% of a bare XDP_PASS program: %s vs %s (%+.1f%%): %s"
          " (no XDP program can meet the target above on this NIC: the bare XDP_PASS is "
          "already %+.1f%% over no filter)"
          % (num(v), num(xp), 100 * (v / xp - 1), verdict(v <= 1.05 * xp),
             100 * (xp / nofilter - 1)))
    # against another build of the module, measured in the same run
    for rid, what in (("own-shoal-nf", "netfilter"), ("own-shoal-xdp", "XDP on")):
        if not base:
            break
        v, b = ipp(rid), ipp(rid + "-base")
        if v is None or b is None:
            w("- owned, shoal %s within 1%% of the module of %s: not measured: %s"
              % (what, base[0], not_measured(rid if v is None else rid + "-base")))
            continue
        good = v <= 1.01 * b
        passed &= good
        w("- owned, shoal %s within 1%% of the module of %s: %s vs %s (%+.2f%%): %s"
          % (what, base[0], num(v), num(b), 100 * (v / b - 1), verdict(good)))
    w("")

    w("## Scale")
    w("")
    w("shoal's drop per packet should not move with the number of services, buckets or "
      "nodes: a service is found by a hash of its address, a bucket by a hash of the source, "
      "ownership by one bit. Ratio to the drop row of the same kind.")
    w("")
    w("| configuration | netfilter: instructions/packet | ratio | XDP: instructions/packet | "
      "ratio |")
    w("|---|---:|---:|---:|---:|")
    for suffix, label in PACKET_SCALE:
        cols = []
        for kind in ("nf", "xdp"):
            base = "drop-shoal-" + kind
            rid = base if not suffix else "scale-%s%s" % (kind, suffix)
            v, b = ipp(rid), ipp(base)
            if v is None:
                r = rows.get(rid)
                cols += ["not measured" if r is None else r["status"].replace("na", "n/a"), ""]
            else:
                cols += [num(v), "%.3f" % (v / b) if b else "-"]
        w("| %s | %s |" % (label, " | ".join(cols)))
    w("")
    ms_ = info.get("packet_mem_services", "").split()
    ma = info.get("packet_mem_addrs", "").split()
    if len(ms_) == 2:
        n, kb = int(ms_[0]), int(ms_[1])
        line = ("Memory: %d services of 1024 buckets added kernel memory (`/proc/meminfo` Slab + "
                "Percpu + VmallocUsed, before and after one `shoal -b` adding them, the NIC idle) "
                "of %s kB, %.1f kB a service" % (n, num(kb), kb / n))
        if len(ma) == 2:
            an, akb = int(ma[0]), int(ma[1])
            line += ("; the same number of addresses put on `lo` alone (which `service add` does "
                     "for each) took %s kB, %.2f kB each, so the module's own share is about "
                     "%.1f kB a service" % (num(akb), akb / an, (kb - akb) / n))
        line += (". Most of it grows with the bucket count (per-bucket counters, owner and pin "
                 "bytes, ranking, ownership bitmap; `kernel/service.c`).")
        w(line)
        w("")
    if args.micro:
        w("## Host micro-benchmark (callgrind)")
        w("")
        w("`bench/micro`: the bucket code (`kernel/bucket.c`) built on the host and run under "
          "`valgrind --tool=callgrind` at two sizes; the difference divided by the difference "
          "in work, so start-up cancels out.")
        w("")
        with open(args.micro) as f:
            for line in f:
                line = line.rstrip("\n")
                if line:
                    w(line)
        w("")
    bad = [(rid, r) for rid, r in rows.items() if r["status"] != "ok"]
    if bad:
        w("Rows not measured:")
        w("")
        for rid, r in bad:
            w("- %s: %s" % (rid, not_measured(rid)))
        w("")
    out.extend(notes_block(notes))
    return out, passed


# --- planned changes ----------------------------------------------------------------

MOVES_TITLE = "# Connections kept through planned changes"

MOVES_SYSTEMS = [
    ("shoal", "shoal"),
    ("nft", "nft `jhash` recipe"),
    ("xt_cluster", "xt_cluster"),
    ("clusterip", "CLUSTERIP"),
]
MOVES_KINDS = [
    ("add", "A fourth node added to three"),
    ("return", "A failed node's return"),
]
# How each system makes the change, per kind
MOVES_HOW = {
    ("shoal", "add"): "node 4, declared on every node from the start, starts "
                      "(`cluster set node 4 key KEY`)",
    ("shoal", "return"): "node 3's `eth0` down until nodes 1 and 2 declare it down, "
                         "connections made, then up",
    ("nft", "add"): "`mod 3` → `mod 4`: node 4 gets its rule (value 3), then nodes 1–3, "
                    "one after the other (one `nft -f` transaction each)",
    ("nft", "return"): "node 3's link down, nodes 1 and 2 to `mod 2`; connections made; "
                       "link up (node 3 kept `mod 3`), nodes 1 and 2 back to `mod 3`",
    ("xt_cluster", "add"): "`--cluster-total-nodes 3` → `4` (rule replaced, `-R`), node 4 "
                           "first",
    ("xt_cluster", "return"): "as nft: total nodes 3 → 2 on the survivors, back to 3",
    ("clusterip", "add"): "`--total-nodes 4` from the start, node 1 answering for 1 and 4; "
                          "node 4 gets its rule, node 1 `echo -4`",
    ("clusterip", "return"): "node 2 `echo +3` while node 3 is away, `echo -3` when it "
                             "is back",
}
# Share of the connections a change breaks by design: nft, xt_cluster and
# CLUSTERIP all map a hash onto N nodes by ranges (reciprocal_scale), so
# 3 → 4 keeps [0,1/4) + [1/3,1/2) + [2/3,3/4) = 1/2, and 2 → 3 keeps
# [0,1/3) + [1/2,2/3) = 1/2; CLUSTERIP's node numbers move whole: 1/4.
MOVES_EXPECTED = {
    ("shoal", "add"): 0.0, ("shoal", "return"): 0.0,
    ("nft", "add"): 0.5, ("nft", "return"): 0.5,
    ("xt_cluster", "add"): 0.5, ("xt_cluster", "return"): 0.5,
    ("clusterip", "add"): 0.25, ("clusterip", "return"): 0.25,
}


def parse_moves(path):
    holds, gaps, costs = {}, {}, {}
    loads, panics = [], []

    def hold(line):
        w = line.split()
        if len(w) < 4:
            return
        d = {}
        kv = w[4:]
        if kv and kv[0] == "error":
            d["error"] = " ".join(kv[1:])
        else:
            d.update(pairs(kv))
        holds[(w[2], w[3])] = d

    def load(line):
        w = line.split()
        d = {"line": w[2]}
        kv = w[3:]
        if kv and kv[0] == "error":
            d["error"] = " ".join(kv[1:])
        else:
            d.update(pairs(kv))
        loads.append(d)

    def gap(line):
        w = line.split()
        if len(w) < 7 or w[5] != "result":
            return
        d = {"trial": int(w[4])}
        d.update(pairs(w[6:]))
        gaps.setdefault((w[2], w[3]), []).append(d)

    def panic(line):
        # panic INTERVAL DEAD TRIAL result status S KEY LO..HI ...
        w = line.split()
        if len(w) < 8 or w[5] != "result" or w[6] != "status":
            return
        d = {"interval": w[2], "dead": w[3], "trial": w[4], "status": w[7]}
        kv = w[8:]
        for i in range(0, len(kv) - 1, 2):
            lo, dots, hi = kv[i + 1].partition("..")
            try:
                d[kv[i]] = (int(lo), int(hi)) if dots else int(lo)
            except ValueError:
                pass
        panics.append(d)

    info, notes = read_log(path, {
        "BENCH-MOVES hold ": hold, "BENCH-MOVES load ": load, "BENCH-MOVES gap ": gap,
        "BENCH-MOVES panic ": panic,
        "BENCH-MOVES cost ": lambda line: window_row(costs, 2, "no datagram read", line)})
    return holds, gaps, costs, info, notes, loads, panics


def moves_section(args):
    """(markdown lines, targets met)"""
    holds, gaps, costs, info, notes, loads, panics = parse_moves(args.moves)

    def first(key, default="?"):
        return info.get(key, [default])[0]

    out = []
    w = out.append
    secs = args.moves_seconds
    icount = first("moves_icount", "0") == "1"
    conns = first("moves_conns")
    line_s = first("moves_line_s")
    hb = first("moves_hb", "100 10").split()
    dead = first("moves_dead", "3")
    ntrials = first("trials")

    def load_text():
        """Why the line interval: what the load probe saw."""
        if not loads:
            return ("(No load probe in this run: the line interval was chosen by hand.)")
        parts = []
        overloaded = False
        for d in loads:
            if "error" in d:
                parts.append("a line every %s s: the connections were not made (%s)"
                             % (d["line"], d["error"]))
                overloaded = True
                continue
            asked, got = int(d.get("asked_per_s", 0)), int(d.get("answers_per_s", 0))
            if got < 0.9 * asked or int(d.get("broken", 0)) or int(d.get("busy_pct", 0)) >= 90:
                overloaded = True
            parts.append(
                "with a line every **%s s** (%s lines a second asked), the VM answered **%s a "
                "second**, its vCPU %s%% busy, and %s of the %s connections broke with nothing "
                "changed%s" % (
                    d["line"], "{:,}".format(int(d.get("asked_per_s", 0))),
                    "{:,}".format(int(d.get("answers_per_s", 0))), d.get("busy_pct", "?"),
                    d.get("broken", "?"), d.get("held", "?"),
                    " (%s)" % d["reasons"].rstrip(",").replace(",", ", ")
                    if d.get("reasons") else ""))
        probe = ("A load probe ran first, in the same run, with shoal's nodes (the "
                 "connections held 20 s, nothing changed): %s. " % "; ".join(parts))
        if overloaded:
            return probe + (
                "That is more than the emulated VM keeps up with: every line is flooded to "
                "every node, and the client, the responders and four nodes' filters share "
                "the VM's one vCPU; an overloaded VM breaks connections by timeout for reasons "
                "of its own, and a client that waits for each answer sends fewer lines than "
                "asked. So each connection sends a line every %s s." % line_s)
        return probe + ("The VM keeps up with that: each connection sends a line every %s s."
                         % line_s)

    out += section_head(MOVES_TITLE, args, args.moves)
    w("- Kernel (guest): %s, under QEMU TCG%s (%s vCPU); host kernel %s"
      % (first("kernel"), " with `-icount shift=0,sleep=on`" if icount else
         " (software emulation)", first("cpus"), host(args, args.moves)))
    w("- %s; %s" % (first("moves_iptables"), first("moves_nft")))
    w("- Run time: %d min %02d s (its VM run)" % (secs // 60, secs % 60))
    if args.moves_status:
        w("- **The VM run failed (exit status %d)**: see bench/build/moves.log."
          % args.moves_status)
    w("")
    w("## What is measured")
    w("")
    w("One VM run (`selftests/vm-run bench/moves.sh`), network namespaces on a bridge, in three "
      "parts.")
    w("")
    w("**1. Held connections through a planned change.** A client holds %s long-lived TCP "
      "connections to 192.0.2.100 port 80 (`selftests/client.py hold`, each from its own "
      "source address in 10.77.0.0/16 and its own port; every node routes 10.77.0.0/16 back "
      "through the client). Every connection sends a line every **%s s** and expects its "
      "holder's answer (`selftests/responder.py` on every node, answering `node ID`); it is "
      "**broken** at once on a reset, a FIN or an answer from another node (*wrong echo*), or "
      "when a line goes unanswered for %s s (*timeout*). %s The change comes once every "
      "connection has been answered twice; the "
      "connections broken are counted until every surviving connection has been answered 3 "
      "more times after it (with a change that takes time, after it has settled: for shoal, "
      "every node sees the others' states and has the same tables). Each change has its own "
      "port set: no TCP 4-tuple is reused. Every system runs on fresh namespaces (nodes "
      "1–4, node 4 idle until it is added). The client reaches the service through a "
      "permanent neighbour entry for the service's cluster MAC (a multicast MAC, so the bridge "
      "floods the frames to every node): shoal's own, `01:00:5e:00:01:64` for the others."
      % ("{:,}".format(int(conns)) if conns.isdigit() else conns, line_s,
         first("moves_client_timeout_s"), load_text()))
    w("")
    w("- **shoal**: `cluster set dev eth0 node I key KEY interval %s dead %s` (10 silent "
      "intervals: under emulation frames wait for hundreds of ms now and then, and a false "
      "failover would break connections for reasons this benchmark is not about), nodes "
      "1–4 declared on every node, `service add 192.0.2.100 proto tcp port 80` (1024 "
      "buckets); the hold timeout is the default 300 s." % (hb[0], hb[1]))
    w("- **nft `jhash` recipe**: on node *i*, prerouting at raw priority, `ip daddr "
      "192.0.2.100 tcp dport 80 meta pkttype set host jhash ip saddr . tcp sport mod N seed "
      "0x5eed vmap { i-1 : accept, (others) : drop }`, the address on `lo`, the cluster MAC "
      "accepted (`ip maddr add`). The recipe has no membership of its own; its users pair it "
      "with a cluster manager (keepalived or Pacemaker scripts) that rewrites every node's "
      "rule with the new modulus when a node goes or comes: that is what is done here, one "
      "node after the other, a node's rule replaced in one `nft -f` transaction. (Such a "
      "manager could instead keep `mod 3` and give the failed node's value to a survivor, as "
      "CLUSTERIP does: that would break only the returning node's third.)")
    w("- **xt_cluster**: `libxt_cluster`'s documented pair on every node, mangle PREROUTING "
      "`-m cluster --cluster-total-nodes N --cluster-local-node i --cluster-hash-seed 0x5eed "
      "-j MARK --set-mark 0xffff`, then DROP what is unmarked; conntrack's TCP pick-up off "
      "(`nf_conntrack_tcp_loose=0`), as its manual says for TCP; iptables-legacy. Total nodes "
      "changed as for nft (rule 1 replaced with `-R`). It hashes the source address only (hence "
      "one address per connection here).")
    w("- **CLUSTERIP**: filter INPUT `-i eth0 -j CLUSTERIP --new --hashmode "
      "sourceip-sourceport --clustermac 01:00:5e:00:01:64 --total-nodes 4 --local-node i`; "
      "iptables-legacy (6.1 refuses it through iptables-nft). CLUSTERIP's node count is fixed "
      "when the rule is made (a config with the same address keeps its first count: changing "
      "it means deleting every node's rule first, an instant with no filter at all), and "
      "nodes take or give up node numbers with `echo +N` / `echo -N > "
      "/proc/net/ipt_CLUSTERIP/ADDR`. So the cluster is made for 4 from the start, node 1 "
      "answering for 1 and 4; a node is added by giving it its number back, a failed node's "
      "number is taken over by a survivor.")
    w("")
    w("Two changes for each system, in this order: **a failed node's return** (node 3's "
      "`eth0` set down; shoal's nodes declare it down, the recipes' survivors are reconfigured "
      "as a cluster manager would; the connections are made while it is away, so some of "
      "them are in its share; then its link comes back, and the recipes are reconfigured "
      "back), then **a fourth node added to three** (connections made with nodes 1–3, "
      "then node 4 joins). *Expected by design*: nft, xt_cluster and CLUSTERIP all map a "
      "hash onto N nodes by ranges (`reciprocal_scale`), so 3 → 4 nodes keeps [0, ¼) + [⅓, ½) "
      "+ [⅔, ¾) = ½ of the hash space where it was, and 2 → 3 keeps [0, ⅓) + [½, ⅔) = ½; "
      "CLUSTERIP moves whole node numbers: ¼. A node that takes a connection it has no socket "
      "for answers with a reset (xt_cluster without pick-up drops it: a timeout).")
    w("")
    w("**2. Failover gap: a clean leave against dead-interval detection.** "
      "`bench/failover.sh`'s trial, shoal only: 3 nodes, the UDP service 192.0.2.100 port "
      "7000 (`bench/udpping serve` on every node), a client (`bench/udpping run`) sending a "
      "request every 1 ms on 4 flows all node 3's; the gap is from node 3's last answer to "
      "the first answer from another node. **leave**: node 3 runs `shoal cluster leave` (a "
      "`shoal -j -b -` process started beforehand in its namespace is given the command "
      "through a pipe: no process starts at that moment); **cut**: node 3's `eth0` is set down "
      "(`udpping linkdown`, as in the failover benchmark). `cluster set ... interval I dead %s`; "
      "%s trials per setting after one unmeasured warm-up. Node 3 comes back (link up, or "
      "heartbeats set up again with `cluster set interval I`), is up everywhere and answers "
      "its flows again before the next trial. *down event*: the first `node 3 down` event "
      "(reason `left` or `timeout`) that `shoal monitor` on node 1 or 2 read, from the last "
      "answer (CLOCK_REALTIME on both sides); *publish*: from that event to the first answer "
      "from the new owner — what the new tables take to be computed, agreed and published, "
      "and the first answer to come back. By design (`Documentation/heartbeats.md`): a cut "
      "node is declared down dead·I and a margin (at most ½·I, next to nothing on a quiet "
      "link) after its last frame, so (dead − 1)·I to dead·I and the margin after the cut; "
      "a leaving node says so in a frame sent at once, and the "
      "others publish when it arrives." % (dead, ntrials))
    w("")
    w("The gap on a kernel **panic** cannot be measured in one VM: the panic takes the whole "
      "VM — every namespace, the client and the clock — down with it. `bench/panic.sh` runs "
      "the several-VM test `selftests/cluster/departure.guest INTERVAL DEAD panic` instead: three VMs "
      "on one switch serve 10.0.0.100 and persona `web` (on node 1); node 1 panics "
      "(`echo c > /proc/sysrq-trigger`), and its panic notifier sends its goodbye through "
      "netpoll (`kernel/departure.c`). Nodes 2 and 3 report when they counted node 1 down "
      "and saw its buckets and persona move, after node 1's last regular heartbeat, on their "
      "own clock (the panic came at most one interval after that heartbeat). Each time is "
      "known to a range (a query of when node 1 was last heard, whose moment is known to "
      "the query's round trip); the upper end is what is shown and judged. Dead %s there: "
      "three VMs share two CPUs, and fewer dead intervals at 10 ms would count a VM's "
      "stall as a death, which is not what is measured." % (
          panics[0]["dead"] if panics else "10"))
    w("")
    w("**3. Owned-packet cost in a moving bucket.** %s" % (
        "`bench/packet.sh`'s method: the VM runs under `-icount shift=0,sleep=on` (the guest "
        "clock advances 1 ns per guest instruction while the CPU runs) with a second NIC fed "
        "by `bench/pktgen-dgram` from the host (64-byte UDP frames to 198.51.100.10 port "
        "9000 from 2^20 sources, each a new flow), and instructions per packet = (guest ns of "
        "the window − ns idle) / datagrams a UDP sink on node 1 read (`bench/pktwin`). Node 1 "
        "(the namespace with the NIC) and node 2, both on the bridge, serve 198.51.100.10 UDP "
        "port 9000 (1024 buckets, heartbeats every 100 ms, dead 10). Node 2 serves it alone "
        "first (`nodes 2`), and the client makes 16 UDP flows to it, each answered from a "
        "connected socket (`responder.py --udp-connected`); then `service set ... nodes 1` on "
        "both moves every bucket to node 1 while node 2 holds those flows (hold 600 s): every "
        "bucket is *contested* on node 1 (its own for new flows, another live node holding "
        "flows in it), so every packet of the flood takes the moving-bucket path "
        "(`shoal_hold_keeps()`: the flow's fingerprint looked up among those node 2 holds, "
        "`shoal_hb_print_held()`). Checked: node 1 drops the datagrams of node 2's held flows "
        "(its drop counter), owns all 1024 buckets, and node 2 still holds after the window. "
        "Then node 2's flows are closed, its hold ends, and the same buckets are *settled* "
        "and owned — today's path, the same namespaces, the same traffic. The parts above ran "
        "under `-icount` too: their times are the guest's clock, which runs at one "
        "instruction per ns while the vCPU is busy and at the host's pace while it idles."
        if icount else
        "not measured in this run (it needs the VM under `-icount` with the second NIC, "
        "which `bench/run` gives it unless `BENCH_MOVES_COST=0`)."))
    w("")

    # --- results: held connections
    passed = True
    targets = []
    w("## Held connections")
    w("")
    for kind, title in MOVES_KINDS:
        w("### %s" % title)
        w("")
        w("| system | how | connections held before | broken by the change | share broken | "
          "reset / timeout / wrong echo / other | expected by design | vCPU busy |")
        w("|---|---|---:|---:|---:|---|---:|---:|")
        for sysid, label in MOVES_SYSTEMS:
            d = holds.get((sysid, kind))
            how = MOVES_HOW[(sysid, kind)]
            exp = MOVES_EXPECTED[(sysid, kind)]
            exps = "0" if exp == 0 else "%.0f%%" % (100 * exp)
            if d is None:
                w("| %s | %s | not run | | | | %s | |" % (label, how, exps))
                if sysid == "shoal":
                    targets.append(("shoal 0 broken: %s" % title.lower(), None, "not run"))
                continue
            if "error" in d:
                w("| %s | %s | failed (%s) | | | | %s | |" % (label, how, d["error"], exps))
                if sysid == "shoal":
                    targets.append(("shoal 0 broken: %s" % title.lower(), False,
                                    "failed (%s)" % d["error"]))
                continue
            held = int(d.get("live_before", d.get("held", 0)))
            broken = int(d.get("broken", 0))
            share = "%.1f%%" % (100.0 * broken / held) if held else "-"
            why = "%s / %s / %s / %s" % (d.get("reset", "?"), d.get("timeout", "?"),
                                         d.get("wrong", "?"),
                                         int(d.get("closed", 0)) + int(d.get("other", 0)))
            extra = []
            if int(d.get("failed", 0)):
                extra.append("%s not made" % d["failed"])
            if int(d.get("broken_before", 0)):
                extra.append("%s broke before the change" % d["broken_before"])
            held_s = "{:,}".format(held) + (" (%s)" % "; ".join(extra) if extra else "")
            w("| %s | %s | %s | **%s** | %s | %s | %s | %s |" % (
                label, how, held_s, "{:,}".format(broken), share, why, exps,
                "%s%%" % d["busy_pct"] if "busy_pct" in d else "?"))
            if sysid == "shoal":
                good = broken == 0 and held > 0
                targets.append(("shoal 0 broken: %s" % title.lower(), good,
                                "%d of %d broken" % (broken, held)))
        w("")
    w("*connections held before*: live just before the change (of those made: `ready` count); "
      "*broken by the change*: `broke` lines from the change until every surviving connection "
      "had been answered 3 more times; *vCPU busy*: the VM's one vCPU, not idle, from the "
      "connections made to the end of the count (`/proc/stat`). Where the connections were, "
      "node:count, as made:")
    w("")
    for kind, title in MOVES_KINDS:
        parts = []
        for sysid, label in MOVES_SYSTEMS:
            d = holds.get((sysid, kind))
            if d and "nodes" in d:
                parts.append("%s %s" % (label, " ".join(sorted(d["nodes"].split(",")))))
        if parts:
            w("- %s: %s" % (title.lower(), "; ".join(parts)))
    held_info = info.get("moves_shoal_held", [])
    if held_info:
        w("- shoal, flows each node said it held once the change settled (`node show -s`): %s"
          % "; ".join(x.replace(",", " ").strip() for x in held_info))
    w("")

    # --- results: failover gap
    def med(xs):
        return statistics.median(xs) if xs else None

    def fmt(us):
        return "-" if us is None else ms(us)

    w("## Failover gap: clean leave against dead-interval detection")
    w("")
    w("| interval (ms) | how node 3 goes | trials | median gap (ms) | max gap (ms) | "
      "median last answer → down event (ms) | median down event → first new answer "
      "(ms) | by design (ms) |")
    w("|---:|---|---:|---:|---:|---:|---:|---:|")
    settings = sorted({k[1] for k in gaps}, key=lambda x: -float(x))
    leave_stats = {}
    for s in settings:
        for method in ("leave", "cut"):
            rows = gaps.get((method, s), [])
            if not rows:
                continue
            ok = [r for r in rows if int(r.get("gap_us", -1)) >= 0 and
                  not disturbed(r) and int(r.get("early", 0)) == 0]
            g = [int(r["gap_us"]) for r in ok]
            det, pub = [], []
            for r in ok:
                v = [int(r.get(k, -1)) for k in ("down1_us", "down2_us")]
                v = [x for x in v if x >= 0]
                if v:
                    det.append(min(v))
                    pub.append(int(r["gap_us"]) - min(v))
            bad = len(rows) - len(ok)
            i = float(s)
            design = ("≈ 0 + publish" if method == "leave" else
                      "%g–%g + margin + publish" % ((int(dead) - 1) * i, int(dead) * i))
            w("| %s | %s | %d%s | %s | %s | %s | %s | %s |" % (
                s, "leave (`cluster leave`)" if method == "leave" else "cut (link down)",
                len(ok), " (%d failed or disturbed)" % bad if bad else "",
                fmt(med(g)), fmt(max(g) if g else None), fmt(med(det)), fmt(med(pub)), design))
            if method == "leave":
                leave_stats[s] = (g, pub, bad, len(rows))
    if not settings:
        w("| - | not measured | | | | | | |")
    w("")
    w("Every trial (gap in ms):")
    w("")
    for s in settings:
        for method in ("leave", "cut"):
            rows = gaps.get((method, s), [])
            if rows:
                w("- %s %s ms: %s" % (method, s, ", ".join(
                    (ms(int(r["gap_us"])) + ("!" if int(r.get("early", 0)) else "") +
                     ("~" if disturbed(r) else "")) if int(r.get("gap_us", -1)) >= 0
                    else "failed" for r in rows)))
    w("")
    w("(! marks a trial whose client was answered by another node before node 3 went, ~ one "
      "where node 3 still answered after another had: both left out of the statistics.) "
      "Down events per node (timeout/left), the warm-ups included: %s."
      % ("; ".join(info.get("moves_gap_downs", [])) or "-"))
    w("")

    # --- results: panic
    w("## Failover gap: kernel panic against dead-interval detection")
    w("")
    w("| interval (ms) | trials | median gap (ms) | max gap (ms) | median panic → down event "
      "(ms) | of which node 1 printing the panic, median (ms) | median down event → buckets "
      "moved (ms) | web taken over, max (ms) | down after the last heartbeat, at most (ms) | "
      "silence alone (ms) |")
    w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    pintervals = sorted({p["interval"] for p in panics}, key=lambda x: -float(x))
    panic_stats = {}
    for iv in pintervals:
        rows = [p for p in panics if p["interval"] == iv]
        # measured: the test's own bounds (two intervals) may have failed
        good = [p for p in rows if
                all(isinstance(p.get(k), int) for k in ("pdown2", "pbuckets2"))]
        bad = len(rows) - len(good)
        # per receiving node: panic → buckets moved (the gap), → down
        gap, det, pub = [], [], []
        for r in good:
            for n in "23":
                if isinstance(r.get("pbuckets" + n), int) and isinstance(r.get("pdown" + n), int):
                    gap.append(r["pbuckets" + n])
                    det.append(r["pdown" + n])
                    pub.append(r["pbuckets" + n] - r["pdown" + n])
        web = [r["pweb"] for r in good if isinstance(r.get("pweb"), int)]
        prn = [r["printing"] for r in good if isinstance(r.get("printing"), int)]
        hb = [r[k][1] for r in good for k in ("down2", "down3") if isinstance(r.get(k), tuple)]
        panic_stats[iv] = (gap, det, pub, bad, len(rows))
        silence = int(rows[0]["dead"]) * float(iv) + float(iv) / 2
        w("| %s | %d%s | %s | %s | %s | %s | %s | %s | %s | %g |" % (
            iv, len(good), " (%d failed)" % bad if bad else "",
            med(gap) if gap else "-", max(gap) if gap else "-", med(det) if det else "-",
            med(prn) if prn else "-", med(pub) if pub else "-", max(web) if web else "-",
            max(hb) if hb else "-", silence))
    if not pintervals:
        w("| - | not measured | | | | | | | | |")
    w("")
    if panics:
        w("*of which node 1 printing the panic*: from its console's timestamps, sysrq's "
          "\"Trigger a crash\" to the end of the panic's stack dump, after which the panic "
          "notifiers run (this module's first): the kernel writes the panic to its serial "
          "console first, slow under emulation. The rest of the gap is the goodbye's way "
          "through three VMs that share two CPUs, and the monitor's reading of the event.")
        w("")
        w("Every trial (gap in ms, node 2/node 3): " + "; ".join(
            "%s ms: %s/%s" % (p["interval"], p.get("pbuckets2", "-"), p.get("pbuckets3", "-"))
            for p in panics) + ".")
        w("")

    # --- results: cost
    w("## Owned-packet cost in a moving bucket")
    w("")
    con, sett = costs.get("contested"), costs.get("settled")

    def num(x):
        return "{:,.0f}".format(x)

    def cost_cells(d, base):
        if not d or d["status"] != "ok":
            why = "not run" if d is None else "%s: %s" % (
                "not available" if d["status"] == "na" else "failed", d.get("reason", "?"))
            return ["not measured (%s)" % why, "", "", "", ""]
        return [num(d["ipp"]), "%.3f" % (d["ipp"] / base) if base else "-",
                num(d["counts"][0]), "%.1f%%" % (100 * d["busy"]),
                "%s / %s" % (d.get("shoal_rx", "?"), d.get("shoal_dropped", "?"))]

    base = sett["ipp"] if sett and sett["status"] == "ok" else None
    w("| buckets | instructions/packet | ratio to settled | datagrams read | CPU busy | "
      "shoal kept / dropped |")
    w("|---|---:|---:|---:|---:|---:|")
    w("| settled and owned (today's path) | %s |" % " | ".join(cost_cells(sett, base)))
    w("| contested: owned, another live node holding flows | %s |"
      % " | ".join(cost_cells(con, base)))
    w("")
    chk = first("moves_cost_held_check", "")
    if chk and chk != "?":
        w("Checks: %s flows held by node 2 (`connected` sockets of its responder); before the "
          "flood, the held flows' datagrams sent again: %s; after the contested window: %s."
          % (first("moves_cost_flows"), chk.replace("_", " "),
             first("moves_cost_after_contested", "-").replace("_", " ")))
        w("")
    if con and sett and con["status"] == "ok" and sett["status"] == "ok":
        w("A packet of a contested bucket costs %s instructions more than one of a settled "
          "bucket (%+.1f%%)." % (num(con["ipp"] - sett["ipp"]),
                                  100 * (con["ipp"] / sett["ipp"] - 1)))
        w("")

    # --- targets
    w("## Target check")
    w("")
    for s in settings:
        if s not in leave_stats:
            continue
        g, pub, bad, n = leave_stats[s]
        i_us = float(s) * 1000
        if not g or not pub:
            targets.append(("leave gap at %s ms ≤ 1 interval + the time to publish" % s, False,
                            "no trial measured"))
            continue
        bound = i_us + med(pub)
        good = med(g) <= bound and not bad
        within = sum(1 for r_g, r_p in zip(g, pub) if r_g <= i_us + r_p)
        targets.append(("leave gap at %s ms ≤ 1 interval + the time to publish" % s, good,
                        "median %s ms %s %s + %s = %s ms; max %s ms; %d of %d trials within "
                        "their own bound%s" % (
                            ms(med(g)), "≤" if good else ">", s, ms(med(pub)), ms(bound),
                            ms(max(g)), within,
                            len(g), ", %d failed" % bad if bad else "")))
    if not settings:
        targets.append(("leave gap ≤ 1 interval + the time to publish", None, "not run"))
    for iv in pintervals:
        gap, det, pub, bad, n = panic_stats[iv]
        name = "panic gap at %s ms ≤ 1 interval + the time to publish" % iv
        if not gap:
            targets.append((name, False, "no trial measured"))
            continue
        bound = float(iv) + med(pub)
        within = sum(1 for g, p in zip(gap, pub) if g <= float(iv) + p)
        good = med(gap) <= bound and not bad
        targets.append((name, good,
                        "median %s ms %s %s + %s = %g ms; max %s ms; %d of %d within their own "
                        "bound%s" % (med(gap), "≤" if good else ">", iv, med(pub), bound,
                                     max(gap), within, len(gap),
                                     ", %d of %d trials failed" % (bad, n) if bad else "")))
    if not pintervals:
        targets.append(("panic gap ≤ 1 interval + the time to publish", None, "not run"))
    lines, met = target_lines(targets)
    out += lines
    passed &= met
    w("")
    w("*the time to publish*: the median of *down event → first new answer* in the same "
      "setting's leave trials.")
    w("")
    if notes:
        w("## Notes from the run")
        w("")
        for x in notes:
            w("    " + x)
        w("")
    return out, passed


POOLS_TITLE = "# Pools: growing and shrinking by load"

# The anchors' documented defaults (not measured here): what a decision
# waits for at the least once its metric has crossed.
POOLS_ANCHORS = [
    ("Kubernetes HPA (defaults)",
     "acts at its next 15 s sync, on metrics scraped every 15 s to 60 s: ≥ 15 s",
     "a 300 s stabilization window: ≥ 300 s"),
    ("AWS target tracking (defaults)",
     "an alarm of 3 one-minute datapoints: ≥ 180 s",
     "an alarm of 15 one-minute datapoints: ≥ 900 s"),
]
POOLS_ANCHOR_S = {"grow": (15, 180), "shrink": (300, 900)}


def parse_pools(path):
    reacts, helds = {}, []

    def react(line):
        w = line.split()
        if len(w) >= 5 and w[4] == "result":
            d = {k: int(v) for k, v in pairs(w[5:]).items() if v.lstrip("-").isdigit()}
            reacts.setdefault(int(w[2]), []).append(d)

    def held(line):
        w = line.split()
        if len(w) >= 4 and w[3] == "result":
            d = {k: int(v) for k, v in pairs(w[4:]).items() if v.lstrip("-").isdigit()}
            d["conns"] = int(w[2])
            helds.append(d)

    info, notes = read_log(path, {"BENCH-POOL react ": react, "BENCH-POOL held ": held})
    return reacts, helds, info, notes


def pools_section(args):
    """(markdown lines, targets met)"""
    reacts, helds, info, notes = parse_pools(args.pools)

    def first(key, default="?"):
        return info.get(key, [default])[0]

    out = []
    w = out.append
    secs = args.pools_seconds
    interval = int(first("pools-interval", "100"))
    out += section_head(POOLS_TITLE, args, args.pools)
    w("- Kernel (guest): %s, under QEMU TCG (software emulation); host kernel %s"
      % (first("kernel"), host(args, args.pools)))
    w("- Run time: %d min %02d s (its VM run)" % (secs // 60, secs % 60))
    if args.pools_status:
        w("- **The VM run failed (exit status %d)**: see bench/build/pools.log."
          % args.pools_status)
    w("")
    w("Four nodes in namespaces of one VM serve 192.0.2.100 (TCP 80) with `pool min 2 max 4 "
      "up 80 down 30 hold H load pushed`, heartbeats every %d ms. The load is what `cluster "
      "set load` pushes, so the moment it crosses a threshold is the push's. Grow: every node "
      "at 50%%, node 1 pushed to 90%%; *decided* is when the last node's `shoal monitor` has "
      "the decision, *new flows* when node 3 (the first standby) is given its first buckets: "
      "new connections of those reach it from then on. Shrink, H s later (a decision holds "
      "off the next for H s): every active node pushed to 10%%; *out* is when node 3 gave up "
      "its last bucket (it takes no new connection, and keeps those it holds). Times in "
      "seconds from the push; median, and the largest, over the trials." % interval)
    w("")
    w("## Results")
    w("")
    w("| hold | trials | grow: decided | grow: new flows | shrink: decided | shrink: out |")
    w("|---:|---:|---:|---:|---:|---:|")

    def sec(xs):
        good = [x for x in xs if x >= 0]
        if not good:
            return "—"
        return "%.2f (max %.2f)%s" % (statistics.median(good) / 1000, max(good) / 1000,
                                      " (%d not seen)" % (len(xs) - len(good))
                                      if len(good) < len(xs) else "")

    keys = ["grow_decided_ms", "grow_flows_ms", "shrink_decided_ms", "shrink_out_ms"]
    for hold in sorted(reacts):
        rows = reacts[hold]
        w("| %d s | %d | %s |" % (hold, len(rows), " | ".join(
            sec([r.get(k, -1) for r in rows]) for k in keys)))
    for name, grow, shrink in POOLS_ANCHORS:
        w("| %s | — | %s | | %s | |" % (name, grow, shrink))
    w("")
    for hold in sorted(reacts):
        rows = reacts[hold]
        g = [r.get("grow_flows_ms", -1) for r in rows if r.get("grow_flows_ms", -1) >= 0]
        s = [r.get("shrink_out_ms", -1) for r in rows if r.get("shrink_out_ms", -1) >= 0]
        if g and s:
            gm, sm = statistics.median(g) / 1000, statistics.median(s) / 1000
            w("At hold %d s a member joins in %.1f s, %.2f× HPA's least and %.3f× AWS's; one "
              "leaves in %.1f s, %.3f× and %.4f×." % (
                  hold, gm, gm / POOLS_ANCHOR_S["grow"][0], gm / POOLS_ANCHOR_S["grow"][1],
                  sm, sm / POOLS_ANCHOR_S["shrink"][0], sm / POOLS_ANCHOR_S["shrink"][1]))
    w("")
    for h in helds:
        w("With %s connections held (a line every %s s each; %s made), through one grow and "
          "one shrink at hold %s s: **%s broke**." % (
              "{:,}".format(h["conns"]), first("pools-line"),
              "{:,}".format(h.get("held", -1)) if h.get("held", -1) >= 0 else "none",
              first("pools-holds").split()[0], h.get("broken", "?")))
        w("")

    w("## Target check")
    w("")
    passed = True
    targets = []
    for hold in sorted(reacts):
        bound = hold * 1000 + 2 * interval
        d = [r.get(k, -1) for r in reacts[hold] for k in ("grow_decided_ms", "shrink_decided_ms")]
        good = bool(d) and all(0 <= x <= bound for x in d)
        targets.append(("every decision at hold %d s within hold + 2 intervals (%d ms)"
                        % (hold, bound), good,
                        "the slowest %s" % ("%d ms" % max(d) if d and min(d) >= 0 else
                                            "not seen")))
    if not reacts:
        targets.append(("decisions within hold + 2 intervals", None, "not run"))
    for h in helds:
        good = h.get("held", -1) == h["conns"] and h.get("broken", -1) == 0
        targets.append(("0 of %s held connections broken over a grow and a shrink"
                        % "{:,}".format(h["conns"]), good,
                        "%s held, %s broke" % (h.get("held", "?"), h.get("broken", "?"))))
    if not helds:
        targets.append(("0 held connections broken", None, "not run"))
    lines, met = target_lines(targets)
    out += lines
    passed &= met
    w("")
    out += notes_block(notes)
    return out, passed


DIST_TITLE = "# Distributor benchmark: shoal's distributor mode against IPVS"
DIST_ROWS = [
    ("ipvs-dr", "IPVS direct routing (`-g`), `-s mh`, on the link"),
    ("ipvs-dr-ops", "IPVS direct routing, `-s mh -o` (one-packet scheduling: no connection "
     "entry)"),
    ("ipvs-tun", "IPVS tunnelling (`-i`, IP in IP), `-s mh`, across a router"),
    ("shoal-nf-link", "shoal distributor, netfilter, on the link (MAC rewrite)"),
    ("shoal-nf-ipip", "shoal distributor, netfilter, across a router (IP in IP)"),
    ("shoal-xdp-link", "shoal distributor, `xdp on`, on the link"),
    ("shoal-xdp-ipip", "shoal distributor, `xdp on`, across a router"),
    ("drop-xdp", "reference: bare XDP_DROP (nothing passed on)"),
    ("own-none", "reference: no filter, delivered to a UDP socket (nothing passed on)"),
]
DIST_SYSTEMS = [("keepalived-ipvs", "keepalived (VRRPv3) + IPVS DR"),
                ("shoal", "shoal distributor mode")]


def parse_distributor(path):
    """bench/distributor.sh's log: (cost rows, {system: [trials]}, {system:
    conns dict}, info, notes)."""
    rows, trials, conns = {}, {}, {}

    def conn(line):
        w = line.split()
        if len(w) >= 3 and w[2] == "error":
            conns[w[1]] = {"error": " ".join(w[3:])}
        elif len(w) >= 3:
            conns[w[1]] = pairs(w[2:])

    info, notes = read_log(path, {
        "BENCH-DIST ": lambda line: window_row(rows, 1, "no packets counted", line),
        "BENCH-DIST-CONNS ": conn,
        "BENCH takeover ": lambda line: takeover_trial(trials, line)})
    return rows, trials, conns, last(info), notes


def distributor_section(args):
    rows, trials, conns, info, notes = parse_distributor(args.distributor)
    out = []
    w = out.append
    secs = args.distributor_seconds
    parts = info.get("dist_parts", "").split()
    interval = int(info.get("dist_interval", "100"))
    dead = int(info.get("dist_dead", "3"))

    def num(x):
        return "{:,.0f}".format(x)

    def ok(rid):
        r = rows.get(rid)
        return r if r and r["status"] == "ok" else None

    def not_measured(rid):
        r = rows.get(rid)
        if r is None:
            return "not measured"
        if r["status"] == "na":
            return "not available (%s)" % r.get("reason", "?")
        return "failed (%s)" % r.get("reason", "?")

    out += section_head(DIST_TITLE, args, args.distributor)
    w("- Kernel (guest): %s, under QEMU TCG with `-icount shift=0,sleep=on` (%s vCPU); host "
      "kernel %s" % (info.get("kernel", "?"), info.get("cpus", "?"), host(args, args.distributor)))
    w("- NIC: %s; %s; %s; %s" % (info.get("packet_dev", "?"), info.get("dist_ipvsadm", "?"),
                                 info.get("dist_ipvs", "?"), info.get("keepalived", "?")))
    w("- Window: %s guest ns after %s ns of settling, per row; run time: %d min %02d s (its VM "
      "run)" % (num(int(info.get("packet_window_ns", "0"))),
                num(int(info.get("packet_settle_ns", "0"))), secs // 60, secs % 60))
    if args.distributor_status:
        w("- **The VM run failed (exit status %d)**: see bench/build/distributor.log."
          % args.distributor_status)
    w("")
    w("## What is measured")
    w("")
    w("One VM run (`selftests/vm-run bench/distributor.sh`, under `-icount` with a second NIC "
      "fed by `bench/pktgen-dgram`, as the packet-path benchmark; its header comment has the "
      "details).")
    w("")
    w("- **Forwarding cost**: guest instructions per packet for the node holding the service "
      "address (198.51.100.10 UDP 9000) to pass every packet of the flood (64-byte UDP "
      "frames, 2^20 sources) on to another node, out of the same NIC: to 198.51.100.3 on the "
      "link (a static neighbour: no ARP), or to 203.0.113.3 behind a static gateway, in IP "
      "in IP. *Handled*: the NIC's `rx_packets`; each row is checked to have passed every "
      "packet on (its forwarder's counter rose by at least the packets counted: shoal's "
      "`forwarded_packets`, or `xdp_forwarded_packets` for XDP; IPVS's InPkts; and no datagram "
      "reached UDP). shoal: node 1 (this namespace, a spare) holds the address, node 2 owns "
      "all 1024 buckets. IPVS: the address on `lo`, `ipvsadm -A -u VIP:9000 -s mh`, one real "
      "server; with 2^20 sources nearly every packet is a new flow, so IPVS allocates a "
      "connection entry per packet (the table has 2^20 chains: `conn_tab_bits=20`); the `-o` "
      "row schedules each packet alone, with no entry, as shoal does.")
    w("- **Takeover gap**: a UDP client sends a request every millisecond to 192.0.2.100 port "
      "7000 and is answered by a server that is not cut; the director holding the address "
      "loses its link. Gap: the client's last answer before the cut to its first after. "
      "keepalived + IPVS: two directors, VRRPv3 at advert_int %g s, equal priority, "
      "nopreempt, the same IPVS DR table (`-s mh -b mh-port`, two real servers); the VRRP master "
      "is cut. "
      "shoal: three nodes, `mode distributor distributors 1,2`, interval %d ms, dead %d; the "
      "holder (node 1) is cut; the client's flow is one node 3 owns. Expected: VRRP declares "
      "the master down after 3 adverts + skew (%.0f ms); shoal after (dead + 1) x interval at "
      "most (%d ms). Both run on the guest's clock, which under `-icount` advances 1 ns per "
      "instruction while the CPU is busy and at the host's pace while it idles." % (interval / 1000.0, interval, dead,
                         3 * interval + (256 - int(info.get("keepalived_priority", "254")))
                         / 256.0 * interval, (dead + 1) * interval))
    w("- **Connections broken**: %s TCP connections held through the director (a line every "
      "0.5 s each, `selftests/client.py hold`), the director's link cut, the connections that "
      "break in the next 15 s. IPVS without its sync daemon, then with `ipvsadm "
      "--start-daemon master|backup` on both directors; shoal with the holder also serving "
      "its own buckets." % info.get("dist_conns", "?"))
    w("")

    w("## Forwarding cost")
    w("")
    base = ok("ipvs-dr")
    bipp = base["ipp"] if base else None
    if "cost" not in parts and not rows:
        w("Not measured (the part did not run).")
    else:
        w("| row | instructions/packet | ratio to IPVS DR mh | packets counted | sent out | "
          "CPU busy |")
        w("|---|---:|---:|---:|---:|---:|")
        for rid, label in DIST_ROWS:
            r = ok(rid)
            if not r:
                w("| %s | %s | | | | |" % (label, not_measured(rid)))
                continue
            ratio = "%.3f" % (r["ipp"] / bipp) if bipp else "-"
            sent = (num(r["counts"][1]) if rid.startswith(("ipvs", "shoal")) and
                    len(r["counts"]) > 1 else "-")
            w("| %s | %s | %s | %s | %s | %.1f%% |" % (
                label, num(r["ipp"]), ratio, num(r["counts"][0]), sent, 100 * r["busy"]))
        w("")
        w("*sent out*: the NIC's `tx_packets` over the same window. Reproduce: "
          "`BENCH_ONLY=distributor BENCH_DISTRIBUTOR_PARTS=cost bench/run`.")
    w("")

    w("## Takeover gap")
    w("")
    if "takeover" not in parts:
        w("Not measured (the part did not run).")
    else:
        w("| system | trials | gap min (ms) | median (ms) | max (ms) | expected bound (ms) |")
        w("|---|---:|---:|---:|---:|---:|")
        for sid, label in DIST_SYSTEMS:
            ts = trials.get(sid, [])
            s = stats(ts)
            bound = ((dead + 1) * interval if sid == "shoal" else
                     "%.0f" % (3 * interval + (256 - int(info.get("keepalived_priority",
                                                                  "254"))) / 256.0 * interval))
            if s["ok"]:
                w("| %s | %d of %d | %s | %s | %s | %s |" % (
                    label, s["ok"], s["n"], ms(s["min"]), ms(s["median"]), ms(s["max"]), bound))
            else:
                w("| %s | not measured (%d trials, none measured) | | | | %s |"
                  % (label, s["n"], bound))
        w("")
        w("Reproduce: `BENCH_ONLY=distributor BENCH_DISTRIBUTOR_PARTS=takeover bench/run`.")
    w("")

    w("## Connections broken by the director's death")
    w("")
    if "conns" not in parts:
        w("Not measured (the part did not run).")
    else:
        w("| system | held | broken | served, by node | broken, by node | reasons |")
        w("|---|---:|---:|---|---|---|")
        for sid, label in (("ipvs", "IPVS DR, no sync daemon"),
                           ("ipvs-sync", "IPVS DR, sync daemon master/backup"),
                           ("shoal", "shoal distributor (holder node 1 also serves)")):
            c = conns.get(sid)
            if not c:
                w("| %s | not measured | | | | |" % label)
            elif "error" in c:
                w("| %s | failed (%s) | | | | |" % (label, c["error"]))
            else:
                w("| %s | %s | %s | %s | %s | %s |" % (
                    label, c.get("held", "?"), c.get("broken", "?"), c.get("served", "?"),
                    c.get("broken_by", "?"), c.get("reasons", "?")))
        w("")
        w("Nodes: IPVS's real servers are 21 and 22 (the directors serve nothing); shoal's "
          "nodes 1 to 3, node 1 the holder that is cut. IPVS schedules a TCP connection only on "
          "its SYN (`sloppy_tcp` is off by default), so a backup with no entry for a connection "
          "leaves its packets to its own stack, which holds the address and has no socket: "
          "*reset*. shoal's holder keeps no table (`Documentation/distributor.md`): a new "
          "holder passes each packet on as the old one did, so the connections expected lost "
          "are only those the dead node itself served (its count in *served*). "
          "Reproduce: `BENCH_ONLY=distributor BENCH_DISTRIBUTOR_PARTS=conns bench/run`.")
    w("")

    w("## Every trial")
    w("")
    any_trial = False
    for sid, label in DIST_SYSTEMS:
        ts = trials.get(sid, [])
        if ts:
            any_trial = True
            w("- %s: %s" % (label, ", ".join(
                ms(int(t["gap_us"])) if int(t.get("gap_us", -1)) >= 0 else
                "failed (%s)" % t.get("error", "?") for t in ts)))
    if not any_trial:
        w("None.")
    w("")
    out += notes_block(notes)
    return out


def split_sections(path):
    """The sections of an existing OUT: {title: text}."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    sections, cur, buf = {}, None, []
    for line in text.split("\n"):
        if line in (FAILOVER_TITLE, FALSE_TITLE, TAKEOVER_TITLE, PACKET_TITLE, MOVES_TITLE,
                    POOLS_TITLE, DIST_TITLE):
            if cur:
                sections[cur] = "\n".join(buf).rstrip("\n") + "\n"
            cur, buf = line, []
        if cur:
            buf.append(line)
    if cur:
        sections[cur] = "\n".join(buf).rstrip("\n") + "\n"
    return sections


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--command", required=True)
    ap.add_argument("--commit", default="?")
    ap.add_argument("--host-kernel", default="?")
    ap.add_argument("--failover")
    ap.add_argument("--failover-seconds", type=int, default=0)
    ap.add_argument("--failover-status", type=int, default=0)
    ap.add_argument("--falsefail")
    ap.add_argument("--falsefail-seconds", type=int, default=0)
    ap.add_argument("--falsefail-status", type=int, default=0)
    ap.add_argument("--takeover")
    ap.add_argument("--takeover-seconds", type=int, default=0)
    ap.add_argument("--takeover-status", type=int, default=0)
    ap.add_argument("--packet")
    ap.add_argument("--packet-seconds", type=int, default=0)
    ap.add_argument("--packet-status", type=int, default=0)
    ap.add_argument("--micro")
    ap.add_argument("--moves")
    ap.add_argument("--moves-seconds", type=int, default=0)
    ap.add_argument("--moves-status", type=int, default=0)
    ap.add_argument("--pools")
    ap.add_argument("--pools-seconds", type=int, default=0)
    ap.add_argument("--pools-status", type=int, default=0)
    ap.add_argument("--distributor")
    ap.add_argument("--distributor-seconds", type=int, default=0)
    ap.add_argument("--distributor-status", type=int, default=0)
    args = ap.parse_args()

    old = split_sections(args.out)
    passed = True
    parts = []
    if args.failover:
        lines, passed = failover_section(args)
        parts.append("\n".join(lines).rstrip("\n") + "\n")
    elif FAILOVER_TITLE in old:
        parts.append(old[FAILOVER_TITLE])
    if args.falsefail:
        lines, ok = false_section(args)
        passed &= ok
        parts.append("\n".join(lines).rstrip("\n") + "\n")
    elif FALSE_TITLE in old:
        parts.append(old[FALSE_TITLE])
    if args.takeover:
        parts.append("\n".join(takeover_section(args)).rstrip("\n") + "\n")
    elif TAKEOVER_TITLE in old:
        parts.append(old[TAKEOVER_TITLE])
    if args.packet:
        lines, ok = packet_section(args)
        passed &= ok
        parts.append("\n".join(lines).rstrip("\n") + "\n")
    elif PACKET_TITLE in old:
        parts.append(old[PACKET_TITLE])
    if args.moves:
        lines, ok = moves_section(args)
        passed &= ok
        parts.append("\n".join(lines).rstrip("\n") + "\n")
    elif MOVES_TITLE in old:
        parts.append(old[MOVES_TITLE])
    if args.pools:
        lines, ok = pools_section(args)
        passed &= ok
        parts.append("\n".join(lines).rstrip("\n") + "\n")
    elif POOLS_TITLE in old:
        parts.append(old[POOLS_TITLE])
    if args.distributor:
        parts.append("\n".join(distributor_section(args)).rstrip("\n") + "\n")
    elif DIST_TITLE in old:
        parts.append(old[DIST_TITLE])
    text = "\n".join(parts)
    with open(args.out, "w") as f:
        f.write(text)
    sys.stdout.write(text)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
