// kguard netpol: matrix, explain and compile work offline on manifests (docs/cli-contract.md).
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/integer_flag.h"
#include "cli/repeated_input.h"
#include "kube/manifest.h"
#include "kube/pod_decode.h"
#include "runtime/health_endpoint.h"
#include "netpol/agent/event_loop.h"
#include "netpol/agent/kernel_datapath.h"
#include "netpol/agent/reconciler.h"
#include "netpol/agent/api_source.h"
#include "netpol/agent/deny_log_reader.h"
#include "netpol/agent/dir_source.h"
#include "netpol/cluster_policy_evaluate.h"
#include "netpol/decode.h"
#include "netpol/diff.h"
#include "netpol/matrix.h"
#include "netpol/render_nft.h"
#include "netpol/ruleset.h"
#include "runtime/log.h"
#include "runtime/stop_signals.h"
#include "cli/non_empty_flag.h"

namespace cli {
namespace {

struct NetpolOptions {
  std::vector<std::string> paths;
  std::vector<std::string> withPaths;  // diff: the changed state
  std::string protocol = "tcp";
  int port = 80;
  std::string from, to, pod;
  std::optional<int> nflogGroup;
  // agent
  std::string watchDir, node, kubeconfig, metricsAddress, denyLog;
  bool once = false;
  bool defaultDenyUntilSynced = false;
};

// Bad input or usage: the message is printed and the command exits 2.
struct UsageError {
  std::string message;
};

std::vector<kube::Manifest> loadInput(const NetpolOptions& o) {
  try {
    return keepAppliedState(kube::loadManifests(o.paths), "kguard netpol");
  } catch (const kube::InputError& e) {
    throw UsageError{e.what()};
  }
}

netpol::Cluster decode(const std::vector<kube::Manifest>& manifests) {
  try {
    return netpol::decodeCluster(manifests);
  } catch (const kube::InputError& e) {
    throw UsageError{e.what()};
  }
}

netpol::Cluster loadCluster(const NetpolOptions& o) { return decode(loadInput(o)); }

// "a, b, c and 4 more"
std::string shortList(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 5; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 5) out += " and " + std::to_string(names.size() - 5) + " more";
  return out;
}

// The matrix probes pod IPs, so only Pod objects with status.podIP take part: say so when the input
// holds pods without one (shown as `?`) or workloads whose pods are not in it.
void printMatrixNotes(const std::vector<kube::Manifest>& manifests, const netpol::Cluster& cluster) {
  std::vector<std::string> noIp, terminated, workloads, otherFamily;
  for (const auto& pod : cluster.pods) {
    if (pod.ips.empty()) noIp.push_back(pod.id());
    else if (pod.terminated) terminated.push_back(pod.id());
  }
  auto probeable = [](const netpol::Pod& pod) { return !pod.ips.empty() && !pod.terminated; };
  for (const auto& from : cluster.pods)  // both have addresses, but none of the family the probe needs
    for (const auto& to : cluster.pods)
      if (probeable(from) && probeable(to) && !netpol::probeEndpoints(from, to)) otherFamily.push_back(from.id() + " -> " + to.id());
  for (const auto& m : manifests)
    if (m.kind() != "Pod" && kube::podTemplatePath(m.apiVersion(), m.kind()))
      workloads.push_back(m.kind() + " " + (m.namespace_().empty() ? "default" : m.namespace_()) + "/" + m.name());
  if (!noIp.empty())
    std::cerr << "kguard netpol matrix: note: " << noIp.size() << (noIp.size() == 1 ? " pod has" : " pods have")
              << " no status.podIP, shown as ? (not probed): " << shortList(noIp) << "\n";
  if (!terminated.empty())
    std::cerr << "kguard netpol matrix: note: " << terminated.size() << (terminated.size() == 1 ? " pod has" : " pods have")
              << " terminated (status.phase Succeeded or Failed), shown as ? (not probed): " << shortList(terminated) << "\n";
  if (!otherFamily.empty())
    std::cerr << "kguard netpol matrix: note: " << otherFamily.size() << (otherFamily.size() == 1 ? " pair is" : " pairs are")
              << " shown as ? (not probed): the two pods have no IP family in common: "
              << shortList(otherFamily) << "\n";
  if (!workloads.empty())
    std::cerr << "kguard netpol matrix: note: only Pod objects with status.podIP are probed; the pods of "
              << shortList(workloads) << " are not in the input (add them, e.g. from `kubectl get pods -o yaml`)\n";
}

const netpol::Pod& findPod(const netpol::Cluster& cluster, const std::string& ref, const char* flag) {
  auto slash = ref.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == ref.size())
    throw UsageError{std::string(flag) + ": expected NAMESPACE/POD, got \"" + ref + "\""};
  const netpol::Pod* pod = cluster.findPod(ref.substr(0, slash), ref.substr(slash + 1));
  if (!pod) throw UsageError{std::string(flag) + ": pod " + ref + " is not in the input"};
  return *pod;
}

netpol::Protocol protocolOf(const NetpolOptions& o) {
  auto p = netpol::parseProtocol(o.protocol);
  if (!p) throw UsageError{"--protocol: expected tcp, udp or sctp, got \"" + o.protocol + "\""};
  return *p;
}

int runMatrix(const NetpolOptions& o) {
  auto manifests = loadInput(o);
  auto cluster = decode(manifests);
  std::cout << netpol::renderMatrix(cluster, protocolOf(o), o.port);
  printMatrixNotes(manifests, cluster);
  return kExitOk;
}

int runExplain(const NetpolOptions& o) {
  auto cluster = loadCluster(o);
  const auto& from = findPod(cluster, o.from, "--from");
  const auto& to = findPod(cluster, o.to, "--to");
  auto e = netpol::explainConnection(cluster, from, to, protocolOf(o), o.port);
  std::cout << e.text;
  if (!e.probed) return kExitUsage;  // neither allowed nor denied: the input lacks the pod's address
  return e.allowed ? kExitOk : kExitViolation;
}

int runCompile(const NetpolOptions& o) {
  auto cluster = loadCluster(o);
  const auto& pod = findPod(cluster, o.pod, "--pod");
  if (pod.hostNetwork) throw UsageError{"--pod: " + o.pod + " uses the host network; NetworkPolicy does not apply to it"};
  netpol::RenderOptions render;
  render.nflogGroup = o.nflogGroup;
  std::cout << netpol::renderNft(netpol::compileRuleset(cluster, pod), render);
  return kExitOk;
}

// Pods in only one of the two states are not compared: say which. When the states share no pod there is
// nothing to compare, and "0 newly allowed, 0 newly denied" (exit 0) would pass a change no one looked at:
// most often --with was given only the changed policies, so say how to give a complete state.
void checkDiffPods(const netpol::Cluster& current, const netpol::Cluster& changed) {
  auto missing = [](const netpol::Cluster& from, const netpol::Cluster& in) {
    std::vector<std::string> out;
    for (const auto& pod : from.pods)
      if (!in.findPod(pod.namespace_, pod.name)) out.push_back(pod.id());
    return out;
  };
  auto onlyCurrent = missing(current, changed), onlyChanged = missing(changed, current);
  if (onlyCurrent.size() == current.pods.size())
    throw UsageError{"-f and --with share no pod (" + std::to_string(current.pods.size()) + " in -f, " +
                     std::to_string(changed.pods.size()) +
                     " in --with): nothing to compare; each is a complete state (pods, namespaces, policies), "
                     "so pass the shared files to both, e.g. -f cluster.yaml --with cluster.yaml --with change.yaml"};
  if (!onlyCurrent.empty())
    std::cerr << "kguard netpol diff: note: not compared, only in -f: " << shortList(onlyCurrent) << "\n";
  if (!onlyChanged.empty())
    std::cerr << "kguard netpol diff: note: not compared, only in --with: " << shortList(onlyChanged) << "\n";
}

int runDiff(const NetpolOptions& o) {
  auto current = loadCluster(o);
  NetpolOptions with = o;
  with.paths = o.withPaths;
  auto changed = loadCluster(with);
  checkDiffPods(current, changed);
  auto changes = netpol::diffClusters(current, changed);
  std::cout << netpol::renderDiff(changes);
  return changes.empty() ? kExitOk : kExitViolation;
}

int runAgent(const NetpolOptions& o) {
  if (o.watchDir.empty() && o.node.empty())
    throw UsageError{"expected --watch-dir DIR, or --node NAME (with --kubeconfig F, or in-cluster)"};
  netpol::agent::LoopOptions loop;
  loop.nodeName = o.node;
  loop.render.nflogGroup = o.nflogGroup;
  loop.once = o.once;
  loop.defaultDenyUntilSynced = o.defaultDenyUntilSynced;
  netpol::agent::AgentMetrics metrics;
  loop.metrics = &metrics;
  runtime::StopSignals signals;  // before any thread starts; the loop polls signals.requested()
  std::unique_ptr<runtime::HealthEndpoint> metricsEndpoint;
  if (!o.metricsAddress.empty()) {
    try {
      runtime::HealthRoutes routes;
      routes.renderMetrics = [&metrics] { return metrics.render(); };
      metricsEndpoint = std::make_unique<runtime::HealthEndpoint>(o.metricsAddress, std::move(routes));
    } catch (const std::runtime_error& e) {
      throw UsageError{std::string("--metrics-bind-address: ") + e.what()};
    }
    runtime::log(runtime::LogLevel::Info, "metrics on http://" + o.metricsAddress.substr(0, o.metricsAddress.rfind(':')) +
                                              ":" + std::to_string(metricsEndpoint->port()) + "/metrics");
  }
  // --deny-log: the drop rules' NFLOG packets as JSON lines (netpol/agent/deny_log_reader.h).
  netpol::DenyRuleIds denyRuleIds;
  loop.render.denyRuleIds = &denyRuleIds;  // the compiler hands out the ids the reader resolves
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> denyLogFile(nullptr, std::fclose);
  std::unique_ptr<netpol::agent::DenyLogReader> denyLog;
  if (!o.denyLog.empty()) {
    if (!o.nflogGroup) throw UsageError{"--deny-log needs --nflog-group N (the group the drop rules log to)"};
    std::FILE* out = stdout;
    if (o.denyLog != "-") {
      denyLogFile.reset(std::fopen(o.denyLog.c_str(), "a"));
      if (!denyLogFile) throw UsageError{"--deny-log " + o.denyLog + ": " + std::strerror(errno)};
      out = denyLogFile.get();
    }
    denyLog = std::make_unique<netpol::agent::DenyLogReader>(static_cast<uint16_t>(*o.nflogGroup), denyRuleIds, out, &metrics);
  }
  auto datapath = netpol::agent::makeKernelDatapath(denyLog.get());
  if (o.defaultDenyUntilSynced && o.watchDir.empty()) {
    // Connecting to the API server waits for the first list: hold what is already here meanwhile.
    netpol::agent::Reconciler holder(*datapath, o.node, loop.render, &metrics);
    for (const auto& m : holder.holdUnsynced().messages) runtime::log(runtime::LogLevel::Info, m);
  }
  std::unique_ptr<netpol::agent::ClusterSource> source;
  try {
    source = o.watchDir.empty() ? netpol::agent::makeApiSource(o.kubeconfig) : netpol::agent::makeDirSource(o.watchDir);
  } catch (const kube::InputError& e) {
    throw UsageError{e.what()};
  }
  int code = netpol::agent::runAgentLoop(*source, loop, *datapath, signals.requested());
  if (code == kExitUsage) throw UsageError{"cannot load " + source->describe()};
  return code;
}

template <typename Run>
void runGuarded(Run run, const NetpolOptions& o, const char* name, int* exitCode) {
  try {
    *exitCode = run(o);
  } catch (const UsageError& e) {
    std::cerr << "kguard netpol " << name << ": " << e.message << "\n";
    *exitCode = kExitUsage;
  }
}

void addInputs(CLI::App* cmd, NetpolOptions* o) {
  cmd->add_option("-f,--filename", o->paths, "manifest file, folder (recursive) or - for stdin; repeatable")
      ->required()
      ->check(nonEmpty());
}

}  // namespace

void addNetpolCommand(CLI::App& app, int* exitCode) {
  auto* netpolCmd = app.add_subcommand("netpol", "NetworkPolicy compiler: reachability matrix, explain, nftables rulesets");
  netpolCmd->require_subcommand(1);
  auto o = std::make_shared<NetpolOptions>();

  auto* matrix = netpolCmd->add_subcommand("matrix", "reachability of every pod to every pod for one protocol and port");
  addInputs(matrix, o.get());
  matrix->add_option("--protocol", o->protocol, "tcp, udp or sctp (default tcp)");
  matrix->add_option("--port", o->port, "destination port (default 80)")->check(integerIn(1, 65535));
  matrix->callback([o, exitCode] { runGuarded(runMatrix, *o, "matrix", exitCode); });

  auto* explain = netpolCmd->add_subcommand("explain", "whether one connection is allowed, and which policies decide");
  addInputs(explain, o.get());
  explain->add_option("--from", o->from, "source pod NAMESPACE/POD")->required();
  explain->add_option("--to", o->to, "destination pod NAMESPACE/POD")->required();
  explain->add_option("--port", o->port, "destination port")->required()->check(integerIn(1, 65535));
  explain->add_option("--protocol", o->protocol, "tcp, udp or sctp (default tcp)");
  explain->callback([o, exitCode] { runGuarded(runExplain, *o, "explain", exitCode); });

  auto* compile = netpolCmd->add_subcommand("compile", "the nftables ruleset (nft -f) for one pod's network namespace");
  addInputs(compile, o.get());
  compile->add_option("--pod", o->pod, "pod NAMESPACE/POD")->required();
  compile->add_option("--nflog-group", o->nflogGroup, "also log denied packets to this NFLOG group")
      ->check(integerIn(0, 65535));
  compile->callback([o, exitCode] { runGuarded(runCompile, *o, "compile", exitCode); });

  auto* diff = netpolCmd->add_subcommand(
      "diff", "connections (pod pairs x protocol/ports) a change newly allows or denies; exit 1 if any");
  addInputs(diff, o.get());
  diff->add_option("--with", o->withPaths, "the changed state: manifest files or folders, complete like -f; repeatable")
      ->required()
      ->check(nonEmpty());
  diff->callback([o, exitCode, diff] {
    // `-f A --with B -f C`: C would silently join the current state (-f), though its place says the
    // changed one was meant. Refuse the split instead of guessing (docs/cli-contract.md, diff).
    bool fBeforeWith = false, withSeen = false;
    for (const CLI::Option* opt : diff->parse_order()) {
      if (opt->get_name() == "--with") {
        withSeen = true;
      } else if (opt->check_name("-f")) {
        if (fBeforeWith && withSeen) {
          std::cerr << "kguard netpol diff: -f given both before and after --with: every -f is the current "
                       "state wherever it stands; to add a file to the changed state use --with FILE, "
                       "e.g. -f A --with B --with C\n";
          *exitCode = kExitUsage;
          return;
        }
        if (!withSeen) fBeforeWith = true;
      }
    }
    runGuarded(runDiff, *o, "diff", exitCode);
  });

  auto* agent = netpolCmd->add_subcommand("agent", "keep each local pod's ruleset installed in its network namespace");
  agent->add_option("--watch-dir", o->watchDir, "read Namespaces, Pods and NetworkPolicies from YAML files in DIR")->check(nonEmpty());
  agent->add_option("--node", o->node, "only pods with this spec.nodeName (required with the API server)");
  agent->add_option("--kubeconfig", o->kubeconfig, "watch the API server (default: in-cluster service account)")->check(nonEmpty());
  agent->add_option("--nflog-group", o->nflogGroup, "also log denied packets to this NFLOG group")->check(integerIn(0, 65535));
  agent->add_option("--deny-log", o->denyLog,
                    "with --nflog-group: read the dropped packets back and write them to FILE (- = stdout) as JSON lines "
                    "naming the tier, policy and rule that dropped them");
  agent->add_flag("--once", o->once, "sync once and exit (exit 1 if any namespace failed)");
  agent->add_option("--metrics-bind-address", o->metricsAddress,
                    "serve Prometheus metrics on http://HOST:PORT/metrics (port 0 = any free port; default: off)");
  agent->add_flag("--default-deny-until-synced", o->defaultDenyUntilSynced,
                  "until the inputs have been read and synced once, hold every namespace found without a kguard table in default-deny");
  agent->callback([o, exitCode] { runGuarded(runAgent, *o, "agent", exitCode); });
}

}  // namespace cli
