#!/usr/bin/env python3
"""Real-traffic test of ClusterNetworkPolicy enforcement by `kguard netpol agent --watch-dir`.

The topology of the network-policy-api conformance suite (tests/conformance/cnp/topology.yaml): the 8
pod-network pods each get a network namespace with their status.podIP on a veth to a bridge in a hub
namespace; the two nodes get one namespace each with their InternalIP on the same bridge (the
host-network centaur pods live there: their podIP is their node's IP). Pods serve the suite's
listeners (TCP 80, 8080; UDP 53, 5353), the nodes the centaurs' (TCP 34345, 34346; UDP 34347, 34349).
The agent watches a folder; every case and step is applied by rewriting the files there, one after
another as upstream patches them, and every asserted TCP and UDP connection of its expected.tsv is
probed for real, all in parallel: "allowed" must connect, "denied" must time out (dropped: a reset
or ICMP reject fails). SCTP cells are judged offline only (tests/netpol/cnp_conformance_test.cpp).

Usage: cnp_e2e_test.py KGUARD CNP_CONFORMANCE_DIR [CASE-SUBSTRING]
Exit 0 pass, 1 fail. Needs root, ip and nft: ctest runs it through tests/needs.sh.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree from the import below
from agent_e2e_test import remove_stale_labs, sh, steps, stop, wait_for_sync  # noqa: E402

POD_TCP, POD_UDP = "80,8080", "53,5353"
NODE_TCP, NODE_UDP = "34345,34346", "34347,34349"
PROBE_TIMEOUT = "1.2"  # one bridge inside this machine: a reply takes under a millisecond, unless it is loaded


def topology_pods(path):
    """(namespace/name, ip, node name, hostNetwork) of every Pod in topology.yaml, read without a YAML
    library: the file is generated and regular."""
    pods, current = [], None
    for doc in open(path).read().split("\n---"):
        if "\nkind: Pod" not in "\n" + doc:
            continue
        fields = {}
        for line in doc.splitlines():
            s = line.strip()
            for key in ("name:", "namespace:", "podIP:", "nodeName:", "hostNetwork:"):
                if s.startswith(key) and key not in fields and not line.startswith("    "):
                    fields[key] = s[len(key):].strip()
        pods.append((f"{fields['namespace:']}/{fields['name:']}", fields["podIP:"], fields.get("nodeName:", ""),
                     fields.get("hostNetwork:") == "true"))
    return pods


class Lab:
    def __init__(self, prefix, pods):
        self.prefix = prefix
        self.hub = f"{prefix}-hub"
        self.pods = pods
        self.netns = {}   # pod id -> namespace (host-network pods: their node's)
        self.ip = {}
        self.procs = []

    def add_host(self, name, ip, tcp_ports, udp_ports):
        netns = f"{self.prefix}-{len(self.procs)}"
        sh("ip", "netns", "add", netns)
        veth = f"h{len(self.procs)}"
        sh("ip", "-n", self.hub, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns)
        sh("ip", "-n", self.hub, "link", "set", veth, "master", "br0", "up")
        sh("ip", "-n", netns, "link", "set", "lo", "up")
        sh("ip", "-n", netns, "addr", "add", f"{ip}/16", "dev", "eth0")
        sh("ip", "-n", netns, "link", "set", "eth0", "up")
        self.procs.append(subprocess.Popen(["ip", "netns", "exec", netns, sys.executable, os.path.join(HERE, "server.py"),
                                            tcp_ports, udp_ports], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        return netns

    def up(self):
        remove_stale_labs()
        sh("ip", "netns", "add", self.hub)
        sh("ip", "-n", self.hub, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.hub, "link", "set", "br0", "up")
        nodes = {}
        for pod, ip, node, host in self.pods:
            if host:
                if ip not in nodes:
                    nodes[ip] = self.add_host(node, ip, NODE_TCP, NODE_UDP)
                self.netns[pod] = nodes[ip]
            else:
                self.netns[pod] = self.add_host(pod, ip, POD_TCP, POD_UDP)
            self.ip[pod] = ip

    def probe(self, connections):
        """Runs every (from, to, proto, port) at once; returns {connection: '.', 'X' or 'R'}."""
        groups = {}
        for c in connections:
            groups.setdefault((c[0], c[2], c[3]), []).append(c)
        env = dict(os.environ, KGUARD_PROBE_TIMEOUT=PROBE_TIMEOUT)
        running = {}
        for (src, proto, port), conns in groups.items():
            running[(src, proto, port)] = (conns, subprocess.Popen(
                ["ip", "netns", "exec", self.netns[src], sys.executable, os.path.join(HERE, "probe.py"), proto, str(port)] +
                [self.ip[c[1]] for c in conns], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
        out = {}
        for conns, p in running.values():
            cells = p.communicate()[0].split()
            for k, c in enumerate(conns):
                out[c] = cells[k] if k < len(cells) else "?"
        return out

    def down(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            stop(p, timeout=5)
        for name in set(self.netns.values()) | {self.hub}:
            sh("ip", "netns", "delete", name, check=False)


def expected(step_dir):
    out = []
    for line in open(os.path.join(step_dir, "expected.tsv")):
        words = line.split()
        if len(words) == 5 and not words[0].startswith("#"):
            out.append(((words[0], words[1], words[2], int(words[3])), words[4] == "allowed"))
    return out


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    kguard, conformance = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    only = sys.argv[3] if len(sys.argv) > 3 else ""
    started = time.time()
    work = tempfile.mkdtemp(prefix="kguard-cnp-e2e-")
    lab = Lab(f"kgc{os.getpid()}", topology_pods(os.path.join(conformance, "topology.yaml")))
    agent = None
    failures = checked = denied = 0
    try:
        try:
            lab.up()
        except subprocess.CalledProcessError as e:
            print(f"FAIL: cannot build the namespaces: {e.stderr.strip()}")
            return 1
        everyone = [(a, b, "tcp", 80) for a, _, _, ha in lab.pods for b, _, _, hb in lab.pods if a != b and not hb]
        for _ in range(20):  # servers up: with no policy every pod reaches every pod
            if all(v == "." for v in lab.probe(everyone).values()):
                break
            time.sleep(0.3)
        else:
            print("FAIL: servers did not come up")
            return 1
        state = os.path.join(work, "state")
        os.makedirs(state)
        shutil.copy(os.path.join(conformance, "topology.yaml"), os.path.join(state, "00-topology.yaml"))
        log_path = os.path.join(work, "agent.log")
        agent = subprocess.Popen([kguard, "netpol", "agent", "--watch-dir", state], stdout=open(log_path, "w"),
                                 stderr=subprocess.STDOUT)
        for name, step_dir in steps(conformance):
            if only and only not in name:
                continue
            before = open(log_path).read().count("sync: ")
            setup, target = os.path.join(step_dir, "setup.yaml"), os.path.join(state, "10-setup.yaml")
            if os.path.exists(setup):
                shutil.copy(setup, target)
            elif os.path.exists(target):
                os.remove(target)
            shutil.copy(os.path.join(step_dir, "policies.yaml"), os.path.join(state, "20-policies.yaml"))
            if not wait_for_sync(log_path, before, settle=0.3):
                print(f"FAIL {name}: the agent did not reload")
                failures += 1
                continue
            cases = [(c, allowed) for c, allowed in expected(step_dir) if c[2] in ("tcp", "udp")]
            got = lab.probe([c for c, _ in cases])
            # A loaded machine may start a probe or finish a sync late: what disagrees is probed once more.
            again = [c for c, allowed in cases if got[c] != ("." if allowed else "X")]
            if again:
                time.sleep(1)
                got.update(lab.probe(again))
            wrong = [f"{c[0]}->{c[1]} {c[2]}/{c[3]} expected {'allowed' if allowed else 'dropped'} got {got[c]}"
                     for c, allowed in cases if got[c] != ("." if allowed else "X")]
            checked += len(cases)
            denied += sum(not allowed for _, allowed in cases)
            print(("ok" if not wrong else "FAIL") + f" {name}: {len(cases)} connections" +
                  ("" if not wrong else ": " + "; ".join(wrong)))
            failures += bool(wrong)
        print(f"probed {checked} asserted connections ({denied} dropped) in {time.time() - started:.0f} s, "
              f"{failures} failures")
        if failures:
            print(open(log_path).read()[-4000:])
        return 1 if failures or not checked else 0
    finally:
        if agent:
            stop(agent)
        lab.down()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
