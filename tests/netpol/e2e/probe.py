#!/usr/bin/env python3
"""Probes every target IP in parallel from this network namespace and prints one matrix row:
'.' connected (TCP handshake done / UDP reply received within the timeout), 'R' refused (a TCP reset
or ICMP unreachable came back: a policy "deny" must drop, never reject), 'X' no answer.
Usage: probe.py tcp|udp PORT IP...   (KGUARD_PROBE_TIMEOUT: seconds, default 1.5)"""
import os
import socket
import sys
import threading

TIMEOUT = float(os.environ.get("KGUARD_PROBE_TIMEOUT", "1.5"))


def probe_tcp(ip, port):
    try:
        with socket.create_connection((ip, port), timeout=TIMEOUT):
            return "."
    except ConnectionRefusedError:
        return "R"
    except OSError:
        return "X"


def probe_udp(ip, port):
    s = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    try:
        s.connect((ip, port))
        s.send(b"probe")
        return "." if s.recv(512) == b"probe" else "X"
    except ConnectionRefusedError:
        return "R"
    except OSError:
        return "X"
    finally:
        s.close()


def main():
    proto, port, ips = sys.argv[1].lower(), int(sys.argv[2]), sys.argv[3:]
    fn = probe_tcp if proto == "tcp" else probe_udp
    results = [None] * len(ips)

    def run(i):
        results[i] = fn(ips[i], port)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(ips))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(" ".join(results))


if __name__ == "__main__":
    main()
