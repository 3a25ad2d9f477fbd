#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What a device receives, as the tests need to see it on the wire.

usage: wire.py DEV hb        one line per heartbeat frame:
                                 TIME_NS NODE SEQ
       wire.py DEV announce  one line per gratuitous ARP or unsolicited
                             neighbour advertisement:
                                 TIME_NS garp ADDRESS MAC
                                 TIME_NS na ADDRESS MAC

TIME_NS is the kernel's receive time (CLOCK_REALTIME, ns). Prints "ready"
on stderr once it listens, and runs until killed; each line is flushed.
"""

import ipaddress
import socket
import struct
import sys

ETH_P_ALL = 0x0003
ETH_P_ARP = 0x0806
ETH_P_IPV6 = 0x86DD
ETH_P_SHOAL = 0x88B5
SO_TIMESTAMPNS = 35
PACKET_OUTGOING = 4


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def heartbeat(frame):
    """(node, seq) of a heartbeat frame (kernel/frame.h), else None."""
    p = frame[14:]
    if len(p) < 32 or p[0:2] != b"SH" or p[3] != 1:
        return None
    return "%d %d" % (p[6], struct.unpack(">Q", p[24:32])[0])


def announcement(frame):
    """A gratuitous ARP (sender and target address the same) or an
    unsolicited neighbour advertisement (to all nodes, override set)."""
    etype = struct.unpack(">H", frame[12:14])[0]
    if etype == ETH_P_ARP and len(frame) >= 42:
        sha, spa, tpa = frame[22:28], frame[28:32], frame[38:42]
        if spa == tpa:
            return "garp %s %s" % (socket.inet_ntoa(spa), mac_str(sha))
    if etype == ETH_P_IPV6 and len(frame) >= 14 + 40 + 24:
        ip6, icmp = frame[14:54], frame[54:]
        if ip6[6] != 58 or icmp[0] != 136:
            return None
        dst = ipaddress.IPv6Address(ip6[24:40])
        override = icmp[4] & 0x20
        solicited = icmp[4] & 0x40
        if dst != ipaddress.IPv6Address("ff02::1") or not override or solicited:
            return None
        target = ipaddress.IPv6Address(icmp[8:24])
        # the target link-layer address option, if any
        mac, opts = "-", icmp[24:]
        while len(opts) >= 8 and opts[1]:
            if opts[0] == 2:
                mac = mac_str(opts[2:8])
            opts = opts[opts[1] * 8:]
        return "na %s %s" % (target, mac)
    return None


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("hb", "announce"):
        sys.exit(__doc__.strip().split("\n\n")[1])
    dev, what = sys.argv[1:]
    proto = ETH_P_SHOAL if what == "hb" else ETH_P_ALL
    parse = heartbeat if what == "hb" else announcement
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.bind((dev, 0))
    print("ready", file=sys.stderr, flush=True)
    anc_size = socket.CMSG_SPACE(16)
    while True:
        frame, anc, _, addr = s.recvmsg(65536, anc_size)
        if addr[2] == PACKET_OUTGOING:
            continue
        line = parse(frame)
        if line is None:
            continue
        ns = 0
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", data[:16])
                ns = sec * 1000000000 + nsec
        print(ns, line, flush=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
