#!/usr/bin/env python3
"""Real TCP and UDP traffic for the live-capture test.

server ADDR: answer TCP on port 80 (one HTTP-like exchange per connection)
             and UDP on port 53 (echo) until killed.
client ADDR N: make N TCP connections to ADDR:80 and N UDP exchanges with
               ADDR:53, each from its own source port; print what was sent.
"""
import socket
import sys
import threading


def tcp_server(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 80))
    s.listen(16)
    while True:
        c, _ = s.accept()
        with c:
            c.recv(4096)
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello")


def udp_server(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    while True:
        data, peer = s.recvfrom(4096)
        s.sendto(data, peer)


def client(addr, n):
    for _ in range(n):
        with socket.create_connection((addr, 80), timeout=5) as c:
            c.sendall(b"GET / HTTP/1.0\r\n\r\n")
            while c.recv(4096):
                pass
    for i in range(n):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.settimeout(5)
            u.sendto(b"query-%d" % i, (addr, 53))
            u.recvfrom(4096)


def main():
    if sys.argv[1] == "server":
        threading.Thread(target=tcp_server, args=(sys.argv[2],), daemon=True).start()
        udp_server(sys.argv[2])
    else:
        client(sys.argv[2], int(sys.argv[3]))


if __name__ == "__main__":
    main()
