#!/usr/bin/env python3
"""kguard on the real one-node cluster of scripts/local-cluster.sh (root; the cluster must be up):

  creation  pod creations per second through a Deployment scaled 0 -> 100, with kguard's webhook
            registered vs. not, rounds alternating in the same run. The pods carry a nodeSelector no
            node has, so they stay Pending: what is timed is admission (API server -> webhook) and the
            ReplicaSet controller, not the kubelet.
  policy    policy change -> enforced on a real pod: a prober inside pod A's network namespace opens a
            TCP connection to pod B every few ms (50 ms timeout); each change PATCHes B's NetworkPolicy
            (through the API server, as kubectl would) to let A in or to let only C in, and the latency
            is from the PATCH being sent to the prober's first connection that sees the new state.
            Includes the API server's watch delivery, the agent's sync and the kernel commit. A state counts
            when two probes in a row see it, timed from the first: resolution about 50 ms (a dropped SYN is
            only seen when its connect times out).

Usage: cluster_bench.py KUBECONFIG [--rounds N] [--changes N] [--only creation|policy]
"""
import argparse
import json
import os
import ssl
import statistics
import subprocess
import sys
import time
import urllib.request

NS_CREATE = "bench-create"
NS_POLICY = "bench-policy"


class Api:
    def __init__(self, kubeconfig):
        cfg = json.loads(subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "config", "view", "--raw", "-o", "json"],
                                        check=True, capture_output=True, text=True).stdout)
        cluster = cfg["clusters"][0]["cluster"]
        self.server = cluster["server"]
        self.token = cfg["users"][0]["user"]["token"]
        self.ctx = ssl.create_default_context(cafile=cluster["certificate-authority"])
        self.kubeconfig = kubeconfig

    def call(self, method, path, body=None, content_type="application/json"):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.server + path, data=data, method=method,
                                     headers={"Authorization": "Bearer " + self.token, "Content-Type": content_type})
        with urllib.request.urlopen(req, context=self.ctx, timeout=30) as r:
            return json.loads(r.read() or b"{}")

    def raw(self, path):
        req = urllib.request.Request(self.server + path, headers={"Authorization": "Bearer " + self.token})
        with urllib.request.urlopen(req, context=self.ctx, timeout=30) as r:
            return r.read().decode()

    def stream(self, path):
        """A watch: the open response, read line by line (one JSON event per line)."""
        req = urllib.request.Request(self.server + path, headers={"Authorization": "Bearer " + self.token})
        return urllib.request.urlopen(req, context=self.ctx, timeout=300)

    def kubectl(self, *args, stdin=None):
        return subprocess.run(["kubectl", "--kubeconfig", self.kubeconfig] + list(args), input=stdin, check=True,
                              capture_output=True, text=True).stdout


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))]


# --- creation ------------------------------------------------------------------------------------------

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "fleet", "namespace": NS_CREATE},
    "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "fleet"}},
             "template": {"metadata": {"labels": {"app": "fleet"}}, "spec": {
                 "automountServiceAccountToken": False, "nodeSelector": {"kguard.io/bench": "no-such-node"},
                 "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "seccompProfile": {"type": "RuntimeDefault"}},
                 "containers": [{"name": "main", "image": "localhost/busybox:1.35", "imagePullPolicy": "Never",
                                 "command": ["sleep", "3600"],
                                 "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}]}}}}


def scale(api, replicas):
    api.call("PATCH", f"/apis/apps/v1/namespaces/{NS_CREATE}/deployments/fleet", {"spec": {"replicas": replicas}},
             "application/merge-patch+json")


def scaled_down(api):
    """0 pods, and the Deployment and its ReplicaSet settled at 0: the next round starts from rest."""
    if api.call("GET", f"/api/v1/namespaces/{NS_CREATE}/pods?limit=1")["items"]:
        return False
    d = api.call("GET", f"/apis/apps/v1/namespaces/{NS_CREATE}/deployments/fleet")
    if d["status"].get("observedGeneration") != d["metadata"]["generation"] or d["status"].get("replicas", 0):
        return False
    rss = api.call("GET", f"/apis/apps/v1/namespaces/{NS_CREATE}/replicasets")["items"]
    return all(rs["status"].get("replicas", 0) == 0 and rs["spec"].get("replicas", 0) == 0 for rs in rss)


def one_scale_up(api, n=100):
    """Seconds from the PATCH of replicas to the n-th pod's ADDED event on a watch opened before it.
    A watch, not polling LISTs: a LIST of 100 pods every few ms would load the API server being measured."""
    scale(api, 0)
    deadline = time.monotonic() + 120
    while not scaled_down(api):
        if time.monotonic() > deadline:
            raise RuntimeError("the scale-down to 0 did not finish in 120 s")
        time.sleep(0.2)
    time.sleep(1)  # let the controllers' and the API server's follow-up work end before timing
    rv = api.call("GET", f"/api/v1/namespaces/{NS_CREATE}/pods")["metadata"]["resourceVersion"]
    watch = api.stream(f"/api/v1/namespaces/{NS_CREATE}/pods?watch=1&resourceVersion={rv}&timeoutSeconds=300")
    try:
        start = time.monotonic()
        scale(api, n)
        added = set()
        for line in watch:
            event = json.loads(line)
            if event["type"] == "ADDED":
                added.add(event["object"]["metadata"]["name"])
                if len(added) == n:
                    return time.monotonic() - start
        raise RuntimeError("the watch ended before %d pods were added" % n)
    finally:
        watch.close()


class Counters:
    """What one webhook round costs, as deltas: the API server's time per call to kguard's pod webhook
    (apiserver_admission_webhook_admission_duration_seconds, CREATE) and the TCP connections the webhook
    pods accepted (PassiveOpens in their network namespaces: each new connection is a TLS handshake; the
    kubelet's probes add ~0.3/s per pod, i.e. ~0 in a sub-second round)."""

    HOOK = 'name="pod-security.webhook.kguard.io"'

    def __init__(self, api):
        self.api = api
        pods = api.call("GET", "/api/v1/namespaces/kguard/pods?labelSelector=app.kubernetes.io%2Fname%3Dkguard-webhook")
        self.netns = [netns_of(p["status"]["podIP"]) for p in pods["items"] if p["status"].get("podIP")]

    def read(self):
        text = self.api.raw("/metrics")
        calls = seconds = 0.0
        for line in text.splitlines():
            if self.HOOK in line and 'operation="CREATE"' in line:
                if line.startswith("apiserver_admission_webhook_admission_duration_seconds_count"):
                    calls += float(line.split()[-1])
                elif line.startswith("apiserver_admission_webhook_admission_duration_seconds_sum"):
                    seconds += float(line.split()[-1])
        opens = 0
        for ns in self.netns:
            snmp = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/snmp"], capture_output=True,
                                  text=True, check=True).stdout.splitlines()
            head, values = [l.split() for l in snmp if l.startswith("Tcp:")][:2]
            opens += int(values[head.index("PassiveOpens")])
        return calls, seconds, opens


def spread(values):
    s = sorted(values)
    return (f"median {statistics.median(s):.1f}, quartiles {percentile(s, 25):.1f}-{percentile(s, 75):.1f}, "
            f"range {s[0]:.1f}-{s[-1]:.1f}")


def bench_creation(api, rounds):
    api.kubectl("create", "namespace", NS_CREATE)
    api.kubectl("apply", "-f", "-", stdin=json.dumps(DEPLOYMENT))
    webhook = api.kubectl("get", "validatingwebhookconfiguration", "kguard-webhook", "-o", "json")
    counters = Counters(api)
    registered = True
    rates = {True: [], False: []}
    calls = seconds = opens = 0.0
    print("load average at start: %.2f %.2f %.2f" % os.getloadavg(), flush=True)
    try:
        for r in range(2 * rounds):
            want = r % 2 == 0
            if want and not registered:
                obj = json.loads(webhook)
                for k in ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"):
                    obj["metadata"].pop(k, None)
                api.kubectl("apply", "-f", "-", stdin=json.dumps(obj))
                registered = True
                time.sleep(3)  # the API server's webhook configuration cache
            elif not want and registered:
                api.kubectl("delete", "validatingwebhookconfiguration", "kguard-webhook")
                registered = False
                time.sleep(3)
            before = counters.read()
            seconds_taken = one_scale_up(api)
            after = counters.read()
            rate = 100 / seconds_taken
            rates[want].append(rate)
            note = ""
            if want:
                c, s, o = (a - b for a, b in zip(after, before))
                calls, seconds, opens = calls + c, seconds + s, opens + o
                note = f" ({c:.0f} pod webhook calls, {1000 * s / max(c, 1):.1f} ms each at the API server, {o:.0f} new connections)"
            print(f"creation round {r + 1}: webhook {'registered' if want else 'not registered'}: {rate:.1f} pods/s{note}",
                  flush=True)
    finally:
        if not registered:
            obj = json.loads(webhook)
            for k in ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"):
                obj["metadata"].pop(k, None)
            api.kubectl("apply", "-f", "-", stdin=json.dumps(obj))
        api.kubectl("delete", "namespace", NS_CREATE, "--timeout=180s")
    w, wo = statistics.median(rates[True]), statistics.median(rates[False])
    print("load average at end: %.2f %.2f %.2f" % os.getloadavg())
    print(f"creation with the webhook (pods/s): {spread(rates[True])}")
    print(f"creation without the webhook (pods/s): {spread(rates[False])}")
    print(f"webhook rounds: {calls:.0f} pod webhook calls, {1000 * seconds / max(calls, 1):.1f} ms each at the API server, "
          f"{opens:.0f} new connections to the webhook pods ({opens / max(calls, 1):.2f} per call)")
    print(f"creation: median {w:.1f} pods/s with the webhook, {wo:.1f} without; ratio {w / wo:.2f} (goal >= 0.95)")
    return w / wo


# --- policy --------------------------------------------------------------------------------------------

PROBER = r"""
import socket, sys, time
ip = sys.argv[1]
state, last, since = None, None, 0.0
while True:
    start = time.monotonic()
    s = socket.socket()
    s.settimeout(0.05)
    try:
        s.connect((ip, 8080)); now = "open"
    except OSError:
        now = "closed"
    finally:
        s.close()
    # A state counts once two probes in a row agree (one slow connect on a loaded machine is not a
    # closed port); it is reported with the start time of the first of them and the time it was confirmed.
    if now != last:
        last, since = now, start
    elif now != state:
        state = now
        print("%.6f %.6f %s" % (since, time.monotonic(), now), flush=True)
    time.sleep(0.002)
"""


def pod_yaml(name, app):
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": NS_POLICY, "labels": {"app": app}},
                       "spec": {"automountServiceAccountToken": False, "terminationGracePeriodSeconds": 1,
                                "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "seccompProfile": {"type": "RuntimeDefault"}},
                                "containers": [{"name": "main", "image": "localhost/busybox:1.35", "imagePullPolicy": "Never",
                                                "command": ["/bin/sh", "-c", "mkdir -p /tmp/w && echo ok > /tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w"],
                                                "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}]}})


def netns_of(ip):
    for line in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.splitlines():
        name = line.split()[0]
        if not name.startswith("cni-"):
            continue
        addrs = subprocess.run(["ip", "-n", name, "-o", "-4", "addr"], capture_output=True, text=True).stdout
        if f" {ip}/" in addrs:
            return name
    raise RuntimeError("no cni-* network namespace holds " + ip)


def bench_policy(api, changes):
    api.kubectl("create", "namespace", NS_POLICY)
    prober = None
    try:
        for name in ("a", "b", "c"):
            api.kubectl("apply", "-f", "-", stdin=pod_yaml(name, name))
        api.kubectl("-n", NS_POLICY, "wait", "--for=condition=Ready", "pod/a", "pod/b", "pod/c", "--timeout=90s")
        b_ip = api.call("GET", f"/api/v1/namespaces/{NS_POLICY}/pods/b")["status"]["podIP"]
        a_ip = api.call("GET", f"/api/v1/namespaces/{NS_POLICY}/pods/a")["status"]["podIP"]
        policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "b-in", "namespace": NS_POLICY},
                  "spec": {"podSelector": {"matchLabels": {"app": "b"}}, "policyTypes": ["Ingress"],
                           "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "c"}}}]}]}}
        api.call("POST", f"/apis/networking.k8s.io/v1/namespaces/{NS_POLICY}/networkpolicies", policy)
        prober = subprocess.Popen(["ip", "netns", "exec", netns_of(a_ip), "python3", "-c", PROBER, b_ip],
                                  stdout=subprocess.PIPE, text=True)
        state = prober.stdout.readline().split()[2]
        deadline = time.monotonic() + 10
        while state != "closed" and time.monotonic() < deadline:  # the policy lets only C in
            state = prober.stdout.readline().split()[2]
        if state != "closed":
            raise RuntimeError("the starting policy was never enforced")
        latencies = []
        for i in range(changes):
            want = "open" if state == "closed" else "closed"
            allowed = "a" if want == "open" else "c"
            time.sleep(0.3)
            t0 = time.monotonic()
            api.call("PATCH", f"/apis/networking.k8s.io/v1/namespaces/{NS_POLICY}/networkpolicies/b-in",
                     {"spec": {"ingress": [{"from": [{"podSelector": {"matchLabels": {"app": allowed}}}]}]}},
                     "application/merge-patch+json")
            while True:  # the first report of the new state confirmed after the PATCH (older lines are blips)
                since, confirmed, seen = prober.stdout.readline().split()
                if seen == want and float(confirmed) >= t0:
                    break
            state = want
            latencies.append((max(float(since), t0) - t0) * 1000)
            print(f"policy change {i + 1}: {want:6s} after {latencies[-1]:.0f} ms", flush=True)
        p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
        print(f"policy: {changes} changes, PATCH sent -> first probe seeing it: p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
              f"max {max(latencies):.0f} ms (goal p99 < 1000 ms)")
        return p50, p99
    finally:
        if prober:
            prober.kill()
        api.kubectl("delete", "namespace", NS_POLICY, "--timeout=180s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kubeconfig")
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--changes", type=int, default=50)
    ap.add_argument("--only", choices=["creation", "policy"])
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (ip netns exec into the pod's namespace)")
    api = Api(args.kubeconfig)
    if args.only in (None, "creation"):
        bench_creation(api, args.rounds)
    if args.only in (None, "policy"):
        bench_policy(api, args.changes)


if __name__ == "__main__":
    main()
