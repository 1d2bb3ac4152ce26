#include <catch2/catch.hpp>

#include "netpol/matrix.h"
#include "tests/netpol/conformance_cases.h"
#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol_test;

TEST_CASE("matrix prints the contract format") {
  auto c = cluster(ns("x") + pod("x", "c", "{pod: c}", "10.0.0.3") + pod("x", "a", "{pod: a}", "10.0.0.1") +
                   pod("x", "b", "{pod: b}", "10.0.0.2") +
                   policy("x", "p", "  podSelector: {matchLabels: {pod: c}}\n  ingress: [{from: [{podSelector: {matchLabels: {pod: c}}}]}]"));
  CHECK(renderMatrix(c, Protocol::TCP, 80) ==
        "probe tcp 80\n"
        "- x/a x/b x/c\n"
        "x/a . . X\n"
        "x/b . . X\n"
        "x/c . . .\n");
  CHECK(renderMatrix(c, Protocol::UDP, 53).rfind("probe udp 53\n", 0) == 0);
}

TEST_CASE("a pod without an IP is not probed: ? both ways, never X (blocked)") {
  auto c = cluster(ns("x") + pod("x", "a", "{}", "10.0.0.1") +
                   "---\napiVersion: v1\nkind: Pod\nmetadata: {name: pending, namespace: x}\nspec: {containers: [{name: c, image: i}]}\n");
  CHECK(renderMatrix(c, Protocol::TCP, 80) == "probe tcp 80\n- x/a x/pending\nx/a . ?\nx/pending ? ?\n");
  // Under a default-deny policy, X stays where a probe was made and was refused, ? where none could be made.
  auto isolated = cluster(ns("x") + pod("x", "a", "{}", "10.0.0.1") + pod("x", "b", "{}", "10.0.0.2") +
                          "---\napiVersion: v1\nkind: Pod\nmetadata: {name: pending, namespace: x}\nspec: {containers: [{name: c, image: i}]}\n" +
                          policy("x", "deny", "  podSelector: {}\n  policyTypes: [Ingress]"));
  auto e = explainConnection(isolated, podOf(isolated, "x/a"), podOf(isolated, "x/pending"), Protocol::TCP, 80);
  CHECK_FALSE(e.probed);
  CHECK(e.text == "x/a -> x/pending tcp 80: not probed (x/pending has no usable pod IP, status.podIP)\n");
  CHECK(renderMatrix(isolated, Protocol::TCP, 80) == "probe tcp 80\n- x/a x/b x/pending\nx/a . X ?\nx/b X . ?\nx/pending ? ? ?\n");
}

// A Completed Job pod keeps its status.podIP in an export, but nothing runs behind it (the address may be
// another pod's by now): X would read as "blocked by policy" where the policy allows it.
TEST_CASE("a terminated pod is not probed: ? both ways, and explain says why") {
  auto c = cluster(ns("x") + pod("x", "a", "{}", "10.0.0.1") +
                   "---\napiVersion: v1\nkind: Pod\nmetadata: {name: job, namespace: x}\n"
                   "spec: {containers: [{name: c, image: i}]}\nstatus: {phase: Succeeded, podIP: 10.0.0.2}\n" +
                   policy("x", "from-a", "  podSelector: {}\n  ingress: [{from: [{podSelector: {}}]}]"));
  CHECK(renderMatrix(c, Protocol::TCP, 80) == "probe tcp 80\n- x/a x/job\nx/a . ?\nx/job ? ?\n");
  auto e = explainConnection(c, podOf(c, "x/job"), podOf(c, "x/a"), Protocol::TCP, 80);
  CHECK_FALSE(e.probed);
  CHECK(e.text == "x/job -> x/a tcp 80: not probed (x/job has terminated, status.phase Succeeded or Failed)\n");
}

// An IPv6-only pod can still reach a dual-stack one over IPv6: `?` only where no family is shared.
TEST_CASE("probes use a family both pods have: IPv4 first, else IPv6; ? only when none is shared") {
  auto c = cluster(ns("x") + pod("x", "v4", "{}", "10.0.0.1") + pod("x", "v6", "{}", "fd00::6") +
                   pod("x", "dual", "{}", "10.0.0.2,fd00::2") +
                   policy("x", "v6-only", "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: \"fd00::/64\"}}]}]"));
  CHECK(renderMatrix(c, Protocol::TCP, 80) ==
        "probe tcp 80\n"
        "- x/dual x/v4 x/v6\n"
        "x/dual . X .\n"
        "x/v4 X . ?\n"
        "x/v6 . ? .\n");
  auto e = explainConnection(c, podOf(c, "x/v6"), podOf(c, "x/dual"), Protocol::TCP, 80);
  CHECK(e.text.rfind("x/v6 -> x/dual tcp 80 (fd00::6 -> fd00::2): allowed\n", 0) == 0);
  auto mixed = explainConnection(c, podOf(c, "x/v4"), podOf(c, "x/v6"), Protocol::TCP, 80);
  CHECK_FALSE(mixed.probed);
  CHECK(mixed.text == "x/v4 -> x/v6 tcp 80: not probed (x/v4 (10.0.0.1) and x/v6 (fd00::6) have no IP family in common, status.podIPs)\n");
}

TEST_CASE("explain names the deciding policies and rule indexes of both sides") {
  auto c = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.0.0.1") + pod("x", "b", "{pod: b}", "10.0.0.2") +
                   policy("x", "deny", "  podSelector: {}\n  policyTypes: [Ingress, Egress]") +
                   policy("x", "b-out", "  podSelector: {matchLabels: {pod: b}}\n  egress: [{ports: [{port: 53, protocol: UDP}]}, {to: [{podSelector: {matchLabels: {pod: a}}}]}]"));
  auto e = explainConnection(c, podOf(c, "x/b"), podOf(c, "x/a"), Protocol::TCP, 80);
  CHECK_FALSE(e.allowed);
  CHECK(e.text.find("x/b -> x/a tcp 80 (10.0.0.2 -> 10.0.0.1): denied") == 0);
  CHECK(e.text.find("egress of x/b: allowed by x/b-out egress[1] (isolated by x/deny, x/b-out)") != std::string::npos);
  CHECK(e.text.find("ingress of x/a: denied (isolated by x/deny; no ingress rule allows it)") != std::string::npos);
}

// The same truth tables as the binary-level conformance test, in-process (so the library is judged
// even when the kguard binary is not built).
TEST_CASE("renderMatrix reproduces the upstream conformance truth tables") {
  size_t cells = 0;
  for (const auto& step : conformanceSteps(KGUARD_NETPOL_CONFORMANCE_DIR)) {
    auto c = decodeCluster(kube::loadManifests(step.files));
    for (const auto& expected : step.probes) {
      auto actual = parseProbeBlocks(renderMatrix(c, *parseProtocol(expected.protocol), expected.port));
      REQUIRE(actual.size() == 1);
      REQUIRE(actual[0].rowPods == expected.rowPods);
      for (size_t r = 0; r < expected.cells.size(); ++r)
        for (size_t col = 0; col < expected.cells[r].size(); ++col) {
          if (r == col) continue;
          INFO(step.name << " probe " << expected.protocol << " " << expected.port << ": " << expected.rowPods[r] << " -> "
                         << expected.pods[col]);
          CHECK(actual[0].cells[r][col] == expected.cells[r][col]);
          ++cells;
        }
    }
  }
  CHECK(cells >= 30 * 72);
}

// The agent accepts lo (a local address is routed over it, inside the pod), so an isolated pod still
// reaches itself; the matrix must not say X where real traffic passes.
TEST_CASE("a pod reaching its own address is allowed whatever the policies say (hairpin)") {
  auto c = cluster(ns("x") + pod("x", "a", "{}", "10.0.0.1") + pod("x", "b", "{}", "10.0.0.2") +
                   policy("x", "deny-all", "  podSelector: {}\n  policyTypes: [Ingress, Egress]") +
                   "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: deny}\n"
                   "spec:\n  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n"
                   "  ingress: [{action: Deny, from: [{namespaces: {}}]}]\n");
  CHECK(renderMatrix(c, Protocol::TCP, 80) == "probe tcp 80\n- x/a x/b\nx/a . X\nx/b X .\n");
  auto e = explainConnection(c, podOf(c, "x/a"), podOf(c, "x/a"), Protocol::UDP, 53);
  CHECK(e.allowed);
  CHECK_THAT(e.text, Catch::Contains("egress of x/a: allowed (the pod reaching its own address") &&
                         Catch::Contains("ingress of x/a: allowed (the pod reaching its own address"));
}

// A dual-stack pair is probed over IPv4; a peer of one family can decide IPv6 otherwise, and a dual-stack
// client may use IPv6: explain must not answer "allowed" while the agent drops IPv6.
TEST_CASE("explain shows the IPv6 verdict of a dual-stack pair when it differs, and then exits as denied") {
  auto base = ns("x") + pod("x", "a", "{}", "10.0.0.1,fd00::1") + pod("x", "b", "{}", "10.0.0.2,fd00::2");
  auto denyV6 = cluster(base +
                        "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: no-v6}\n"
                        "spec:\n  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n"
                        "  egress: [{action: Deny, to: [{networks: [\"fd00::/64\"]}]}]\n");
  auto e = explainConnection(denyV6, podOf(denyV6, "x/a"), podOf(denyV6, "x/b"), Protocol::TCP, 80);
  CHECK(e.probed);
  CHECK_FALSE(e.allowed);
  CHECK(e.text.rfind("x/a -> x/b tcp 80 (10.0.0.1 -> 10.0.0.2): allowed\n", 0) == 0);
  CHECK_THAT(e.text, Catch::Contains("  over IPv6 (fd00::1 -> fd00::2): denied\n    egress of x/a: denied by Admin"));
  // Both families agree: one block, as before.
  auto same = cluster(base);
  auto s = explainConnection(same, podOf(same, "x/a"), podOf(same, "x/b"), Protocol::TCP, 80);
  CHECK(s.allowed);
  CHECK(s.text.find("over IPv6") == std::string::npos);
}
