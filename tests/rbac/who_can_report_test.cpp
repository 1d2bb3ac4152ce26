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
