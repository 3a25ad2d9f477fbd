#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A cluster member's stand-in service for the VM tests.

usage: responder.py --id N [--tcp PORT]... [--udp PORT]...
                    [--udp-connected PORT]... [--udp-idle S] [--burn MS]

Listens on every address, IPv4 and IPv6 (one socket per family and port),
and answers with "node N\\n":
  TCP  each line received on a connection (one answer per line, so a
       long-lived connection can be probed again and again; data left
       without a newline at end of file gets one answer too);
  UDP  each datagram, from the address it was sent to (IP_PKTINFO), so a
       client's connected socket accepts the answer.
--udp-connected PORT is UDP with a connected socket per client, as a
server that holds UDP flows has: the first datagram from a client (SRC,
SPORT) to (DST, PORT) makes a socket bound to (DST, PORT) (SO_REUSEADDR,
SO_REUSEPORT) and connected to (SRC, SPORT), and every datagram of that
client is answered from it. The kernel hands the client's later datagrams
to that socket, not to the listening one. The answer is "node N PAYLOAD\\n"
(PAYLOAD: the datagram without its trailing newline; just "node N\\n" for
an empty one), so a client can match answers to requests. A connected
socket is closed once its client has sent nothing for --udp-idle seconds
(default 30).

--burn MS spends MS ms of CPU (this process's own time) on each TCP
connection accepted, as a server does some work per request: load a
client can drive by the connections it opens a second.

Prints "ready" once every socket listens, then one line per connection
accepted or datagram received that did not come in on its client's
connected socket:
  tcp SRC SPORT DST DPORT
  udp SRC SPORT DST DPORT
and for --udp-connected, per connected socket:
  connected SRC SPORT DST DPORT       made (then the first answer)
  idle SRC SPORT DST DPORT ANSWERS    closed, after ANSWERS answers
  unconnected SRC SPORT DST DPORT ERR could not be made (ERR: errno
                                      name); answered from the listening
                                      socket instead
Output is flushed line by line. Exits 0 on SIGTERM or SIGINT.
"""

import argparse
import errno
import ipaddress
import selectors
import signal
import socket
import struct
import sys
import time

# Linux values; the socket module lacks some of them.
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
IPV6_RECVPKTINFO = getattr(socket, "IPV6_RECVPKTINFO", 49)
IPV6_PKTINFO = getattr(socket, "IPV6_PKTINFO", 50)
IP_FREEBIND = getattr(socket, "IP_FREEBIND", 15)
IPV6_FREEBIND = getattr(socket, "IPV6_FREEBIND", 78)

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


def dest_of(v6, anc):
    """A datagram's destination address from its IP_PKTINFO or
    IPV6_PKTINFO: (address, ifindex, control message to answer from it),
    or (None, 0, None)."""
    for level, ctype, cdata in anc:
        if v6 and level == socket.IPPROTO_IPV6 and ctype == IPV6_PKTINFO:
            # struct in6_pktinfo: addr, ifindex
            return (socket.inet_ntop(socket.AF_INET6, cdata[:16]),
                    struct.unpack_from("@I", cdata, 16)[0],
                    (socket.IPPROTO_IPV6, IPV6_PKTINFO, cdata[:16] + struct.pack("@I", 0)))
        if not v6 and level == socket.IPPROTO_IP and ctype == IP_PKTINFO:
            # struct in_pktinfo: ifindex, spec_dst, addr (the header's)
            return (socket.inet_ntop(socket.AF_INET, cdata[8:12]),
                    struct.unpack_from("@i", cdata, 0)[0],
                    (socket.IPPROTO_IP, IP_PKTINFO,
                     struct.pack("@i", 0) + cdata[8:12] + cdata[8:12]))
    return None, 0, None


def received(s):
    """The datagrams waiting on s, up to 64, as (data, peer, dst, ifindex,
    pktinfo); an error queued (an ICMP one for an earlier answer) is
    passed over."""
    v6 = s.family == socket.AF_INET6
    for _ in range(64):
        try:
            data, anc, _flags, peer = s.recvmsg(65536, socket.CMSG_SPACE(64))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            continue
        yield (data, peer) + tuple(dest_of(v6, anc))


class Flow:
    """A client of a --udp-connected port, with its connected socket."""

    def __init__(self, key, sock, peer, dst, port):
        self.key = key
        self.sock = sock
        self.peer = peer
        self.dst = dst
        self.port = port
        self.last = time.monotonic()
        self.answers = 0


class Responder:
    def __init__(self, node_id, udp_idle=30.0, burn_ms=0.0):
        self.node = b"node %d" % node_id
        self.burn_s = burn_ms / 1000.0
        self.answer = self.node + b"\n"
        self.udp_idle = udp_idle
        self.sel = selectors.DefaultSelector()
        self.conns = {}
        self.flows = {}  # (family, dst, port, src, sport) -> Flow

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

    def listen_udp(self, port, kind="udp"):
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
            self.sel.register(s, selectors.EVENT_READ, (kind, port))

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
            self.burn()
            self.conns[c] = [b"", b""]  # input buffer, output buffer
            self.sel.register(c, selectors.EVENT_READ, ("conn", None))

    def burn(self):
        end = time.process_time() + self.burn_s
        while self.burn_s and time.process_time() < end:
            pass

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
        for _data, peer, dst, _ifindex, pktinfo in received(s):
            log("udp", plain(peer[0]), peer[1], plain(dst or "?"), s.getsockname()[1])
            try:
                s.sendmsg([self.answer], [pktinfo] if dst else [], 0, peer)
            except OSError:
                pass

    # --- UDP, a connected socket per client

    def answer_to(self, data):
        data = data.rstrip(b"\r\n")
        return self.node + (b" " + data if data else b"") + b"\n"

    def listener_datagram(self, s):
        port = s.getsockname()[1]
        for data, peer, dst, ifindex, pktinfo in received(s):
            self.first_datagram(s, data, peer, dst, ifindex, pktinfo, port)

    def first_datagram(self, s, data, peer, dst, ifindex, pktinfo, port):
        """A datagram that did not come in on its client's connected
        socket: the client's first, or one that overtook its socket."""
        log("udp", plain(peer[0]), peer[1], plain(dst or "?"), port)
        key = (s.family, dst, port, peer[0], peer[1])
        flow = self.flows.get(key)
        if flow is None and dst is not None:
            flow = self.connect_flow(s.family, key, peer, dst, ifindex, port)
        if flow is None:
            try:
                s.sendmsg([self.answer_to(data)], [pktinfo] if dst else [], 0, peer)
            except OSError:
                pass
            return
        self.reply(flow, data)

    def connect_flow(self, family, key, peer, dst, ifindex, port):
        c = socket.socket(family, socket.SOCK_DGRAM)
        try:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            # the address may go away before the bind (a service removed)
            if family == socket.AF_INET6:
                c.setsockopt(socket.IPPROTO_IPV6, IPV6_FREEBIND, 1)
                scope = ifindex if ipaddress.IPv6Address(dst).is_link_local else 0
                c.bind((dst, port, 0, scope))
            else:
                c.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
                c.bind((dst, port))
            c.connect(peer)
            c.setblocking(False)
        except OSError as e:
            c.close()
            log("unconnected", plain(peer[0]), peer[1], plain(dst), port,
                errno.errorcode.get(e.errno, "error"))
            return None
        flow = Flow(key, c, peer, dst, port)
        self.flows[key] = flow
        self.sel.register(c, selectors.EVENT_READ, ("flow", flow))
        log("connected", plain(peer[0]), peer[1], plain(dst), port)
        return flow

    def reply(self, flow, data):
        flow.last = time.monotonic()
        answer = self.answer_to(data)
        # once more after a pending error (an ICMP error for an earlier
        # answer fails the next send)
        for _ in range(2):
            try:
                flow.sock.send(answer)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue
            flow.answers += 1
            return

    def flow_datagram(self, flow):
        for _ in range(64):
            try:
                data, peer = flow.sock.recvfrom(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                # an ICMP error for an earlier answer
                continue
            if (peer[0], peer[1]) == (flow.peer[0], flow.peer[1]):
                self.reply(flow, data)
            else:
                # queued between the bind and the connect, when the
                # socket took any client's datagrams to its address
                self.first_datagram(flow.sock, data, peer, flow.dst, 0, None, flow.port)

    def close_idle(self, now):
        for flow in [f for f in self.flows.values() if now - f.last >= self.udp_idle]:
            del self.flows[flow.key]
            self.sel.unregister(flow.sock)
            flow.sock.close()
            log("idle", plain(flow.peer[0]), flow.peer[1], plain(flow.dst), flow.port,
                flow.answers)

    # --- main loop

    def run(self):
        log("ready")
        next_idle = time.monotonic() + 1
        while True:
            for key, events in self.sel.select(timeout=1):
                kind = key.data[0]
                if kind == "listen":
                    self.accept(key.fileobj)
                elif kind == "udp":
                    self.datagram(key.fileobj)
                elif kind == "udpc":
                    self.listener_datagram(key.fileobj)
                elif kind == "flow":
                    if key.data[1].key in self.flows:
                        self.flow_datagram(key.data[1])
                elif key.fileobj in self.conns:
                    if events & selectors.EVENT_WRITE:
                        self.flush(key.fileobj)
                    if events & selectors.EVENT_READ and key.fileobj in self.conns:
                        self.readable(key.fileobj)
            now = time.monotonic()
            if self.flows and now >= next_idle:
                self.close_idle(now)
                next_idle = now + 1


def main():
    ap = argparse.ArgumentParser(description="answer TCP lines and UDP datagrams with a node id")
    ap.add_argument("--id", type=int, required=True, help="node id to answer with")
    ap.add_argument("--tcp", type=int, action="append", default=[], metavar="PORT")
    ap.add_argument("--udp", type=int, action="append", default=[], metavar="PORT")
    ap.add_argument("--udp-connected", type=int, action="append", default=[], metavar="PORT",
                    help="UDP answered from a socket connected to each client")
    ap.add_argument("--udp-idle", type=float, default=30.0, metavar="S",
                    help="close a client's connected socket after S idle seconds")
    ap.add_argument("--burn", type=float, default=0.0, metavar="MS",
                    help="spend MS ms of CPU on each TCP connection accepted")
    args = ap.parse_args()
    if not args.tcp and not args.udp and not args.udp_connected:
        ap.error("give at least one --tcp, --udp or --udp-connected port")
    if set(args.udp) & set(args.udp_connected):
        ap.error("a port is either --udp or --udp-connected")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    r = Responder(args.id, args.udp_idle, args.burn)
    try:
        for p in args.tcp:
            r.listen_tcp(p)
        for p in args.udp:
            r.listen_udp(p)
        for p in args.udp_connected:
            r.listen_udp(p, "udpc")
        r.run()
    except Stop:
        pass
    except OSError as e:
        print("responder: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
