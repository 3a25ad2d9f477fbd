#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A rogue heartbeat sender for the VM tests (stdlib only).

usage: hb-forge.py [--dev DEV] [--key FILE] [--count N] [--interval MS]
                   [--dead N] [--node ID] [--from ID] [--wait S]
                   MODE [NODE | FILE]

Builds shoal heartbeat frames of version 5 as the module does
(kernel/frame.h, kernel/heartbeat.c) and sends them as raw Ethernet frames
(ethertype 0x88B5, to 03:53:48:00:00:01) on DEV (default eth0), from DEV's
own MAC.

Modes:
  wrong-key     the cluster id of KEY, but tagged under a random key
  truncated     a valid frame cut to 40 bytes (one per node, sent again
                and again: a flood costs the sender little)
  oversized     a valid frame with 8 bytes more
  foreign       a valid frame of another cluster (a random key)
  claim NODE    valid frames (right key) of a fresh boot claiming NODE,
                with no peer records: a boot that has heard nobody
  valid NODE    a well-behaved node: right key, one fresh nonce, sequence
                numbers from a random 32-bit value up, a frame every
                --interval ms (also the interval the frames announce). It
                listens to the others' heartbeats first (until one is
                heard, then for three of the longest interval announced,
                and until each node heard was heard three times in a row,
                within --wait), and all along: each frame has a peer record for every node
                heard within --dead of its intervals, echoing the last
                sequence number heard from it (flag alive once it was
                heard 3 times in a row and does not say it is starting),
                and a view of those not starting, and NODE itself
  replay        capture a heartbeat from the wire (from node --from if
                given) and send its payload again, byte for byte
  altered       the same, with a byte of the load field flipped
  check         capture a heartbeat (--from) and verify its cluster id and
                tag under KEY: exit 0 if both match the module's; also
                prints its flags, tables digest, flows held and fingerprints
  record FILE   capture --count heartbeats (of node --from if given), one
                in hex per line of FILE
  replay-file FILE
                send the frames of FILE again, byte for byte, --interval
                ms apart, --count times over (default once)
  selftest      check SipHash-2-4 against the reference vectors, and the
                frame encoding against one laid out by hand

--node is the node id the frames of wrong-key, truncated, oversized and
foreign claim (default 2; a list such as 2,3 takes turns). --count frames
are sent (default 1), --interval ms apart (default 100). Captures give up
after --wait seconds (default 5). Prints one line: "sent N MODE node ID
nonce HEX" ("recorded N ..." for record), or "ok ..." for check, and
exits non-zero on failure.
"""

import argparse
import os
import socket
import struct
import sys
import time

ETH_P_HEARTBEAT = 0x88B5
HEARTBEAT_MAC = bytes([0x03, 0x53, 0x48, 0x00, 0x00, 0x01])
HB_VERSION = 5
HB_TYPE = 1
LOAD_OFF = 32
DIGEST_OFF = 40                         # digest of the sender's bucket tables
HELD_OFF = 48                           # flows it holds in buckets it gave up
PRINTS_N_OFF = 52                       # fingerprints f
POOLS_N_OFF = 53                        # pool entries q, then the next key's id (2)
VIEW_OFF = 56
VIEW_LEN = 32
PEERS_OFF = 88
PEER_LEN = 6
PEERS_MAX = 255
ENTRY_LEN = 12
ENTRIES_MAX = 64
PRINT_LEN = 8
PRINTS_MAX = 64
POOL_LEN = 48
POOLS_MAX = 16
CFG_LEN = 32                            # kind, what it names, digest
CFGS_MAX = 16
TAG_LEN = 16
HB_LEN = PEERS_OFF + 1 + TAG_LEN        # the shortest: nobody heard
HB_LEN_MAX = (PEERS_OFF + PEERS_MAX * PEER_LEN + ENTRIES_MAX * ENTRY_LEN +
              PRINTS_MAX * PRINT_LEN + POOLS_MAX * POOL_LEN +
              1 + CFGS_MAX * CFG_LEN + TAG_LEN)
F_STARTING = 0x01
F_HOLDING = 0x02
F_LEAVING = 0x04
F_ALL = F_STARTING | F_HOLDING | F_LEAVING
PEER_ALIVE = 0x01
RISE = 3                                # frames in a row to count alive
MASK = (1 << 64) - 1
PACKET_OUTGOING = 4


# --- SipHash-2-4 (Aumasson, Bernstein), 64-bit output

def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & MASK


def _round(v0, v1, v2, v3):
    v0 = (v0 + v1) & MASK
    v1 = _rotl(v1, 13) ^ v0
    v0 = _rotl(v0, 32)
    v2 = (v2 + v3) & MASK
    v3 = _rotl(v3, 16) ^ v2
    v0 = (v0 + v3) & MASK
    v3 = _rotl(v3, 21) ^ v0
    v2 = (v2 + v1) & MASK
    v1 = _rotl(v1, 17) ^ v2
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash24(key16, data):
    """SipHash-2-4 of data under a 16-byte key: k0, k1 little-endian."""
    k0, k1 = struct.unpack("<QQ", key16)
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573
    n = len(data)
    end = n - n % 8
    for i in range(0, end, 8):
        (m,) = struct.unpack_from("<Q", data, i)
        v3 ^= m
        v0, v1, v2, v3 = _round(v0, v1, v2, v3)
        v0, v1, v2, v3 = _round(v0, v1, v2, v3)
        v0 ^= m
    last = (n & 0xFF) << 56
    for i, c in enumerate(data[end:]):
        last |= c << (8 * i)
    v3 ^= last
    v0, v1, v2, v3 = _round(v0, v1, v2, v3)
    v0, v1, v2, v3 = _round(v0, v1, v2, v3)
    v0 ^= last
    v2 ^= 0xFF
    for _ in range(4):
        v0, v1, v2, v3 = _round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


# --- the frame (kernel/frame.h): big-endian fields, a view bitmap, peer
# records, persona entries and fingerprints of held UDP flows, then a
# 128-bit tag

def cluster_id(key32):
    """siphash(b"shoal cluster id\\0", first half of the key), low 32 bits."""
    return siphash24(key32[:16], b"shoal cluster id\0") & 0xFFFFFFFF


def tag(key32, body):
    """SipHash-2-4 of body (all that precedes the tag) under each half of
    the key, each big-endian."""
    return struct.pack(">QQ", siphash24(key32[:16], body),
                       siphash24(key32[16:], body))


def view_bytes(ids):
    """The view: node id i at bit i % 8 of byte i / 8."""
    view = bytearray(VIEW_LEN)
    for i in ids:
        view[i // 8] |= 1 << (i % 8)
    return bytes(view)


def view_ids(view):
    return [i for i in range(8 * VIEW_LEN) if view[i // 8] >> (i % 8) & 1]


def cfgs_off(npeers, nentries, nprints, npools):
    """Where the configuration count is: after the pool entries."""
    return (PEERS_OFF + PEER_LEN * npeers + ENTRY_LEN * nentries +
            PRINT_LEN * nprints + POOL_LEN * npools)


def hb_len(npeers, nentries, nprints, npools=0, ncfgs=0):
    """Bytes in a frame with these counts, its tag included."""
    return (cfgs_off(npeers, nentries, nprints, npools) + 1 +
            CFG_LEN * ncfgs + TAG_LEN)


def encode(node, cid, interval, nonce, seq, load=0, flags=0, view=(),
           peers=(), entries=(), digest=0, held=0, prints=()):
    """All that the tag covers: the header (with the digest of the
    sender's tables and the number of flows it holds), the view (node
    ids), peer records (id, flags, echo) with ids rising, persona entries
    (6-byte MAC, kind, epoch) and fingerprints of held UDP flows (64-bit
    values, shoal_flow_print())."""
    length = hb_len(len(peers), len(entries), len(prints))
    body = (b"SH" + bytes([HB_VERSION, HB_TYPE]) + struct.pack(">H", length) +
            bytes([node, flags]) + struct.pack(">IH", cid, interval) +
            bytes([len(peers), len(entries)]) +
            struct.pack(">QQQQI", nonce, seq & MASK, load, digest & MASK,
                        held & 0xFFFFFFFF) +
            bytes([len(prints), 0, 0, 0]) + view_bytes(view))  # no pool
    for pid, pflags, echo in peers:
        body += struct.pack(">BBI", pid, pflags, echo & 0xFFFFFFFF)
    for mac, kind, epoch in entries:
        body += bytes(mac) + bytes([kind, 0]) + struct.pack(">I", epoch)
    for print_ in prints:
        body += struct.pack(">Q", print_ & MASK)
    return body + bytes([0])                        # no configuration


def frame(key32, node, interval, nonce, seq, cid=None, tag_key=None, **kw):
    body = encode(node, cluster_id(key32) if cid is None else cid,
                  interval, nonce, seq, **kw)
    return body + tag(tag_key or key32, body)


def decode(payload):
    """The fields of a heartbeat frame, or None if it is not a well-formed
    one (the tag is not checked)."""
    if (len(payload) < HB_LEN or payload[:2] != b"SH" or
            payload[2] != HB_VERSION or payload[3] != HB_TYPE):
        return None
    (length,) = struct.unpack_from(">H", payload, 4)
    npeers, nentries, nprints = payload[14], payload[15], payload[PRINTS_N_OFF]
    npools = payload[POOLS_N_OFF]
    coff = cfgs_off(npeers, nentries, nprints, npools)
    if (length != len(payload) or nentries > ENTRIES_MAX or
            nprints > PRINTS_MAX or npools > POOLS_MAX or
            len(payload) <= coff or payload[coff] > CFGS_MAX or
            length != hb_len(npeers, nentries, nprints, npools,
                             payload[coff])):
        return None
    cid, interval = struct.unpack_from(">IH", payload, 8)
    nonce, seq, load = struct.unpack_from(">QQQ", payload, 16)
    (digest,) = struct.unpack_from(">Q", payload, DIGEST_OFF)
    (held,) = struct.unpack_from(">I", payload, HELD_OFF)
    peers = [struct.unpack_from(">BBI", payload, PEERS_OFF + PEER_LEN * i)
             for i in range(npeers)]
    off = PEERS_OFF + PEER_LEN * npeers
    entries = [(payload[off + ENTRY_LEN * i:off + ENTRY_LEN * i + 6],
                payload[off + ENTRY_LEN * i + 6],
                struct.unpack_from(">I", payload, off + ENTRY_LEN * i + 8)[0])
               for i in range(nentries)]
    off += ENTRY_LEN * nentries
    prints = [struct.unpack_from(">Q", payload, off + PRINT_LEN * i)[0]
              for i in range(nprints)]
    off += PRINT_LEN * nprints
    pools = [payload[off + POOL_LEN * i:off + POOL_LEN * (i + 1)]
             for i in range(npools)]
    off += POOL_LEN * npools + 1
    cfgs = [struct.unpack_from(">B7x16sQ", payload, off + CFG_LEN * i)
            for i in range(payload[coff])]
    return {"node": payload[6], "flags": payload[7], "cid": cid,
            "interval": interval, "nonce": nonce, "seq": seq, "load": load,
            "digest": digest, "held": held,
            "view": view_ids(payload[VIEW_OFF:VIEW_OFF + VIEW_LEN]),
            "peers": peers, "entries": entries, "prints": prints,
            "pools": pools, "cfgs": cfgs,
            "tag_off": length - TAG_LEN}


def tag_ok(key32, payload, fields):
    off = fields["tag_off"]
    return payload[off:] == tag(key32, payload[:off])


def selftest():
    got = siphash24(bytes(range(16)), bytes(range(15)))
    want = 0xA129CA6149BE45E5
    if got != want:
        print("siphash24: got %#x, want %#x" % (got, want))
        return 1
    # the 64-byte vector table's first and last entries, as a second check
    if siphash24(bytes(range(16)), b"") != 0x726FDB47DD0E0E31:
        print("siphash24: empty message vector differs")
        return 1
    if siphash24(bytes(range(16)), bytes(range(63))) != 0x958A324CEB064572:
        print("siphash24: 63-byte vector differs")
        return 1
    print("ok siphash24 reference vectors")

    # a frame with two peers, one entry and two fingerprints, byte by byte
    # as frame.h says
    key = bytes(range(32))
    nonce, seq = 0x0123456789ABCDEF, 0xFEDCBA9876543210
    digest, held = 0x1122334455667788, 0x0102
    prints = (0x0102030405060708, 0xF0E1D2C3B4A59687)
    peers = ((1, PEER_ALIVE, 0x01020304), (200, 0, 0xFFFFFFFF))
    entries = ((b"\x02\x00\x00\xaa\x00\x01", 2, 5),)
    hand = bytes([
        0x53, 0x48, 5, 1, 0, 88 + 2 * 6 + 12 + 2 * 8 + 1 + 16, 7, F_HOLDING,
        0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x64, 2, 1,
        0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
        0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10,
        0, 0, 0, 0, 0, 0, 0x30, 0x39,
        # digest of the tables, flows held, 2 fingerprints, no pool entry,
        # no next key
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
        0, 0, 0x01, 0x02, 2, 0, 0, 0,
        # view: 1, 2, 7 in byte 0; 9 in byte 1; 255 in byte 31
        0x86, 0x02] + [0] * 29 + [0x80] + [
        # peers: 1 alive echoing 0x01020304, 200 echoing 0xffffffff
        1, PEER_ALIVE, 0x01, 0x02, 0x03, 0x04,
        200, 0, 0xFF, 0xFF, 0xFF, 0xFF,
        # an entry: MAC, kind 2 (claim), reserved, epoch 5
        0x02, 0x00, 0x00, 0xAA, 0x00, 0x01, 2, 0, 0, 0, 0, 5,
        # the fingerprints
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
        0xF0, 0xE1, 0xD2, 0xC3, 0xB4, 0xA5, 0x96, 0x87,
        # no configuration entry
        0])
    fields = dict(load=12345, flags=F_HOLDING, view=(1, 2, 7, 9, 255),
                  peers=peers, entries=entries, digest=digest, held=held,
                  prints=prints)
    built = encode(7, 0xDEADBEEF, 100, nonce, seq, **fields)
    if built != hand:
        diff = [i for i in range(min(len(built), len(hand))) if built[i] != hand[i]]
        print("encode: %d bytes, want %d; first differing byte: %s" % (
            len(built), len(hand), diff[0] if diff else "none"))
        return 1
    whole = frame(key, 7, 100, nonce, seq, cid=0xDEADBEEF, **fields)
    want_tag = (struct.pack(">Q", siphash24(key[:16], hand)) +
                struct.pack(">Q", siphash24(key[16:], hand)))
    if len(whole) != len(hand) + TAG_LEN or whole[len(hand):] != want_tag:
        print("frame: the tag is not SipHash-2-4 of all before it under each half")
        return 1
    got = decode(whole)
    if (got is None or got["node"] != 7 or got["seq"] != seq or
            got["flags"] != F_HOLDING or got["load"] != 12345 or
            got["digest"] != digest or got["held"] != held or
            got["view"] != [1, 2, 7, 9, 255] or got["peers"] != list(peers) or
            got["entries"] != list(entries) or got["prints"] != list(prints) or
            got["tag_off"] != len(hand) or not tag_ok(key, whole, got)):
        print("decode: does not read back the frame encoded")
        return 1
    # the defaults: no digest, nothing held, no fingerprint
    empty = frame(key, 1, 100, 1, 1)
    got = decode(empty)
    if (len(empty) != HB_LEN or HB_LEN != 105 or got is None or
            got["digest"] != 0 or got["held"] != 0 or got["prints"] != [] or
            got["cfgs"] != [] or
            HB_LEN_MAX != (88 + 255 * 6 + 64 * 12 + 64 * 8 + 16 * 48 + 1 +
                           16 * 32 + 16) or
            decode(whole[:-1]) is not None or decode(whole + b"\0") is not None):
        print("frame: lengths differ from frame.h")
        return 1
    # what the module refuses: more than 64 fingerprints, a fingerprint
    # or pool count the length does not match
    spoilt = []
    for off, val in ((PRINTS_N_OFF, 1), (PRINTS_N_OFF, 3), (POOLS_N_OFF, 1)):
        bad = bytearray(whole)
        bad[off] = val
        spoilt.append(bytes(bad))
    many = frame(key, 1, 100, 1, 1, prints=range(PRINTS_MAX + 1))
    if (any(decode(bad) is not None for bad in spoilt) or
            decode(many) is not None or
            decode(frame(key, 1, 100, 1, 1, prints=range(PRINTS_MAX))) is None):
        print("decode: takes frames the module refuses")
        return 1
    print("ok frame encoding matches the version 5 layout")
    return 0


def read_key(path):
    with open(path) as f:
        text = "".join(f.read().split())
    key = bytes.fromhex(text)
    if len(key) != 32:
        raise ValueError("%s: want 64 hex digits, found %d bytes" % (path, len(key)))
    return key


def random_nonce():
    return struct.unpack(">Q", os.urandom(8))[0]


def random_seq():
    """Where a boot's sequence numbers start, as the module picks it."""
    return struct.unpack(">I", os.urandom(4))[0]


# --- the wire

def mac_of(dev):
    with open("/sys/class/net/%s/address" % dev) as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def open_socket(dev):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_HEARTBEAT))
    s.bind((dev, ETH_P_HEARTBEAT))
    return s


def send(sock, src, payload):
    sock.send(HEARTBEAT_MAC + src + struct.pack(">H", ETH_P_HEARTBEAT) + payload)


def receive(sock, timeout):
    """The payload of the next heartbeat frame another host sent (any
    length), or None once timeout seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        # past the deadline, still read what came meanwhile: a process
        # that was not run for a while has frames waiting
        sock.settimeout(max(0.0, deadline - time.monotonic()))
        try:
            data, addr = sock.recvfrom(65536)
        except (socket.timeout, BlockingIOError):
            return None
        payload = data[14:]
        # not ours, and not a persona's virtual LAN frame (type 3)
        if (addr[2] == PACKET_OUTGOING or len(payload) < 7 or
                payload[:2] != b"SH" or payload[3] != HB_TYPE):
            continue
        return payload


def capture(sock, node, wait):
    """The payload of the next heartbeat heard (from node, if given)."""
    deadline = time.monotonic() + wait
    while True:
        payload = receive(sock, deadline - time.monotonic())
        if payload is None or not node or payload[6] == node:
            return payload


# --- a well-behaved node

class Peers:
    """What a node hears of the others, as heartbeat.c keeps it."""

    def __init__(self, key, local, dead):
        self.key, self.local, self.dead = key, local, dead
        self.cid = cluster_id(key)
        self.nodes = {}

    def hear(self, payload, now):
        f = decode(payload)
        if (f is None or f["cid"] != self.cid or f["node"] == self.local or
                not f["node"] or not tag_ok(self.key, payload, f)):
            return None
        p = self.nodes.get(f["node"])
        if p is None or p["nonce"] != f["nonce"]:
            p = self.nodes[f["node"]] = {"nonce": f["nonce"], "seq": f["seq"],
                                         "run": 0, "last": now}
        elif f["seq"] <= p["seq"]:
            return None                 # seen, or late: changes nothing
        steady = now - p["last"] <= self.window(p)
        p["run"] = p["run"] + 1 if steady else 1
        p.update(seq=f["seq"], last=now, interval=f["interval"] or 100,
                 starting=bool(f["flags"] & F_STARTING))
        return f

    def window(self, p):
        return self.dead * p.get("interval", 100) / 1000.0

    def heard(self, now):
        return sorted(i for i, p in self.nodes.items()
                      if now - p["last"] < self.window(p))

    def records(self, now):
        recs = []
        for i in self.heard(now):
            p = self.nodes[i]
            alive = p["run"] >= RISE and not p["starting"]
            recs.append((i, PEER_ALIVE if alive else 0, p["seq"] & 0xFFFFFFFF))
        return recs

    def view(self, now):
        return sorted([i for i in self.heard(now) if not self.nodes[i]["starting"]] +
                      [self.local])


def listen(sock, peers, until):
    """Hear the others until the monotonic time until, and whatever
    arrived by then."""
    while True:
        payload = receive(sock, until - time.monotonic())
        if payload is None:
            return
        peers.hear(payload, time.monotonic())


def run_valid(sock, src, key, node, args):
    """Frames of one boot, with what it hears of the others in each."""
    peers = Peers(key, node, args.dead)
    nonce, seq = random_nonce(), random_seq()
    deadline = time.monotonic() + args.wait
    while not peers.nodes and time.monotonic() < deadline:
        listen(sock, peers, min(deadline, time.monotonic() + 0.05))
    if not peers.nodes:
        return nonce, None
    # long enough to hear each node the times it takes to count alive
    longest = max(p.get("interval", 100) for p in peers.nodes.values())
    listen(sock, peers, time.monotonic() + RISE * longest / 1000.0)
    while (time.monotonic() < deadline and
           any(peers.nodes[i]["run"] < RISE for i in peers.heard(time.monotonic()))):
        listen(sock, peers, min(deadline, time.monotonic() + 0.05))
    start = time.monotonic()
    for i in range(args.count):
        listen(sock, peers, start + i * args.interval / 1000.0)
        now = time.monotonic()
        seq += 1
        send(sock, src, frame(key, node, args.interval, nonce, seq,
                              peers=peers.records(now), view=peers.view(now)))
    return nonce, peers.heard(time.monotonic())


def main():
    ap = argparse.ArgumentParser(description="rogue shoal heartbeat sender")
    ap.add_argument("mode", choices=["wrong-key", "truncated", "oversized",
                                     "foreign", "claim", "valid", "replay",
                                     "altered", "check", "record",
                                     "replay-file", "selftest"])
    ap.add_argument("target", nargs="?",
                    help="node id, for claim and valid; file, for record "
                    "and replay-file")
    ap.add_argument("--dev", default="eth0")
    ap.add_argument("--key", help="the cluster key file")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--interval", type=int, default=100, help="ms")
    ap.add_argument("--dead", type=int, default=3,
                    help="valid: a node not heard for this many of its "
                    "intervals is left out")
    ap.add_argument("--node", default="2",
                    help="node id(s), as 2 or 2,3, claimed by wrong-key, "
                    "truncated, oversized, foreign")
    ap.add_argument("--from", dest="src_node", type=int, default=0,
                    help="capture only frames from this node id")
    ap.add_argument("--wait", type=float, default=5.0, help="capture timeout, s")
    args = ap.parse_args()

    if args.mode == "selftest":
        return selftest()
    if args.mode in ("claim", "valid", "record", "replay-file") and not args.target:
        ap.error("%s needs %s" % (args.mode, "a node id" if args.mode in
                                  ("claim", "valid") else "a file"))
    if args.mode in ("claim", "valid"):
        try:
            target = int(args.target)
        except ValueError:
            ap.error("%s: not a node id" % args.target)
    need_key = args.mode not in ("replay", "altered", "record", "replay-file")
    if need_key and not args.key:
        ap.error("%s needs --key" % args.mode)
    key = read_key(args.key) if args.key else None

    sock = open_socket(args.dev)
    src = mac_of(args.dev)
    nonce = random_nonce()
    nodes = [int(n) for n in args.node.split(",")]
    node = nodes[0]

    if args.mode == "valid":
        nonce, heard = run_valid(sock, src, key, target, args)
        if heard is None:
            print("no heartbeat heard on %s in %gs" % (args.dev, args.wait))
            return 1
        print("sent %d valid node %d nonce %016x heard %s" % (
            args.count, target, nonce, ",".join(map(str, heard)) or "none"))
        return 0
    if args.mode == "record":
        with open(args.target, "w") as f:
            for i in range(args.count):
                captured = capture(sock, args.src_node, args.wait)
                if captured is None:
                    print("recorded %d of %d on %s: nothing more in %gs" % (
                        i, args.count, args.dev, args.wait))
                    return 1
                f.write(captured.hex() + "\n")
        (nonce,) = struct.unpack_from(">Q", captured, 16)
        print("recorded %d node %d nonce %016x" % (args.count, captured[6], nonce))
        return 0
    if args.mode == "replay-file":
        with open(args.target) as f:
            recorded = [bytes.fromhex(line) for line in f.read().split()]
        if not recorded:
            print("%s: no frames" % args.target)
            return 1
        node = recorded[0][6]
        (nonce,) = struct.unpack_from(">Q", recorded[0], 16)
        frames = recorded * args.count
    elif args.mode in ("replay", "altered", "check"):
        captured = capture(sock, args.src_node, args.wait)
        if captured is None:
            print("nothing captured on %s in %gs" % (args.dev, args.wait))
            return 1
        node = captured[6]
        (nonce,) = struct.unpack_from(">Q", captured, 16)
        if args.mode == "check":
            fields = decode(captured)
            cid_ok = struct.unpack_from(">I", captured, 8)[0] == cluster_id(key)
            tag_good = fields is not None and tag_ok(key, captured, fields)
            print("%s node %d length %d cluster id %s tag %s%s" % (
                "ok" if cid_ok and tag_good else "MISMATCH", node, len(captured),
                "matches" if cid_ok else "differs",
                "matches" if tag_good else
                "differs" if fields else "unread: malformed",
                " flags %#04x digest %016x held %d prints %d" % (
                    fields["flags"], fields["digest"], fields["held"],
                    len(fields["prints"])) if fields else ""))
            return 0 if cid_ok and tag_good else 1
        payload = bytearray(captured)
        if args.mode == "altered":
            payload[LOAD_OFF + 7] ^= 0x01
        frames = [bytes(payload)] * args.count
    else:
        if args.mode == "claim":
            nodes = [target]
        frames = []
        seq = random_seq()
        for i in range(args.count):
            node = nodes[i % len(nodes)]
            if args.mode == "truncated" and i >= len(nodes):
                frames.append(frames[i % len(nodes)])
                continue
            seq += 1
            if args.mode == "wrong-key":
                f = frame(key, node, args.interval, nonce, seq,
                          tag_key=os.urandom(32))
            elif args.mode == "foreign":
                f = frame(os.urandom(32), node, args.interval, nonce, seq)
            else:
                f = frame(key, node, args.interval, nonce, seq)
            if args.mode == "truncated":
                f = f[:40]
            elif args.mode == "oversized":
                f = f + bytes(8)
            frames.append(f)

    start = time.monotonic()
    for i, f in enumerate(frames):
        if i:
            # paced from the start, so a late wake-up does not add up
            delay = start + i * args.interval / 1000.0 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        send(sock, src, f)
    print("sent %d %s node %s nonce %016x" % (
        len(frames), args.mode,
        ",".join(map(str, nodes)) if args.mode not in
        ("replay", "altered", "replay-file") else node, nonce))
    return 0


if __name__ == "__main__":
    sys.exit(main())
