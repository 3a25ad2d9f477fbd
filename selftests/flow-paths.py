#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Packets whose flow is not plain to see, for the VM tests.

  flow-paths.py bigudp ADDR PORT --sport P [--size N]
      Send one UDP datagram of N bytes (default 3000, so it is
      fragmented) from source port P, print the answer ("node N") or
      "none" after 3 s.
  flow-paths.py icmp-error ADDR SERVICE_PORT CLIENT CLIENT_PORT
      Send ADDR an ICMP (or ICMPv6) "packet too big" error quoting a
      TCP segment from ADDR:SERVICE_PORT to CLIENT:CLIENT_PORT, as a
      router on the path would.
"""
import ipaddress
import socket
import struct
import sys


def bigudp(addr, port, sport, size):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind(("", sport))
    s.settimeout(3)
    s.sendto(b"x" * size, (addr, port))
    try:
        print(s.recv(100).decode().strip())
    except socket.timeout:
        print("none")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def quoted_tcp(src, sport, dst, dport):
    """An IP header and the first 8 bytes of a TCP segment src -> dst."""
    ports = struct.pack("!HHI", sport, dport, 1)
    if src.version == 4:
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 20, 0, 0x4000, 64,
                          socket.IPPROTO_TCP, 0, src.packed, dst.packed)
        hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    else:
        hdr = struct.pack("!IHBB16s16s", 6 << 28, 20, socket.IPPROTO_TCP,
                          64, src.packed, dst.packed)
    return hdr + ports


def icmp_error(addr, service_port, client, client_port):
    vip = ipaddress.ip_address(addr)
    quote = quoted_tcp(vip, service_port, ipaddress.ip_address(client),
                       client_port)
    if vip.version == 4:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                          socket.IPPROTO_ICMP)
        # type 3 code 4: fragmentation needed, next-hop MTU 1280
        msg = struct.pack("!BBHHH", 3, 4, 0, 0, 1280) + quote
        msg = msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]
        s.sendto(msg, (addr, 0))
    else:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                          socket.IPPROTO_ICMPV6)
        # type 2: packet too big; the kernel fills in the checksum
        msg = struct.pack("!BBHI", 2, 0, 0, 1280) + quote
        s.sendto(msg, (addr, 0))


def main():
    args = sys.argv[1:]
    if len(args) >= 4 and args[0] == "bigudp" and args[3] == "--sport":
        size = int(args[6]) if len(args) > 6 and args[5] == "--size" else 3000
        bigudp(args[1], int(args[2]), int(args[4]), size)
    elif len(args) == 5 and args[0] == "icmp-error":
        icmp_error(args[1], int(args[2]), args[3], int(args[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
