#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Random and half-valid requests to the shoal family, for tests.

  nl-fuzz.py run --seed S --count N [ --check-every K ] [ --unprivileged ]
      Read every command's policy from the kernel, then send N requests,
      each asking for an ACK that is read before the next. About one in
      five is a request its command's policy allows, naming objects that
      exist more often than not; one in five is such a request with one
      thing spoilt (a value out of range or of the wrong size, an
      attribute truncated, doubled or of an unknown type, a flat attribute
      sent as a nest); the rest are random: any command number, genetlink
      version and flags, attributes of any type up to four nests deep,
      values at and past each range, strings without their NUL or longer
      than allowed.
      Prints "requests N accepted A refused R eperm E checked C", then the
      requests accepted per command, and exits 0, or exits 1 naming the
      request and the 20 before it when:
        - a request was refused and the configuration (cluster, nodes,
          services, personas; not counters or states) differs after it:
          checked for every request of one block of 100 in K;
        - with --unprivileged: a request that changes state was not refused
          with EPERM, or the configuration moved during a block of 500;
        - the kernel did not answer within 10 s.
  nl-fuzz.py ops
      Print each command the family has and whether it needs CAP_NET_ADMIN,
      "NAME admin|open", from CTRL_CMD_GETFAMILY.
  nl-fuzz.py snapshot
      Print the configuration the checks compare, one object a line.
"""
import argparse
import importlib.machinery
import importlib.util
import os
import random
import select
import struct
import sys
from collections import deque

_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "shoal-nl")
_loader = importlib.machinery.SourceFileLoader("shoal_nl", _path)
nl = importlib.util.module_from_spec(
    importlib.util.spec_from_loader("shoal_nl", _loader))
_loader.exec_module(nl)

A = nl.ATTRS
C = nl.CMDS
EPERM = 1
NLA_F_NESTED = 0x8000
NLA_F_NET_BYTEORDER = 0x4000

CTRL_ATTR_OPS = 6
CTRL_ATTR_OP_ID = 1
CTRL_ATTR_OP_FLAGS = 2
GENL_ADMIN_PERM = 0x01
GENL_UNS_ADMIN_PERM = 0x10

# the words that name a command which changes state
CHANGES = ("_ADD", "_SET", "_DEL", "_LEAVE", "_TAKEOVER", "_RELEASE",
           "_REPORT")

INT_SIZE = {"u8": 1, "u16": 2, "u32": 4, "u64": 8,
            "s8": 1, "s16": 2, "s32": 4, "s64": 8}

# What a configuration is made of, per object: the attributes a request
# sets. States, counters and what the cluster decides by itself are left
# out (they move while a check runs).
CONFIG = {
    "CLUSTER_GET": ["CLUSTER_NODE_ID", "CLUSTER_IFINDEX", "CLUSTER_INTERVAL",
                    "CLUSTER_DEAD", "CLUSTER_QUORUM", "CLUSTER_HOLD_TIMEOUT",
                    "CLUSTER_LOAD"],
    "NODE_GET": ["NODE_ID", "NODE_WEIGHT", "NODE_FLAGS", "NODE_ADDR4",
                 "NODE_ADDR6"],
    "SERVICE_GET": ["SERVICE_ADDR4", "SERVICE_ADDR6", "SERVICE_PROTO",
                    "SERVICE_PORT", "SERVICE_HASH", "SERVICE_BUCKETS",
                    "SERVICE_NODES", "SERVICE_MAC", "SERVICE_IFINDEX",
                    "SERVICE_XDP", "SERVICE_MODE", "SERVICE_DISTRIBUTORS",
                    "SERVICE_POOL"],
    "PERSONA_GET": ["PERSONA_NAME", "PERSONA_MAC", "PERSONA_VLAN",
                    "PERSONA_NODES", "PERSONA_ADDRS", "PERSONA_DISKS"],
}
# inside those: a pool's settings (not its members or decisions), a
# disk's name and spec (not the state its agent reports)
CONFIG_NESTED = {
    "SERVICE_POOL": ["POOL_OFF", "POOL_MIN", "POOL_MAX", "POOL_UP",
                     "POOL_DOWN", "POOL_HOLD", "POOL_LOAD", "POOL_CAPACITY"],
    "PERSONA_DISKS": ["DISK"],
    "DISK": ["DISK_NAME", "DISK_SPEC"],
}


class Silent(Exception):
    pass


class Link:
    """One generic netlink socket; raw requests and their replies."""

    def __init__(self):
        self.g = nl.Genl(1 << 17)
        self.family = self.g.family
        self.seq = 1000

    def request(self, cmd, attrs, flags=nl.NLM_F_REQUEST | nl.NLM_F_ACK,
                version=1, genl=None):
        """Send; return (errno or 0, [payloads of the replies])."""
        self.seq += 1
        if genl is None:
            genl = struct.pack("BBH", cmd & 0xff, version, 0)
        body = genl + attrs
        msg = struct.pack("IHHII", 16 + len(body), self.family, flags,
                          self.seq, 0) + body
        self.g.sock.send(msg)
        replies = []
        while True:
            if not select.select([self.g.sock], [], [], 10)[0]:
                raise Silent()
            data = self.g.sock.recv(1 << 17)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype, _, seq, _ = struct.unpack_from("IHHII", data,
                                                            off)
                if mlen < 16:
                    break
                payload = data[off + 16:off + mlen]
                off += (mlen + 3) & ~3
                if seq != self.seq:
                    continue    # an ACK that followed an earlier dump
                if mtype == nl.NLMSG_ERROR:
                    return -struct.unpack_from("i", payload)[0], replies
                if mtype == nl.NLMSG_DONE:
                    # a dump's own error comes in its NLMSG_DONE
                    err = struct.unpack_from("i", payload)[0] \
                        if len(payload) >= 4 else 0
                    return -err, replies
                replies.append(payload)

    def dump(self, cmd):
        err, replies = self.request(C[cmd], b"",
                                    nl.NLM_F_REQUEST | nl.NLM_F_DUMP)
        return replies if not err else []


def config_of(payload, keep):
    """The attributes named in keep, nests filtered too, as sorted bytes."""
    out = []
    off = 0
    while off + 4 <= len(payload):
        alen, atype = struct.unpack_from("HH", payload, off)
        if alen < 4:
            break
        value = payload[off + 4:off + alen]
        off += (alen + 3) & ~3
        name = next((n for n in keep if A[n] == atype & 0x3fff), None)
        if name is None:
            continue
        if name in CONFIG_NESTED:
            value = config_of(value, CONFIG_NESTED[name])
        out.append(struct.pack("H", atype & 0x3fff) + value)
    return b"|".join(sorted(out))


def snapshot(link):
    lines = []
    for cmd, keep in CONFIG.items():
        if cmd == "CLUSTER_GET":
            _, replies = link.request(C[cmd], b"")
        else:
            replies = link.dump(cmd)
        for payload in replies:
            lines.append(cmd + " " + config_of(payload[4:], keep).hex())
    return "\n".join(sorted(lines))


def read_ops(link):
    """{command number: its op flags} from CTRL_CMD_GETFAMILY."""
    g = link.g
    g.send(nl.GENL_ID_CTRL, nl.CTRL_CMD_GETFAMILY,
           nl.nla(nl.CTRL_ATTR_FAMILY_NAME, b"shoal\0"), nl.NLM_F_REQUEST)
    for mtype, _, payload in g.messages():
        if mtype != nl.GENL_ID_CTRL:
            continue
        ops = {}
        for op in nl.parse_attrs(nl.parse_attrs(payload[4:])
                                 .get(CTRL_ATTR_OPS, b"")).values():
            o = nl.parse_attrs(op)
            ops[nl.unpack_int(o[CTRL_ATTR_OP_ID])] = \
                nl.unpack_int(o.get(CTRL_ATTR_OP_FLAGS, b"\0\0\0\0"))
        return ops
    return {}


class Spec:
    """One attribute's policy, from the kernel's policy dump."""

    def __init__(self, pol):
        kind = nl.unpack_int(pol[nl.NL_POLICY_TYPE_ATTR_TYPE])
        self.type = nl.NL_ATTR_TYPES[kind] \
            if kind < len(nl.NL_ATTR_TYPES) else "binary"
        self.range = None
        if self.type in INT_SIZE:
            bits = INT_SIZE[self.type] * 8
            signed = self.type.startswith("s")
            lo = -(1 << (bits - 1)) if signed else 0
            hi = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
            rng = nl.policy_range(pol)
            if rng:
                lo, hi = (int(x) for x in rng.split(".."))
            self.range = (lo, hi)
        self.minlen = nl.unpack_int(pol[nl.NL_POLICY_TYPE_ATTR_MIN_LENGTH]) \
            if nl.NL_POLICY_TYPE_ATTR_MIN_LENGTH in pol else 0
        self.maxlen = nl.unpack_int(pol[nl.NL_POLICY_TYPE_ATTR_MAX_LENGTH]) \
            if nl.NL_POLICY_TYPE_ATTR_MAX_LENGTH in pol else None
        self.sub = nl.unpack_int(pol[nl.NL_POLICY_TYPE_ATTR_POLICY_IDX]) \
            if nl.NL_POLICY_TYPE_ATTR_POLICY_IDX in pol else None


class Fuzzer:
    def __init__(self, link, seed):
        self.link = link
        self.rnd = random.Random(seed)
        self.names = {v: n for n, v in A.items()}
        # per command: ({attr type: Spec} of its request, {idx: that})
        self.policy = {}
        for name, num in C.items():
            idx, pols = nl.read_policy(link.g, num)
            if idx is None:
                continue
            specs = {i: {t: Spec(p) for t, p in pol.items()}
                     for i, pol in pols.items()}
            self.policy[num] = (idx, specs)
        self.cmds = sorted(C.values())

    # --- values a request would carry

    def pick(self, seq):
        return self.rnd.choice(seq)

    def plausible(self, name, spec):
        """A value for attribute name that names what exists, often."""
        r = self.rnd
        # (the suite made service 192.0.2.80 and persona web)
        if name in ("SERVICE_ADDR4", "ADDR_IN"):
            return r.choice([bytes([192, 0, 2, 80]),
                             bytes([198, 51, 100, r.randint(1, 6)])])
        if name in ("SERVICE_ADDR6", "ADDR_IN6"):
            return bytes.fromhex("20010db8" + "00" * 11) + \
                bytes([r.randint(1, 6)])
        if name == "PERSONA_NAME":
            return r.choice([b"web", b"fz%d" % r.randint(0, 4)]) + b"\0"
        if name == "DISK_NAME":
            return ("d%d" % r.randint(0, 3)).encode() + b"\0"
        if name in ("PERSONA_MAC", "SERVICE_MAC"):
            first = r.choice([0x02, 0x01, 0x00, 0xff, r.randint(0, 255)])
            return bytes([first] + [r.randint(0, 255) for _ in range(5)])
        if name in ("NODE_ID", "CLUSTER_NODE_ID", "BUCKET_PIN"):
            return struct.pack("I", r.choice([1, 2, 3, 4, r.randint(1, 255)]))
        if name in ("CLUSTER_IFINDEX", "SERVICE_IFINDEX"):
            return struct.pack("I", r.randint(1, 4))
        if name == "SERVICE_BUCKETS":
            return struct.pack("I", r.choice([1, 7, 64, 1024, 4096]))
        if name == "BUCKET_ID":
            return struct.pack("I", r.choice([0, 1, 63, 1023, 1024]))
        if name == "SERVICE_PROTO":
            return bytes([r.choice([0, 6, 17, 1, 255])])
        return None

    def int_value(self, spec, valid):
        lo, hi = spec.range
        size = INT_SIZE[spec.type]
        bits = size * 8
        r = self.rnd
        if valid:
            v = r.choice([lo, hi, r.randint(lo, hi), r.randint(lo, min(hi,
                                                                    lo + 16))])
        else:
            v = r.choice([lo - 1, hi + 1, 0, (1 << bits) - 1, 1 << (bits - 1),
                          r.randint(0, (1 << bits) - 1)])
        v &= (1 << bits) - 1
        data = v.to_bytes(size, "little")
        if not valid and r.random() < 0.3:
            data = data[:r.choice([0, 1, 3])] if size > 1 else \
                data + b"\0" * r.choice([1, 3, 7])
        return data

    def string_value(self, spec, valid):
        r = self.rnd
        maxlen = spec.maxlen or 64
        if valid:
            n = r.randint(1, max(1, min(maxlen - 1, 12)))
            text = bytes(r.choice(b"abcdefghijklmnopqrstuvwxyz0123456789_-")
                         for _ in range(n))
            return text + b"\0"
        return r.choice([
            b"",                                   # not even the NUL
            b"x" * (maxlen + 1),                   # one too long
            b"x" * (maxlen + r.randint(2, 600)),
            bytes(r.randint(0, 255) for _ in range(r.randint(1, 40))),
            b"a\0b\0",                             # a NUL inside
            b"noterminator",
            b"\xff" * r.randint(1, 20) + b"\0",
        ])

    def binary_value(self, spec, valid):
        r = self.rnd
        lo = spec.minlen
        hi = spec.maxlen if spec.maxlen is not None else lo + 32
        n = r.randint(lo, hi) if valid else \
            r.choice([max(lo - 1, 0), hi + 1, 0, r.randint(0, 300)])
        return bytes(r.randint(0, 255) for _ in range(n))

    def value(self, atype, spec, specs, valid, depth):
        """Payload and flags for one attribute of policy spec."""
        name = self.names.get(atype, "")
        if valid and self.rnd.random() < 0.8:
            v = self.plausible(name, spec)
            if v is not None:
                return v, 0
        if spec.type in INT_SIZE:
            return self.int_value(spec, valid), 0
        if spec.type == "flag":
            return (b"" if valid else b"\x01\0\0\0"), 0
        if spec.type in ("string", "nul-string"):
            return self.string_value(spec, valid), 0
        if spec.type in ("nested", "nested-array"):
            if not valid and self.rnd.random() < 0.3:
                return self.binary_value(spec, False), NLA_F_NESTED
            return self.attrs(specs.get(spec.sub, {}), specs, depth + 1,
                              valid), NLA_F_NESTED
        return self.binary_value(spec, valid), 0

    def attrs(self, pol, specs, depth, valid):
        """Attributes of policy pol: each present two times in three."""
        out = []
        if depth > 4:
            return b""
        for atype, spec in pol.items():
            if spec.type == "invalid" or self.rnd.random() < 1 / 3:
                continue
            v, flags = self.value(atype, spec, specs, valid, depth)
            # a node list holds several NODE_IDs
            for _ in range(self.rnd.choice([1, 1, 2, 3])
                           if self.names.get(atype) == "NODE_ID" and depth
                           else 1):
                out.append(nl.nla(atype | flags, v))
        self.rnd.shuffle(out)
        return b"".join(out)

    # --- requests

    def spoil(self, cmd, attrs):
        """One thing wrong with a valid request's attributes."""
        r = self.rnd
        idx, specs = self.policy.get(cmd, (None, {}))
        pol = specs.get(idx, {})
        what = r.randrange(7)
        if what == 0 and pol:           # one value invalid
            atype = r.choice(list(pol))
            v, flags = self.value(atype, pol[atype], specs, False, 0)
            return attrs + nl.nla(atype | flags, v)
        if what == 1 and attrs:          # the last attribute cut short
            return attrs[:r.randint(1, len(attrs) - 1)] if len(attrs) > 1 \
                else b""
        if what == 2 and len(attrs) >= 4:  # a length past the end
            alen = struct.unpack_from("H", attrs, 0)[0]
            return struct.pack("H", alen + r.randint(1, 4096)) + attrs[2:]
        if what == 3:                    # an unknown type
            return attrs + nl.nla(r.choice([0, max(A.values()) + 1, 0x3fff]),
                                  b"\0" * r.choice([0, 4, 8]))
        if what == 4 and attrs:          # everything twice
            return attrs + attrs
        if what == 5 and len(attrs) >= 4:  # a flat attribute as a nest
            atype = struct.unpack_from("H", attrs, 2)[0]
            return attrs[:2] + struct.pack("H", atype ^ NLA_F_NESTED) + \
                attrs[4:]
        if what == 6 and len(attrs) >= 4:  # network byte order flag
            atype = struct.unpack_from("H", attrs, 2)[0]
            return attrs[:2] + struct.pack("H", atype | NLA_F_NET_BYTEORDER) \
                + attrs[4:]
        return attrs + nl.nla(0x7fff, b"")

    def random_attrs(self, depth=0):
        r = self.rnd
        out = []
        for _ in range(r.randint(0, 6)):
            atype = r.choice([r.randint(0, max(A.values()) + 2), 0x7fff])
            if depth < 4 and r.random() < 0.2:
                out.append(nl.nla(atype | NLA_F_NESTED,
                                  self.random_attrs(depth + 1)))
            else:
                n = r.choice([0, 1, 2, 4, 6, 8, 16, r.randint(0, 200)])
                out.append(nl.nla(atype,
                                  bytes(r.randint(0, 255) for _ in range(n))))
        return b"".join(out)

    def next_request(self):
        """(cmd, attrs, flags, version, genl header or None, what)."""
        r = self.rnd
        flags = nl.NLM_F_REQUEST | nl.NLM_F_ACK
        if r.random() < 0.45 and self.policy:
            cmd = r.choice(list(self.policy))
            idx, specs = self.policy[cmd]
            attrs = self.attrs(specs.get(idx, {}), specs, 0, True)
            names = {v: n for n, v in C.items()}
            if names.get(cmd, "").endswith("_GET") and r.random() < 0.5:
                flags |= nl.NLM_F_DUMP
            if r.random() < 0.5:
                return cmd, self.spoil(cmd, attrs), flags, 1, None, "spoilt"
            return cmd, attrs, flags, 1, None, "valid"
        cmd = r.choice(self.cmds + [0, max(self.cmds) + 1, 255])
        if cmd in self.policy and r.random() < 0.5:
            idx, specs = self.policy[cmd]
            attrs = self.attrs(specs.get(idx, {}), specs, 0,
                               r.random() < 0.5)
        else:
            attrs = self.random_attrs()
        if r.random() < 0.1:
            flags |= nl.NLM_F_DUMP
        version = r.choice([1] * 8 + [0, 2, 255])
        genl = None
        if r.random() < 0.03:
            genl = bytes(r.randint(0, 255) for _ in range(r.randint(0, 3)))
            attrs = b""
        return cmd, attrs, flags, version, genl, "random"


def describe(req):
    cmd, attrs, flags, version, genl, what = req
    names = {v: n for n, v in C.items()}
    return "%s cmd %s flags 0x%x version %d%s attrs %s" % (
        what, names.get(cmd, str(cmd)), flags, version,
        "" if genl is None else " genl " + genl.hex(), attrs.hex())


def changes_state(cmd):
    names = {v: n for n, v in C.items()}
    return names.get(cmd, "").endswith(CHANGES)


def run(args):
    link = Link()
    fz = Fuzzer(link, args.seed)
    last = deque(maxlen=20)
    accepted = refused = eperm = checked = 0
    by_cmd = {}
    before = snapshot(link)

    def fail(why, req):
        print("FAIL: " + why)
        print("request: " + describe(req))
        print("seed %d; the requests before it, oldest first:" % args.seed)
        for old in list(last)[:-1]:
            print("  " + describe(old))
        sys.exit(1)

    for i in range(args.count):
        block = i // 100
        check = (not args.unprivileged and args.check_every and
                 block % args.check_every == 0)
        req = fz.next_request()
        last.append(req)
        cmd, attrs, flags, version, genl, _ = req
        try:
            err, _ = link.request(cmd, attrs, flags, version, genl)
        except Silent:
            fail("no answer within 10 s", req)
        if err:
            refused += 1
        else:
            accepted += 1
            by_cmd[cmd] = by_cmd.get(cmd, 0) + 1
        if err == EPERM:
            eperm += 1
        well_formed = genl is None
        if args.unprivileged:
            if well_formed and changes_state(cmd) and err != EPERM:
                fail("a request that changes state, without "
                     "CAP_NET_ADMIN, got error %d, not EPERM" % err, req)
            if (i + 1) % 500 == 0 or i + 1 == args.count:
                now = snapshot(link)
                checked += 1
                if now != before:
                    fail("the configuration changed without CAP_NET_ADMIN:"
                         "\nbefore:\n%s\nafter:\n%s" % (before, now), req)
        elif check:
            now = snapshot(link)
            if err:
                checked += 1
                if now != before:
                    fail("a refused request (error %d) changed the "
                         "configuration:\nbefore:\n%s\nafter:\n%s"
                         % (err, before, now), req)
            before = now
        elif (i + 1) % 100 == 0:
            # the next block may be checked: start from the state now
            before = snapshot(link)
    print("requests %d accepted %d refused %d eperm %d checked %d"
          % (args.count, accepted, refused, eperm, checked))
    names = {v: n for n, v in C.items()}
    print("accepted: " + " ".join("%s %d" % (names.get(c, str(c)), n)
                                  for c, n in sorted(by_cmd.items())))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("run")
    r.add_argument("--seed", type=int, required=True)
    r.add_argument("--count", type=int, required=True)
    r.add_argument("--check-every", type=int, default=10)
    r.add_argument("--unprivileged", action="store_true")
    sub.add_parser("ops")
    sub.add_parser("snapshot")
    args = ap.parse_args()
    if args.what == "run":
        return run(args)
    link = Link()
    if args.what == "snapshot":
        print(snapshot(link))
        return 0
    names = {v: n for n, v in C.items()}
    for num, flags in sorted(read_ops(link).items()):
        print(names.get(num, str(num)),
              "admin" if flags & (GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM)
              else "open")
    return 0


if __name__ == "__main__":
    sys.exit(main())
