#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Forged and recorded virtual LAN frames for the VM tests (stdlib only).

usage: vlan-forge.py --dev DEV --key FILE --src MAC --dst MAC --node ID
                     --vlan VID --epoch N --from IP --to IP [--bad-tag]
                     [--nonce HEX] [--seq N]
       vlan-forge.py --dev DEV --record MAC [--wait S]
       vlan-forge.py --dev DEV --send HEX

Builds one frame as a persona's interface would send it (kernel/frame.h,
kernel/persona_vlan.c): Ethernet from --src to --dst, ethertype 0x88B5,
the shoal header claiming node --node, VLAN --vlan, epoch --epoch, the
boot --nonce (default: the nonce of node --node's heartbeats, heard on
DEV within 3 s; a random one if none is) and sequence number --seq
(default 2^62), tagged with SipHash-2-4, over the frame from its
destination MAC, under the key the module derives from the cluster key
(--bad-tag: under another one), carrying an ICMP echo request from --from
to --to. Sends it as a raw frame on DEV and prints "sent".

--record prints "ready" on stderr once it listens, then, in hex, the
first virtual LAN frame from MAC heard on DEV within --wait seconds
(default 5), or exits 1; --send sends such a frame as it is.
"""
import argparse
import importlib.util
import os
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_SHOAL = 0x88B5
VLAN_VERSION = 2
VLAN_TYPE = 3


def _hb_forge():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hb-forge.py")
    spec = importlib.util.spec_from_file_location("hb_forge", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


hb = _hb_forge()


def vlan_key(key32):
    """What shoal_hb_set_key() derives: one SipHash of 1 and of 2."""
    k0 = hb.siphash24(key32[:16], struct.pack("<Q", 1))
    k1 = hb.siphash24(key32[16:], struct.pack("<Q", 2))
    return struct.pack("<QQ", k0, k1)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def echo_request(src, dst):
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x5348, 1) + b"forged" * 4
    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + icmp


def mac(text):
    return bytes.fromhex(text.replace(":", ""))


def open_socket(dev, proto=ETH_P_SHOAL):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
    s.bind((dev, proto))
    return s


def record(dev, src, wait):
    """The first virtual LAN frame from src heard on dev, or None."""
    # every frame, as a tap: a node with personas takes the virtual LAN
    # frames in its receive handler, before sockets of one protocol
    s = open_socket(dev, ETH_P_ALL)
    print("ready", file=sys.stderr, flush=True)
    deadline = time.monotonic() + wait
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        s.settimeout(left)
        try:
            frame = s.recv(65536)
        except socket.timeout:
            return None
        if frame[6:12] == src and frame[12:16] == b"\x88\xb5SH" and \
                len(frame) > 17 and frame[17] == VLAN_TYPE:
            return frame


def node_nonce(dev, node):
    """The boot nonce of node's heartbeats, or a random one."""
    captured = hb.capture(hb.open_socket(dev), node, 3)
    if captured is None:
        return struct.unpack("<Q", os.urandom(8))[0]
    return struct.unpack_from(">Q", captured, 16)[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dev", required=True)
    for a in ("--key", "--src", "--dst", "--from", "--to", "--record", "--send",
              "--nonce"):
        p.add_argument(a)
    for a in ("--node", "--vlan", "--epoch"):
        p.add_argument(a, type=int)
    p.add_argument("--seq", type=int, default=1 << 62)
    p.add_argument("--wait", type=float, default=5.0)
    p.add_argument("--bad-tag", action="store_true")
    args = p.parse_args()

    if args.record:
        frame = record(args.dev, mac(args.record), args.wait)
        if frame is None:
            sys.exit("vlan-forge: no frame from %s" % args.record)
        print(frame.hex())
        return
    if args.send:
        open_socket(args.dev).send(bytes.fromhex(args.send))
        print("sent")
        return

    key = vlan_key(hb.read_key(args.key))
    if args.bad_tag:
        key = os.urandom(16)
    nonce = int(args.nonce, 16) if args.nonce else node_nonce(args.dev, args.node)
    inner = struct.pack(">H", 0x0800) + echo_request(args.__dict__["from"], args.to)
    header = (b"SH" + bytes([VLAN_VERSION, VLAN_TYPE]) + bytes(8) +
              struct.pack(">BBHIQQH", args.node, 0, args.vlan, args.epoch,
                          nonce, args.seq, len(inner)))
    frame = mac(args.dst) + mac(args.src) + struct.pack(">H", ETH_P_SHOAL) + \
        header + inner
    tag = struct.pack("<Q", hb.siphash24(key, frame))
    frame = frame[:18] + tag + frame[26:]
    open_socket(args.dev).send(frame)
    print("sent")


if __name__ == "__main__":
    main()
