#!/usr/bin/env python3
"""Hostile load on a running `kguard webhook`, and a legitimate client that must get every answer right.

    webhook_flood_client.py --port P --ca CA_FILE --namespace NS --tightened NS2 --late NS3 --late-ready FILE

Run by tests/e2e/webhook_flood_test.sh (which starts the webhook under `ulimit -n 512`). For --seconds
(plus a warm-up), all at once, on 127.0.0.1 only:
  - idle flood: --idle TCP connections that never send a byte, reopened as soon as the server drops one;
  - slowloris TLS: ClientHellos trickled a byte at a time;
  - slowloris HTTP: TLS done, request headers trickled a byte at a time;
  - oversized bodies (Content-Length 100 MB, then its first MB) and oversized headers (up to 10 MB);
  - pipelined garbage;
  - the legitimate client: --requests AdmissionReviews spread evenly over --seconds, on a keep-alive
    connection that is replaced every 10th request, each answer checked (uid, verdict, message): a
    privileged pod in an enforce=restricted namespace is denied, a compliant one allowed, a namespace
    UPDATE that tightens enforce warns about its privileged pod (the webhook lists pods from the API
    server for that, during the flood), and once the test script has created the --late namespace (it
    touches --late-ready) a privileged pod there is denied (the namespace reaches the webhook from the API
    server during the flood).
Prints what each attacker achieved and every failed legitimate request; exits 0 only when every
legitimate request succeeded and every attack actually reached the server.
"""
import argparse
import http.client
import json
import os
import select
import selectors
import socket
import ssl
import sys
import threading
import time

HOST = "127.0.0.1"
PRIVILEGED_POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                  "spec": {"containers": [{"name": "c", "image": "x", "securityContext": {"privileged": True}}]}}
COMPLIANT_POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                 "spec": {"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                          "containers": [{"name": "c", "image": "x", "securityContext": {
                              "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}]}}
ENFORCE = "pod-security.kubernetes.io/enforce"
LATE_SECONDS = 20  # the legitimate stream gives up this long after its planned end (each request may take 10 s)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}

    def add(self, key, n=1):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + n

    def get(self, key):
        with self.lock:
            return self.counts.get(key, 0)


STATS = Stats()


def raw_connect(port, blocking=False):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(blocking)
    s.connect_ex((HOST, port))
    return s


def idle_flood(port, count, stop, max_opens):
    """Keeps `count` connections open that send nothing; a dropped one is replaced at once."""
    sel = selectors.DefaultSelector()
    opens = 0

    def open_one():
        nonlocal opens
        try:
            s = raw_connect(port)
        except OSError:  # our own descriptor limit
            STATS.add("idle: client-side errors")
            return
        opens += 1
        sel.register(s, selectors.EVENT_READ)

    for _ in range(count):
        open_one()
    STATS.add("idle: opened", opens)
    while not stop.is_set():
        for key, _ in sel.select(timeout=0.1):
            s = key.fileobj
            sel.unregister(s)
            s.close()
            STATS.add("idle: dropped by the server")
            if opens < max_opens:
                open_one()
                STATS.add("idle: opened")
    for key in list(sel.get_map().values()):
        key.fileobj.close()


def client_hello():
    """The bytes of a real TLS ClientHello, made without a socket."""
    ctx = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def trickle(port, count, stop, opener, payload, label):
    """`count` connections each sending `payload` one byte per 0.3 s; a dropped one is replaced."""
    conns = []  # [socket, bytes sent]
    while not stop.is_set():
        while len(conns) < count and not stop.is_set():
            try:
                conns.append([opener(port), 0])
                STATS.add(label + ": opened")
            except OSError:
                STATS.add(label + ": could not open")
                break
        for c in list(conns):
            s, sent = c
            try:
                s.send(payload[sent % len(payload):sent % len(payload) + 1])
                c[1] += 1
                STATS.add(label + ": bytes trickled")
            except (OSError, ssl.SSLError):
                STATS.add(label + ": dropped by the server")
                s.close()
                conns.remove(c)
        stop.wait(0.3)
    for s, _ in conns:
        s.close()


def tls_connect(port, ca, timeout=5.0):
    ctx = ssl.create_default_context(cafile=ca)
    s = socket.create_connection((HOST, port), timeout=timeout)
    try:
        return ctx.wrap_socket(s, server_hostname=HOST)
    except Exception:
        s.close()
        raise


def read_status(s):
    """The status code of the first response on `s`, or None if the connection ends without one."""
    data = b""
    while b"\r\n" not in data:
        try:
            chunk = s.recv(4096)
        except (OSError, ssl.SSLError):
            return None
        if not chunk:
            return None
        data += chunk
    parts = data.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def oversized_and_garbage(port, ca, stop):
    """Oversized bodies and headers and pipelined garbage, one after the other, until stopped."""
    attacks = {
        "body of 100 MB": (b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           b"Content-Length: 104857600\r\n\r\n", b"{" * 65536, 16),
        "headers of 10 MB": (b"POST /validate HTTP/1.1\r\nHost: x\r\n", b"X-Big: " + b"a" * 65527 + b"\r\n", 160),
        "pipelined garbage": (b"", b"\x00\xffNOT HTTP AT ALL\r\n\r\nGET / HTTP/1.1\r\n\r\n" * 512, 8),
    }
    while not stop.is_set():
        for name, (head, chunk, repeat) in attacks.items():
            if stop.is_set():
                break
            try:
                s = tls_connect(port, ca)
            except (OSError, ssl.SSLError):
                STATS.add(name + ": could not connect")
                continue
            try:
                s.sendall(head)
                for _ in range(repeat):
                    s.sendall(chunk)
                    # Stop sending once the server has answered: its close would reset our socket and
                    # take the unread answer with it.
                    if s.pending() or select.select([s], [], [], 0)[0]:
                        break
            except (OSError, ssl.SSLError):
                pass  # the server answered and closed before we were done: expected
            status = read_status(s)
            s.close()
            STATS.add("%s: answered %s" % (name, status))


def review(uid, namespace, obj, operation="CREATE", resource="pods", kind="Pod", old=None):
    request = {"uid": uid, "kind": {"group": "", "version": "v1", "kind": kind},
               "resource": {"group": "", "version": "v1", "resource": resource},
               "name": obj["metadata"]["name"], "namespace": namespace, "operation": operation,
               "userInfo": {"username": "flood-test"}, "object": obj}
    if old is not None:
        request["oldObject"] = old
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}


class Legit:
    def __init__(self, args):
        self.args = args
        self.conn = None
        self.failures = []
        self.ok = 0
        self.late_used = 0
        self.latencies = []

    def connection(self, fresh):
        if fresh and self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.conn is None:
            ctx = ssl.create_default_context(cafile=self.args.ca)
            self.conn = http.client.HTTPSConnection(HOST, self.args.port, context=ctx, timeout=10)
        return self.conn

    def case(self, i):
        """The i-th request and a check of its answer (returns an error or None)."""
        uid = "flood-%d" % i
        late = os.path.exists(self.args.late_ready) and i % 3 == 0
        if late:
            self.late_used += 1
            body = review(uid, self.args.late, PRIVILEGED_POD)
            want = (False, 'violates PodSecurity "restricted:latest"')
        elif i % 10 == 5:
            ns = self.args.tightened
            new = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {ENFORCE: "restricted"}}}
            old = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
            body = review(uid, ns, new, "UPDATE", "namespaces", "Namespace", old)
            want = (True, "legacy-priv: privileged")
        elif i % 2 == 0:
            body = review(uid, self.args.namespace, PRIVILEGED_POD)
            want = (False, 'violates PodSecurity "restricted:latest"')
        else:
            body = review(uid, self.args.namespace, COMPLIANT_POD)
            want = (True, None)

        def check(answer):
            r = answer.get("response", {})
            if r.get("uid") != uid:
                return "uid %r, want %r" % (r.get("uid"), uid)
            if r.get("allowed") is not want[0]:
                return "allowed=%r, want %r: %s" % (r.get("allowed"), want[0], json.dumps(r)[:300])
            text = "\n".join([r.get("status", {}).get("message", "")] + r.get("warnings", []))
            if want[1] and want[1] not in text:
                return "answer lacks %r: %s" % (want[1], json.dumps(r)[:300])
            return None

        return json.dumps(body), check

    def send(self, i):
        payload, check = self.case(i)
        start = time.monotonic()
        stage = "connect"
        try:
            conn = self.connection(fresh=i % 10 == 0)
            if conn.sock is None:
                conn.connect()  # TCP and TLS handshake
                stage = "first request"
            else:
                stage = "request on a kept-alive connection"
            conn.request("POST", "/validate", body=payload, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200:
                raise RuntimeError("HTTP %d: %s" % (resp.status, data[:200]))
            error = check(json.loads(data))
        except Exception as e:  # any failure counts; no retry
            error = "%s: %s: %s" % (stage, type(e).__name__, e)
            if self.conn is not None:
                self.conn.close()
                self.conn = None
        self.latencies.append(time.monotonic() - start)
        if error:
            self.failures.append("request %d: %s" % (i, error))
        else:
            self.ok += 1

    def run(self):
        interval = self.args.seconds / self.args.requests
        start = time.monotonic()
        for i in range(self.args.requests):
            if time.monotonic() > start + self.args.seconds + LATE_SECONDS:
                self.failures.append("requests %d and later: not sent, the stream is over %d s late"
                                     % (i, LATE_SECONDS))
                return
            delay = start + i * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.send(i)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--namespace", required=True, help="enforce=restricted")
    p.add_argument("--tightened", required=True, help="no enforce label; holds a privileged pod legacy-priv")
    p.add_argument("--late", required=True, help="enforce=restricted, created during the flood")
    p.add_argument("--late-ready", required=True, help="exists once --late has been created")
    p.add_argument("--idle", type=int, default=800)
    p.add_argument("--slow-tls", type=int, default=40)
    p.add_argument("--slow-http", type=int, default=20)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--warmup", type=float, default=2.0)
    args = p.parse_args()

    stop = threading.Event()
    hello = client_hello()
    slow_header = b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Slow: " + b"s" * 4096
    attackers = [
        threading.Thread(target=idle_flood, args=(args.port, args.idle, stop, args.idle * 100)),
        threading.Thread(target=trickle, args=(args.port, args.slow_tls, stop, raw_connect_blocking, hello, "slow TLS")),
        threading.Thread(target=trickle, args=(args.port, args.slow_http, stop,
                                               lambda port: tls_connect(port, args.ca), slow_header, "slow HTTP")),
        threading.Thread(target=oversized_and_garbage, args=(args.port, args.ca, stop)),
    ]
    for t in attackers:
        t.daemon = True
        t.start()
    time.sleep(args.warmup)  # the flood is at full strength before the first legitimate request
    legit = Legit(args)
    began = time.monotonic()
    legit.run()
    took = time.monotonic() - began
    stop.set()
    for t in attackers:
        t.join(timeout=15)

    for key in sorted(STATS.counts):
        print("  %-45s %d" % (key, STATS.counts[key]))
    lat = sorted(legit.latencies)
    print("legitimate: %d/%d ok in %.1f s (late namespace used %d times); latency p50 %.1f ms, max %.1f ms"
          % (legit.ok, args.requests, took, legit.late_used, 1000 * lat[len(lat) // 2], 1000 * lat[-1]))
    problems = list(legit.failures)
    if legit.late_used == 0:
        problems.append("the late namespace never became ready during the legitimate stream")
    if STATS.get("idle: opened") < args.idle:
        problems.append("the idle flood opened only %d connections" % STATS.get("idle: opened"))
    if STATS.get("idle: dropped by the server") == 0:
        problems.append("the server never dropped an idle connection: the flood did not press on the limit")
    for name, want in (("body of 100 MB", (400, 413)), ("headers of 10 MB", (431,)), ("pipelined garbage", (400,))):
        if not any(STATS.get("%s: answered %d" % (name, code)) for code in want):
            problems.append("%s: never answered %s" % (name, " or ".join(map(str, want))))
    if STATS.get("slow TLS: bytes trickled") == 0 or STATS.get("slow HTTP: bytes trickled") == 0:
        problems.append("a slowloris attacker never sent a byte")
    for line in problems:
        print("FAIL: " + line)
    return 1 if problems else 0


def raw_connect_blocking(port):
    s = socket.create_connection((HOST, port), timeout=5)
    s.setblocking(False)
    return s


if __name__ == "__main__":
    sys.exit(main())
