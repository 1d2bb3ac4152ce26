#include "kube/service_account.h"

#include "kube/json_reader.h"

namespace kube {

bool isServiceAccount(const nlohmann::json& object) {
  return object.is_object() && object.value("kind", nlohmann::json()) == "ServiceAccount" &&
         object.value("apiVersion", nlohmann::json()) == "v1";
}

ServiceAccountObject decodeServiceAccount(const nlohmann::json& object) {
  ServiceAccountObject sa;
  JsonReader reader(object, "");
  sa.automountServiceAccountToken = reader.optBool("automountServiceAccountToken");
  reader.forEach("secrets", [&sa](const JsonReader& s) {
    s.expectObject();
    std::string name = s.string("name");
    if (!name.empty()) sa.secrets.push_back(std::move(name));
  });
  return sa;
}

}  // namespace kube
