#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Forged virtual LAN frames for the VM tests (stdlib only).

usage: vlan-forge.py --dev DEV --key FILE --src MAC --dst MAC --node ID
                     --vlan VID --epoch N --from IP --to IP [--bad-tag]

Builds one frame as a persona's interface would send it (kernel/frame.h,
kernel/persona_vlan.c): Ethernet from --src to --dst, ethertype 0x88B5,
the shoal header claiming node --node, VLAN --vlan and epoch --epoch,
tagged with SipHash-2-4 under the key the module derives from the
cluster key (--bad-tag: under another one), carrying an ICMP echo request
from --from to --to. Sends it as a raw frame on DEV and prints "sent".
"""
import argparse
import importlib.util
import os
import socket
import struct

ETH_P_SHOAL = 0x88B5
VLAN_VERSION = 1
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


def main():
    p = argparse.ArgumentParser()
    for a in ("--dev", "--key", "--src", "--dst", "--from", "--to"):
        p.add_argument(a, required=True)
    for a in ("--node", "--vlan", "--epoch"):
        p.add_argument(a, type=int, required=True)
    p.add_argument("--bad-tag", action="store_true")
    args = p.parse_args()

    key = vlan_key(hb.read_key(args.key))
    if args.bad_tag:
        key = os.urandom(16)
    tagged = (struct.pack(">BBHI", args.node, 0, args.vlan, args.epoch) +
              struct.pack(">H", 0x0800) + echo_request(args.__dict__["from"], args.to))
    tag = struct.pack("<Q", hb.siphash24(key, tagged))
    header = b"SH" + bytes([VLAN_VERSION, VLAN_TYPE]) + tag
    mac = lambda m: bytes.fromhex(m.replace(":", ""))
    frame = mac(args.dst) + mac(args.src) + struct.pack(">H", ETH_P_SHOAL) + header + tagged
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_SHOAL))
    s.bind((args.dev, ETH_P_SHOAL))
    s.send(frame)
    print("sent")


if __name__ == "__main__":
    main()
