#!/usr/bin/env python3
"""A small IPFIX collector for the export tests.

  ipfix_collector.py tcp OUT [--port P] [--relay UDPPORT] [--hold FILE]
  ipfix_collector.py udp OUT [--port P]

Listens on 127.0.0.1 (port 0: the kernel picks one) and prints
"listening PORT" once bound. Every complete IPFIX message received is
appended to OUT, so OUT is an IPFIX file (RFC 5655) of what arrived, and
one line per event goes to stdout: "connected N", "message N len L seq S
domain D sets 2,3,256", "closed N". A message cut short by a closed
connection is not written.

tcp: connections are served one after another. --relay UDPPORT forwards each
message to 127.0.0.1:UDPPORT (nfcapd listens on UDP only); --hold FILE reads
nothing from a connection until FILE exists (a collector that is too slow).
SIGUSR1 closes the current connection, as a collector restart would.
"""
import argparse
import os
import select
import signal
import socket
import struct
import sys
import time


def log(*a):
    print(*a, flush=True)


def sets_of(msg):
    ids, off = [], 16
    while off + 4 <= len(msg):
        sid, slen = struct.unpack_from("!HH", msg, off)
        if slen < 4:
            break
        ids.append(sid)
        off += slen
    return ids


class Sink:
    def __init__(self, out, relay):
        self.out = open(out, "ab", buffering=0)
        self.n = 0
        self.relay = None
        if relay:
            self.relay = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.relay.connect(("127.0.0.1", relay))

    def message(self, msg):
        ver, length, _t, seq, dom = struct.unpack_from("!HHIII", msg, 0)
        if ver != 10 or length != len(msg):
            log("bad message version %d length %d/%d" % (ver, length, len(msg)))
            return
        self.n += 1
        self.out.write(msg)
        if self.relay:
            self.relay.send(msg)
        log("message %d len %d seq %d domain %d sets %s"
            % (self.n, length, seq, dom, ",".join(map(str, sets_of(msg)))))


close_now = False


def on_usr1(_sig, _frm):
    global close_now
    close_now = True


def serve_tcp(args, sink):
    global close_now
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(4)
    log("listening %d" % ls.getsockname()[1])
    conn_no = 0
    while True:
        try:
            c, _ = ls.accept()
        except InterruptedError:
            continue
        conn_no += 1
        close_now = False
        log("connected %d" % conn_no)
        if args.hold:
            while not os.path.exists(args.hold):
                time.sleep(0.05)
            log("reading %d" % conn_no)
        buf = b""
        while not close_now:
            r, _, _ = select.select([c], [], [], 0.1)
            if not r:
                continue
            data = c.recv(65536)
            if not data:
                break
            buf += data
            while len(buf) >= 4:
                length = struct.unpack_from("!H", buf, 2)[0]
                if length < 16:
                    log("bad length %d" % length)
                    buf = b""
                    break
                if len(buf) < length:
                    break
                sink.message(buf[:length])
                buf = buf[length:]
        c.close()
        log("closed %d%s" % (conn_no, " partial %d" % len(buf) if buf else ""))


def serve_udp(args, sink):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("127.0.0.1", args.port))
    log("listening %d" % s.getsockname()[1])
    while True:
        try:
            sink.message(s.recv(65536))
        except InterruptedError:
            continue


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["tcp", "udp"])
    p.add_argument("out")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--relay", type=int)
    p.add_argument("--hold")
    args = p.parse_args()
    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sink = Sink(args.out, args.relay)
    (serve_tcp if args.mode == "tcp" else serve_udp)(args, sink)


if __name__ == "__main__":
    main()
