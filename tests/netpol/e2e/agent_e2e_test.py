#!/usr/bin/env python3
"""End-to-end test of `kguard netpol agent --watch-dir` in real network namespaces.

The 9 pods of the conformance model (tests/conformance/netpol/model.yaml) each get their own network
namespace with their IPv4/IPv6 pod IPs on a veth whose other end sits on a bridge in a separate hub
namespace, so no packet ever touches the host's namespace. Every pod serves TCP and UDP on ports 80
and 81. The agent watches a folder; each conformance case (and step) is applied by rewriting the
files there, and real TCP/UDP probes from every pod to every pod must match the upstream truth table
(the diagonal excepted, as upstream).

With --api, the objects live in a real kube-apiserver (tests/e2e/cluster.sh) instead: the agent runs
with --kubeconfig --node, and each step is applied with kubectl (policies replaced, setup objects
applied, the model re-applied to undo a setup).

Usage: agent_e2e_test.py [--api] KGUARD CONFORMANCE_DIR [CASE-SUBSTRING]
Exit 0 pass, 1 fail. Needs root, ip and nft (and kubectl, curl with --api): ctest runs it through
tests/needs.sh, which checks them first (skipped without them, failed under CI=true).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
NAMESPACES = ["x", "y", "z"]
PODS = ["a", "b", "c"]


def sh(*args, check=True):
    return subprocess.run(list(args), check=check, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def pod_ips(ns_index, pod_index):
    return f"10.244.{ns_index + 1}.{pod_index + 10}", f"fd00:10:244:{ns_index + 1}::{pod_index + 10}"


def parse_blocks(path):
    blocks = []
    for line in open(path):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "probe":
            blocks.append({"proto": words[1].lower(), "port": int(words[2]), "cols": [], "rows": {}})
        elif words[0] == "-":
            blocks[-1]["cols"] = words[1:]
        else:
            blocks[-1]["rows"][words[0]] = words[1:]
    return blocks


def steps(conformance):
    out = []
    for case in sorted(os.listdir(conformance)):
        d = os.path.join(conformance, case)
        if not os.path.isdir(d):
            continue
        if os.path.exists(os.path.join(d, "policies.yaml")):
            out.append((case, d))
        else:
            for step in sorted(os.listdir(d)):
                if os.path.isdir(os.path.join(d, step)):  # stepN/, not meta.yaml
                    out.append((f"{case}/{step}", os.path.join(d, step)))
    return out


def stop(process, timeout=10):
    """SIGTERM, then SIGKILL if it has not ended within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()


def remove_stale_labs():
    """Deletes the network namespaces of earlier runs that were killed before cleaning up (kge<pid>-*,
    kgr<pid>-* whose pid is gone): an agent programs every namespace holding a pod IP, so a leftover lab
    with the same IPs would receive rules too and confuse the probes."""
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    for line in listing.splitlines():
        m = re.match(r"(kg[er](\d+)-\S+)", line)
        if m and not os.path.exists(f"/proc/{m.group(2)}"):
            subprocess.run(["ip", "netns", "del", m.group(1)], capture_output=True)


class Lab:
    def __init__(self, prefix):
        self.prefix = prefix
        self.hub = f"{prefix}-hub"
        self.netns = {}  # "x/a" -> netns name
        self.ip = {}     # "x/a" -> IPv4
        self.ip6 = {}    # "x/a" -> IPv6
        self.procs = []

    def up(self):
        remove_stale_labs()
        sh("ip", "netns", "add", self.hub)
        sh("ip", "-n", self.hub, "link", "set", "lo", "up")
        sh("ip", "-n", self.hub, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.hub, "link", "set", "br0", "up")
        for i, ns in enumerate(NAMESPACES):
            for j, pod in enumerate(PODS):
                name = f"{self.prefix}-{ns}-{pod}"
                v4, v6 = pod_ips(i, j)
                sh("ip", "netns", "add", name)
                sh("ip", "-n", self.hub, "link", "add", f"h{ns}{pod}", "type", "veth", "peer", "name", "eth0", "netns", name)
                sh("ip", "-n", self.hub, "link", "set", f"h{ns}{pod}", "master", "br0", "up")
                sh("ip", "-n", name, "link", "set", "lo", "up")
                sh("ip", "-n", name, "addr", "add", f"{v4}/16", "dev", "eth0")
                sh("ip", "-n", name, "addr", "add", f"{v6}/48", "dev", "eth0", "nodad")
                sh("ip", "-n", name, "link", "set", "eth0", "up")
                self.netns[f"{ns}/{pod}"] = name
                self.ip[f"{ns}/{pod}"] = v4
                self.ip6[f"{ns}/{pod}"] = v6
                self.procs.append(subprocess.Popen(["ip", "netns", "exec", name, sys.executable, os.path.join(HERE, "server.py")],
                                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def probe(self, block):
        """Runs one probe block; returns {src: [cells in block column order]}."""
        addresses = self.ip6 if block.get("ipv6") else self.ip
        targets = [addresses[c] for c in block["cols"]]
        running = {}
        for src in block["rows"]:
            running[src] = subprocess.Popen(["ip", "netns", "exec", self.netns[src], sys.executable, os.path.join(HERE, "probe.py"),
                                             block["proto"], str(block["port"])] + targets,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return {src: p.communicate()[0].split() for src, p in running.items()}

    def down(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        for name in list(self.netns.values()) + [self.hub]:
            sh("ip", "netns", "delete", name, check=False)


def wait_for_sync(log_path, before, timeout=20, settle=1.0):
    """The agent logs one "sync:" line after each reload; wait for one, then for the log to stay
    unchanged for `settle` seconds (a step may arrive as several changes)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if open(log_path).read().count("sync: ") > before:
            break
        time.sleep(0.1)
    else:
        return False
    last, since = open(log_path).read(), time.time()
    while time.time() < deadline and time.time() - since < settle:
        time.sleep(0.1)
        now = open(log_path).read()
        if now != last:
            last, since = now, time.time()
    return True


class DirState:
    """The agent reads a folder; a step rewrites its files."""

    def __init__(self, work, conformance):
        self.dir = os.path.join(work, "state")
        os.makedirs(self.dir)
        shutil.copy(os.path.join(conformance, "model.yaml"), os.path.join(self.dir, "00-model.yaml"))

    def agent_args(self):
        return ["--watch-dir", self.dir]

    def apply(self, setup_path, policies_text):
        target = os.path.join(self.dir, "10-setup.yaml")
        if setup_path:
            shutil.copy(setup_path, target)
        elif os.path.exists(target):
            os.remove(target)
        with open(os.path.join(self.dir, "20-policies.yaml"), "w") as f:
            f.write(policies_text)

    def close(self):
        pass


NODE = "kguard-e2e-node"


def on_node(yaml_text):
    """Pods pinned to the agent's node (there is no scheduler in the test cluster)."""
    return yaml_text.replace("spec:\n  terminationGracePeriodSeconds", f"spec:\n  nodeName: {NODE}\n  terminationGracePeriodSeconds")


class ApiState:
    """The agent watches a real kube-apiserver; a step goes through kubectl."""

    def __init__(self, work, conformance):
        self.work = work
        self.cluster_dir = os.path.join(work, "cluster")
        self.cluster_sh = os.path.join(HERE, "..", "..", "e2e", "cluster.sh")
        sh("bash", self.cluster_sh, "start", self.cluster_dir)
        self.env = {}
        for line in open(os.path.join(self.cluster_dir, "env")):
            line = line.strip()
            if line.startswith("export "):
                line = line[len("export "):]
            if "=" in line:
                k, v = line.split("=", 1)
                self.env[k] = v.strip("'\"")
        self.kubeconfig = self.env["KUBECONFIG"]
        # The ClusterNetworkPolicy CRD, so that the agent watches them (cnp_in_api_mode).
        self.kubectl("apply", "-f", os.path.join(HERE, "..", "..", "..", "manifests", "crds",
                                                 "policy.networking.k8s.io_clusternetworkpolicies.yaml"))
        self.kubectl("wait", "--for", "condition=established", "--timeout=30s",
                     "crd/clusternetworkpolicies.policy.networking.k8s.io")
        self.model = on_node(open(os.path.join(conformance, "model.yaml")).read())
        self.kubectl_apply(self.model)
        for i, ns in enumerate(NAMESPACES):
            for j, pod in enumerate(PODS):
                v4, v6 = pod_ips(i, j)
                status = '{"status":{"phase":"Running","podIP":"%s","podIPs":[{"ip":"%s"},{"ip":"%s"}]}}' % (v4, v4, v6)
                sh("curl", "-ksSf", "--noproxy", "*", "-m", "10", "-X", "PATCH", "-H", "Authorization: Bearer " + self.env["ADMIN_TOKEN"],
                   "-H", "Content-Type: application/merge-patch+json", "--data", status,
                   f"{self.env['APISERVER_URL']}/api/v1/namespaces/{ns}/pods/{pod}/status")
        self.had_setup = False

    def kubectl(self, *args, stdin=None):
        return subprocess.run(["kubectl", "--kubeconfig", self.kubeconfig] + list(args), input=stdin, check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def kubectl_apply(self, text):
        self.kubectl("apply", "-f", "-", stdin=text)

    def agent_args(self):
        return ["--kubeconfig", self.kubeconfig, "--node", NODE]

    def apply(self, setup_path, policies_text):
        if setup_path:
            self.kubectl_apply(on_node(open(setup_path).read()))
        elif self.had_setup:
            self.kubectl_apply(self.model)  # the 3-way merge drops the labels the setup added
        self.had_setup = bool(setup_path)
        self.kubectl("delete", "networkpolicy", "--all", "--all-namespaces")
        if policies_text.strip().strip("-").strip():
            self.kubectl_apply(policies_text)

    def close(self):
        sh("bash", self.cluster_sh, "stop", self.cluster_dir, check=False)


ISOLATE_ALL_ALLOW_80 = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: only-80, namespace: "{ns}"}}
spec:
  podSelector: {{}}
  ingress: [{{ports: [{{port: 80}}]}}]
  egress: [{{ports: [{{port: 80}}]}}]
  policyTypes: [Ingress, Egress]
"""


def ipv6_and_counters(lab, state, log_path):
    """Every pod isolated both ways, TCP 80 allowed: IPv6 must still work (neighbour discovery is
    not blocked by isolation), TCP 81 must not, and the drops must be counted."""
    failures = 0
    before = open(log_path).read().count("sync: ")
    state.apply(None, "---".join(ISOLATE_ALL_ALLOW_80.format(ns=ns) for ns in NAMESPACES))
    if not wait_for_sync(log_path, before):
        print("FAIL ipv6: the agent did not reload")
        return 1
    pods = sorted(lab.ip)
    for port, want in ((80, "."), (81, "X")):
        block = {"proto": "tcp", "port": port, "cols": pods, "rows": {p: None for p in pods}, "ipv6": True}
        rows = lab.probe(block)
        wrong = [f"{s}->{d}" for s in pods for k, d in enumerate(pods) if s != d and rows[s][k] != want]
        print(("ok" if not wrong else "FAIL") + f" ipv6 tcp {port} under isolation: all {want}" +
              ("" if not wrong else ": " + " ".join(wrong)))
        failures += bool(wrong)
    out = sh("ip", "netns", "exec", lab.netns["x/a"], "nft", "list", "counter", "inet", "kguard", "egress_denied").stdout
    packets = int(out.split("packets")[1].split()[0]) if "packets" in out else 0
    print(("ok" if packets > 0 else "FAIL") + f" x/a egress_denied counter: {packets} packets")
    failures += packets == 0
    return failures


CNP_ADMIN = """
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: e2e-admin}
spec:
  tier: Admin
  priority: 10
  subject: {pods: {namespaceSelector: {matchLabels: {ns: "x"}}, podSelector: {matchLabels: {pod: a}}}}
  egress:
  - name: no-y-b-80
    action: Deny
    to: [{pods: {namespaceSelector: {matchLabels: {ns: "y"}}, podSelector: {matchLabels: {pod: b}}}}]
    protocols: [{tcp: {destinationPort: {number: 80}}}]
  - name: y-c-81
    action: Accept
    to: [{pods: {namespaceSelector: {matchLabels: {ns: "y"}}, podSelector: {matchLabels: {pod: c}}}}]
    protocols: [{tcp: {destinationPort: {number: 81}}}]
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: e2e-admin-in}
spec:
  tier: Admin
  priority: 11
  subject: {pods: {namespaceSelector: {matchLabels: {ns: "y"}}, podSelector: {matchLabels: {pod: c}}}}
  ingress:
  - name: from-x-a-81
    action: Accept
    from: [{pods: {namespaceSelector: {matchLabels: {ns: "x"}}, podSelector: {matchLabels: {pod: a}}}}]
    protocols: [{tcp: {destinationPort: {number: 81}}}]
"""


def cnp_in_api_mode(lab, state, log_path):
    """With every pod isolated to TCP 80 (ipv6_and_counters' policies), an Admin ClusterNetworkPolicy
    created through the API server: x/a may no longer reach y/b on 80 (Deny before the NetworkPolicies),
    and may reach y/c on 81 (Accept on both sides, which the NetworkPolicies alone deny); deleting them
    restores both."""
    failures = 0
    for step, want in (("created", {"y/b": {80: "X"}, "y/c": {80: ".", 81: "."}}),
                       ("deleted", {"y/b": {80: "."}, "y/c": {80: ".", 81: "X"}})):
        before = open(log_path).read().count("sync: ")
        if step == "created":
            state.kubectl_apply(CNP_ADMIN)
        else:
            state.kubectl("delete", "clusternetworkpolicy", "e2e-admin", "e2e-admin-in")
        if not wait_for_sync(log_path, before):
            print(f"FAIL cnp api {step}: the agent did not reload")
            failures += 1
            continue
        for dst, ports in want.items():
            for port, cell in ports.items():
                got = lab.probe({"proto": "tcp", "port": port, "cols": [dst], "rows": {"x/a": None}})["x/a"][0]
                ok = got == cell
                print(("ok" if ok else "FAIL") + f" cnp api {step}: x/a -> {dst} tcp {port}: {got} (expected {cell})")
                failures += not ok
    return failures


def metrics(log_path, pods):
    """The agent's /metrics (--metrics-bind-address 127.0.0.1:0; the port is in its log) agree with
    what it did: every pod programmed, installs counted, latency observed, no errors."""
    m = re.search(r"metrics on (http://\S+/metrics)", open(log_path).read())
    if not m:
        print("FAIL metrics: the agent did not log its metrics address")
        return 1
    text = urllib.request.urlopen(m.group(1), timeout=5).read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    checks = [
        ("kguard_netpol_pods_programmed", samples.get("kguard_netpol_pods_programmed") == pods),
        ("installs ok > 0", samples.get('kguard_netpol_ruleset_operations_total{operation="install",result="ok"}', 0) > 0),
        ("no failed installs", samples.get('kguard_netpol_ruleset_operations_total{operation="install",result="error"}', 0) == 0),
        ("elements > 0", samples.get("kguard_netpol_ruleset_elements", 0) > 0),
        ("rules > 0", samples.get("kguard_netpol_ruleset_rules", 0) > 0),
        ("latency observed", samples.get("kguard_netpol_programming_duration_seconds_count", 0) > 0),
        ("latency buckets cumulative", samples.get('kguard_netpol_programming_duration_seconds_bucket{le="+Inf"}') ==
         samples.get("kguard_netpol_programming_duration_seconds_count")),
    ]
    failures = 0
    for what, ok in checks:
        print(("ok" if ok else "FAIL") + f" metrics: {what}")
        failures += not ok
    if failures:
        print(text)
    return failures


def main():
    args = sys.argv[1:]
    api = "--api" in args
    args = [a for a in args if a != "--api"]
    if len(args) < 2:
        print(__doc__)
        return 2
    kguard, conformance = os.path.abspath(args[0]), os.path.abspath(args[1])
    only = args[2] if len(args) > 2 else ""
    work = tempfile.mkdtemp(prefix="kguard-e2e-")
    lab = Lab(f"kge{os.getpid()}")
    agent = None
    state = None
    failures = 0
    checked = 0
    try:
        try:
            lab.up()
        except subprocess.CalledProcessError as e:
            print(f"FAIL: cannot build the namespaces: {e.stderr.strip()}")
            return 1
        # Servers up: with no policy every pod reaches every pod.
        baseline = {"proto": "tcp", "port": 80, "cols": sorted(lab.ip), "rows": {p: None for p in sorted(lab.ip)}}
        for _ in range(20):
            if all(c == "." for row in lab.probe(baseline).values() for c in row):
                break
            time.sleep(0.5)
        else:
            print("FAIL: servers did not come up")
            return 1
        try:
            state = ApiState(work, conformance) if api else DirState(work, conformance)
        except subprocess.CalledProcessError as e:
            # With --api: no kube-apiserver here (tests/e2e/cluster.sh builds it); as for every e2e test, a failure.
            print(f"FAIL: cannot set up the {'API server' if api else 'folder'}: {e.stderr.strip()[-2000:]}")
            return 1
        log_path = os.path.join(work, "agent.log")
        log = open(log_path, "w")
        agent = subprocess.Popen([kguard, "netpol", "agent", "--metrics-bind-address", "127.0.0.1:0"] + state.agent_args(),
                                 stdout=log, stderr=log)
        for name, step_dir in steps(conformance):
            if only and only not in name:
                continue
            before = open(log_path).read().count("sync: ")
            setup = os.path.join(step_dir, "setup.yaml")
            state.apply(setup if os.path.exists(setup) else None, open(os.path.join(step_dir, "policies.yaml")).read())
            if not wait_for_sync(log_path, before):
                print(f"FAIL {name}: the agent did not reload")
                failures += 1
                continue
            for block in parse_blocks(os.path.join(step_dir, "expected.txt")):
                actual = lab.probe(block)
                wrong = []
                for src, expected_row in block["rows"].items():
                    for k, dst in enumerate(block["cols"]):
                        if src == dst:
                            continue
                        checked += 1
                        got = actual[src][k] if k < len(actual[src]) else "?"
                        if got != expected_row[k]:
                            wrong.append(f"{src}->{dst} expected {expected_row[k]} got {got}")
                status = "ok" if not wrong else "FAIL"
                print(f"{status} {name} probe {block['proto']} {block['port']}" + ("" if not wrong else ": " + "; ".join(wrong)))
                failures += bool(wrong)
        if not only:
            failures += ipv6_and_counters(lab, state, log_path)
            if api:
                failures += cnp_in_api_mode(lab, state, log_path)
            failures += metrics(log_path, len(lab.ip))
        print(f"checked {checked} conformance cells, {failures} failures")
        if failures:
            print(open(log_path).read()[-4000:])
        return 1 if failures or not checked else 0
    finally:
        if agent:
            stop(agent)
        if state:
            state.close()
        lab.down()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
