#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Who holds a persona and who owns each bucket, across nodes, polled often.

usage: owners.py --service ADDR [--persona NAME] [--every MS] [--for S] NETNS...

The one-owner checks of the VM tests: starting "shoal" takes about 150 ms
a time under emulation, too slow to read five nodes every 250 ms, so this
opens one generic netlink socket in each network namespace (a name under
/run/netns) once, prints "ready", waits for a line on standard input
(the moment to start), then polls every --every ms (default 250) for
--for seconds (default 10).

A poll reads every node twice, first in the order given, then in reverse:
each time the persona in that node's view (its state and epoch) and the
buckets of the service it owns. A node counts as holding the persona only
if both its readings say "active" at the same epoch (a node that was
fenced takes a persona back only at a new epoch, so it held it in
between), and as owning a bucket only if both readings say so. Because
the second pass runs backwards, the two readings of each node enclose
those of every node read after it: two nodes that both count held the
same thing at one moment, and a handover between two readings is not
taken for a double owner.

Prints one line per poll:
    poll T_MS holders ID,ID|- twice N owned N1/N2/... served S
T_MS: ms since the start; holders: the nodes that count as holding the
persona (position in the NETNS list, from 1); twice: buckets that count
as owned by two nodes or more; owned: how many each node counts; served:
buckets at least one node counts. Then
    # polls P worst T_MS holders H twice N max_holders M max_twice D
(worst: the poll with the most holders, then the most buckets owned
twice). A node whose reading fails (no such persona or service) counts
as holding and owning nothing; the line then ends with "errors E".
Exit status 0; 2 for usage errors.
"""

import argparse
import ctypes
import importlib.machinery
import importlib.util
import os
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_loader = importlib.machinery.SourceFileLoader("shoal_nl", os.path.join(HERE, "shoal-nl"))
_spec = importlib.util.spec_from_loader("shoal_nl", _loader)
nl = importlib.util.module_from_spec(_spec)
_loader.exec_module(nl)

CLONE_NEWNET = 0x40000000
NLMSG_ERROR = 2
ACTIVE = nl.ENUMS["SHOAL_PERSONA_ACTIVE"]
A = nl.ATTRS
C = nl.CMDS

libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def socket_in(netns):
    """A shoal generic netlink socket in netns (it stays there)."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(os.path.join("/run/netns", netns), os.O_RDONLY)
    try:
        setns(target)
        try:
            return nl.Genl()
        finally:
            setns(home)
    finally:
        os.close(target)
        os.close(home)


def request(g, cmd, attrs):
    """The attributes of the reply to a doit, or None on an error."""
    g.send(g.family, cmd, attrs, flags=nl.NLM_F_REQUEST)
    while True:
        for mtype, _, payload in g.messages():
            if mtype == NLMSG_ERROR:
                return None
            if mtype == g.family:
                return nl.parse_attrs(payload[4:])


def u32(attrs, key):
    v = attrs.get(A[key])
    return struct.unpack("I", v)[0] if v is not None and len(v) == 4 else None


class Node:
    def __init__(self, netns, service, persona):
        self.g = socket_in(netns)
        fam = socket.AF_INET6 if ":" in service else socket.AF_INET
        key = "SERVICE_ADDR6" if fam == socket.AF_INET6 else "SERVICE_ADDR4"
        self.svc_attrs = nl.nla(A[key], socket.inet_pton(fam, service))
        self.persona_attrs = (nl.nla(A["PERSONA_NAME"], persona.encode() + b"\0")
                              if persona else None)

    def read(self):
        """(epoch if active else None, owned buckets as an int bitmap, ok)"""
        ok = True
        held = None
        if self.persona_attrs is not None:
            p = request(self.g, C["PERSONA_GET"], self.persona_attrs)
            if p is None:
                ok = False
            else:
                st = p.get(A["PERSONA_STATE"])
                if st and st[0] == ACTIVE:
                    held = u32(p, "PERSONA_EPOCH")
        s = request(self.g, C["SERVICE_GET"], self.svc_attrs)
        owned = 0
        if s is None or A["SERVICE_OWNED"] not in s:
            ok = False
        else:
            owned = int.from_bytes(s[A["SERVICE_OWNED"]], "little")
        return held, owned, ok


def poll(nodes):
    n = len(nodes)
    first = [None] * n
    second = [None] * n
    for i in range(n):
        first[i] = nodes[i].read()
    for i in reversed(range(n)):
        second[i] = nodes[i].read()
    holders = []
    seen = twice = 0
    counts = []
    errors = 0
    for i in range(n):
        (h1, o1, ok1), (h2, o2, ok2) = first[i], second[i]
        errors += (not ok1) + (not ok2)
        if h1 is not None and h1 == h2:
            holders.append(i + 1)
        both = o1 & o2
        counts.append(bin(both).count("1"))
        twice |= seen & both
        seen |= both
    return holders, bin(twice).count("1"), counts, bin(seen).count("1"), errors


def main():
    ap = argparse.ArgumentParser(description="poll persona and bucket owners across nodes")
    ap.add_argument("--service", required=True)
    ap.add_argument("--persona")
    ap.add_argument("--every", type=int, default=250, metavar="MS")
    ap.add_argument("--for", dest="duration", type=float, default=10.0, metavar="S")
    ap.add_argument("netns", nargs="+")
    args = ap.parse_args()
    if args.every <= 0 or args.duration <= 0:
        ap.error("--every and --for must be positive")

    nodes = [Node(ns, args.service, args.persona) for ns in args.netns]
    print("ready", flush=True)
    sys.stdin.readline()

    start = time.monotonic()
    polls = 0
    worst = None
    max_holders = max_twice = 0
    k = 0
    while True:
        now = time.monotonic()
        t_ms = int((now - start) * 1000)
        holders, twice, counts, served, errors = poll(nodes)
        polls += 1
        line = "poll %d holders %s twice %d owned %s served %d" % (
            t_ms, ",".join(map(str, holders)) or "-", twice,
            "/".join(map(str, counts)), served)
        if errors:
            line += " errors %d" % errors
        print(line, flush=True)
        score = (len(holders), twice)
        if worst is None or score > worst[0]:
            worst = (score, t_ms, holders, twice)
        max_holders = max(max_holders, len(holders))
        max_twice = max(max_twice, twice)
        k += 1
        due = start + k * args.every / 1000.0
        if due - start > args.duration:
            break
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print("# polls %d worst %d holders %s twice %d max_holders %d max_twice %d" % (
        polls, worst[1], ",".join(map(str, worst[2])) or "-", worst[3],
        max_holders, max_twice), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
