// who-can output: the table and the JSON document.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "rbac/who_can_report.h"
#include "rbac_test_util.h"

using namespace rbactest;

TEST_CASE("who-can text and JSON name each subject and the binding, role and rule") {
  auto ev = evaluatorOf(clusterGrant("readers", R"({verbs: [list], apiGroups: [""], resources: [pods]})", "bob"));
  auto request = res("list", "", "pods", "dev");
  auto entries = ev.whoCan(request);
  auto text = rbac::formatWhoCanText(ev, request, entries);
  CHECK(text.find("who can \"list\" resource \"pods\" in namespace \"dev\":") == 0);
  CHECK(text.find("Group system:masters  privileged group (allowed before RBAC)") != std::string::npos);
  CHECK(text.find("User bob              ClusterRoleBinding readers -> ClusterRole readers rule 0") != std::string::npos);
  auto json = nlohmann::json::parse(rbac::formatWhoCanJson(ev, request, entries));
  REQUIRE(json["subjects"].size() == 2);
  CHECK(json["subjects"][0]["privilegedGroup"] == true);
  CHECK(json["subjects"][1]["kind"] == "User");
  CHECK(json["subjects"][1]["binding"]["kind"] == "ClusterRoleBinding");
  CHECK(json["subjects"][1]["role"]["name"] == "readers");
  CHECK(json["subjects"][1]["rule"] == "verbs=[list] apiGroups=[\"\"] resources=[pods]");
}

TEST_CASE("who-can without a name lists apart the subjects allowed only on named objects") {
  // alice may get every secret in dev; bob and the service account only db-password and tls (two rules);
  // carol only cm (another resource). Upstream denies bob "get secrets" without a name (a request
  // without a name never matches resourceNames), so whoCan leaves him out; whoCanOnlyNamed lists him.
  auto ev = evaluatorOf(
      clusterGrant("all-secrets", R"({verbs: [get], apiGroups: [""], resources: [secrets]})", "alice") +
      clusterGrant("some-secrets",
                   R"({verbs: [get, list], apiGroups: [""], resources: [secrets], resourceNames: [db-password]},
                      {verbs: [get], apiGroups: [""], resources: [secrets], resourceNames: [tls, db-password]})",
                   "bob") +
      clusterGrant("a-configmap", R"({verbs: [get], apiGroups: [""], resources: [configmaps], resourceNames: [cm]})", "carol") +
      // alice also holds a named grant: she is already listed, so not again
      clusterGrant("alice-named", R"({verbs: [get], apiGroups: [""], resources: [secrets], resourceNames: [x]})", "alice"));
  auto request = res("get", "", "secrets", "dev");
  auto entries = ev.whoCan(request);
  auto named = ev.whoCanOnlyNamed(request);
  REQUIRE(named.size() == 1);
  CHECK(named[0].subject.describe() == "User bob");
  CHECK(named[0].names == std::vector<std::string>{"db-password", "tls"});
  CHECK(named[0].allowedBy.rule == 0);

  auto text = rbac::formatWhoCanText(ev, request, entries, named);
  CHECK(text.find("User alice") != std::string::npos);
  auto section = text.find("only on named objects");
  REQUIRE(section != std::string::npos);
  CHECK(text.find("User bob  db-password,tls  ClusterRoleBinding some-secrets -> ClusterRole some-secrets rule 0", section) !=
        std::string::npos);
  CHECK(text.find("User bob") > section);  // not in the main table
  CHECK(text.find("carol") == std::string::npos);

  auto json = nlohmann::json::parse(rbac::formatWhoCanJson(ev, request, entries, named));
  REQUIRE(json["onlyNamedObjects"].size() == 1);
  CHECK(json["onlyNamedObjects"][0]["name"] == "bob");
  CHECK(json["onlyNamedObjects"][0]["resourceNames"] == nlohmann::json::array({"db-password", "tls"}));
  CHECK(json["onlyNamedObjects"][0]["binding"]["name"] == "some-secrets");
  for (const auto& s : json["subjects"]) CHECK(s["name"] != "bob");

  // list carries a name only through a metadata.name field selector: still listed apart
  CHECK(ev.whoCanOnlyNamed(res("list", "", "secrets", "dev")).size() == 1);
  // create and deletecollection never carry a name: no rule with resourceNames can allow them
  auto creators = evaluatorOf(
      clusterGrant("c", R"({verbs: [create, deletecollection], apiGroups: [""], resources: [secrets], resourceNames: [s]})", "dan"));
  CHECK(creators.whoCanOnlyNamed(res("create", "", "secrets", "dev")).empty());
  CHECK(creators.whoCanOnlyNamed(res("deletecollection", "", "secrets", "dev")).empty());
  // create of a subresource names its object (pods/NAME/exec): listed apart
  auto exec = evaluatorOf(
      clusterGrant("exec-web", R"({verbs: [create], apiGroups: [""], resources: [pods/exec], resourceNames: [web]})", "erin"));
  auto execNamed = exec.whoCanOnlyNamed(res("create", "", "pods", "dev", "", "exec"));
  REQUIRE(execNamed.size() == 1);
  CHECK(execNamed[0].names == std::vector<std::string>{"web"});
  // a request that names an object is answered exactly: nothing apart
  CHECK(ev.whoCanOnlyNamed(res("get", "", "secrets", "dev", "tls")).empty());
  // without such subjects the text has no extra section and the JSON an empty array
  auto plain = rbac::formatWhoCanText(ev, res("get", "", "pods", "dev"), ev.whoCan(res("get", "", "pods", "dev")),
                                      ev.whoCanOnlyNamed(res("get", "", "pods", "dev")));
  CHECK(plain.find("only on named") == std::string::npos);
}
