// The findings core: the catalog's defaults, the help links and the SARIF and text writers every report uses.
#include <set>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "findings/check_catalog.h"
#include "findings/report_json.h"
#include "findings/report_sarif.h"
#include "findings/report_text.h"

TEST_CASE("every catalog entry has a unique id, an anchor in docs/rules.md and a risk class") {
  std::set<std::string> ids;
  const std::string doc = findings::rulesMarkdown();
  const std::set<std::string> risks = {"host-isolation", "privilege", "resource-limits", "image-trust",
                                       "network-exposure", "data-protection", "runtime-isolation", "rbac"};
  for (const auto& c : findings::checkCatalog()) {
    INFO(c.id);
    CHECK(ids.insert(c.id).second);
    CHECK(doc.find(std::string("<a id=\"") + c.id + "\"></a>") != std::string::npos);
    CHECK(risks.count(findings::riskName(c.risk)) == 1);
    CHECK(findings::rulesDocUri(c.id).find("/docs/rules.md#" + std::string(c.id)) != std::string::npos);
  }
}

TEST_CASE("a finding's severity is its own, else its check's default") {
  findings::Finding f;
  f.check = "privileged";
  CHECK(findings::severityOf(f) == findings::Severity::Critical);
  f.severity = findings::Severity::Low;
  CHECK(findings::severityOf(f) == findings::Severity::Low);
  f = {};
  f.check = "no.such.check";
  CHECK(findings::severityOf(f) == findings::Severity::Info);
  CHECK(std::string(findings::severityName(findings::Severity::Info)) == "info");
}

TEST_CASE("SARIF: one rule per check in order of first use, results point at their rule") {
  findings::SarifRun run;
  run.alwaysRegion = true;
  run.build = findings::SarifRun::Build{"1.2.3", "abc"};
  run.results.push_back({"hostNamespaces", "error", "Pod p: host namespaces", {{"p.yaml", 6, 3, ""}}, nullptr});
  run.results.push_back({"unknown.check", "warning", "x", {{"q.yaml", 0, 0, ""}}, nullptr});
  run.results.push_back({"hostNamespaces", "warning", "Pod q", {{"q.yaml", 2, 0, ""}}, {{"k", "v"}}});
  auto sarif = nlohmann::json::parse(findings::formatSarif(run));
  CHECK(sarif["version"] == "2.1.0");
  const auto& r = sarif["runs"][0];
  const auto& rules = r["tool"]["driver"]["rules"];
  REQUIRE(rules.size() == 2);
  CHECK(rules[0]["id"] == "hostNamespaces");
  CHECK(rules[0]["helpUri"].get<std::string>().find("docs/rules.md#hostNamespaces") != std::string::npos);
  CHECK(rules[0]["help"]["markdown"].get<std::string>().find("hostNetwork: false") != std::string::npos);
  CHECK(rules[1] == nlohmann::json{{"id", "unknown.check"}, {"name", "unknown.check"}, {"shortDescription", {{"text", "unknown.check"}}}});
  CHECK(r["results"][2]["ruleIndex"] == 0);
  CHECK(r["results"][1]["locations"][0]["physicalLocation"]["region"] == nlohmann::json{{"startLine", 1}});
  CHECK(r["results"][0]["locations"][0]["physicalLocation"]["region"] == nlohmann::json{{"startLine", 6}, {"startColumn", 3}});
  CHECK(r["results"][2]["properties"]["k"] == "v");
  CHECK_FALSE(r["results"][0].contains("properties"));
  CHECK(r["tool"]["driver"]["properties"]["gitCommit"] == "abc");
  CHECK_FALSE(r.contains("invocations"));
}

TEST_CASE("SARIF artifact URIs are URI references GitHub's upload accepts") {
  CHECK(findings::artifactUri("k8s/app.yaml") == "k8s/app.yaml");
  CHECK(findings::artifactUri("./k8s/my app[1].yaml") == "./k8s/my%20app%5B1%5D.yaml");
  CHECK(findings::artifactUri("<stdin>") == "%3Cstdin%3E");
  CHECK(findings::artifactUri("c:d.yaml") == "c%3Ad.yaml");  // not a scheme
  CHECK(findings::artifactUri("100%.yaml") == "100%25.yaml");
  CHECK(findings::artifactUri("/work/repo/k8s/a.yaml") == "file:///work/repo/k8s/a.yaml");
  CHECK(findings::artifactUri("https://127.0.0.1:6443/api/v1/namespaces/a/pods/p") ==
        "https://127.0.0.1:6443/api/v1/namespaces/a/pods/p");
  findings::SarifRun run;
  run.results.push_back({"hostNamespaces", "error", "x", {{"my dir/p.yaml", 6, 3, ""}}, nullptr});
  auto sarif = nlohmann::json::parse(findings::formatSarif(run));
  CHECK(sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "my%20dir/p.yaml");
}

TEST_CASE("SARIF brief rules: the catalog's title and the first result's level; no region without a line") {
  findings::SarifRun run;
  run.rules = findings::SarifRun::Rules::Brief;
  run.results.push_back({"rbac.escalation.podExec", "error", "[high] ...", {{"rbac.yaml", 0, 0, "RoleBinding a -> Role b"}}, nullptr});
  auto sarif = nlohmann::json::parse(findings::formatSarif(run));
  const auto& rule = sarif["runs"][0]["tool"]["driver"]["rules"][0];
  CHECK(rule["name"] == "podExec");
  CHECK(rule["shortDescription"]["text"] == "exec or attach into pods");
  CHECK(rule["defaultConfiguration"]["level"] == "error");
  const auto& location = sarif["runs"][0]["results"][0]["locations"][0];
  CHECK_FALSE(location["physicalLocation"].contains("region"));
  CHECK(location["message"]["text"] == "RoleBinding a -> Role b");
  CHECK_FALSE(sarif["runs"][0]["tool"]["driver"].contains("version"));
}

TEST_CASE("a document written with its array element by element is the document jsonDocument writes") {
  const nlohmann::json elements = nlohmann::json::parse(R"([
    {"b": 1, "a": {"nested": [1, 2, {"x": "line\nbreak"}], "empty": {}}, "list": []},
    "text", 3, [], {}
  ])");
  // Keys before and after the array, an empty object and array among them, and invalid UTF-8 replaced.
  nlohmann::json document = {{"aa", {{"k", "v"}}}, {"zz", nlohmann::json::array()}, {"mm", "bad \xff byte"}};
  for (size_t count : {size_t{0}, size_t{1}, elements.size()}) {
    INFO(count);
    nlohmann::json whole = document;
    whole["items"] = nlohmann::json::array();
    for (size_t i = 0; i < count; ++i) whole["items"].push_back(elements[i]);
    CHECK(findings::jsonDocumentWithArray(document, "items", count, [&](size_t i) { return elements[i]; }) ==
          findings::jsonDocument(whole));
  }
  CHECK(findings::jsonDocumentWithArray(nlohmann::json::object(), "only", 0, [](size_t) { return nlohmann::json(); }) ==
        findings::jsonDocument({{"only", nlohmann::json::array()}}));
}

TEST_CASE("text: lint's one line per finding, the audits' blocks with details, and the shared counts") {
  findings::TextEntry e;
  e.location = "deploy.yaml:7";
  e.object = "Deployment prod/web";
  e.check = "hostNamespaces";
  e.level = "baseline:latest";
  e.message = "host namespaces (hostNetwork=true)";
  findings::TextReport lines;
  lines.entries = {e, e};
  lines.entries[1].warning = true;
  CHECK(findings::formatText(lines) ==
        "deploy.yaml:7: Deployment prod/web: hostNamespaces [baseline:latest]: host namespaces (hostNetwork=true)\n"
        "deploy.yaml:7: warning: Deployment prod/web: hostNamespaces [baseline:latest]: host namespaces (hostNetwork=true)\n");

  findings::TextReport blocks;
  blocks.style = findings::TextReport::Style::Blocks;
  blocks.indent = "  ";
  e.severity = findings::Severity::High;
  e.details = {"first", "second"};
  blocks.entries = {e};
  CHECK(findings::formatText(blocks) ==
        "  [high] Deployment prod/web: host namespaces (hostNetwork=true)  [hostNamespaces]\n    first\n    second\n");
  CHECK(findings::formatText(findings::TextReport{}).empty());

  using S = findings::Severity;
  CHECK(findings::severityCounts({S::Low, S::High, S::Low}, false) == "1 high, 2 low");
  CHECK(findings::severityCounts({S::Low, S::High, S::Low}, true) == "0 critical, 1 high, 0 medium, 2 low");
  CHECK(findings::severityCounts({}, true) == "0 critical, 0 high, 0 medium, 0 low");
  CHECK(findings::countOf(1, "input", "inputs") == "1 input");
  CHECK(findings::countOf(0, "input", "inputs") == "0 inputs");
}
