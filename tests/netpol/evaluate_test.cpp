// One test per semantic point of networking.k8s.io/v1 NetworkPolicy, each built so that the usual
// misreading fails it.
#include <catch2/catch.hpp>

#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol_test;

namespace {

// x/a x/b w/a w/b with labels pod=<name>; namespaces labelled ns=<name>.
std::string base() {
  return ns("x", "{ns: x}") + ns("w", "{ns: w}") + pod("x", "a", "{pod: a}", "10.1.0.1,fd00::1:1") +
         pod("x", "b", "{pod: b}", "10.1.0.2,fd00::1:2") + pod("w", "a", "{pod: a}", "10.2.0.1,fd00::2:1") +
         pod("w", "b", "{pod: b}", "10.2.0.2,fd00::2:2");
}

}  // namespace

TEST_CASE("no policy: everything allowed") {
  auto c = cluster(base());
  CHECK(allowed(c, "x/a", "w/b"));
  CHECK(allowedFromAddress(c, "8.8.8.8", "x/a"));
}

TEST_CASE("podSelector and namespaceSelector in one peer are ANDed, separate peers ORed") {
  auto anded = cluster(base() + policy("x", "p", R"(  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {ns: w}}
      podSelector: {matchLabels: {pod: b}})"));
  CHECK(allowed(anded, "w/b", "x/a"));
  CHECK_FALSE(allowed(anded, "w/a", "x/a"));  // right namespace, wrong pod
  CHECK_FALSE(allowed(anded, "x/b", "x/a"));  // right pod, wrong namespace

  auto ored = cluster(base() + policy("x", "p", R"(  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {ns: w}}
    - podSelector: {matchLabels: {pod: b}})"));
  CHECK(allowed(ored, "w/a", "x/a"));
  CHECK(allowed(ored, "w/b", "x/a"));
  CHECK(allowed(ored, "x/b", "x/a"));
}

TEST_CASE("a podSelector peer without namespaceSelector means the policy's namespace") {
  auto c = cluster(base() + policy("x", "p", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{podSelector: {}}]}]"));
  CHECK(allowed(c, "x/b", "x/a"));
  CHECK_FALSE(allowed(c, "w/b", "x/a"));
  // An empty namespaceSelector means all namespaces.
  auto all = cluster(base() + policy("x", "p", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{namespaceSelector: {}}]}]"));
  CHECK(allowed(all, "w/b", "x/a"));
  CHECK_FALSE(allowedFromAddress(all, "8.8.8.8", "x/a"));  // selectors never match outside addresses
}

TEST_CASE("ipBlock with except; CIDRs with host bits are masked") {
  auto c = cluster(base() + policy("x", "p", R"(  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - ipBlock: {cidr: 10.2.0.0/16, except: [10.2.0.2/32]})"));
  CHECK(allowed(c, "w/a", "x/a"));
  CHECK_FALSE(allowed(c, "w/b", "x/a"));  // excepted
  CHECK_FALSE(allowed(c, "x/b", "x/a"));

  // 10.1.0.2/4 is 0.0.0.0/4: reading it as the /32 10.1.0.2 would deny w/a.
  auto masked = cluster(base() + policy("x", "p", R"(  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - ipBlock: {cidr: 10.1.0.2/4})"));
  CHECK(allowed(masked, "w/a", "x/a"));
  CHECK(allowed(masked, "x/b", "x/a"));
  CHECK(allowedFromAddress(masked, "15.1.1.1", "x/a"));
  CHECK_FALSE(allowedFromAddress(masked, "16.0.0.1", "x/a"));

  // An except outside its cidr: the API server refuses the policy (ValidateIPBlock), and so does the
  // model (the error: decode_test.cpp).
  CHECK_THROWS_AS(cluster(base() + policy("x", "p", R"(  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - ipBlock: {cidr: 10.2.0.0/16, except: [192.168.0.0/16]})")),
                  kube::InputError);
}

TEST_CASE("ports: protocol defaults to TCP; a port without number covers all ports of its protocol") {
  auto c = cluster(base() + policy("x", "p", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{ports: [{port: 81}, {protocol: UDP}]}]"));
  CHECK(allowed(c, "w/a", "x/a", 81, Protocol::TCP));
  CHECK_FALSE(allowed(c, "w/a", "x/a", 81, Protocol::SCTP));
  CHECK_FALSE(allowed(c, "w/a", "x/a", 80, Protocol::TCP));
  CHECK(allowed(c, "w/a", "x/a", 5353, Protocol::UDP));
}

TEST_CASE("endPort makes a range, inclusive at both ends") {
  auto c = cluster(base() + policy("x", "p", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{ports: [{port: 8000, endPort: 8100}]}]"));
  CHECK_FALSE(allowed(c, "w/a", "x/a", 7999));
  CHECK(allowed(c, "w/a", "x/a", 8000));
  CHECK(allowed(c, "w/a", "x/a", 8050));  // ignoring endPort would deny this
  CHECK(allowed(c, "w/a", "x/a", 8100));
  CHECK_FALSE(allowed(c, "w/a", "x/a", 8101));
}

TEST_CASE("named ports resolve on the destination pod, per pod") {
  // Both servers name a port "web", on different numbers; the client defines "web" as 9999.
  std::string pods = ns("x") + pod("x", "client", "{role: client}", "10.1.0.9", "[{name: web, containerPort: 9999}]") +
                     pod("x", "s1", "{role: server}", "10.1.0.1", "[{name: web, containerPort: 8080}]") +
                     pod("x", "s2", "{role: server}", "10.1.0.2", "[{name: web, containerPort: 9090}, {name: udpweb, containerPort: 80, protocol: UDP}]");
  SECTION("ingress: the selected (destination) pod's own port") {
    auto c = cluster(pods + policy("x", "p", "  podSelector: {matchLabels: {role: server}}\n  ingress: [{ports: [{port: web}]}]"));
    CHECK(allowed(c, "x/client", "x/s1", 8080));
    CHECK_FALSE(allowed(c, "x/client", "x/s1", 9090));
    CHECK(allowed(c, "x/client", "x/s2", 9090));
    CHECK_FALSE(allowed(c, "x/client", "x/s2", 8080));
    CHECK_FALSE(allowed(c, "x/client", "x/s1", 9999));  // the source's port of that name is irrelevant
  }
  SECTION("egress: each destination pod's port, not the source's") {
    auto c = cluster(pods + policy("x", "p", "  podSelector: {matchLabels: {role: client}}\n  egress: [{ports: [{port: web}]}]"));
    CHECK(allowed(c, "x/client", "x/s1", 8080));
    CHECK(allowed(c, "x/client", "x/s2", 9090));
    CHECK_FALSE(allowed(c, "x/client", "x/s1", 9090));
    CHECK_FALSE(allowed(c, "x/client", "x/s2", 9999));
    // No pod behind an outside address, so a named port cannot match it.
    CHECK_FALSE(allowedToAddress(c, "x/client", "8.8.8.8", 8080));
  }
  SECTION("the protocol must match the container port's") {
    auto c = cluster(pods + policy("x", "p", "  podSelector: {matchLabels: {role: server}}\n  ingress: [{ports: [{port: udpweb}]}]"));
    CHECK_FALSE(allowed(c, "x/client", "x/s2", 80, Protocol::TCP));
    auto udp = cluster(pods + policy("x", "p", "  podSelector: {matchLabels: {role: server}}\n  ingress: [{ports: [{port: udpweb, protocol: UDP}]}]"));
    CHECK(allowed(udp, "x/client", "x/s2", 80, Protocol::UDP));
  }
}

TEST_CASE("egress: [] without policyTypes does not isolate; with policyTypes Egress it denies all") {
  auto notIsolating = cluster(base() + policy("x", "p", "  podSelector: {}\n  egress: []"));
  // The defaulted policyTypes is [Ingress]: x/a's ingress is isolated, its egress is not.
  CHECK(allowed(notIsolating, "x/a", "w/a"));
  CHECK_FALSE(allowed(notIsolating, "w/a", "x/a"));
  auto denyEgress = cluster(base() + policy("x", "p", "  podSelector: {}\n  egress: []\n  policyTypes: [Egress]"));
  CHECK_FALSE(allowed(denyEgress, "x/a", "w/a"));
  CHECK(allowed(denyEgress, "w/a", "x/a"));
}

TEST_CASE("missing ingress with policyTypes Ingress denies; ingress: [{}] allows all") {
  auto deny = cluster(base() + policy("x", "p", "  podSelector: {}\n  policyTypes: [Ingress]"));
  CHECK_FALSE(allowed(deny, "w/a", "x/a"));
  auto allowAll = cluster(base() + policy("x", "p", "  podSelector: {}\n  ingress: [{}]"));
  CHECK(allowed(allowAll, "w/a", "x/a"));
  CHECK(allowedFromAddress(allowAll, "8.8.8.8", "x/a", 1234));
}

TEST_CASE("policies selecting a pod are a union; isolation is per direction") {
  auto c = cluster(base() + policy("x", "deny", "  podSelector: {}\n  policyTypes: [Ingress]") +
                   policy("x", "allow-b", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]"));
  CHECK(allowed(c, "x/b", "x/a"));  // allow-b adds to deny's empty allow list
  CHECK_FALSE(allowed(c, "w/b", "x/a"));
  CHECK_FALSE(allowed(c, "x/a", "x/b"));
  CHECK(allowed(c, "x/a", "w/b"));  // egress of x pods is not isolated
  auto v = probe(c, "x/b", "x/a", Protocol::TCP, 80);
  CHECK(v.ingress.isolatingPolicies == std::vector<std::string>{"x/deny", "x/allow-b"});
  REQUIRE(v.ingress.allowingRules.size() == 1);
  CHECK(v.ingress.allowingRules[0].policy == "x/allow-b");
  CHECK(v.ingress.allowingRules[0].index == 0);
  CHECK_FALSE(v.egress.isolated());
}

TEST_CASE("both sides must allow: egress of the source and ingress of the destination") {
  auto c = cluster(base() + policy("x", "out", "  podSelector: {matchLabels: {pod: a}}\n  egress: [{to: [{namespaceSelector: {matchLabels: {ns: w}}}]}]") +
                   policy("w", "in", "  podSelector: {matchLabels: {pod: b}}\n  ingress: [{from: [{podSelector: {}}]}]"));
  CHECK(allowed(c, "x/a", "w/a"));
  CHECK_FALSE(allowed(c, "x/a", "w/b"));  // egress allows, w/b's ingress does not
  CHECK_FALSE(allowed(c, "x/a", "x/b"));  // ingress not isolated, egress denies
}

TEST_CASE("traffic from the pod's own node is always allowed into it") {
  auto c = cluster(ns("x") + pod("x", "a", "{}", "10.1.0.1", "[]", "  nodeName: n1\n") +
                   "---\napiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 192.168.1.1}, {type: Hostname, address: n1}]}\n" +
                   "---\napiVersion: v1\nkind: Node\nmetadata: {name: n2}\nstatus: {addresses: [{type: InternalIP, address: 192.168.1.2}]}\n" +
                   policy("x", "deny", "  podSelector: {}\n  policyTypes: [Ingress]"));
  CHECK(allowedFromAddress(c, "192.168.1.1", "x/a"));
  CHECK_FALSE(allowedFromAddress(c, "192.168.1.2", "x/a"));  // another node
}

TEST_CASE("hostNetwork pods are not selected as peers and are not isolated") {
  auto c = cluster(ns("x") + pod("x", "a", "{app: db}", "10.1.0.1", "[]", "  nodeName: n1\n") +
                   pod("x", "h", "{app: web}", "192.168.1.5", "[]", "  hostNetwork: true\n  nodeName: n2\n") +
                   policy("x", "p", "  podSelector: {}\n  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]\n  policyTypes: [Ingress, Egress]"));
  CHECK_FALSE(allowed(c, "x/h", "x/a"));
  CHECK(allowed(c, "x/a", "x/h") == false);  // x/a's egress is isolated with no rules
  auto v = probe(c, "x/a", "x/h", Protocol::TCP, 80);
  CHECK_FALSE(v.ingress.applies);
  CHECK(v.ingress.allowed());
}

TEST_CASE("dual-stack: IPv6 addresses are matched like IPv4 ones") {
  auto c = cluster(base() + policy("x", "p", R"(  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - podSelector: {matchLabels: {pod: b}}
    - ipBlock: {cidr: "fd00::2:0/112", except: ["fd00::2:2/128"]})"));
  CHECK(probe(c, "x/b", "x/a", Protocol::TCP, 80, Family::V6).allowed());
  CHECK(probe(c, "w/a", "x/a", Protocol::TCP, 80, Family::V6).allowed());
  CHECK_FALSE(probe(c, "w/b", "x/a", Protocol::TCP, 80, Family::V6).allowed());
  CHECK_FALSE(probe(c, "w/a", "x/a", Protocol::TCP, 80, Family::V4).allowed());  // the v6 block says nothing of v4
}
