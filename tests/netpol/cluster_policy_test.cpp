// ClusterNetworkPolicy: validation as the CRD's schema and CEL rules, and the tier order around
// NetworkPolicy (SPEC.md section 3), each case built so that the usual misreading fails it.
#include <catch2/catch.hpp>

#include "netpol/matrix.h"
#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol_test;

namespace {

// x/a x/b w/a; namespaces labelled ns=<name>; x/a declares the named port http = TCP/8080.
std::string base() {
  return ns("x", "{ns: x}") + ns("w", "{ns: w}") +
         pod("x", "a", "{pod: a}", "10.1.0.1", "[{name: http, containerPort: 8080}]") +
         pod("x", "b", "{pod: b}", "10.1.0.2") + pod("w", "a", "{pod: a}", "10.2.0.1");
}

std::string cnp(const std::string& name, const std::string& tier, int priority, const std::string& body) {
  return "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: " + name +
         "}\nspec:\n  tier: " + tier + "\n  priority: " + std::to_string(priority) +
         "\n  subject: {namespaces: {matchLabels: {ns: x}}}\n" + body + "\n";
}

std::string rule(const std::string& direction, const std::string& action, const std::string& peers,
                 const std::string& extra = "") {
  return "  " + direction + ":\n  - {name: r, action: " + action + ", " + (direction == "ingress" ? "from" : "to") +
         ": " + peers + extra + "}\n";
}

const char* kFromW = "[{namespaces: {matchLabels: {ns: w}}}]";

// The decode error for one CNP, or "" when it decodes.
std::string decodeError(const std::string& yaml) {
  try {
    cluster(yaml);
    return "";
  } catch (const kube::InputError& e) {
    return e.what();
  }
}

std::string withSpec(const std::string& spec) {
  return "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: c}\nspec:\n" + spec;
}

}  // namespace

TEST_CASE("CNP: Admin Accept overrides a NetworkPolicy that isolates; Admin Deny overrides one that allows") {
  auto isolate = policy("x", "deny-all", "  podSelector: {}\n  policyTypes: [Ingress]");
  auto c = cluster(base() + isolate + cnp("a", "Admin", 10, rule("ingress", "Accept", kFromW)));
  CHECK(allowed(c, "w/a", "x/a"));
  CHECK_FALSE(allowed(c, "x/b", "x/a"));  // not matched by the Admin rule: the NetworkPolicy denies

  auto allowAll = policy("x", "allow-all", "  podSelector: {}\n  ingress: [{}]");
  auto d = cluster(base() + allowAll + cnp("a", "Admin", 10, rule("ingress", "Deny", kFromW)));
  CHECK_FALSE(allowed(d, "w/a", "x/a"));
  CHECK(allowed(d, "x/b", "x/a"));
}

TEST_CASE("CNP: Pass skips the rest of the Admin tier, and the NetworkPolicy then decides") {
  auto isolate = policy("x", "deny-all", "  podSelector: {}\n  policyTypes: [Ingress]");
  auto admin = cnp("a-pass", "Admin", 1, rule("ingress", "Pass", kFromW)) +
               cnp("b-accept", "Admin", 2, rule("ingress", "Accept", kFromW));
  CHECK_FALSE(allowed(cluster(base() + isolate + admin), "w/a", "x/a"));  // Pass is not Accept
  CHECK(allowed(cluster(base() + admin), "w/a", "x/a"));                  // no NetworkPolicy: default allow
  // Without the Pass, the lower-precedence Accept would decide.
  CHECK(allowed(cluster(base() + isolate + cnp("b-accept", "Admin", 2, rule("ingress", "Accept", kFromW))), "w/a",
                "x/a"));
}

TEST_CASE("CNP: Baseline applies only where no NetworkPolicy isolates the pod") {
  auto baseline = cnp("b", "Baseline", 5, rule("ingress", "Deny", kFromW));
  CHECK_FALSE(allowed(cluster(base() + baseline), "w/a", "x/a"));
  auto allowAll = policy("x", "allow-all", "  podSelector: {}\n  ingress: [{}]");
  CHECK(allowed(cluster(base() + baseline + allowAll), "w/a", "x/a"));
  // An egress-only NetworkPolicy does not isolate ingress: Baseline still decides ingress.
  auto egressOnly = policy("x", "egress-only", "  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{}]");
  CHECK_FALSE(allowed(cluster(base() + baseline + egressOnly), "w/a", "x/a"));
  // Admin Pass hands down to Baseline too.
  auto pass = cnp("a", "Admin", 0, rule("ingress", "Pass", kFromW));
  auto baselineAccept = cnp("b", "Baseline", 5, rule("ingress", "Accept", kFromW));
  CHECK(allowed(cluster(base() + pass + baselineAccept + cnp("c", "Baseline", 6, rule("ingress", "Deny", kFromW))),
                "w/a", "x/a"));
}

TEST_CASE("CNP: lower priority first; equal priorities ordered by name; rules in list order") {
  auto accept = [](const std::string& name, int prio) { return cnp(name, "Admin", prio, rule("ingress", "Accept", kFromW)); };
  auto deny = [](const std::string& name, int prio) { return cnp(name, "Admin", prio, rule("ingress", "Deny", kFromW)); };
  CHECK(allowed(cluster(base() + deny("late", 20) + accept("early", 10)), "w/a", "x/a"));
  CHECK_FALSE(allowed(cluster(base() + accept("late", 20) + deny("early", 10)), "w/a", "x/a"));
  // Tie: "a" before "b", whatever the input order.
  CHECK(allowed(cluster(base() + deny("b", 10) + accept("a", 10)), "w/a", "x/a"));
  CHECK_FALSE(allowed(cluster(base() + accept("b", 10) + deny("a", 10)), "w/a", "x/a"));
  auto twoRules = cnp("p", "Admin", 1,
                      "  ingress:\n  - {action: Deny, from: " + std::string(kFromW) +
                          ", protocols: [{tcp: {destinationPort: {number: 81}}}]}\n  - {action: Accept, from: " +
                          kFromW + "}\n  - {action: Deny, from: " + kFromW + "}");
  auto c = cluster(base() + twoRules);
  CHECK(allowed(c, "w/a", "x/a", 80));
  CHECK_FALSE(allowed(c, "w/a", "x/a", 81));
}

TEST_CASE("CNP: selection is not isolation; protocols, ranges and named ports") {
  // Selected by a CNP whose rules do not match: nothing is denied.
  CHECK(allowed(cluster(base() + cnp("a", "Admin", 1, rule("ingress", "Deny", kFromW))), "x/b", "x/a"));
  auto ranged = cnp("a", "Admin", 1,
                    rule("ingress", "Deny", kFromW, ", protocols: [{udp: {destinationPort: {range: {start: 50, end: 60}}}}]"));
  auto c = cluster(base() + ranged);
  CHECK_FALSE(allowed(c, "w/a", "x/a", 53, Protocol::UDP));
  CHECK(allowed(c, "w/a", "x/a", 53, Protocol::TCP));
  CHECK(allowed(c, "w/a", "x/a", 61, Protocol::UDP));
  auto named = cluster(base() + cnp("a", "Admin", 1, rule("ingress", "Deny", kFromW, ", protocols: [{destinationNamedPort: http}]")));
  CHECK_FALSE(allowed(named, "w/a", "x/a", 8080));
  CHECK(allowed(named, "w/a", "x/a", 8080, Protocol::UDP));  // the container port is TCP
  CHECK(allowed(named, "w/a", "x/a", 80));
}

TEST_CASE("CNP: networks match pod addresses too; egress Deny to 0.0.0.0/0") {
  auto c = cluster(base() + cnp("a", "Admin", 1, rule("egress", "Deny", "[{networks: [10.2.0.0/16]}]")));
  CHECK_FALSE(allowed(c, "x/a", "w/a"));
  CHECK(allowed(c, "x/a", "x/b"));
  CHECK_FALSE(allowedToAddress(cluster(base() + cnp("a", "Admin", 1, rule("egress", "Deny", "[{networks: [0.0.0.0/0]}]"))),
                               "x/a", "1.1.1.1"));
}

TEST_CASE("CNP: a pod reaching itself is exempt (hairpin)") {
  auto c = cluster(base() + cnp("a", "Admin", 1, rule("ingress", "Deny", "[{namespaces: {}}]")));
  CHECK(allowed(c, "x/a", "x/a"));
  CHECK_FALSE(allowed(c, "x/b", "x/a"));
}

TEST_CASE("CNP: nodes peers match the selected Node objects' addresses, and host-network pods only through them") {
  std::string nodes =
      "---\napiVersion: v1\nkind: Node\nmetadata: {name: n1, labels: {role: infra}}\nstatus: {addresses: "
      "[{type: InternalIP, address: 10.9.0.1}]}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: n2}\nstatus: "
      "{addresses: [{type: InternalIP, address: 10.9.0.2}]}\n";
  auto c = cluster(base() + nodes + cnp("a", "Admin", 1, rule("egress", "Deny", "[{nodes: {matchLabels: {role: infra}}}]")));
  CHECK_FALSE(allowedToAddress(c, "x/a", "10.9.0.1"));
  CHECK(allowedToAddress(c, "x/a", "10.9.0.2"));
  auto host = pod("w", "h", "{pod: h}", "10.9.0.2", "[]", "  hostNetwork: true\n");
  auto byNamespace = cluster(base() + host + cnp("a", "Admin", 1, rule("egress", "Deny", "[{namespaces: {}}]")));
  CHECK(allowed(byNamespace, "x/a", "w/h"));   // namespaces peers never match host-network pods
  CHECK_FALSE(allowed(byNamespace, "x/a", "w/a"));
}

TEST_CASE("CNP validation: the CRD's schema and CEL rules, with the field named") {
  CHECK(decodeError(withSpec("  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n")) == "");
  auto err = decodeError(withSpec("  tier: Root\n  priority: 1\n  subject: {namespaces: {}}\n"));
  CHECK_THAT(err, Catch::Contains("spec.tier") && Catch::Contains("Admin or Baseline"));
  CHECK_THAT(decodeError(withSpec("  tier: Admin\n  priority: 1001\n  subject: {namespaces: {}}\n")),
             Catch::Contains("spec.priority") && Catch::Contains("between 0 and 1000"));
  CHECK_THAT(decodeError(withSpec("  tier: Admin\n  subject: {namespaces: {}}\n")), Catch::Contains("priority: must be set"));
  CHECK_THAT(decodeError(withSpec("  tier: Admin\n  priority: 1\n  subject: {namespaces: {}, pods: {podSelector: {}}}\n")),
             Catch::Contains("spec.subject") && Catch::Contains("exactly one of"));
  CHECK_THAT(decodeError(withSpec("  tier: Admin\n  priority: 1\n  subject: {pods: {namespaceSelector: {}}}\n")),
             Catch::Contains("spec.subject.pods") && Catch::Contains("podSelector: must be set"));
  std::string head = "  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n";
  CHECK_THAT(decodeError(withSpec(head + "  egress: [{action: Deny, to: [{domainNames: [example.com]}]}]\n")),
             Catch::Contains("spec.egress[0].to[0].domainNames: domainNames peers are not supported by kguard"));
  CHECK_THAT(decodeError(withSpec(head + "  egress: [{action: Allow, to: [{namespaces: {}}]}]\n")),
             Catch::Contains("spec.egress[0].action") && Catch::Contains("renamed it Accept"));
  CHECK_THAT(decodeError(withSpec(head + "  ingress: [{action: Deny, from: []}]\n")),
             Catch::Contains("spec.ingress[0].from") && Catch::Contains("at least 1"));
  CHECK_THAT(decodeError(withSpec(head + "  ingress: [{action: Deny, from: [{networks: [10.0.0.0/8]}]}]\n")),
             Catch::Contains("spec.ingress[0].from[0].networks") && Catch::Contains("unknown field"));
  CHECK_THAT(decodeError(withSpec(head + "  egress: [{action: Deny, to: [{networks: [10.0.0.0/33]}]}]\n")),
             Catch::Contains("spec.egress[0].to[0].networks[0]") && Catch::Contains("isCIDR"));
  // isCIDR parses with netip.ParsePrefix but refuses IPv4-mapped IPv6 (apiserver/pkg/cel/library/cidr.go).
  CHECK_THAT(decodeError(withSpec(head + "  egress: [{action: Deny, to: [{networks: [\"::ffff:10.0.0.1/128\"]}]}]\n")),
             Catch::Contains("spec.egress[0].to[0].networks[0]") && Catch::Contains("IPv4-mapped IPv6"));
  CHECK_THAT(decodeError(withSpec(head + "  egress: [{action: Deny, to: [{networks: [\"::ffff:0:0/96\"]}]}]\n")),
             Catch::Contains("IPv4-mapped IPv6"));
  CHECK_THAT(decodeError(withSpec(head + "  egress: [{action: Deny, to: [{networks: [10.0.0.0/8, 10.0.0.0/8]}]}]\n")),
             Catch::Contains("networks[1]") && Catch::Contains("duplicate"));
  CHECK_THAT(decodeError(withSpec(head + "  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: [{tcp: {}}]}]\n")),
             Catch::Contains("spec.ingress[0].protocols[0].tcp") && Catch::Contains("destinationPort: must be set"));
  CHECK_THAT(decodeError(withSpec(head + "  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: "
                                         "[{tcp: {destinationPort: {range: {start: 80, end: 80}}}}]}]\n")),
             Catch::Contains("destinationPort.range") && Catch::Contains("Start port must be less than End port"));
  CHECK_THAT(decodeError(withSpec(head + "  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: "
                                         "[{tcp: {destinationPort: {number: 0}}}]}]\n")),
             Catch::Contains("destinationPort.number") && Catch::Contains("between 1 and 65535"));
  CHECK_THAT(decodeError(withSpec(head + "  ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{portNumber: {port: 80}}]}]\n")),
             Catch::Contains("spec.ingress[0].ports") && Catch::Contains("v1alpha2 uses `protocols`"));
  CHECK_THAT(decodeError(withSpec(head + "  egress: [{action: Deny, to: [{nodes: {}}], protocols: [{destinationNamedPort: web}]}]\n")),
             Catch::Contains("spec.egress[0]") && Catch::Contains("cannot be set with namedPorts"));
  CHECK_THAT(decodeError("apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: a}\nspec: {}\n"),
             Catch::Contains("AdminNetworkPolicy") && Catch::Contains("not supported"));
  CHECK_THAT(decodeError("apiVersion: policy.networking.k8s.io/v1alpha3\nkind: ClusterNetworkPolicy\nmetadata: {name: a}\nspec: {}\n"),
             Catch::Contains("apiVersion") && Catch::Contains("v1alpha2"));
  CHECK_THAT(err, Catch::Contains("test.yaml"));  // the file is named
  CHECK(decodeError(withSpec(head)).empty());
}

// A misspelt selector field would otherwise read as {}: a Deny for one namespace becomes a Deny for all.
TEST_CASE("CNP validation: unknown fields inside label selectors are refused, not read as an empty selector") {
  CHECK_THAT(decodeError(withSpec("  tier: Admin\n  priority: 1\n  subject: {namespaces: {matchLabel: {ns: x}}}\n")),
             Catch::Contains("spec.subject.namespaces.matchLabel: unknown field \"matchLabel\""));
  std::string head = "  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n";
  CHECK_THAT(decodeError(withSpec(head + "  ingress: [{action: Deny, from: [{pods: {podSelector: {matchLabel: {pod: a}}}}]}]\n")),
             Catch::Contains("spec.ingress[0].from[0].pods.podSelector.matchLabel: unknown field"));
  CHECK_THAT(decodeError(withSpec(head + "  egress: [{action: Deny, to: [{nodes: {matchExpression: []}}]}]\n")),
             Catch::Contains("spec.egress[0].to[0].nodes.matchExpression: unknown field"));
}

// What the API server refuses besides the cases above (maxItems, maxLength, types), and what it lets
// through because it prunes null values of non-nullable fields before validating: kguard must agree.
TEST_CASE("CNP validation: limits, types and nulls as the API server applies the CRD") {
  std::string head = "  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n";
  auto repeat = [](const std::string& item, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += (i ? ", " : "") + item;
    return "[" + out + "]";
  };
  const std::string peer = "{namespaces: {}}", deny = "{action: Deny, from: [{namespaces: {}}]}";
  CHECK(decodeError(withSpec(head + "  ingress: " + repeat(deny, 25) + "\n")).empty());
  CHECK_THAT(decodeError(withSpec(head + "  ingress: " + repeat(deny, 26) + "\n")),
             Catch::Contains("spec.ingress") && Catch::Contains("at most 25 items, got 26"));
  CHECK_THAT(decodeError(withSpec(head + "  ingress: [{action: Deny, from: " + repeat(peer, 26) + "}]\n")),
             Catch::Contains("spec.ingress[0].from") && Catch::Contains("at most 25"));
  CHECK_THAT(decodeError(withSpec(head + "  egress: [{action: Deny, to: [{networks: " + repeat("10.0.0.0/8", 1) +
                                         "}], protocols: " + repeat("{udp: {destinationPort: {number: 53}}}", 26) + "}]\n")),
             Catch::Contains("spec.egress[0].protocols") && Catch::Contains("at most 25"));
  std::string cidrs;
  for (int i = 0; i < 26; ++i) cidrs += (i ? ", " : "") + std::string("10.0.") + std::to_string(i) + ".0/24";
  CHECK_THAT(decodeError(withSpec(head + "  egress: [{action: Deny, to: [{networks: [" + cidrs + "]}]}]\n")),
             Catch::Contains("spec.egress[0].to[0].networks") && Catch::Contains("at most 25"));
  CHECK_THAT(decodeError(withSpec(head + "  egress: [{action: Deny, to: [{networks: ['fd00:0000:0000:0000:0000:0000:0000:00000/128']}]}]\n")),
             Catch::Contains("networks[0]") && Catch::Contains("at most 43 characters"));
  CHECK_THAT(decodeError(withSpec(head + "  ingress: [{name: " + std::string(101, 'n') + ", action: Deny, from: [{namespaces: {}}]}]\n")),
             Catch::Contains("spec.ingress[0].name") && Catch::Contains("at most 100 characters"));
  CHECK_THAT(decodeError(withSpec("  tier: Admin\n  priority: \"1\"\n  subject: {namespaces: {}}\n")),
             Catch::Contains("spec.priority") && Catch::Contains("expected an integer"));
  CHECK_THAT(decodeError(withSpec(head + "  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: []}]\n")),
             Catch::Contains("spec.ingress[0].protocols") && Catch::Contains("at least 1"));
  CHECK_THAT(decodeError(withSpec(head + "  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: "
                                         "[{tcp: {destinationPort: {number: 80}}, udp: {destinationPort: {number: 80}}}]}]\n")),
             Catch::Contains("spec.ingress[0].protocols[0]") && Catch::Contains("exactly one of tcp, udp, sctp"));
  CHECK_THAT(decodeError(withSpec(head + "  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: "
                                         "[{sctp: {destinationPort: {number: 80, range: {start: 1, end: 2}}}}]}]\n")),
             Catch::Contains("sctp.destinationPort") && Catch::Contains("exactly one of number, range"));
  CHECK_THAT(decodeError(withSpec(head + "  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: "
                                         "[{udp: {destinationPort: {range: {start: 1, end: 65536}}}}]}]\n")),
             Catch::Contains("destinationPort.range.end") && Catch::Contains("between 1 and 65535"));
  CHECK_THAT(decodeError(withSpec(head + "  egress: [{action: Deny, to: [{}]}]\n")),
             Catch::Contains("spec.egress[0].to[0]") && Catch::Contains("exactly one of"));
  CHECK_THAT(decodeError(withSpec(head + "  egress: [{to: [{namespaces: {}}]}]\n")),
             Catch::Contains("spec.egress[0]") && Catch::Contains("action: must be set"));
  // Nulls: pruned, so an optional field set to null is unset and a required one is missing.
  CHECK(decodeError(withSpec("  tier: Admin\n  priority: 1\n  subject: {namespaces: {}, pods: null}\n")).empty());
  CHECK(decodeError(withSpec(head + "  ingress: null\n  egress: [{name: null, action: Deny, to: [{namespaces: {}, networks: null}], protocols: null}]\n")).empty());
  CHECK_THAT(decodeError(withSpec("  tier: Admin\n  priority: 1\n  subject: {namespaces: null}\n")),
             Catch::Contains("spec.subject") && Catch::Contains("got 0 (namespaces: null counts as unset)"));
  CHECK_THAT(decodeError(withSpec(head + "  ingress: [{action: Deny, from: null}]\n")),
             Catch::Contains("spec.ingress[0]") && Catch::Contains("from: must be set"));
}

// Equal priorities are undefined upstream; kguard orders them by name, and explain says so when such a
// tie exists among the CNPs of the deciding tier selecting the pod - and only then.
TEST_CASE("explain notes a tie between equal-priority CNPs of the deciding tier, and only a tie", "[cnp]") {
  auto tied = cluster(base() + cnp("a-deny", "Admin", 5, rule("ingress", "Deny", kFromW)) +
                      cnp("b-accept", "Admin", 5, rule("ingress", "Accept", kFromW)));
  auto e = explainConnection(tied, podOf(tied, "w/a"), podOf(tied, "x/a"), Protocol::TCP, 80);
  CHECK_FALSE(e.allowed);
  CHECK(e.text.find("  note: ingress of x/a: Admin ClusterNetworkPolicy \"a-deny\" has the same priority (5) as "
                    "\"b-accept\", also selecting the pod; their order is undefined upstream and was decided by name\n") !=
        std::string::npos);
  CHECK(e.text.find("note: egress") == std::string::npos);  // w/a is no subject: no tier, no tie

  // Different priorities: no note.
  auto ordered = cluster(base() + cnp("a-deny", "Admin", 5, rule("ingress", "Deny", kFromW)) +
                         cnp("b-accept", "Admin", 6, rule("ingress", "Accept", kFromW)));
  CHECK(explainConnection(ordered, podOf(ordered, "w/a"), podOf(ordered, "x/a"), Protocol::TCP, 80).text.find("note:") ==
        std::string::npos);
  // An equal-priority CNP of the other tier is not a tie.
  auto otherTier = cluster(base() + cnp("a-deny", "Admin", 5, rule("ingress", "Deny", kFromW)) +
                           cnp("b-accept", "Baseline", 5, rule("ingress", "Accept", kFromW)));
  CHECK(explainConnection(otherTier, podOf(otherTier, "w/a"), podOf(otherTier, "x/a"), Protocol::TCP, 80)
            .text.find("note:") == std::string::npos);
}
