#!/usr/bin/env python3
"""Conformance-model server for one pod's network namespace: TCP and UDP on ports 80 and 81 (or the
ports given: server.py TCP_PORTS UDP_PORTS, comma-separated), IPv4 and IPv6.
TCP: accept, send one byte, close. UDP: echo each datagram back (the probe counts the reply)."""
import socket
import sys
import threading


def dual_stack(kind):
    """One socket for IPv4 and IPv6 (IPv4 arrives as ::ffff:a.b.c.d)."""
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    return s


def tcp(port):
    s = dual_stack(socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.listen(64)
    while True:
        conn, _ = s.accept()
        try:
            conn.sendall(b"k")
        except OSError:
            pass
        conn.close()


def udp(port):
    s = dual_stack(socket.SOCK_DGRAM)
    s.bind(("::", port))
    while True:
        data, peer = s.recvfrom(512)
        try:
            s.sendto(data, peer)
        except OSError:
            pass


def main():
    tcp_ports = [int(p) for p in sys.argv[1].split(",")] if len(sys.argv) > 1 else [80, 81]
    udp_ports = [int(p) for p in sys.argv[2].split(",")] if len(sys.argv) > 2 else [80, 81]
    threads = [threading.Thread(target=tcp, args=(p,), daemon=True) for p in tcp_ports]
    threads += [threading.Thread(target=udp, args=(p,), daemon=True) for p in udp_ports]
    for t in threads:
        t.start()
    print("ready", flush=True)
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
