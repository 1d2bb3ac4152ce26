// netpol diff: the port intervals that partition every port, and the changes between two states.
#include <catch2/catch.hpp>

#include "netpol/diff.h"
#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol_test;

namespace {

std::string base() {
  return ns("x") + pod("x", "a", "{pod: a}", "10.1.0.1", "[{name: http, containerPort: 8080}]") +
         pod("x", "b", "{pod: b}", "10.1.0.2");
}

std::string strs(const std::vector<PortInterval>& intervals, Protocol protocol) {
  std::string out;
  for (const auto& i : intervals)
    if (i.protocol == protocol) out += (out.empty() ? "" : ", ") + i.str();
  return out;
}

}  // namespace

TEST_CASE("diff: port intervals cut at every port, range end and named container port of either state") {
  auto current = cluster(base() + policy("x", "p", "  podSelector: {}\n  ingress: [{ports: [{port: 80}]}]"));
  auto changed = cluster(base() + policy("x", "p", "  podSelector: {}\n  ingress: [{ports: [{port: 100, endPort: 200, protocol: UDP}]}]"));
  auto intervals = portIntervals(current, changed);
  CHECK(strs(intervals, Protocol::TCP) == "tcp 1-79, tcp 80, tcp 81-8079, tcp 8080, tcp 8081-65535");
  CHECK(strs(intervals, Protocol::UDP) == "udp 1-99, udp 100-200, udp 201-65535");
  CHECK(strs(intervals, Protocol::SCTP) == "sctp 1-65535");
}

TEST_CASE("diff: a NetworkPolicy change, merged into port ranges, with the deciding policy") {
  auto current = cluster(base());
  auto changed = cluster(base() + policy("x", "only-80", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{ports: [{port: 80}]}]"));
  auto changes = diffClusters(current, changed);
  REQUIRE(changes.size() == 4);  // x/b -> x/a: tcp 1-79, 81-65535, udp all, sctp all
  CHECK(changes[0].from == "x/b");
  CHECK(changes[0].ports.str() == "tcp 1-79");
  CHECK_FALSE(changes[0].nowAllowed);
  CHECK(changes[0].now == "ingress of x/a: denied (isolated by x/only-80; no ingress rule allows it)");
  CHECK(changes[0].before == "allowed: no policy decides it");
  CHECK(changes[1].ports.str() == "tcp 81-65535");
  CHECK(changes[2].ports.str() == "udp 1-65535");
  auto back = diffClusters(changed, current);
  REQUIRE(back.size() == 4);
  CHECK(back[0].nowAllowed);
}

TEST_CASE("diff: a dual-stack pair's IPv6 traffic is compared too, and named when only it changes") {
  // The matrix probes IPv4 where both pods have it; a networks peer of IPv6 only changed nothing there,
  // so diff said "0 changes" (exit 0) for a policy that denies every IPv6 connection between the pods.
  std::string pods = ns("x") + pod("x", "a", "{pod: a}", "10.1.0.1,fd01::1") + pod("x", "b", "{pod: b}", "10.1.0.2,fd01::2");
  auto current = cluster(pods);
  auto changed = cluster(pods + clusterPolicy("v6", "Admin", 1, "{namespaces: {}}",
                                              "  egress:\n  - {action: Deny, to: [{networks: [\"fd01::/64\"]}]}"));
  auto changes = diffClusters(current, changed);
  REQUIRE(changes.size() == 6);  // each direction: tcp, udp, sctp 1-65535, over IPv6 only
  CHECK(changes[0].from == "x/a");
  CHECK(changes[0].ports.str() == "tcp 1-65535");
  CHECK(changes[0].family == "IPv6");
  CHECK(changes[0].now == "egress of x/a: denied by Admin ClusterNetworkPolicy \"v6\" (priority 1) egress[0]: Deny");
  CHECK(renderDiff(changes).find("newly denied: x/a -> x/b tcp 1-65535 over IPv6\n") == 0);
  // A change both families see alike stays one line without a family.
  auto both = cluster(pods + clusterPolicy("all", "Admin", 1, "{namespaces: {}}",
                                           "  egress:\n  - {action: Deny, to: [{namespaces: {}}]}"));
  auto alike = diffClusters(current, both);
  REQUIRE(alike.size() == 6);
  CHECK(alike[0].family.empty());
}

TEST_CASE("diff: when the families change differently over several port intervals, each family's line spans them") {
  // IPv4 and IPv6 denied by two different rules; an Accept rule matching no pod cuts tcp at 80, so each of
  // tcp 1-79, 80 and 81-65535 yields an IPv4 and an IPv6 change, interleaved, which must merge per family.
  std::string pods = ns("x") + pod("x", "a", "{pod: a}", "10.1.0.1,fd01::1") + pod("x", "b", "{pod: b}", "10.1.0.2,fd01::2");
  auto changed = cluster(pods + clusterPolicy("split", "Admin", 1, "{namespaces: {}}",
                                              "  egress:\n"
                                              "  - {name: none, action: Accept, to: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {pod: none}}}}],"
                                              " protocols: [{tcp: {destinationPort: {number: 80}}}]}\n"
                                              "  - {name: v4, action: Deny, to: [{networks: [\"10.1.0.0/16\"]}]}\n"
                                              "  - {name: v6, action: Deny, to: [{networks: [\"fd01::/64\"]}]}"));
  auto changes = diffClusters(cluster(pods), changed);
  REQUIRE(changes.size() == 12);  // each direction x tcp, udp, sctp x IPv4, IPv6
  CHECK(changes[0].ports.str() == "tcp 1-65535");
  CHECK(changes[0].family == "IPv4");
  CHECK(changes[0].now.find("egress[1] \"v4\"") != std::string::npos);
  CHECK(changes[1].ports.str() == "tcp 1-65535");
  CHECK(changes[1].family == "IPv6");
  CHECK(changes[1].now.find("egress[2] \"v6\"") != std::string::npos);
}

TEST_CASE("diff: a side an Admin Pass handed down to the default is named with the Pass") {
  std::string pods = ns("x", "{team: a}") + pod("x", "a", "{pod: a}", "10.1.0.1") + pod("x", "b", "{pod: b}", "10.1.0.2");
  std::string pass = "  ingress:\n  - {name: pass-all, action: Pass, from: [{namespaces: {}}]}";
  std::string deny = "  ingress:\n  - {name: deny-all, action: Deny, from: [{namespaces: {}}]}";
  auto current = cluster(pods + clusterPolicy("pass", "Admin", 10, "{namespaces: {}}", pass) +
                         clusterPolicy("deny", "Admin", 20, "{namespaces: {}}", deny));
  auto changed = cluster(pods + clusterPolicy("pass", "Admin", 30, "{namespaces: {}}", pass) +
                         clusterPolicy("deny", "Admin", 20, "{namespaces: {}}", deny));
  auto changes = diffClusters(current, changed);
  REQUIRE_FALSE(changes.empty());
  CHECK_FALSE(changes[0].nowAllowed);
  CHECK(changes[0].before ==
        "ingress of x/b: allowed (not isolated: no NetworkPolicy selects it for ingress; Admin ClusterNetworkPolicy "
        "\"pass\" (priority 10) ingress[0] \"pass-all\": Pass, handing the decision down)");
}

TEST_CASE("diff: a pair whose families differ between the states is still compared, each state as the matrix probes it") {
  auto deny = clusterPolicy("v6", "Admin", 1, "{namespaces: {}}", "  egress:\n  - {action: Deny, to: [{networks: [\"fd01::/64\"]}]}");
  auto current = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.1.0.1") + pod("x", "b", "{pod: b}", "10.1.0.2") + deny);
  auto changed = cluster(ns("x") + pod("x", "a", "{pod: a}", "fd01::1") + pod("x", "b", "{pod: b}", "fd01::2") + deny);
  auto changes = diffClusters(current, changed);
  REQUIRE(changes.size() == 6);
  CHECK_FALSE(changes[0].nowAllowed);
  CHECK(changes[0].family.empty());
}
