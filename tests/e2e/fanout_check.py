#!/usr/bin/env python3
"""Checks the kernel's packet fanout hash on this machine: N packet sockets
join one PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG group (as portsniff
--workers does) and count which socket each packet of each flow reaches.

    fanout_check.py IFACE SOCKETS PACKETS READY_FILE

Writes READY_FILE once every socket has joined, reads until PACKETS packets
arrived (60 s at most), and prints one JSON line: packets per socket, flows,
and the flows whose packets reached more than one socket (with both
directions of a flow counted as one flow). Exit status 0 when every packet
arrived and no flow was split."""
import json
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_FANOUT = 18
PACKET_FANOUT_HASH = 0
PACKET_FANOUT_FLAG_DEFRAG = 0x8000
SO_RCVBUFFORCE = 33


def flow_key(frame):
    """The unordered pair of (address, port) endpoints and the protocol, or None."""
    off, etype = 12, None
    while off + 2 <= len(frame):
        etype = struct.unpack_from("!H", frame, off)[0]
        if etype in (0x8100, 0x88A8):
            off += 4
            continue
        off += 2
        break
    if etype == 0x0800 and len(frame) >= off + 20:
        ihl = (frame[off] & 0x0F) * 4
        proto = frame[off + 9]
        src, dst = frame[off + 12:off + 16], frame[off + 16:off + 20]
        frag = struct.unpack_from("!H", frame, off + 6)[0] & 0x3FFF
        l4 = off + ihl if frag == 0 else None
    elif etype == 0x86DD and len(frame) >= off + 40:
        proto = frame[off + 6]
        src, dst = frame[off + 8:off + 24], frame[off + 24:off + 40]
        l4 = off + 40
    else:
        return None
    ports = (0, 0)
    if l4 is not None and proto in (6, 17, 33, 132) and len(frame) >= l4 + 4:
        ports = struct.unpack_from("!HH", frame, l4)
    a, b = (src, ports[0]), (dst, ports[1])
    return (proto,) + (a + b if a <= b else b + a)


def main():
    iface, nsock, want, ready = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    group = os.getpid() & 0xFFFF
    socks = []
    for _ in range(nsock):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
        s.bind((iface, ETH_P_ALL))
        arg = group | ((PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16)
        s.setsockopt(SOL_PACKET, PACKET_FANOUT, struct.pack("I", arg))
        socks.append(s)
    # What arrived before every socket joined went to each socket alike.
    for s in socks:
        s.setblocking(False)
        try:
            while True:
                s.recv(65536)
        except BlockingIOError:
            pass
    with open(ready, "w") as f:
        f.write("ready\n")
    per_sock = [0] * nsock
    owner = {}
    split = set()
    total = 0
    deadline = time.monotonic() + 60
    while total < want and time.monotonic() < deadline:
        readable, _, _ = select.select(socks, [], [], 1.0)
        for s in readable:
            i = socks.index(s)
            while True:
                try:
                    frame = s.recv(65536)
                except BlockingIOError:
                    break
                total += 1
                per_sock[i] += 1
                k = flow_key(frame)
                if k is None:
                    continue
                if owner.setdefault(k, i) != i:
                    split.add(k)
    print(json.dumps({"packets": total, "per_socket": per_sock, "flows": len(owner),
                      "split_flows": len(split)}))
    return 0 if total == want and not split else 1


if __name__ == "__main__":
    sys.exit(main())
