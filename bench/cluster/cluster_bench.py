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

            With --variants, rounds of several webhook set-ups interleave (each round runs every variant,
            in an order rotated per round): none, pods (kguard as installed), static (a host nginx that
            answers "allowed" without reading the review: the floor any webhook costs), kguard-host (kguard's
            webhook as a host process by URL: kguard without the pod network). See host_webhooks.py.

            kguard-v1beta1 is kguard-host registered for v1beta1 reviews only, like static. Each round also
            reports the CPU time per pod of the API server, etcd, controller-manager, scheduler and the
            variant's webhook over the timed scale-up (/proc/PID/stat; 10 ms ticks, so read the sums).

  review-rtt  (only when asked) the webhook's side alone: sequential reviews from the host to each webhook
            pod, kguard as a host process and the static nginx, --rounds blocks of 200 each, interleaved.
  burst     (only when asked) the webhook's side of a scale-up: burst_client.go, Go's HTTP/1.1 client set up
            as the API server's webhook client, sends a pod review in the ReplicaSet controller's slow-start
            batches (1, 2, 4, ..., 37) to the static nginx and kguard on the host, --rounds each, interleaved.

Usage: cluster_bench.py KUBECONFIG [--rounds N] [--changes N] [--only creation|policy|review-rtt|burst]
                        [--variants none,pods,static,kguard-host,kguard-v1beta1] [--kguard BINARY]
"""
import argparse
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import host_webhooks

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


def one_scale_up(api, n=100, cpu=None):
    """Seconds from the PATCH of replicas to the n-th pod's ADDED event on a watch opened before it, and
    the CPU seconds per process over that time when a CpuTime is given (else None).
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
        used = cpu and cpu.sample()
        start = time.monotonic()
        scale(api, n)
        added = set()
        for line in watch:
            event = json.loads(line)
            if event["type"] == "ADDED":
                added.add(event["object"]["metadata"]["name"])
                if len(added) == n:
                    seconds = time.monotonic() - start
                    if cpu:
                        used = {name: spent - used.get(name, 0.0) for name, spent in cpu.sample().items()}
                    return seconds, used
        raise RuntimeError("the watch ended before %d pods were added" % n)
    finally:
        watch.close()


class PodCounters:
    """New TCP connections the webhook pods accepted (PassiveOpens in their network namespaces: each new
    connection is a TLS handshake; the kubelet's probes add ~0.3/s per pod, i.e. ~0 in a sub-second round)."""

    def __init__(self, api):
        pods = api.call("GET", "/api/v1/namespaces/kguard/pods?labelSelector=app.kubernetes.io%2Fname%3Dkguard-webhook")
        self.netns = [netns_of(p["status"]["podIP"]) for p in pods["items"] if p["status"].get("podIP")]

    def connections(self):
        opens = 0
        for ns in self.netns:
            snmp = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/snmp"], capture_output=True,
                                  text=True, check=True).stdout.splitlines()
            head, values = [l.split() for l in snmp if l.startswith("Tcp:")][:2]
            opens += int(values[head.index("PassiveOpens")])
        return opens

    def own_time(self):
        return None


HOOK = 'name="pod-security.webhook.kguard.io"'


def webhook_calls(api):
    """(calls, seconds) of the API server's time on the pod webhook, CREATE, so far
    (apiserver_admission_webhook_admission_duration_seconds; every variant registers that webhook name)."""
    calls = seconds = 0.0
    for line in api.raw("/metrics").splitlines():
        if HOOK in line and 'operation="CREATE"' in line:
            if line.startswith("apiserver_admission_webhook_admission_duration_seconds_count"):
                calls += float(line.split()[-1])
            elif line.startswith("apiserver_admission_webhook_admission_duration_seconds_sum"):
                seconds += float(line.split()[-1])
    return calls, seconds


class CpuTime:
    """CPU seconds (user + system, /proc/PID/stat) spent so far by the cluster's control plane and by each
    webhook: what a variant costs the node's two cores per pod, beyond the wall time of its calls."""
    PARTS = ("kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler")

    def __init__(self, kubeconfig, hosts):
        pids = os.path.join(os.path.dirname(os.path.abspath(kubeconfig)), "pids")  # scripts/local-cluster.sh's
        self.parts = {name: [int(open(os.path.join(pids, name + ".pid")).read())] for name in self.PARTS}
        self.hosts = hosts

    @staticmethod
    def seconds(pid):
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    @staticmethod
    def family(pid):
        """pid and its children (nginx's workers)."""
        out = [pid]
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
                except OSError:
                    pass
        return out

    @staticmethod
    def webhook_pods():
        out = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    cmd = open(f"/proc/{entry}/cmdline").read().split("\0")
                except OSError:
                    continue
                if cmd[0].endswith("/kguard") and "webhook" in cmd and "--listen=0.0.0.0:8443" in cmd:
                    out.append(int(entry))
        return out

    def sample(self):
        pids = dict(self.parts)
        pids["pods"] = self.webhook_pods()
        for name, hook in self.hosts.items():
            if hook.proc:
                pids[name] = self.family(hook.proc.pid)
        return {name: sum(self.seconds(p) for p in ps) for name, ps in pids.items()}


def spread(values):
    s = sorted(values)
    return (f"median {statistics.median(s):.1f}, quartiles {percentile(s, 25):.1f}-{percentile(s, 75):.1f}, "
            f"range {s[0]:.1f}-{s[-1]:.1f}")


VARIANTS = {
    "none": "no webhook registered",
    "pods": "kguard as installed (webhook pods, Service)",
    "static": "static nginx on the host, by URL (answers allowed, reads nothing)",
    "kguard-host": "kguard webhook as a host process, by URL",
    "kguard-v1beta1": "kguard webhook as a host process, by URL, registered for v1beta1 reviews only",
}


class Registrations:
    """Which ValidatingWebhookConfiguration is registered: kguard's installed one ("pods"), one of a host
    webhook's, or none. One at a time; kguard's is put back at the end."""

    def __init__(self, api, hosts):
        self.api, self.hosts = api, hosts
        self.installed = json.loads(api.kubectl("get", "validatingwebhookconfiguration", "kguard-webhook", "-o", "json"))
        for k in ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"):
            self.installed["metadata"].pop(k, None)
        self.current = "pods"

    def switch(self, variant):
        if variant == self.current:
            return
        name = "kguard-webhook" if self.current == "pods" else "kguard-bench-" + self.current
        if self.current != "none":
            self.api.kubectl("delete", "validatingwebhookconfiguration", name)
        if variant == "pods":
            self.api.kubectl("apply", "-f", "-", stdin=json.dumps(self.installed))
        elif variant != "none":
            self.api.kubectl("apply", "-f", "-", stdin=json.dumps(self.hosts[variant].registration(self.installed)))
        self.current = variant
        time.sleep(3)  # the API server's webhook configuration cache


def bench_creation(api, rounds, variants, kguard):
    api.kubectl("create", "namespace", NS_CREATE)
    api.kubectl("apply", "-f", "-", stdin=json.dumps(DEPLOYMENT))
    hosts = {}
    if "static" in variants:
        hosts["static"] = host_webhooks.StaticWebhook()
    if "kguard-host" in variants:
        config = json.loads(api.kubectl("-n", "kguard", "get", "configmap", "kguard-webhook-config", "-o", "json"))
        hosts["kguard-host"] = host_webhooks.HostKguard(kguard, api.kubeconfig, config["data"]["kguard-config.yaml"])
    if "kguard-v1beta1" in variants:
        config = json.loads(api.kubectl("-n", "kguard", "get", "configmap", "kguard-webhook-config", "-o", "json"))
        hosts["kguard-v1beta1"] = host_webhooks.HostKguardV1beta1(kguard, api.kubeconfig, config["data"]["kguard-config.yaml"])
    counters = {name: hook for name, hook in hosts.items()}
    if "pods" in variants:
        counters["pods"] = PodCounters(api)
    registrations = None
    rates = {v: [] for v in variants}
    totals = {v: [0.0, 0.0, None, 0.0, 0.0] for v in variants}  # calls, seconds, new connections, own reviews, own seconds
    cpu_totals = {v: {} for v in variants}  # CPU seconds per process over the variant's rounds
    print("load average at start: %.2f %.2f %.2f" % os.getloadavg(), flush=True)
    try:
        for hook in hosts.values():
            hook.start()
        registrations = Registrations(api, hosts)
        cpu = CpuTime(api.kubeconfig, hosts)
        for r in range(rounds):
            order = variants[r % len(variants):] + variants[:r % len(variants)]  # each variant in each position
            for v in order:
                registrations.switch(v)
                c = counters.get(v)
                before = (webhook_calls(api), c and c.connections(), c and c.own_time())
                seconds, used = one_scale_up(api, cpu=cpu)
                rate = 100 / seconds
                after = (webhook_calls(api), c and c.connections(), c and c.own_time())
                for name, spent in used.items():
                    cpu_totals[v][name] = cpu_totals[v].get(name, 0.0) + spent
                rates[v].append(rate)
                note = ""
                if v != "none":
                    calls, seconds = (a - b for a, b in zip(after[0], before[0]))
                    if calls < 100:
                        raise RuntimeError(f"variant {v}: the API server made {calls:.0f} pod webhook calls for 100 pods")
                    t = totals[v]
                    t[0] += calls
                    t[1] += seconds
                    note = f" ({calls:.0f} pod webhook calls, {1000 * seconds / calls:.1f} ms each at the API server"
                    if after[1] is not None:
                        t[2] = (t[2] or 0) + after[1] - before[1]
                        note += f", {after[1] - before[1]} new connections"
                    if after[2] is not None:
                        t[3] += after[2][0] - before[2][0]
                        t[4] += after[2][1] - before[2][1]
                    note += ")"
                note += " [CPU ms per pod: " + ", ".join(
                    f"{name} {10 * spent:.2f}" for name, spent in used.items() if name in CpuTime.PARTS or name == v) + "]"
                print(f"creation round {r + 1}: {v}: {rate:.1f} pods/s{note}", flush=True)
    finally:
        if registrations:
            registrations.switch("pods")
        for hook in hosts.values():
            hook.stop()
        api.kubectl("delete", "namespace", NS_CREATE, "--timeout=180s")
    print("load average at end: %.2f %.2f %.2f" % os.getloadavg())
    base = statistics.median(rates["none"]) if "none" in rates else None
    for v in variants:
        line = f"creation, {VARIANTS[v]}: pods/s {spread(rates[v])}"
        calls, seconds, conns, own_n, own_s = totals[v]
        if v != "none":
            line += f"; {calls:.0f} pod webhook calls, {1000 * seconds / calls:.1f} ms each at the API server"
            if conns is not None:
                line += f", {conns / calls:.2f} new connections per call"
            if own_n:
                line += f", the webhook's own time {1e6 * own_s / own_n:.0f} µs per review"
        if base and v != "none":
            line += f"; ratio to no webhook {statistics.median(rates[v]) / base:.2f} (goal >= 0.95)"
        print(line)
        shown = list(CpuTime.PARTS) + ([v] if v != "none" else [])
        print(f"  CPU ms per pod ({v}): " + ", ".join(
            f"{name} {1000 * cpu_totals[v].get(name, 0.0) / (100 * len(rates[v])):.2f}" for name in shown))
    return rates


# --- review round trip --------------------------------------------------------------------------------

def pod_review():
    """A v1 AdmissionReview of a pod CREATE as the ReplicaSet controller makes it in the creation bench."""
    pod = json.loads(json.dumps(DEPLOYMENT["spec"]["template"]))
    pod.update(apiVersion="v1", kind="Pod")
    pod["metadata"].update(namespace="default", generateName="fleet-5d8c7b9f4-", ownerReferences=[
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "fleet-5d8c7b9f4", "uid": "0b7c7e0e-1111-4c1e-9a35-000000000001",
         "controller": True, "blockOwnerDeletion": True}])
    gvk, gvr = {"group": "", "version": "v1", "kind": "Pod"}, {"group": "", "version": "v1", "resource": "pods"}
    return json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "3f4ab5c2-2222-4c1e-9a35-000000000002", "kind": gvk, "resource": gvr, "requestKind": gvk, "requestResource": gvr,
        "namespace": "default", "operation": "CREATE", "object": pod, "oldObject": None, "dryRun": False,
        "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller",
                     "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"]},
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}}}).encode()


def bench_review_rtt(api, blocks, kguard, per_block=200):
    """The webhook's side of a call without the API server: sequential POSTs of one pod review from the
    host over one keep-alive TLS connection per target, blocks interleaved in rotated order. Targets: each
    webhook pod at its pod IP (the pod network, as the API server reaches it), kguard as a host process and
    the static nginx on 127.0.0.1. Python's own client time is in every number alike."""
    import base64
    import http.client
    installed = json.loads(api.kubectl("get", "validatingwebhookconfiguration", "kguard-webhook", "-o", "json"))
    pod_ca = tempfile.NamedTemporaryFile(suffix=".crt")
    pod_ca.write(base64.b64decode(installed["webhooks"][0]["clientConfig"]["caBundle"]))
    pod_ca.flush()
    pods = api.call("GET", "/api/v1/namespaces/kguard/pods?labelSelector=app.kubernetes.io%2Fname%3Dkguard-webhook")["items"]
    config = json.loads(api.kubectl("-n", "kguard", "get", "configmap", "kguard-webhook-config", "-o", "json"))
    hosts = [host_webhooks.StaticWebhook(), host_webhooks.HostKguard(kguard, api.kubeconfig, config["data"]["kguard-config.yaml"])]
    body = pod_review()
    times = {}
    print("load average at start: %.2f %.2f %.2f" % os.getloadavg(), flush=True)
    try:
        targets = [(f"pod {p['metadata']['name']} ({p['status']['podIP']})", p["status"]["podIP"], 8443, pod_ca.name)
                   for p in pods if p["status"].get("podIP")]
        for h in hosts:
            h.start()
            targets.append((h.name + " (host, 127.0.0.1)", "127.0.0.1", h.port, h.ca_file))
        conns = {}
        for name, host, port, ca in targets:
            ctx = ssl.create_default_context(cafile=ca)
            ctx.check_hostname = False  # pods: the certificate names the Service; the CA is what is checked
            conns[name] = http.client.HTTPSConnection(host, port, context=ctx, timeout=10)
            times[name] = []
        for b in range(blocks):
            for name, *_ in targets[b % len(targets):] + targets[:b % len(targets)]:
                c = conns[name]
                for _ in range(per_block):
                    t0 = time.perf_counter()
                    c.request("POST", "/validate", body, {"Content-Type": "application/json"})
                    r = c.getresponse()
                    answer = r.read()
                    times[name].append(time.perf_counter() - t0)
                if r.status != 200 or not json.loads(answer)["response"]["allowed"]:
                    raise RuntimeError(f"{name}: answered {r.status} {answer[:200]!r}")
    finally:
        for h in hosts:
            h.stop()
    print("load average at end: %.2f %.2f %.2f" % os.getloadavg())
    for name, t in times.items():
        print(f"review round trip, {name}: median {1e6 * statistics.median(t):.0f} µs, "
              f"p90 {1e6 * percentile(t, 90):.0f} µs ({len(t)} reviews)")
    return times


def bench_burst(api, rounds, kguard):
    """The webhooks' side of a scale-up without the API server: burst_client.go (Go's HTTP/1.1 client set
    up as the API server's webhook client) sends one pod review in the ReplicaSet controller's slow-start
    batches to the static nginx, kguard on the host and kguard's pods, interleaved."""
    config = json.loads(api.kubectl("-n", "kguard", "get", "configmap", "kguard-webhook-config", "-o", "json"))
    hosts = [host_webhooks.StaticWebhook(), host_webhooks.HostKguard(kguard, api.kubeconfig, config["data"]["kguard-config.yaml"])]
    body = tempfile.NamedTemporaryFile(suffix=".json")
    body.write(pod_review())
    body.flush()
    print("load average at start: %.2f %.2f %.2f" % os.getloadavg(), flush=True)
    try:
        for h in hosts:
            h.start()
        targets = [f"{h.name},{h.url},{h.ca_file}" for h in hosts]
        out = subprocess.run(["go", "run", os.path.join(os.path.dirname(os.path.abspath(__file__)), "burst_client.go"),
                              "-body", body.name, "-rounds", str(rounds)] + targets,
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError("burst_client.go: " + out.stderr[-2000:])
        print(out.stdout, end="")
    finally:
        for h in hosts:
            h.stop()
    print("load average at end: %.2f %.2f %.2f" % os.getloadavg())


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
    ap.add_argument("--only", choices=["creation", "policy", "review-rtt", "burst"])
    ap.add_argument("--variants", default="none,pods",
                    help="comma-separated creation variants: " + ", ".join(VARIANTS))
    ap.add_argument("--kguard", default=os.path.join(host_webhooks.REPO, "build", "kguard"),
                    help="the binary of the kguard-host variant")
    args = ap.parse_args()
    variants = args.variants.split(",")
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or len(set(variants)) != len(variants):
        ap.error(f"--variants: want distinct names among {', '.join(VARIANTS)}, got {args.variants}")
    if ({"kguard-host", "kguard-v1beta1"} & set(variants) or args.only in ("review-rtt", "burst")) and not os.access(args.kguard, os.X_OK):
        ap.error(f"--kguard: {args.kguard} is not an executable (the kguard-host variant runs it)")
    if os.geteuid() != 0:
        sys.exit("needs root (ip netns exec into the pod's namespace)")
    api = Api(args.kubeconfig)
    if args.only in (None, "creation"):
        bench_creation(api, args.rounds, variants, args.kguard)
    if args.only in (None, "policy"):
        bench_policy(api, args.changes)
    if args.only == "review-rtt":
        bench_review_rtt(api, args.rounds, args.kguard)
    if args.only == "burst":
        bench_burst(api, args.rounds, args.kguard)


if __name__ == "__main__":
    main()
