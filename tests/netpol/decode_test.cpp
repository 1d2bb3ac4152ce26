#include <catch2/catch.hpp>

#include "kube/json_reader.h"
#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol_test;

namespace {

NetworkPolicy one(const std::string& spec) {
  auto c = cluster(policy("x", "p", spec));
  REQUIRE(c.policies.size() == 1);
  return c.policies[0];
}

std::string inputError(const std::string& yaml) {
  try {
    cluster(yaml);
  } catch (const kube::InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("policyTypes default: Ingress always, Egress only when egress rules exist") {
  auto ingressOnly = one("  podSelector: {}\n  ingress: [{}]");
  CHECK(ingressOnly.affectsIngress);
  CHECK_FALSE(ingressOnly.affectsEgress);

  // `egress: []` without policyTypes has no egress rules, so the policy does not affect egress.
  auto emptyEgress = one("  podSelector: {}\n  egress: []");
  CHECK(emptyEgress.affectsIngress);
  CHECK_FALSE(emptyEgress.affectsEgress);

  auto withEgress = one("  podSelector: {}\n  egress: [{}]");
  CHECK(withEgress.affectsIngress);
  CHECK(withEgress.affectsEgress);

  auto explicitEgress = one("  podSelector: {}\n  ingress: [{}]\n  policyTypes: [Egress]");
  CHECK_FALSE(explicitEgress.affectsIngress);
  CHECK(explicitEgress.affectsEgress);
}

TEST_CASE("empty and missing rule lists decode to the same meaning") {
  auto p = one("  podSelector: {}\n  ingress:\n  - {}\n  - from: []\n    ports: []\n  - from: [{podSelector: {}}]");
  REQUIRE(p.ingress.size() == 3);
  CHECK(p.ingress[0].peers.empty());
  CHECK(p.ingress[0].ports.empty());
  CHECK(p.ingress[1].peers.empty());
  CHECK(p.ingress[1].ports.empty());
  REQUIRE(p.ingress[2].peers.size() == 1);
  CHECK(p.ingress[2].peers[0].podSelector->selectsEverything());
  CHECK_FALSE(p.ingress[2].peers[0].namespaceSelector.has_value());
}

TEST_CASE("ports: TCP default, named, numeric and endPort ranges") {
  auto p = one("  podSelector: {}\n  ingress:\n  - ports: [{port: 80}, {protocol: UDP, port: dns}, "
               "{port: 32000, endPort: 32768}, {protocol: SCTP}]");
  const auto& ports = p.ingress.at(0).ports;
  REQUIRE(ports.size() == 4);
  CHECK(ports[0].protocol == Protocol::TCP);
  CHECK(*ports[0].number == 80);
  CHECK(ports[1].protocol == Protocol::UDP);
  CHECK(*ports[1].name == "dns");
  CHECK(*ports[2].endPort == 32768);
  CHECK(ports[3].protocol == Protocol::SCTP);
  CHECK_FALSE(ports[3].number.has_value());
  CHECK_FALSE(ports[3].name.has_value());
}

TEST_CASE("invalid policies are input errors naming the field") {
  auto err = [](const std::string& spec) { return inputError(policy("x", "p", spec)); };
  CHECK(err("  ingress: [{ports: [{port: 80, endPort: 79}]}]").find("spec.ingress[0].ports[0].endPort: endPort must be between port and 65535") != std::string::npos);
  CHECK(err("  ingress: [{ports: [{port: http, endPort: 90}]}]").find("endPort requires a numeric port") != std::string::npos);
  CHECK(err("  ingress: [{ports: [{port: 0}]}]").find("spec.ingress[0].ports[0].port: port must be between 1 and 65535") != std::string::npos);
  CHECK(err("  ingress: [{ports: [{protocol: ICMP}]}]").find("spec.ingress[0].ports[0].protocol: unsupported protocol") != std::string::npos);
  CHECK(err("  ingress: [{ports: [{protocol: tcp}]}]").find("unsupported protocol \"tcp\"") != std::string::npos);
  CHECK(err("  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/33}}]}]").find("spec.egress[0].to[0].ipBlock.cidr: not a CIDR") != std::string::npos);
  CHECK(err("  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [x]}}]}]").find("spec.egress[0].to[0].ipBlock.except[0]: not a CIDR") != std::string::npos);
  CHECK(err("  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]").find("spec.ingress[0].from[0]: ipBlock may not be combined") != std::string::npos);
  CHECK(err("  ingress: [{from: [{}]}]").find("spec.ingress[0].from[0]: must specify a peer") != std::string::npos);
  CHECK(err("  policyTypes: [Both]").find("spec.policyTypes[0]: unknown policy type") != std::string::npos);
  CHECK(err("  podSelector: {matchExpressions: [{key: a, operator: In}]}").find("spec.podSelector.matchExpressions[0]") != std::string::npos);
  CHECK(err("  ingress: {}").find("spec.ingress: expected a list") != std::string::npos);
  CHECK(err("  policyTypes: [Ingress, Ingress, Egress]").find("spec.policyTypes: may not specify more than two") != std::string::npos);
  // ValidateIPBlock: each except must be a strict subset of cidr ("must be a strict subset of `cidr`"):
  // outside it, equal to it, or of the other family, the API server refuses the policy.
  CHECK(err("  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 11.0.0.0/16]}}]}]")
            .find("spec.ingress[0].from[0].ipBlock.except[1]: NetworkPolicy x/p: except 11.0.0.0/16 must be a strict subset "
                  "of cidr 10.0.0.0/8 (the API server refuses the policy)") != std::string::npos);
  CHECK(err("  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}, {ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]}]")
            .find("spec.egress[0].to[1].ipBlock.except[0]: NetworkPolicy x/p: except 10.0.0.0/8 must be") != std::string::npos);
  CHECK(err("  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [\"fd00::/64\"]}}]}]")
            .find("except fd00::/64 must be a strict subset of cidr 10.0.0.0/8") != std::string::npos);
  CHECK(err("  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [0.0.0.0/0]}}]}]").find("except[0]") != std::string::npos);
  CHECK(err("  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/9, 10.255.255.255/32]}}]}]").empty());
  // The message names the file and document.
  CHECK(err("  ingress: {}").find("test.yaml: document 1") == 0);
  CHECK(inputError(pod("x", "a", "{}", "10.0.0.300")).find("status.podIP: not an IP address") != std::string::npos);
}

TEST_CASE("namespaces carry their automatic name label, also when only referenced by a pod") {
  auto c = cluster(ns("x", "{team: red}") + pod("y", "a", "{}", "10.0.0.1"));
  REQUIRE(c.namespaces.size() == 2);
  CHECK(c.findNamespace("x")->labels.at("kubernetes.io/metadata.name") == "x");
  CHECK(c.findNamespace("x")->labels.at("team") == "red");
  CHECK(c.findNamespace("y")->labels.at("kubernetes.io/metadata.name") == "y");
}

TEST_CASE("a later object replaces an earlier one with the same kind, namespace and name") {
  auto c = cluster(pod("x", "a", "{pod: a}", "10.0.0.1") + pod("x", "b", "{}", "10.0.0.2") +
                   pod("x", "a", "{pod: a, target: isolated}", "10.0.0.1"));
  REQUIRE(c.pods.size() == 2);
  CHECK(podOf(c, "x/a").labels.count("target") == 1);
}

TEST_CASE("pods: dual-stack IPs, container ports, hostNetwork, node and sort order") {
  auto c = cluster(pod("b-ns", "z", "{}", "10.0.0.3") +
                   pod("b", "a", "{}", "10.0.0.1,fd00::1", "[{name: http, containerPort: 8080}, {name: dns, containerPort: 53, protocol: UDP}]",
                       "  nodeName: n1\n") +
                   pod("b", "h", "{}", "192.168.0.5", "[]", "  hostNetwork: true\n"));
  REQUIRE(c.pods.size() == 3);
  // NAMESPACE/NAME string order: "b-ns/z" < "b/a" because '-' < '/'.
  CHECK(c.pods[0].id() == "b-ns/z");
  const auto& a = podOf(c, "b/a");
  REQUIRE(a.ips.size() == 2);
  CHECK(a.ips[1].str() == "fd00::1");
  REQUIRE(a.ports.size() == 2);
  CHECK(a.ports[1].protocol == Protocol::UDP);
  CHECK(a.nodeName == "n1");
  CHECK(podOf(c, "b/h").hostNetwork);
}

TEST_CASE("a pod whose podIPs[0] is not its podIP (or hostIPs[0] not its hostIP) is refused, naming the field") {
  // The API server keeps podIP and drops podIPs when they disagree, so no cluster holds such a pod.
  const std::string head =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\nspec: {containers: [{name: c, image: i}]}\nstatus:\n";
  CHECK(inputError(head + "  podIP: 10.0.0.1\n  podIPs: [{ip: 10.0.0.2}, {ip: 10.0.0.1}]\n")
            .find("status.podIPs[0].ip: must be the same address as status.podIP (\"10.0.0.1\") when both are set, "
                  "got \"10.0.0.2\"") != std::string::npos);
  CHECK(inputError(head + "  hostIP: 192.168.0.1\n  hostIPs: [{ip: \"fd00::1\"}]\n")
            .find("status.hostIPs[0].ip: must be the same address as status.hostIP") != std::string::npos);
  // The message names the file and document.
  CHECK(inputError(head + "  podIP: 10.0.0.1\n  podIPs: [{ip: 10.0.0.2}]\n").find("test.yaml: document 1") == 0);
  // The same address, or either field alone, is what the API server stores.
  auto c = cluster(head + "  podIP: 10.0.0.1\n  podIPs: [{ip: 10.0.0.1}, {ip: \"fd00::1\"}]\n  hostIP: 192.168.0.1\n");
  REQUIRE(c.pods.size() == 1);
  CHECK(c.pods[0].ips.size() == 2);
  CHECK(cluster(head + "  podIPs: [{ip: 10.0.0.2}]\n").pods.at(0).ips.at(0).str() == "10.0.0.2");
  CHECK(inputError(head + "  podIP: 10.0.0.1\n  podIPs: [{ip: not-an-ip}]\n").find("status.podIPs[0].ip: not an IP address") !=
        std::string::npos);
}

TEST_CASE("nodes: InternalIP and ExternalIP addresses; a bad address names the field") {
  const std::string head = "apiVersion: v1\nkind: Node\nmetadata: {name: n1, labels: {zone: a}}\n";
  auto c = cluster(head + "status: {addresses: [{type: Hostname, address: n1}, {type: InternalIP, address: 10.0.0.1},"
                          " {type: ExternalIP, address: \"fd00::1\"}, {type: InternalDNS, address: n1.local}]}\n");
  REQUIRE(c.nodes.size() == 1);
  CHECK(c.nodes[0].labels.at("zone") == "a");
  REQUIRE(c.nodes[0].addresses.size() == 2);
  CHECK(c.nodes[0].addresses[1].str() == "fd00::1");
  CHECK(inputError(head + "status: {addresses: [{type: Hostname, address: n1}, {type: InternalIP, address: 10.0.0.300}]}\n")
            .find("status.addresses[1].address: not an IP address: \"10.0.0.300\"") != std::string::npos);
  // New: a Hostname address that is no string is malformed too (it used to be skipped unread).
  CHECK(inputError(head + "status: {addresses: [{type: Hostname, address: {a: b}}]}\n")
            .find("status.addresses[0].address: expected a string") != std::string::npos);
}

// Strict field validation, as kubectl applies by default: a misspelt field must not silently change the
// policy's meaning (`form:` would read as a rule without peers, which allows every source).
TEST_CASE("unknown fields in a NetworkPolicy spec are input errors naming the field") {
  auto err = [](const std::string& spec) { return inputError(policy("x", "p", spec)); };
  CHECK_THAT(err("  ingress: [{form: [{podSelector: {matchLabels: {pod: b}}}]}]"),
             Catch::Contains("spec.ingress[0].form: unknown field \"form\"; expected one of: from, ports"));
  CHECK_THAT(err("  egress: [{from: [{podSelector: {}}]}]"), Catch::Contains("spec.egress[0].from: unknown field"));
  CHECK_THAT(err("  policyType: [Egress]"), Catch::Contains("spec.policyType: unknown field"));
  CHECK_THAT(err("  ingress: [{from: [{podSelector: {}, namespaceSelecter: {}}]}]"),
             Catch::Contains("spec.ingress[0].from[0].namespaceSelecter: unknown field"));
  CHECK_THAT(err("  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, exept: [10.1.0.0/16]}}]}]"),
             Catch::Contains("spec.ingress[0].from[0].ipBlock.exept: unknown field"));
  CHECK_THAT(err("  ingress: [{ports: [{port: 80, end_port: 90}]}]"), Catch::Contains("spec.ingress[0].ports[0].end_port: unknown field"));
  CHECK(err("  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: "
            "[10.1.0.0/16]}}], ports: [{protocol: TCP, port: 80, endPort: 90}]}]\n  egress: [{to: [{namespaceSelector: {}, "
            "podSelector: {}}]}]") == "");
}

// The API server refuses both; left out, the policy's isolation would silently read as "allowed".
TEST_CASE("a NetworkPolicy of a version Kubernetes does not serve is an input error, not an ignored object") {
  auto np = [](const std::string& apiVersion) {
    return ns("x") + pod("x", "a", "{}", "10.0.0.1") + "---\napiVersion: " + apiVersion +
           "\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: x}\nspec: {podSelector: {}}\n";
  };
  CHECK_THAT(inputError(np("extensions/v1beta1")),
             Catch::Contains("apiVersion: NetworkPolicy extensions/v1beta1 is not served (removed in Kubernetes 1.16): use networking.k8s.io/v1"));
  CHECK_THAT(inputError(np("networking.k8s.io/v1beta1")),
             Catch::Contains("apiVersion: NetworkPolicy networking.k8s.io/v1beta1 is not served: use networking.k8s.io/v1"));
  CHECK(inputError(np("networking.k8s.io/v1")) == "");
}
