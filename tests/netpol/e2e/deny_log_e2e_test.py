#!/usr/bin/env python3
"""End-to-end test of the agent's deny log (`kguard netpol agent --nflog-group N --deny-log FILE`).

Two pods in their own network namespaces, joined by a veth: x/a (10.251.67.10) and x/b (10.251.67.11),
addresses no other test uses (an agent programs every namespace holding a pod IP of its input). The
agent runs in --watch-dir mode; x/a is selected by an Admin ClusterNetworkPolicy denying x/b on UDP 53
and TCP 80 (rule named "no-b"), and isolated for ingress by a NetworkPolicy that allows only UDP 54
from x/b. Each probe sends exactly one packet (one UDP datagram, or one TCP SYN on a socket closed at
once); each dropped one must give exactly one JSON line naming the tier, policy and rule, an allowed
one none, and the agent's metrics must count the drops per tier and policy.

Usage: deny_log_e2e_test.py KGUARD
Exit 0 pass, 1 fail. Needs root, ip, nft (ctest runs it through tests/needs.sh).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

GROUP = 5
PODS = {"a": "10.251.67.10", "b": "10.251.67.11"}

MODEL = """
apiVersion: v1
kind: Namespace
metadata: {name: x, labels: {kubernetes.io/metadata.name: x}}
""" + "".join(f"""---
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: x, labels: {{pod: {name}}}}}
spec: {{containers: [{{name: c, image: busybox}}]}}
status: {{podIP: {ip}, podIPs: [{{ip: {ip}}}]}}
""" for name, ip in PODS.items())

POLICIES = """
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: deny-b}
spec:
  tier: Admin
  priority: 5
  subject: {pods: {podSelector: {matchLabels: {pod: a}}}}
  ingress:
  - name: no-b
    action: Deny
    from: [{pods: {podSelector: {matchLabels: {pod: b}}}}]
    protocols: [{udp: {destinationPort: {number: 53}}}, {tcp: {destinationPort: {number: 80}}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-54, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress: [{ports: [{protocol: UDP, port: 54}]}]
"""

# One packet from the namespace: a UDP datagram, or the SYN of a connection closed before any retry.
SEND_ONE = """
import socket, sys
proto, ip, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM)
if proto == "udp":
    s.sendto(b"probe", (ip, port))
else:
    s.setblocking(False)
    s.connect_ex((ip, port))
s.close()
"""


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree from the import below
from agent_e2e_test import sh, stop  # noqa: E402


def lines_of(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    kguard = os.path.abspath(sys.argv[1])
    prefix = f"kgd{os.getpid()}"
    netns = {name: f"{prefix}-{name}" for name in PODS}
    work = tempfile.mkdtemp(prefix="kguard-denylog-")
    agent = None
    failures = 0

    def check(ok, what):
        nonlocal failures
        print(("ok   " if ok else "FAIL ") + what)
        failures += not ok

    try:
        for name, ns in netns.items():
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", netns["a"], "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", netns["b"])
        for name, ns in netns.items():
            sh("ip", "-n", ns, "addr", "add", f"{PODS[name]}/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
        state = os.path.join(work, "state")
        os.makedirs(state)
        with open(os.path.join(state, "model.yaml"), "w") as f:
            f.write(MODEL)
        with open(os.path.join(state, "policies.yaml"), "w") as f:
            f.write(POLICIES)
        deny_log = os.path.join(work, "deny.jsonl")
        log_path = os.path.join(work, "agent.log")
        log = open(log_path, "w")
        agent = subprocess.Popen([kguard, "netpol", "agent", "--watch-dir", state, "--nflog-group", str(GROUP),
                                  "--deny-log", deny_log, "--metrics-bind-address", "127.0.0.1:0"], stdout=log, stderr=log)
        deadline = time.time() + 20
        while time.time() < deadline and "sync: " not in open(log_path).read():
            time.sleep(0.1)
        check("sync: " in open(log_path).read(), "the agent synced")
        time.sleep(0.3)  # the reader subscribes right after the install

        def probe(proto, port, expect):
            before = len(lines_of(deny_log)) if os.path.exists(deny_log) else 0
            sh("ip", "netns", "exec", netns["b"], sys.executable, "-c", SEND_ONE, proto, PODS["a"], str(port))
            time.sleep(0.7)  # the line is written within milliseconds; wait for any extra
            new = lines_of(deny_log)[before:] if os.path.exists(deny_log) else []
            if expect is None:
                check(not new, f"{proto} {port} b->a is allowed: no line ({new})")
                return
            check(len(new) == 1, f"{proto} {port} b->a dropped: exactly one line (got {len(new)}: {new})")
            if len(new) != 1:
                return
            got = {k: new[0].get(k) for k in ("src", "dst", "proto", "port", "verdict", "tier", "policy", "rule")}
            want = {"src": PODS["b"], "dst": PODS["a"], "proto": proto, "port": port, "verdict": "drop", **expect}
            check(got == want, f"{proto} {port}: {got}" + ("" if got == want else f" expected {want}"))
            check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", new[0].get("time", "")) is not None,
                  f"time is RFC 3339 UTC: {new[0].get('time')}")

        admin = {"tier": "Admin", "policy": "deny-b", "rule": "ingress[0] (no-b)"}
        probe("udp", 53, admin)
        probe("tcp", 80, admin)
        probe("udp", 54, None)  # allowed by x/only-54
        probe("udp", 55, {"tier": "NetworkPolicy", "policy": "x/only-54", "rule": "ingress"})

        m = re.search(r"metrics on (http://\S+/metrics)", open(log_path).read())
        text = urllib.request.urlopen(m.group(1), timeout=5).read().decode() if m else ""
        for labels, want in (('tier="Admin",policy="deny-b"', 2), ('tier="NetworkPolicy",policy="x/only-54"', 1)):
            sample = re.search(r"^kguard_netpol_denied_packets_total\{" + re.escape(labels) + r"\} (\S+)$", text, re.M)
            got = float(sample.group(1)) if sample else 0
            check(got == want, f"metrics: kguard_netpol_denied_packets_total{{{labels}}} = {got}, expected {want}")
        if failures:
            print(open(log_path).read()[-3000:])
        return 1 if failures else 0
    except subprocess.CalledProcessError as e:
        print(f"FAIL: {e.cmd}: {e.stderr.strip()}")
        return 1
    finally:
        if agent:
            stop(agent)
        for ns in netns.values():
            sh("ip", "netns", "delete", ns, check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
