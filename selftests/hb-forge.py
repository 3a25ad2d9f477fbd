#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A rogue heartbeat sender for the VM tests (stdlib only).

usage: hb-forge.py [--dev DEV] [--key FILE] [--count N] [--interval MS]
                   [--node ID] [--from ID] [--wait S] MODE [NODE]

Builds shoal heartbeat frames as the module does (kernel/frame.h,
kernel/heartbeat.c) and sends them as raw Ethernet frames (ethertype
0x88B5, to 03:53:48:00:00:01) on DEV (default eth0), from DEV's own MAC.

Modes:
  wrong-key     the cluster id of KEY, but tagged under a random key
  truncated     a valid frame cut to 40 bytes
  oversized     a valid frame with 8 bytes more
  foreign       a valid frame of another cluster (a random key)
  claim NODE    a valid frame (right key, fresh nonce) claiming NODE
  valid NODE    a well-behaved node: right key, one fresh nonce, sequence
                numbers 1, 2, ..., a frame every --interval ms (also the
                interval the frames announce)
  replay        capture a heartbeat from the wire (from node --from if
                given) and send its payload again, byte for byte
  altered       the same, with a byte of the load field flipped
  check         capture a heartbeat (--from) and verify its cluster id and
                tag under KEY: exit 0 if both match the module's
  selftest      check SipHash-2-4 against the reference vector

--node is the node id the frames of wrong-key, truncated, oversized and
foreign claim (default 2; a list such as 2,3 takes turns). --count frames are sent (default 1), --interval
ms apart (default 100). Captures give up after --wait seconds (default 5).
Prints one line: "sent N MODE node ID nonce HEX", or "captured ..." /
"ok ..." for check, and exits non-zero on failure.
"""

import argparse
import os
import socket
import struct
import sys
import time

ETH_P_HEARTBEAT = 0x88B5
HEARTBEAT_MAC = bytes([0x03, 0x53, 0x48, 0x00, 0x00, 0x01])
HB_LEN = 56
TAG_OFF = 40
LOAD_OFF = 32
HB_VERSION = 1
HB_TYPE = 1
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
    return 0


# --- the frame (kernel/frame.h): big-endian fields, 128-bit tag

def cluster_id(key32):
    """siphash(b"shoal cluster id\\0", first half of the key), low 32 bits."""
    return siphash24(key32[:16], b"shoal cluster id\0") & 0xFFFFFFFF


def tag(key32, body):
    """SipHash-2-4 of bytes 0..39 under each half, each big-endian."""
    return struct.pack(">QQ", siphash24(key32[:16], body[:TAG_OFF]),
                       siphash24(key32[16:], body[:TAG_OFF]))


def encode(node, cid, interval, nonce, seq, load=0, flags=0):
    """The 40 bytes the tag covers."""
    return (b"SH" + bytes([HB_VERSION, HB_TYPE]) + struct.pack(">H", HB_LEN) +
            bytes([node, flags]) + struct.pack(">IHH", cid, interval, 0) +
            struct.pack(">QQQ", nonce, seq, load))


def frame(key32, node, interval, nonce, seq, cid=None, tag_key=None):
    body = encode(node, cluster_id(key32) if cid is None else cid,
                  interval, nonce, seq)
    return body + tag(tag_key or key32, body)


def read_key(path):
    with open(path) as f:
        text = "".join(f.read().split())
    key = bytes.fromhex(text)
    if len(key) != 32:
        raise ValueError("%s: want 64 hex digits, found %d bytes" % (path, len(key)))
    return key


def random_nonce():
    return struct.unpack(">Q", os.urandom(8))[0]


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


def capture(sock, node, wait):
    """The payload of the next heartbeat heard (from node, if given)."""
    deadline = time.monotonic() + wait
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            data, addr = sock.recvfrom(2048)
        except socket.timeout:
            return None
        if addr[2] == PACKET_OUTGOING or len(data) != 14 + HB_LEN:
            continue
        payload = data[14:]
        if payload[:2] != b"SH" or (node and payload[6] != node):
            continue
        return payload


def main():
    ap = argparse.ArgumentParser(description="rogue shoal heartbeat sender")
    ap.add_argument("mode", choices=["wrong-key", "truncated", "oversized",
                                     "foreign", "claim", "valid", "replay",
                                     "altered", "check", "selftest"])
    ap.add_argument("target", nargs="?", type=int,
                    help="node id, for claim and valid")
    ap.add_argument("--dev", default="eth0")
    ap.add_argument("--key", help="the cluster key file")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--interval", type=int, default=100, help="ms")
    ap.add_argument("--node", default="2",
                    help="node id(s), as 2 or 2,3, claimed by wrong-key, "
                    "truncated, oversized, foreign")
    ap.add_argument("--from", dest="src_node", type=int, default=0,
                    help="capture only frames from this node id")
    ap.add_argument("--wait", type=float, default=5.0, help="capture timeout, s")
    args = ap.parse_args()

    if args.mode == "selftest":
        return selftest()
    if args.mode in ("claim", "valid") and not args.target:
        ap.error("%s needs a node id" % args.mode)
    need_key = args.mode not in ("replay", "altered")
    if need_key and not args.key:
        ap.error("%s needs --key" % args.mode)
    key = read_key(args.key) if args.key else None

    sock = open_socket(args.dev)
    src = mac_of(args.dev)
    nonce = random_nonce()
    nodes = [int(n) for n in args.node.split(",")]
    node = nodes[0]

    if args.mode in ("replay", "altered", "check"):
        captured = capture(sock, args.src_node, args.wait)
        if captured is None:
            print("nothing captured on %s in %gs" % (args.dev, args.wait))
            return 1
        node = captured[6]
        (nonce,) = struct.unpack_from(">Q", captured, 16)
        if args.mode == "check":
            cid_ok = struct.unpack_from(">I", captured, 8)[0] == cluster_id(key)
            tag_ok = captured[TAG_OFF:] == tag(key, captured)
            print("%s node %d cluster id %s tag %s" % (
                "ok" if cid_ok and tag_ok else "MISMATCH", node,
                "matches" if cid_ok else "differs",
                "matches" if tag_ok else "differs"))
            return 0 if cid_ok and tag_ok else 1
        payload = bytearray(captured)
        if args.mode == "altered":
            payload[LOAD_OFF + 7] ^= 0x01
        frames = [bytes(payload)] * args.count
    else:
        if args.mode in ("claim", "valid"):
            nodes = [args.target]
        frames = []
        for seq in range(1, args.count + 1):
            node = nodes[(seq - 1) % len(nodes)]
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
        ",".join(map(str, nodes)) if args.mode not in ("replay", "altered") else node,
        nonce))
    return 0


if __name__ == "__main__":
    sys.exit(main())
