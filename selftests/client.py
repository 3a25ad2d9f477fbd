#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Traffic for the VM tests of shoal services (answers come from responder.py).

  client.py tcp|udp ADDR PORT [--count N] --sources SRC,SRC,...
            [--port-set K] [--parallel P] [--timeout S] [--retries R] [--why]
            [--rate R]
      N connections (TCP) or exchanges (UDP), connection i from source
      address SRC[i % len] and source port port(K, i): sends one line,
      reads the answer; with --rate, R of them begin a second, at an even
      pace, and each line below is printed as its exchange ends (a steady
      load, for as long as N lasts). Prints one line per connection, in
      order:
          SRC SPORT NODEID        (NODEID from "node NODEID")
          SRC SPORT none [WHY]    (timeout, refused, unreachable, ...; with
                                   --why, which: timeout, closed, or the
                                   errno name, ECONNRESET for a reset)
      and a summary on stderr: "# sent S answered A none F" (S counts UDP
      datagrams, retries included; connections for TCP). Every UDP
      datagram carries the same 64-byte payload. Exit status 0 even when
      some got no answer (the caller judges); 2 for usage errors.

      Source ports: port(K, i) = 10000 + ((K * 1000 + i) * 7919) % 50021,
      a bijection for K * 1000 + i < 50021: i < 1000, so every port set K
      (0..49) is disjoint from every other. A TCP 4-tuple left in
      TIME_WAIT by an earlier run cannot be reused; give each run against
      the same service address and port its own K.

  client.py probe ADDR PORT --source SRC --sport P [--interval S]
            [--duration S] [--timeout S]
      One long-lived TCP connection: sends a line every --interval
      (default 0.02 s) and prints each answer as "T_MS SEQ NODEID" (T_MS:
      ms since the connection was made); a failed probe (no answer within
      --timeout, default 2 s, or an error) prints "T_MS SEQ FAIL REASON"
      and ends probing. Runs until SIGTERM/SIGINT or --duration, then
      prints "# probes N answered A failed F maxgap_ms G retrans R
      nodes X,Y" (G: longest time between two answers; R: the
      connection's TCP retransmissions). Exit status 1 if a probe failed.

  client.py hold ADDR PORT [--count N] --sources SRC,SRC,... [--port-set K]
            [--interval S] [--timeout S] [--keepalive S] [--status FILE]
      N long-lived TCP connections (default 100, made 16 at a time),
      connection i from SRC[i % len] and source port port(K, i) as for
      tcp. Each sends a
      line and reads the answer: the node that answers first holds the
      connection, printed as "conn I SRC SPORT NODEID" ("conn I SRC SPORT
      none REASON" if it could not be made: it is not held). Once every
      connection is made or has failed, "ready HELD FAILED", and from then
      on every connection sends a line every --interval (default 0.2 s,
      connections spread over it), or as soon as the previous line is
      answered if that takes longer, and expects "node NODEID" from its
      holder for each. A connection breaks, printed at once as
          broke I SRC SPORT NODEID REASON T_MS
      (T_MS: ms since the start), on: reset (RST from anyone), closed
      (FIN), timeout (a line unanswered for --timeout s, default 3, and
      still unacknowledged: the client's TCP was sending it all along),
      unanswered (the same, but the line was acknowledged: its answer was
      lost with its holder, and the client had nothing to send since),
      wrong-echo:ANSWER (an answer other than its holder's), or another
      socket error (its errno name). Every 100 ms --status FILE is
      rewritten with one line, "live L broken B min_answers M answers A
      t_ms T": M is the fewest answers any live connection has had (so M
      grows by k only once every live connection was answered k more
      times, or broke). With --keepalive S each connection sends TCP
      keepalive probes after S seconds without an answer, then every S
      seconds: a connection waiting for an answer, with nothing to send,
      lets whoever serves its flow then answer it. Runs until
      SIGTERM/SIGINT, then prints "# held H live L broken B failed F
      answers A". Exit status 0.

  client.py udp-hold ADDR PORT [--count N] --sources SRC,SRC,...
            [--port-set K] [--interval S] [--timeout S] [--retries R]
            [--status FILE]
      N UDP flows (default 100), flow i a socket bound to SRC[i % len] and
      source port port(K, i) as for tcp, connected to ADDR PORT, for
      responder.py --udp-connected (which answers "node NODEID PAYLOAD").
      Each sends "SEQ 0 FLOW i" (flows spread over --interval); the node
      that answers it first holds the flow, printed as "flow I SRC SPORT
      NODEID" ("flow I SRC SPORT none REASON" if no answer after the
      retries: REASON timeout, refused (an ICMP error came back),
      bad-answer (see below) or an errno name; the flow is not held and
      sends no more). Once every flow is held or has failed, "ready HELD
      FAILED", and from then on every held flow sends "SEQ n FLOW i", n =
      1, 2, ..., one at a time: the next an --interval (default 0.2 s,
      flows spread over it) after the last was first sent, or as soon as
      the last is settled if that takes longer. A datagram unanswered for
      --timeout s (default 1) is sent again, up to --retries times
      (default 3); a resend is no error but counted. Printed at once
      (T_MS: ms since the start):
          lost I SRC SPORT NODEID SEQ T_MS      no answer after the retries
          wrong I SRC SPORT NODEID SEQ BY T_MS  answered by BY, not NODEID
          dup I SRC SPORT NODEID SEQ BY T_MS    another answer for a SEQ
                                                already answered
      A SEQ's first answer settles it, even a wrong one. Answers from the
      holder to a SEQ sent k times are no dups up to k of them (they
      count as resent_answers) unless another node answered it too. An
      answer that is no "node BY SEQ n FLOW i" for one of the flow's SEQs
      is wrong with SEQ "?". An answer to a lost SEQ counts as late (or
      wrong if not from the holder). A flow goes on after any of them.
      Every 100 ms --status FILE is rewritten with one line, "flows F lost
      L wrong W dup D resends R min_answers M answers A t_ms T": F the
      flows held, A the SEQs answered by their holder (the first answer),
      M the fewest of them any held flow has. Runs until SIGTERM/SIGINT,
      then prints "# flows F lost L wrong W dup D resends R answers A
      resent_answers X late Y". Exit status 0.

  client.py arp DEV ADDR [--source SRC] [--wait S]
      Sends one ARP request for ADDR from DEV (sender address SRC, default
      DEV's first IPv4 address) and prints every reply received within
      --wait seconds (default 1): "reply SENDER_IP SENDER_MAC ETH_SRC",
      then "# replies N".

  client.py ndisc DEV ADDR [--wait S]
      The same for IPv6: one neighbour solicitation for ADDR to its
      solicited-node group; prints "reply TARGET TARGET_LLADDR FROM" for
      each advertisement for ADDR, then "# replies N".
"""

import argparse
import collections
import heapq
import errno
import fcntl
import ipaddress
import os
import selectors
import signal
import socket
import struct
import sys
import termios
import time

PAYLOAD_LEN = 64
PORT_SET_SIZE = 1000


class Stop(Exception):
    pass


def on_signal(signum, frame):
    raise Stop()


def source_port(port_set, i):
    return 10000 + ((port_set * PORT_SET_SIZE + i) * 7919) % 50021


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def payload(src, sport):
    line = ("hello %s %d" % (src, sport)).encode()
    return line.ljust(PAYLOAD_LEN - 1)[:PAYLOAD_LEN - 1] + b"\n"


def parse_answer(buf):
    line = buf.split(b"\n", 1)[0].decode(errors="replace").split()
    if len(line) == 2 and line[0] == "node" and line[1].isdigit():
        return line[1]
    return "none"


# --- many connections / exchanges

class Exchange:
    """One connection or datagram exchange, driven by the selector."""

    def __init__(self, idx, src, sport):
        self.idx = idx
        self.src = src
        self.sport = sport
        self.sock = None
        self.deadline = 0.0
        self.buf = b""
        self.result = None
        self.why = ""
        self.sent = False
        self.tries = 0


class Burst:
    def __init__(self, args):
        self.args = args
        self.proto = args.mode
        self.family = family_of(args.addr)
        self.dest = (args.addr, args.port)
        self.sel = selectors.DefaultSelector()
        self.datagrams = 0

    def close(self, ex):
        if ex.sock is not None:
            try:
                self.sel.unregister(ex.sock)
            except (KeyError, ValueError):
                pass
            ex.sock.close()
            ex.sock = None

    def finish(self, ex, result):
        ex.result = result
        self.close(ex)
        if self.args.rate:
            self.report(ex)

    def report(self, ex):
        why = " " + ex.why if self.args.why and ex.why else ""
        sys.stdout.write("%s %d %s%s\n" % (ex.src, ex.sport, ex.result, why))
        sys.stdout.flush()

    def fail(self, ex, why):
        ex.why = why
        self.finish(ex, "none")

    def start(self, ex, now):
        ex.tries += 1
        ex.deadline = now + self.args.timeout
        ex.buf = b""
        ex.sent = False
        stype = socket.SOCK_STREAM if self.proto == "tcp" else socket.SOCK_DGRAM
        s = socket.socket(self.family, stype)
        ex.sock = s
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((ex.src, ex.sport))
            s.setblocking(False)
            if self.proto == "tcp":
                err = s.connect_ex(self.dest)
                if err not in (0, errno.EINPROGRESS):
                    self.fail(ex, errno.errorcode.get(err, str(err)))
                    return
                self.sel.register(s, selectors.EVENT_WRITE, ex)
            else:
                s.connect(self.dest)
                s.send(payload(ex.src, ex.sport))
                self.datagrams += 1
                ex.sent = True
                self.sel.register(s, selectors.EVENT_READ, ex)
        except OSError as e:
            print("client: %s port %d: %s" % (ex.src, ex.sport, e), file=sys.stderr)
            self.fail(ex, errno.errorcode.get(e.errno, "error"))

    def event(self, ex, mask):
        s = ex.sock
        try:
            if self.proto == "tcp" and not ex.sent:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    self.fail(ex, errno.errorcode.get(err, str(err)))
                    return
                s.send(payload(ex.src, ex.sport))
                ex.sent = True
                self.sel.modify(s, selectors.EVENT_READ, ex)
                return
            data = s.recv(4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            self.fail(ex, errno.errorcode.get(e.errno, "error"))
            return
        if self.proto == "udp":
            self.finish(ex, parse_answer(data))
            return
        if not data:
            if b"\n" in ex.buf:
                self.finish(ex, parse_answer(ex.buf))
            else:
                self.fail(ex, "closed")
            return
        ex.buf += data
        if b"\n" in ex.buf:
            self.finish(ex, parse_answer(ex.buf))

    def run(self):
        a = self.args
        srcs = a.sources
        todo = [Exchange(i, srcs[i % len(srcs)], source_port(a.port_set, i))
                for i in range(a.count)]
        pending = list(reversed(todo))
        active = set()
        next_start = time.monotonic()
        while pending or active:
            now = time.monotonic()
            while pending and len(active) < a.parallel and now >= next_start:
                ex = pending.pop()
                self.start(ex, now)
                if ex.result is None:
                    active.add(ex)
                if a.rate:
                    next_start += 1.0 / a.rate
            wake = [ex.deadline for ex in active]
            if pending and a.rate:
                wake.append(next_start)
            if not wake:
                continue
            timeout = max(0.0, min(wake) - now)
            for key, mask in self.sel.select(timeout):
                self.event(key.data, mask)
            now = time.monotonic()
            for ex in list(active):
                if ex.result is None and now >= ex.deadline:
                    self.close(ex)
                    if self.proto == "udp" and ex.tries <= a.retries:
                        self.start(ex, now)
                        if ex.result is None:
                            continue
                    else:
                        ex.result = "none"
                        ex.why = "timeout"
                        if a.rate:
                            self.report(ex)
                if ex.result is not None:
                    active.discard(ex)
        for ex in todo if not a.rate else []:
            self.report(ex)
        answered = sum(1 for ex in todo if ex.result != "none")
        sent = self.datagrams if self.proto == "udp" else len(todo)
        print("# sent %d answered %d none %d" % (sent, answered, len(todo) - answered),
              file=sys.stderr)
        return 0


# --- one long-lived connection

TCP_INFO_TOTAL_RETRANS = 100  # offset of tcpi_total_retrans in struct tcp_info


def probe(args):
    start = None
    seq = answered = failed = 0
    nodes = []
    maxgap = 0.0
    last = None
    retrans = -1
    s = socket.socket(family_of(args.addr), socket.SOCK_STREAM)
    status = 0

    def ms(t):
        return int((t - start) * 1000)

    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.bind((args.source, args.sport))
        s.settimeout(args.timeout)
        s.connect((args.addr, args.port))
        start = last = time.monotonic()
        end = start + args.duration if args.duration else None
        buf = b""
        next_at = start
        while end is None or time.monotonic() < end:
            now = time.monotonic()
            if next_at > now:
                time.sleep(next_at - now)
            next_at += args.interval
            seq += 1
            try:
                s.sendall(b"probe %d\n" % seq)
                while b"\n" not in buf:
                    data = s.recv(4096)
                    if not data:
                        raise OSError("connection closed by the peer")
                    buf += data
            except (OSError, socket.timeout) as e:
                failed += 1
                print("%d %d FAIL %s" % (ms(time.monotonic()), seq,
                                         str(e).replace(" ", "_") or "timeout"), flush=True)
                status = 1
                break
            line, buf = buf.split(b"\n", 1)
            node = parse_answer(line + b"\n")
            now = time.monotonic()
            maxgap = max(maxgap, now - last)
            last = now
            answered += 1
            if node not in nodes:
                nodes.append(node)
            print("%d %d %s" % (ms(now), seq, node), flush=True)
            # Slow probes do not pile up: the next one is due an interval
            # after the later of the schedule and now.
            next_at = max(next_at, now)
    except Stop:
        pass
    except OSError as e:
        print("0 0 FAIL connect:_%s" % str(e).replace(" ", "_"), flush=True)
        failed += 1
        status = 1
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
        if len(info) >= TCP_INFO_TOTAL_RETRANS + 4:
            retrans = struct.unpack_from("@I", info, TCP_INFO_TOTAL_RETRANS)[0]
    except OSError:
        pass
    s.close()
    print("# probes %d answered %d failed %d maxgap_ms %d retrans %d nodes %s" %
          (seq, answered, failed, int(maxgap * 1000), retrans, ",".join(nodes) or "-"),
          flush=True)
    return status


# --- many long-lived connections, each held by one node

SETUP_AT_ONCE = 16


class Paced:
    """What Hold and UdpHold share: the items' sockets in self.sel, the
    next sends in the heap self.due and the deadlines in the queue
    self.waiting, both by time; a status file every 100 ms."""

    def loop(self):
        """Until a signal (Stop); then no more of them."""
        args = self.args
        next_status = time.monotonic()
        try:
            while True:
                now = time.monotonic()
                wake = next_status if args.status else now + 0.05
                if self.due:
                    wake = min(wake, self.due[0][0])
                if self.waiting:
                    wake = min(wake, self.waiting[0][0])
                for key, _ in self.sel.select(timeout=max(0.0, min(wake - now, 0.05))):
                    item = key.data
                    if item.sock is not None:
                        self.event(item, time.monotonic())
                now = time.monotonic()
                self.tick(now)
                if args.status and now >= next_status:
                    self.status(now)
                    next_status = now + 0.1
        except Stop:
            pass
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def unacked(sock):
    """Bytes sent on a TCP socket and not acknowledged yet (or not sent)."""
    buf = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4)
    return struct.unpack("i", buf)[0]


class Held:
    """One long-lived connection of hold()."""

    def __init__(self, idx, src, sport):
        self.idx = idx
        self.src = src
        self.sport = sport
        self.sock = None
        self.node = None
        self.state = "connecting"  # then setup, live, broken or failed
        self.buf = b""
        self.lines = 0  # lines sent
        self.answers = 0  # lines answered
        self.last_sent = 0.0


class Hold(Paced):
    """A connection sends its next line an interval after the last one,
    but not before that one was answered: when the VM is slow the client
    slows down with it instead of piling up packets. Under emulation a
    pass over every connection each tick costs too much: the next sends
    wait in a heap by time, and the lines sent in a queue (in order) for
    their deadline."""

    def __init__(self, args):
        self.args = args
        self.sel = selectors.DefaultSelector()
        self.start = time.monotonic()
        self.conns = []
        self.ready = False
        self.broken = self.failed = self.pending = self.opened = 0
        self.due = []  # heap of (when, index): next sends
        self.waiting = collections.deque()  # (deadline, conn, line)

    def ms(self, t):
        return int((t - self.start) * 1000)

    def close(self, c):
        if c.sock is not None:
            try:
                self.sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            c.sock.close()
            c.sock = None

    def lose(self, c, reason, now):
        """A connection ends: a break if it was held, else a failure."""
        self.close(c)
        if c.state == "live":
            c.state = "broken"
            self.broken += 1
            print("broke %d %s %d %s %s %d" % (c.idx, c.src, c.sport, c.node, reason,
                                               self.ms(now)), flush=True)
        else:
            if c.state in ("connecting", "setup"):
                self.pending -= 1
            c.state = "failed"
            self.failed += 1
            print("conn %d %s %d none %s" % (c.idx, c.src, c.sport, reason), flush=True)

    def open(self, c, now):
        s = socket.socket(family_of(self.args.addr), socket.SOCK_STREAM)
        c.sock = s
        self.pending += 1
        self.waiting.append((now + self.args.timeout, c, 0))
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.args.keepalive:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, self.args.keepalive)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, self.args.keepalive)
            s.bind((c.src, c.sport))
            s.setblocking(False)
            err = s.connect_ex((self.args.addr, self.args.port))
            if err not in (0, errno.EINPROGRESS):
                self.lose(c, errno.errorcode.get(err, str(err)), now)
                return
            self.sel.register(s, selectors.EVENT_WRITE, c)
        except OSError as e:
            self.lose(c, errno.errorcode.get(e.errno, "error"), now)

    def send(self, c, now):
        try:
            c.sock.send(b"hold %d %d\n" % (c.idx, c.lines + 1))
        except BlockingIOError:
            heapq.heappush(self.due, (now + self.args.interval, c.idx))
            return
        except ConnectionResetError:
            self.lose(c, "reset", now)
            return
        except OSError as e:
            self.lose(c, errno.errorcode.get(e.errno, "error"), now)
            return
        c.lines += 1
        c.last_sent = now
        self.waiting.append((now + self.args.timeout, c, c.lines))

    def event(self, c, now):
        if c.state == "connecting":
            err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self.lose(c, errno.errorcode.get(err, str(err)), now)
                return
            self.sel.modify(c.sock, selectors.EVENT_READ, c)
            c.state = "setup"
            self.send(c, now)
            return
        try:
            data = c.sock.recv(4096)
        except (BlockingIOError, InterruptedError):
            return
        except ConnectionResetError:
            self.lose(c, "reset", now)
            return
        except OSError as e:
            self.lose(c, errno.errorcode.get(e.errno, "error"), now)
            return
        if not data:
            self.lose(c, "closed", now)
            return
        c.buf += data
        while b"\n" in c.buf and c.sock is not None:
            line, c.buf = c.buf.split(b"\n", 1)
            words = line.decode(errors="replace").split()
            node = words[1] if len(words) == 2 and words[0] == "node" else None
            if c.answers >= c.lines or node is None or (c.node is not None and node != c.node):
                self.lose(c, "wrong-echo:" + ("_".join(words) or "empty"), now)
                return
            c.answers += 1
            if c.state == "setup":
                c.node = node
                c.state = "live"
                self.pending -= 1
                print("conn %d %s %d %s" % (c.idx, c.src, c.sport, node), flush=True)
            elif self.ready and c.answers == c.lines:
                heapq.heappush(self.due, (max(c.last_sent + self.args.interval, now), c.idx))

    def tick(self, now):
        args = self.args
        # a few connections made at a time: a burst of them overflows the
        # backlog of a slow VM
        while self.opened < len(self.conns) and self.pending < SETUP_AT_ONCE:
            self.open(self.conns[self.opened], now)
            self.opened += 1
        # unanswered past their deadline; answered lines just leave
        while self.waiting and self.waiting[0][0] <= now:
            _, c, line = self.waiting.popleft()
            if c.sock is not None and c.answers < max(line, 1):
                self.lose(c, "timeout" if unacked(c.sock) else "unanswered", now)
        if not self.ready and self.pending == 0 and self.opened == len(self.conns):
            self.ready = True
            n = len(self.conns)
            for c in self.conns:
                if c.state == "live":
                    heapq.heappush(self.due, (now + args.interval * (c.idx + 1) / n, c.idx))
            print("ready %d %d" % (len(self.due), self.failed), flush=True)
        while self.due and self.due[0][0] <= now:
            _, idx = heapq.heappop(self.due)
            c = self.conns[idx]
            if c.state == "live" and c.answers == c.lines:
                # the next one is queued when this one is answered
                self.send(c, now)

    def status(self, now):
        live = [c.answers for c in self.conns if c.state == "live"]
        text = "live %d broken %d min_answers %d answers %d t_ms %d\n" % (
            len(live), self.broken, min(live) if live else 0,
            sum(c.answers for c in self.conns), self.ms(now))
        tmp = self.args.status + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.args.status)

    def run(self):
        args = self.args
        for i in range(args.count):
            self.conns.append(Held(i, args.sources[i % len(args.sources)],
                                   source_port(args.port_set, i)))
        self.loop()
        live = sum(c.state == "live" for c in self.conns)
        print("# held %d live %d broken %d failed %d answers %d" % (
            live + self.broken, live, self.broken, self.failed,
            sum(c.answers for c in self.conns)), flush=True)
        for c in self.conns:
            self.close(c)
        return 0


# --- many UDP flows, each held by one node

class UdpFlow:
    """One flow of UdpHold. What it knows of a SEQ is a list [sends,
    answers from the holder, answers from others, lost]: the current
    SEQ's in cur, earlier ones' in odd unless they were the usual
    [1, 1, 0, False] (a flow sends for hours: those need no memory)."""

    def __init__(self, idx, src, sport):
        self.idx = idx
        self.src = src
        self.sport = sport
        self.sock = None
        self.node = None
        self.state = "new"  # then setup, live or failed
        self.seq = -1
        self.cur = None
        self.settled = True
        self.first_sent = 0.0
        self.answers = 0  # SEQs answered by the holder
        self.odd = {}
        self.why = None  # the last error seen, for a failed setup


class UdpHold(Paced):
    """The single-SEQ-in-flight pacing of Hold, with datagrams: resends
    wait in a queue by deadline (the timeout is the same for all)."""

    def __init__(self, args):
        self.args = args
        self.sel = selectors.DefaultSelector()
        self.start = time.monotonic()
        self.flows = []
        self.ready = False
        self.pending = 0  # flows not yet held nor failed
        self.failed = 0
        self.lost = self.wrong = self.dups = self.resends = 0
        self.resent_answers = self.late = 0
        self.due = []  # heap of (when, index): next SEQs
        self.waiting = collections.deque()  # (deadline, flow, seq, sends)

    def ms(self, t):
        return int((t - self.start) * 1000)

    def line(self, *fields):
        print(" ".join(str(f) for f in fields), flush=True)

    def open(self, f, now):
        s = socket.socket(family_of(self.args.addr), socket.SOCK_DGRAM)
        f.sock = s
        f.state = "setup"
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((f.src, f.sport))
            s.setblocking(False)
            s.connect((self.args.addr, self.args.port))
        except OSError as e:
            self.fail(f, errno.errorcode.get(e.errno, "error"))
            return
        self.sel.register(s, selectors.EVENT_READ, f)
        self.next_seq(f, now)

    def fail(self, f, reason):
        if f.sock is not None:
            try:
                self.sel.unregister(f.sock)
            except (KeyError, ValueError):
                pass
            f.sock.close()
            f.sock = None
        f.state = "failed"
        self.failed += 1
        self.pending -= 1
        self.line("flow", f.idx, f.src, f.sport, "none", reason)

    def next_seq(self, f, now):
        if f.cur is not None and f.cur != [1, 1, 0, False]:
            f.odd[f.seq] = f.cur
        f.seq += 1
        f.cur = [0, 0, 0, False]
        f.settled = False
        f.first_sent = now
        self.transmit(f, now)

    def transmit(self, f, now):
        f.cur[0] += 1
        msg = b"SEQ %d FLOW %d\n" % (f.seq, f.idx)
        # once more after a pending error: an ICMP error for an earlier
        # datagram fails the next send
        for _ in range(2):
            try:
                f.sock.send(msg)
                break
            except BlockingIOError:
                break  # dropped; the timeout resends it
            except ConnectionRefusedError:
                f.why = "refused"
            except OSError as e:
                f.why = errno.errorcode.get(e.errno, "error")
                break
        self.waiting.append((now + self.args.timeout, f, f.seq, f.cur[0]))

    def settle(self, f, now):
        f.settled = True
        if self.ready and f.state == "live":
            heapq.heappush(self.due, (max(f.first_sent + self.args.interval, now), f.idx))

    def answer(self, f, data, now):
        words = data.decode(errors="replace").split()
        by = words[1] if len(words) >= 2 and words[0] == "node" else "?"
        if (len(words) != 6 or by == "?" or words[2] != "SEQ" or not words[3].isdigit() or
                words[4:] != ["FLOW", str(f.idx)] or int(words[3]) > f.seq):
            self.wrong += 1
            f.why = "bad-answer"
            self.line("wrong", f.idx, f.src, f.sport, f.node or "none", "?", by, self.ms(now))
            return
        seq = int(words[3])
        if seq == f.seq:
            rec = f.cur
        else:
            rec = f.odd.setdefault(seq, [1, 1, 0, False])
        if f.node is None:
            # the first answer to SEQ 0 names the holder
            f.node = by
            f.state = "live"
            self.pending -= 1
            self.line("flow", f.idx, f.src, f.sport, by)
        holder = by == f.node
        if rec[1] + rec[2] == 0:
            if holder:
                rec[1] += 1
                if rec[3]:
                    self.late += 1
                else:
                    f.answers += 1
            else:
                rec[2] += 1
                self.wrong += 1
                self.line("wrong", f.idx, f.src, f.sport, f.node, seq, by, self.ms(now))
            if seq == f.seq and not f.settled:
                self.settle(f, now)
        elif holder and rec[2] == 0 and rec[1] < rec[0]:
            rec[1] += 1
            self.resent_answers += 1
        else:
            rec[1 if holder else 2] += 1
            self.dups += 1
            self.line("dup", f.idx, f.src, f.sport, f.node, seq, by, self.ms(now))

    def event(self, f, now):
        for _ in range(64):
            try:
                data = f.sock.recv(4096)
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionRefusedError:
                f.why = "refused"
                continue
            except OSError as e:
                f.why = errno.errorcode.get(e.errno, "error")
                continue
            self.answer(f, data, now)
            if f.sock is None:
                return

    def tick(self, now):
        args = self.args
        while self.waiting and self.waiting[0][0] <= now:
            _, f, seq, sends = self.waiting.popleft()
            if f.sock is None or f.settled or f.seq != seq or f.cur[0] != sends:
                continue
            if sends <= args.retries:
                self.resends += 1
                self.transmit(f, now)
            elif f.state == "setup":
                self.fail(f, f.why or "timeout")
            else:
                f.cur[3] = True
                self.lost += 1
                self.line("lost", f.idx, f.src, f.sport, f.node, seq, self.ms(now))
                self.settle(f, now)
        if not self.ready and self.pending == 0:
            self.ready = True
            n = len(self.flows)
            held = 0
            for f in self.flows:
                if f.state == "live":
                    held += 1
                    heapq.heappush(self.due, (now + args.interval * (f.idx + 1) / n, f.idx))
            self.line("ready", held, self.failed)
        while self.due and self.due[0][0] <= now:
            _, idx = heapq.heappop(self.due)
            f = self.flows[idx]
            if f.state == "new":
                self.open(f, now)
            elif f.state == "live" and f.settled:
                self.next_seq(f, now)

    def counts(self):
        live = [f.answers for f in self.flows if f.state == "live"]
        return (len(live), self.lost, self.wrong, self.dups, self.resends,
                min(live) if live else 0, sum(live))

    def status(self, now):
        text = ("flows %d lost %d wrong %d dup %d resends %d min_answers %d answers %d"
                " t_ms %d\n" % (self.counts() + (self.ms(now),)))
        tmp = self.args.status + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.args.status)

    def run(self):
        args = self.args
        now = self.start
        for i in range(args.count):
            self.flows.append(UdpFlow(i, args.sources[i % len(args.sources)],
                                      source_port(args.port_set, i)))
            # SEQ 0 spread over an interval too
            heapq.heappush(self.due, (now + args.interval * i / args.count, i))
        self.pending = args.count
        self.loop()
        flows, lost, wrong, dups, resends, _, answers = self.counts()
        print("# flows %d lost %d wrong %d dup %d resends %d answers %d"
              " resent_answers %d late %d" % (flows, lost, wrong, dups, resends, answers,
                                              self.resent_answers, self.late), flush=True)
        for f in self.flows:
            if f.sock is not None:
                f.sock.close()
        return 0


# --- neighbour discovery, one request

def if_hwaddr(dev):
    with open("/sys/class/net/%s/address" % dev) as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def if_ipv4(dev):
    SIOCGIFADDR = 0x8915
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        r = fcntl.ioctl(s.fileno(), SIOCGIFADDR, struct.pack("256s", dev.encode()))
    finally:
        s.close()
    return r[20:24]


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def arp(args):
    ETH_P_ARP = 0x0806
    mac = if_hwaddr(args.dev)
    sip = socket.inet_aton(args.source) if args.source else if_ipv4(args.dev)
    tip = socket.inet_aton(args.addr)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind((args.dev, ETH_P_ARP))
    frame = (b"\xff" * 6 + mac + struct.pack("!H", ETH_P_ARP) +
             struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + sip + b"\0" * 6 + tip)
    s.send(frame)
    n = 0
    end = time.monotonic() + args.wait
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, addr = s.recvfrom(2048)
        except socket.timeout:
            break
        if addr[2] == socket.PACKET_OUTGOING or len(data) < 42:
            continue
        htype, ptype, hlen, plen, op = struct.unpack_from("!HHBBH", data, 14)
        if op != 2 or ptype != 0x0800 or hlen != 6 or plen != 4:
            continue
        sha, spa, tpa = data[22:28], data[28:32], data[38:42]
        if spa != tip or tpa != sip:
            continue
        n += 1
        print("reply %s %s %s" % (socket.inet_ntoa(spa), mac_str(sha), mac_str(data[6:12])),
              flush=True)
    print("# replies %d" % n)
    return 0


def ndisc(args):
    target = ipaddress.IPv6Address(args.addr)
    group = ipaddress.IPv6Address("ff02::1:ff00:0").packed[:13] + target.packed[13:]
    ifindex = socket.if_nametoindex(args.dev)
    mac = if_hwaddr(args.dev)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, args.dev.encode())
    # type 135, code 0, checksum (the kernel fills it in), reserved,
    # target, option 1 (source link-layer address, 8 bytes)
    ns = struct.pack("!BBHI", 135, 0, 0, 0) + target.packed + bytes([1, 1]) + mac
    s.sendto(ns, (str(ipaddress.IPv6Address(group)), 0, 0, ifindex))
    n = 0
    end = time.monotonic() + args.wait
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, addr = s.recvfrom(2048)
        except socket.timeout:
            break
        if len(data) < 24 or data[0] != 136 or data[8:24] != target.packed:
            continue
        lladdr = "-"
        opts = data[24:]
        while len(opts) >= 8 and opts[1]:
            if opts[0] == 2:
                lladdr = mac_str(opts[2:8])
            opts = opts[opts[1] * 8:]
        n += 1
        print("reply %s %s %s" % (target, lladdr, addr[0].split("%")[0]), flush=True)
    print("# replies %d" % n)
    return 0


def main():
    ap = argparse.ArgumentParser(description="traffic for shoal service tests")
    sub = ap.add_subparsers(dest="mode", required=True)
    for proto in ("tcp", "udp"):
        p = sub.add_parser(proto)
        p.add_argument("addr")
        p.add_argument("port", type=int)
        p.add_argument("--count", type=int, default=300)
        p.add_argument("--sources", required=True, help="comma-separated source addresses")
        p.add_argument("--port-set", type=int, default=0, metavar="K")
        p.add_argument("--parallel", type=int, default=32)
        p.add_argument("--timeout", type=float, default=3.0)
        p.add_argument("--retries", type=int, default=0, help="UDP: resend after a timeout")
        p.add_argument("--why", action="store_true",
                       help="after none, why: timeout, closed, or an errno name (ECONNRESET...)")
        p.add_argument("--rate", type=float, default=0, metavar="R",
                       help="begin R exchanges a second, printing each as it ends")
    p = sub.add_parser("probe")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--source", required=True)
    p.add_argument("--sport", type=int, required=True)
    p.add_argument("--interval", type=float, default=0.02)
    p.add_argument("--duration", type=float, default=0)
    p.add_argument("--timeout", type=float, default=2.0)
    p = sub.add_parser("hold")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--sources", required=True, help="comma-separated source addresses")
    p.add_argument("--port-set", type=int, default=0, metavar="K")
    p.add_argument("--interval", type=float, default=0.2)
    p.add_argument("--timeout", type=float, default=3.0)
    p.add_argument("--keepalive", type=int, default=0, metavar="S")
    p.add_argument("--status", metavar="FILE")
    p = sub.add_parser("udp-hold")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--sources", required=True, help="comma-separated source addresses")
    p.add_argument("--port-set", type=int, default=0, metavar="K")
    p.add_argument("--interval", type=float, default=0.2)
    p.add_argument("--timeout", type=float, default=1.0)
    p.add_argument("--retries", type=int, default=3, help="resends of an unanswered SEQ")
    p.add_argument("--status", metavar="FILE")
    p = sub.add_parser("arp")
    p.add_argument("dev")
    p.add_argument("addr")
    p.add_argument("--source")
    p.add_argument("--wait", type=float, default=1.0)
    p = sub.add_parser("ndisc")
    p.add_argument("dev")
    p.add_argument("addr")
    p.add_argument("--wait", type=float, default=1.0)
    args = ap.parse_args()

    if args.mode in ("tcp", "udp", "hold", "udp-hold"):
        args.sources = [x for x in args.sources.split(",") if x]
        if not args.sources:
            ap.error("--sources is empty")
        if not 1 <= args.count <= PORT_SET_SIZE:
            ap.error("--count must be between 1 and %d" % PORT_SET_SIZE)
        if not 0 <= args.port_set < 50021 // PORT_SET_SIZE:
            ap.error("--port-set must be between 0 and %d" % (50021 // PORT_SET_SIZE - 1))
        fam = family_of(args.addr)
        if any(family_of(x) != fam for x in args.sources):
            ap.error("sources and ADDR must be of one family")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        if args.mode in ("tcp", "udp"):
            return Burst(args).run()
        if args.mode == "probe":
            return probe(args)
        if args.mode == "hold":
            return Hold(args).run()
        if args.mode == "udp-hold":
            return UdpHold(args).run()
        if args.mode == "arp":
            return arp(args)
        return ndisc(args)
    except Stop:
        return 1
    except OSError as e:
        print("client: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
