#!/usr/bin/env python3
"""Robustness of `kguard netpol agent --watch-dir` in real network namespaces (root).

A small topology: pods x/a, x/b, x/c, each in its own named network namespace (addresses only, no
servers; the checks read the installed tables). Every check compares `nft -j list table inet kguard`
in a pod's namespace with what `kguard netpol compile` gives for that pod, loaded by `nft -f` into a
scratch namespace and listed the same way (handles and counter values left out).

  kill9     the agent is killed with SIGKILL at random moments while the policy file is rewritten in
            a loop: every pod namespace must hold a complete ruleset, the old or the new one; a
            restarted agent converges to the files as they are.
  netns-gone  a pod's namespace is deleted in the middle of updates: the other pods keep updating and
            the agent logs no failure.
  late-pod  a namespace appears before its pod and policies are in the files: untouched until they
            are, then its ruleset; with --default-deny-until-synced (a restarted agent) a namespace
            without a kguard table found before the first sync is held in deny-all until it, one with
            the table the previous agent installed keeps it. That agent runs in its own mount and PID namespaces
            seeing only this test's namespaces (it would otherwise hold every namespace on the host).

Every agent runs in a network namespace of its own: an agent counts its own namespace's interface
addresses as the node's (allowed into every pod), which `kguard netpol compile` cannot know; the
host's change whenever other tests add interfaces, an empty namespace's never.

Usage: agent_robustness_test.py KGUARD [CHECK...]
Exit 0 pass, 1 fail. Needs root, ip, nft, unshare and mount: ctest runs it through tests/needs.sh,
which checks them first (skipped without them, failed under CI=true).
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from agent_e2e_test import sh, wait_for_sync  # noqa: E402

# Addresses of their own, so that no other agent or lab on this machine matches these pods.
def pod_ips(j):
    return f"10.251.0.{j + 10}", f"fd00:251::{j + 10}"


NAMESPACE = """apiVersion: v1
kind: Namespace
metadata: {name: x, labels: {kubernetes.io/metadata.name: x}}
"""

POD = """---
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: x, labels: {{pod: {name}}}}}
spec:
  containers: [{{name: c, image: busybox, ports: [{{containerPort: 80, name: http}}]}}]
status:
  phase: Running
  podIP: {v4}
  podIPs: [{{ip: {v4}}}, {{ip: "{v6}"}}]
"""

# Two policy states that give every pod a different ruleset; `n` varies the allowed port so that
# consecutive rewrites always change something.
def policies(state, n):
    if state == "A":
        return f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: p, namespace: x}}
spec:
  podSelector: {{}}
  ingress: [{{from: [{{podSelector: {{matchLabels: {{pod: a}}}}}}], ports: [{{port: {1000 + n}}}]}}]
  policyTypes: [Ingress]
"""
    return f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: p, namespace: x}}
spec:
  podSelector: {{matchExpressions: [{{key: pod, operator: In, values: [a, b, c, d, e]}}]}}
  ingress: [{{from: [{{ipBlock: {{cidr: 10.251.0.0/24, except: [10.251.0.11/32]}}}}]}}]
  egress: [{{to: [{{podSelector: {{matchLabels: {{pod: c}}}}}}], ports: [{{port: {2000 + n}, protocol: UDP}}]}}]
  policyTypes: [Ingress, Egress]
"""


def pods_yaml(names):
    return NAMESPACE + "".join(POD.format(name=p, v4=pod_ips(ord(p) - ord("a"))[0], v6=pod_ips(ord(p) - ord("a"))[1])
                               for p in names)


def write_atomic(path, text):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def canonical(listing):
    """The table as a sorted list of objects, without handles and counter values. The agent's batch
    matches one ICMPv6 type as a range of one (`range 143 143`) where nft -f writes `== 143`: the
    same match, so a one-value range counts as the value."""
    def strip(v):
        if isinstance(v, dict) and list(v) == ["range"] and len(v["range"]) == 2 and v["range"][0] == v["range"][1]:
            return strip(v["range"][0])
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k not in ("handle", "packets", "bytes")}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v
    items = [strip(o) for o in json.loads(listing)["nftables"] if "metainfo" not in o]
    return sorted(json.dumps(o, sort_keys=True) for o in items)


class Lab:
    def __init__(self, prefix, kguard, work):
        self.prefix = prefix
        self.kguard = kguard
        self.work = work
        self.netns = {}
        self.scratch = f"{prefix}-scratch"
        self.expected_cache = {}
        # The namespaces are also bind-mounted here, a shared mount that a contained agent sees as
        # its /var/run/netns (see contained_agent).
        self.view = f"/run/{prefix}-view"
        os.makedirs(self.view, exist_ok=True)
        sh("mount", "--bind", self.view, self.view)
        sh("mount", "--make-shared", self.view)
        sh("ip", "netns", "add", self.scratch)

    def add_pod_netns(self, pod):
        name = f"{self.prefix}-{pod}"
        v4, v6 = pod_ips(ord(pod) - ord("a"))
        sh("ip", "netns", "add", name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
        sh("ip", "-n", name, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0")  # both ends here
        sh("ip", "-n", name, "link", "set", "peer0", "up")
        sh("ip", "-n", name, "addr", "add", f"{v4}/24", "dev", "eth0")
        sh("ip", "-n", name, "addr", "add", f"{v6}/64", "dev", "eth0", "nodad")
        sh("ip", "-n", name, "link", "set", "eth0", "up")
        open(os.path.join(self.view, name), "w").close()
        sh("mount", "--bind", f"/var/run/netns/{name}", os.path.join(self.view, name))
        self.netns[pod] = name

    def delete_pod_netns(self, pod):
        name = self.netns.pop(pod)
        sh("umount", os.path.join(self.view, name), check=False)
        os.remove(os.path.join(self.view, name))
        sh("ip", "netns", "delete", name)

    def installed(self, pod):
        """The canonical table in the pod's namespace, or None when there is none."""
        r = sh("ip", "netns", "exec", self.netns[pod], "nft", "-j", "list", "table", "inet", "kguard", check=False)
        return canonical(r.stdout) if r.returncode == 0 else None

    def expected(self, files, pod):
        """What `kguard netpol compile` gives for the pod with these files, loaded and listed."""
        key = (tuple(sorted(files.items())), pod)
        if key not in self.expected_cache:
            d = tempfile.mkdtemp(dir=self.work)
            for name, text in files.items():
                with open(os.path.join(d, name), "w") as f:
                    f.write(text)
            text = sh(self.kguard, "netpol", "compile", "-f", d, "--pod", f"x/{pod}").stdout
            subprocess.run(["ip", "netns", "exec", self.scratch, "nft", "-f", "-"], input=text, check=True, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.expected_cache[key] = canonical(
                sh("ip", "netns", "exec", self.scratch, "nft", "-j", "list", "table", "inet", "kguard").stdout)
        return self.expected_cache[key]

    def deny_all(self):
        if "deny" not in self.expected_cache:
            # The same shape as a pod isolated both ways by a policy allowing nothing.
            files = {"00-pods.yaml": pods_yaml("a"), "20-policies.yaml": """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: x}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
"""}
            self.expected_cache["deny"] = self.expected(files, "a")
        return self.expected_cache["deny"]

    def down(self):
        for pod in list(self.netns):
            self.delete_pod_netns(pod)
        sh("ip", "netns", "delete", self.scratch, check=False)
        sh("umount", self.view, check=False)
        shutil.rmtree(self.view, ignore_errors=True)


class Agent:
    def __init__(self, kguard, state_dir, log_path, extra=(), contained_view=None):
        self.log_path = log_path
        args = [kguard, "netpol", "agent", "--watch-dir", state_dir] + list(extra)
        if contained_view:
            # Own PID namespace (its /proc shows no other process) and own mount namespace, a slave of
            # the host's, where /var/run/netns is the test's view: later bind mounts there propagate.
            script = f'mount --rbind {contained_view} /var/run/netns && exec "$@"'
            args = ["unshare", "--net", "--mount", "--propagation", "slave", "--pid", "--fork", "--mount-proc",
                    "sh", "-c", script, "sh"] + args
        else:
            args = ["unshare", "--net"] + args
        self.log = open(log_path, "a")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log, start_new_session=True)

    def syncs(self):
        return open(self.log_path).read().count("sync: ")

    def kill9(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def report(ok, text):
    print(("ok " if ok else "FAIL ") + text, flush=True)
    return 0 if ok else 1


def wait_until(predicate, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def check_kill9(lab, work):
    failures = 0
    state = os.path.join(work, "kill9")
    os.makedirs(state)
    pods = ["a", "b", "c"]
    for p in pods:
        lab.add_pod_netns(p)
    write_atomic(os.path.join(state, "00-pods.yaml"), pods_yaml(pods))
    written = [("A", 0)]
    write_atomic(os.path.join(state, "20-policies.yaml"), policies("A", 0))
    log_path = os.path.join(work, "kill9.log")
    agent = Agent(lab.kguard, state, log_path)
    if not wait_for_sync(log_path, 0):
        agent.stop()
        return report(False, "kill9: the agent did not sync")
    stop = threading.Event()
    lock = threading.Lock()

    def writer():
        n = 0
        while not stop.is_set():
            n += 1
            s = "B" if n % 2 else "A"
            with lock:
                written.append((s, n))
                write_atomic(os.path.join(state, "20-policies.yaml"), policies(s, n))
            time.sleep(random.uniform(0.05, 0.7))  # sometimes quiet long enough for a sync

    thread = threading.Thread(target=writer)
    thread.start()
    rng = random.Random(os.getpid())
    checked, seen_changes = 0, set()
    try:
        for round_ in range(6):
            time.sleep(rng.uniform(0.8, 2.5))
            agent.kill9()
            with lock:  # no rewrite while the namespaces are read
                candidates = list(written)
                for p in pods:
                    got = lab.installed(p)
                    if got is None:
                        failures += report(False, f"kill9 round {round_}: x/{p} has no table inet kguard")
                        continue
                    match = next((w for w in reversed(candidates)
                                  if got == lab.expected({"00-pods.yaml": pods_yaml(pods), "20-policies.yaml": policies(*w)}, p)),
                                 None)
                    checked += 1
                    if not match:
                        failures += report(False, f"kill9 round {round_}: x/{p} holds a ruleset of none of the "
                                           f"{len(candidates)} states written")
                    else:
                        seen_changes.add(match)
            agent = Agent(lab.kguard, state, log_path)
    finally:
        stop.set()
        thread.join()
    failures += report(checked == 3 * 6 and len(seen_changes) > 1,
                       f"kill9: after 6 SIGKILLs every pod held a complete ruleset of a written state "
                       f"({len(seen_changes)} distinct states seen)")
    # The files as they are now, and a restarted agent that must converge to them.
    final = written[-1]
    ok = wait_until(lambda: all(lab.installed(p) == lab.expected(
        {"00-pods.yaml": pods_yaml(pods), "20-policies.yaml": policies(*final)}, p) for p in pods), 20)
    failures += report(ok, f"kill9: the restarted agent converged to the last files (state {final[0]}{final[1]})")
    agent.stop()
    if failures:
        print(open(log_path).read()[-3000:])
    for p in pods:
        lab.delete_pod_netns(p)
    return failures


def check_netns_gone(lab, work):
    failures = 0
    state = os.path.join(work, "gone")
    os.makedirs(state)
    pods = ["a", "b", "c"]
    for p in pods:
        lab.add_pod_netns(p)
    files = lambda n: {"00-pods.yaml": pods_yaml(pods), "20-policies.yaml": policies("AB"[n % 2], n)}  # noqa: E731
    for name, text in files(0).items():
        write_atomic(os.path.join(state, name), text)
    log_path = os.path.join(work, "gone.log")
    agent = Agent(lab.kguard, state, log_path)
    try:
        if not wait_for_sync(log_path, 0):
            return report(False, "netns-gone: the agent did not sync")
        for n in range(1, 7):
            before = agent.syncs()
            write_atomic(os.path.join(state, "20-policies.yaml"), files(n)["20-policies.yaml"])
            if n == 3:
                time.sleep(random.uniform(0.0, 0.4))  # in the middle of the agent's quiet period or sync
                lab.delete_pod_netns("b")
            if not wait_for_sync(log_path, before):
                failures += report(False, f"netns-gone update {n}: the agent did not sync")
                continue
            live = [p for p in pods if p in lab.netns]
            wrong = [p for p in live if lab.installed(p) != lab.expected(files(n), p)]
            failures += report(not wrong, f"netns-gone update {n}: {', '.join('x/' + p for p in live)} up to date"
                               + (f" (wrong: {wrong})" if wrong else ""))
        log = open(log_path).read()
        failures += report("failed 0" in log and all(("failed " + str(k)) not in log for k in range(1, 10)) and
                           "install failed" not in log and "removing table failed" not in log,
                           "netns-gone: no failure logged for any namespace")
        failures += report(agent.proc.poll() is None, "netns-gone: the agent is still running")
        if failures:
            print(log[-3000:])
    finally:
        agent.stop()
        for p in list(lab.netns):
            lab.delete_pod_netns(p)
    return failures


def check_late_pod(lab, work):
    failures = 0
    state = os.path.join(work, "late")
    os.makedirs(state)
    lab.add_pod_netns("a")
    write_atomic(os.path.join(state, "00-pods.yaml"), pods_yaml("a"))
    write_atomic(os.path.join(state, "20-policies.yaml"), policies("B", 1))
    log_path = os.path.join(work, "late.log")
    agent = Agent(lab.kguard, state, log_path)
    try:
        if not wait_for_sync(log_path, 0):
            return report(False, "late-pod: the agent did not sync")
        lab.add_pod_netns("d")  # the CNI made the namespace; the pod is not in the files yet
        time.sleep(2.6)  # more than one resync (2 s): the agent has looked at the new namespace
        failures += report(lab.installed("d") is None, "late-pod: a namespace without a pod in the input is left alone")
        before = agent.syncs()
        write_atomic(os.path.join(state, "00-pods.yaml"), pods_yaml("ad"))
        want = {"00-pods.yaml": pods_yaml("ad"), "20-policies.yaml": policies("B", 1)}
        ok = wait_for_sync(log_path, before) and wait_until(lambda: lab.installed("d") == lab.expected(want, "d"))
        failures += report(ok and lab.installed("a") == lab.expected(want, "a"),
                           "late-pod: the pod's ruleset is installed once the pod is in the files")
        if failures:
            print(open(log_path).read()[-3000:])
    finally:
        agent.stop()

    # --default-deny-until-synced: a folder that cannot be read yet (a broken file) keeps the agent
    # before its first sync, holding namespaces, until the file is fixed.
    log_path = os.path.join(work, "late-deny.log")
    broken = os.path.join(state, "30-broken.yaml")
    write_atomic(broken, "kind: NetworkPolicy\nmetadata: {name: [\n")
    agent = Agent(lab.kguard, state, log_path, ["--default-deny-until-synced"], contained_view=lab.view)
    try:
        lab.add_pod_netns("e")  # a namespace with no table yet, found before the first sync
        write_atomic(os.path.join(state, "00-pods.yaml"), pods_yaml("ade"))
        ok = wait_until(lambda: lab.installed("e") == lab.deny_all(), 10)
        failures += report(ok, "late-pod --default-deny-until-synced: a new namespace is held in deny-all before the first sync")
        time.sleep(2.5)  # past a resync: the failed first load has been retried
        log = open(log_path).read()
        failures += report(agent.proc.poll() is None and "until the inputs can be read" in log and "30-broken.yaml" in log,
                           "late-pod --default-deny-until-synced: unreadable inputs keep the agent running and holding")
        before_restart = {"00-pods.yaml": pods_yaml("ad"), "20-policies.yaml": policies("B", 1)}
        failures += report(agent.syncs() == 0 and lab.installed("e") == lab.deny_all() and
                           all(lab.installed(p) == lab.expected(before_restart, p) for p in "ad"),
                           "late-pod --default-deny-until-synced: namespaces whose table the previous agent installed "
                           "keep it (no sync yet)")
        os.remove(broken)
        want = {"00-pods.yaml": pods_yaml("ade"), "20-policies.yaml": policies("B", 1)}
        ok = wait_for_sync(log_path, 0) and wait_until(lambda: all(lab.installed(p) == lab.expected(want, p) for p in "ade"))
        failures += report(ok, "late-pod --default-deny-until-synced: the first sync replaces deny-all with each pod's ruleset")
        if failures:
            print(open(log_path).read()[-3000:])
    finally:
        agent.stop()
        for p in list(lab.netns):
            lab.delete_pod_netns(p)
    return failures


CHECKS = {"kill9": check_kill9, "netns-gone": check_netns_gone, "late-pod": check_late_pod}


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    kguard = os.path.abspath(args[0])
    selected = args[1:] or list(CHECKS)
    work = tempfile.mkdtemp(prefix="kguard-robust-")
    try:
        lab = Lab(f"kgr{os.getpid()}", kguard, work)
    except subprocess.CalledProcessError as e:
        print(f"FAIL: cannot build the namespaces: {e.stderr.strip()}")
        shutil.rmtree(work, ignore_errors=True)
        return 1
    failures = 0
    try:
        for name in selected:
            failures += CHECKS[name](lab, work)
        print(f"{failures} failures")
        return 1 if failures else 0
    finally:
        lab.down()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
