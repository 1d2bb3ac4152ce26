// netpol::mayConnect, the audit's reachability: some protocol and port that both the source's egress
// and the destination's ingress allow, each side through the tiers, pods judged by labels alone. Each
// case is built so that a plausible misreading (sides judged on different ports, ipBlocks matching
// pods, ClusterNetworkPolicy tiers ignored or misordered) fails it.
#include <catch2/catch.hpp>

#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol_test;

namespace {

// x/a x/b w/a with labels pod=<name>, namespaces ns=<name>; every pod serves "http" on 8080.
std::string base() {
  const std::string http = "[{name: http, containerPort: 8080}]";
  return ns("x", "{ns: x}") + ns("w", "{ns: w}") + pod("x", "a", "{pod: a}", "10.1.0.1", http) +
         pod("x", "b", "{pod: b}", "10.1.0.2", http) + pod("w", "a", "{pod: a}", "10.2.0.1", http);
}

bool may(const Cluster& c, const std::string& from, const std::string& to) {
  return mayConnect(c, podOf(c, from), podOf(c, to));
}

// Egress of w/a limited to `egressPorts`, ingress of x/a limited to `ingressPorts` (YAML flow lists).
Cluster bothSides(const std::string& egressPorts, const std::string& ingressPorts) {
  return cluster(base() +
                 policy("w", "out", "  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{ports: " + egressPorts + "}]") +
                 policy("x", "in", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{ports: " + ingressPorts + "}]"));
}

std::string cnp(const std::string& name, const std::string& tier, int priority, const std::string& subject,
                const std::string& rules) {
  return clusterPolicy(name, tier, priority, subject, rules);
}

const char* kSubjectX = "{namespaces: {matchLabels: {ns: x}}}";
const char* kFromW = "[{namespaces: {matchLabels: {ns: w}}}]";

}  // namespace

TEST_CASE("mayConnect: no policy allows; an isolating policy allows only what its rules admit") {
  auto open = cluster(base());
  CHECK(may(open, "w/a", "x/a"));
  auto isolated = cluster(base() + policy("x", "p", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{podSelector: {}}]}]"));
  CHECK(may(isolated, "x/b", "x/a"));
  CHECK_FALSE(may(isolated, "w/a", "x/a"));  // a podSelector peer is the policy's own namespace
  CHECK(may(isolated, "x/a", "w/a"));        // egress of x/a and ingress of w/a are open
}

TEST_CASE("mayConnect: both sides must allow the same protocol and port") {
  CHECK(may(bothSides("[{port: 53}, {port: 8080}]", "[{port: 8080}]"), "w/a", "x/a"));
  CHECK_FALSE(may(bothSides("[{port: 53}]", "[{port: 8080}]"), "w/a", "x/a"));  // each side allows some port
  CHECK_FALSE(may(bothSides("[{protocol: UDP, port: 8080}]", "[{port: 8080}]"), "w/a", "x/a"));
  CHECK(may(bothSides("[{port: 8000, endPort: 9000}]", "[{port: 8080}]"), "w/a", "x/a"));
  // A named port resolves on the destination: x/a's "http" is 8080.
  CHECK(may(bothSides("[{port: http}]", "[{port: 8080}]"), "w/a", "x/a"));
  CHECK_FALSE(may(bothSides("[{port: http}]", "[{port: 80}]"), "w/a", "x/a"));
  CHECK_FALSE(may(bothSides("[{port: metrics}]", "[{}]"), "w/a", "x/a"));  // x/a has no port named metrics
}

TEST_CASE("mayConnect: ipBlock peers match no pod, even 0.0.0.0/0 around the pod's own address") {
  auto c = cluster(base() + policy("x", "p", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]"));
  CHECK_FALSE(may(c, "w/a", "x/a"));
  CHECK(allowed(c, "w/a", "x/a"));  // the matrix, which probes addresses, lets it through
}

TEST_CASE("mayConnect: Admin ClusterNetworkPolicies decide before NetworkPolicies, Baseline after") {
  const auto allowAll = policy("x", "allow-all", "  podSelector: {}\n  ingress: [{}]");
  const auto denyFromW = cnp("deny-w", "Admin", 10, kSubjectX, "  ingress: [{name: r, action: Deny, from: " + std::string(kFromW) + "}]");
  auto denied = cluster(base() + allowAll + denyFromW);
  CHECK_FALSE(may(denied, "w/a", "x/a"));
  CHECK(may(denied, "x/b", "x/a"));
  // An earlier Accept on 8080 only: that port gets through, so the pods may connect.
  auto accept8080 = cluster(base() + denyFromW +
                            cnp("accept-8080", "Admin", 5, kSubjectX,
                                "  ingress: [{name: r, action: Accept, from: " + std::string(kFromW) +
                                    ", protocols: [{tcp: {destinationPort: {number: 8080}}}]}]"));
  CHECK(may(accept8080, "w/a", "x/a"));
  // Pass hands the decision to the NetworkPolicies, which isolate x/a and admit nobody from w.
  auto passed = cluster(base() + policy("x", "only-x", "  podSelector: {}\n  ingress: [{from: [{podSelector: {}}]}]") +
                        cnp("pass-w", "Admin", 10, kSubjectX, "  ingress: [{name: r, action: Pass, from: " + std::string(kFromW) + "}]"));
  CHECK_FALSE(may(passed, "w/a", "x/a"));
  // Baseline Deny applies only where no NetworkPolicy isolates the pod.
  const auto baselineDeny = cnp("baseline", "Baseline", 10, kSubjectX, "  ingress: [{name: r, action: Deny, from: " + std::string(kFromW) + "}]");
  CHECK_FALSE(may(cluster(base() + baselineDeny), "w/a", "x/a"));
  CHECK(may(cluster(base() + baselineDeny + allowAll), "w/a", "x/a"));
  // Egress: an Admin Deny of the source's egress to x.
  auto egress = cluster(base() + cnp("no-x", "Admin", 10, "{namespaces: {matchLabels: {ns: w}}}",
                                     "  egress: [{name: r, action: Deny, to: [{namespaces: {matchLabels: {ns: x}}}]}]"));
  CHECK_FALSE(may(egress, "w/a", "x/a"));
  CHECK(may(egress, "x/a", "w/a"));
}

TEST_CASE("mayConnect: a ClusterNetworkPolicy's networks peers match no pod") {
  auto c = cluster(base() + cnp("deny-nets", "Admin", 10, "{namespaces: {matchLabels: {ns: w}}}",
                                "  egress: [{name: r, action: Deny, to: [{networks: [0.0.0.0/0]}]}]"));
  CHECK(may(c, "w/a", "x/a"));
  CHECK_FALSE(allowed(c, "w/a", "x/a"));  // by address, the matrix denies it
}
