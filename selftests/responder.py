#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A cluster member's stand-in service for the VM tests.

usage: responder.py --id N [--tcp PORT]... [--udp PORT]...

Listens on every address, IPv4 and IPv6 (one socket per family and port),
and answers with "node N\\n":
  TCP  each line received on a connection (one answer per line, so a
       long-lived connection can be probed again and again; data left
       without a newline at end of file gets one answer too);
  UDP  each datagram, from the address it was sent to (IP_PKTINFO), so a
       client's connected socket accepts the answer.

Prints "ready" once every socket listens, then one line per connection
accepted or datagram received:
  tcp SRC SPORT DST DPORT
  udp SRC SPORT DST DPORT
Output is flushed line by line. Exits 0 on SIGTERM or SIGINT.
"""

import argparse
import errno
import selectors
import signal
import socket
import struct
import sys

# Linux values; the socket module lacks some of them.
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
IPV6_RECVPKTINFO = getattr(socket, "IPV6_RECVPKTINFO", 49)
IPV6_PKTINFO = getattr(socket, "IPV6_PKTINFO", 50)

MAX_LINE = 4096


class Stop(Exception):
    pass


def on_signal(signum, frame):
    raise Stop()


def plain(addr):
    """IPv4-mapped IPv6 addresses as plain IPv4."""
    if addr.startswith("::ffff:") and "." in addr:
        return addr[7:]
    return addr.split("%", 1)[0]


def log(*fields):
    sys.stdout.write(" ".join(str(f) for f in fields) + "\n")
    sys.stdout.flush()


class Responder:
    def __init__(self, node_id):
        self.answer = ("node %d\n" % node_id).encode()
        self.sel = selectors.DefaultSelector()
        self.conns = {}

    # --- sockets

    def listen_tcp(self, port):
        for family, any_addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
            s = socket.socket(family, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((any_addr, port))
            s.listen(1024)
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ, ("listen", port))

    def listen_udp(self, port):
        for family, any_addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
            s = socket.socket(family, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
            else:
                s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
            s.bind((any_addr, port))
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ, ("udp", port))

    # --- TCP

    def accept(self, lsock):
        while True:
            try:
                c, peer = lsock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                # ECONNABORTED and friends: the peer gave up already.
                if e.errno in (errno.EMFILE, errno.ENFILE):
                    return
                continue
            c.setblocking(False)
            try:
                local = c.getsockname()
            except OSError:
                c.close()
                continue
            log("tcp", plain(peer[0]), peer[1], plain(local[0]), local[1])
            self.conns[c] = [b"", b""]  # input buffer, output buffer
            self.sel.register(c, selectors.EVENT_READ, ("conn", None))

    def close(self, c):
        self.conns.pop(c, None)
        try:
            self.sel.unregister(c)
        except (KeyError, ValueError):
            pass
        c.close()

    def flush(self, c):
        st = self.conns[c]
        while st[1]:
            try:
                n = c.send(st[1])
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self.close(c)
                return
            st[1] = st[1][n:]
        self.sel.modify(c, selectors.EVENT_READ | (selectors.EVENT_WRITE if st[1] else 0),
                        ("conn", None))

    def readable(self, c):
        st = self.conns[c]
        try:
            data = c.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.close(c)
            return
        if not data:
            if st[0]:
                st[1] += self.answer
                st[0] = b""
                self.flush(c)
            if c in self.conns:
                # Best effort: the answer is tiny and the send buffer empty.
                if st[1]:
                    try:
                        c.setblocking(True)
                        c.settimeout(1)
                        c.sendall(st[1])
                    except OSError:
                        pass
                self.close(c)
            return
        st[0] += data
        lines = st[0].count(b"\n")
        if lines:
            st[0] = st[0][st[0].rfind(b"\n") + 1:]
            st[1] += self.answer * lines
        elif len(st[0]) > MAX_LINE:
            st[0] = b""
            st[1] += self.answer
        if st[1]:
            self.flush(c)

    # --- UDP

    def datagram(self, s):
        v6 = s.family == socket.AF_INET6
        for _ in range(64):
            try:
                data, anc, _flags, peer = s.recvmsg(65536, socket.CMSG_SPACE(64))
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                # e.g. a queued ICMP error for an earlier answer
                continue
            dst = None
            for level, ctype, cdata in anc:
                if v6 and level == socket.IPPROTO_IPV6 and ctype == IPV6_PKTINFO:
                    dst = socket.inet_ntop(socket.AF_INET6, cdata[:16])
                    pktinfo = [(socket.IPPROTO_IPV6, IPV6_PKTINFO,
                                cdata[:16] + struct.pack("@I", 0))]
                elif not v6 and level == socket.IPPROTO_IP and ctype == IP_PKTINFO:
                    # struct in_pktinfo: ifindex, spec_dst, addr (the header's)
                    dst = socket.inet_ntop(socket.AF_INET, cdata[8:12])
                    pktinfo = [(socket.IPPROTO_IP, IP_PKTINFO,
                                struct.pack("@i", 0) + cdata[8:12] + cdata[8:12])]
            log("udp", plain(peer[0]), peer[1], plain(dst or "?"), s.getsockname()[1])
            try:
                s.sendmsg([self.answer], pktinfo if dst else [], 0, peer)
            except OSError:
                pass

    # --- main loop

    def run(self):
        log("ready")
        while True:
            for key, events in self.sel.select(timeout=1):
                kind = key.data[0]
                if kind == "listen":
                    self.accept(key.fileobj)
                elif kind == "udp":
                    self.datagram(key.fileobj)
                elif key.fileobj in self.conns:
                    if events & selectors.EVENT_WRITE:
                        self.flush(key.fileobj)
                    if events & selectors.EVENT_READ and key.fileobj in self.conns:
                        self.readable(key.fileobj)


def main():
    ap = argparse.ArgumentParser(description="answer TCP lines and UDP datagrams with a node id")
    ap.add_argument("--id", type=int, required=True, help="node id to answer with")
    ap.add_argument("--tcp", type=int, action="append", default=[], metavar="PORT")
    ap.add_argument("--udp", type=int, action="append", default=[], metavar="PORT")
    args = ap.parse_args()
    if not args.tcp and not args.udp:
        ap.error("give at least one --tcp or --udp port")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    r = Responder(args.id)
    try:
        for p in args.tcp:
            r.listen_tcp(p)
        for p in args.udp:
            r.listen_udp(p)
        r.run()
    except Stop:
        pass
    except OSError as e:
        print("responder: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
