// kguard.storageClass: persistent data must land on storage classes from the allow-list (e.g. the
// encrypted ones). A claim without storageClassName gets the cluster's default class, which kguard
// cannot vouch for, so it is refused too.
#include "rules/rule_registry.h"

namespace rules {

std::vector<findings::Finding> evaluateVolumeClaims(const RulesConfig& config, const std::vector<kube::VolumeClaim>& claims) {
  std::vector<findings::Finding> out;
  if (config.allowedStorageClasses.empty() || claims.empty()) return out;
  std::string allowedList;
  for (const auto& c : config.allowedStorageClasses) allowedList += (allowedList.empty() ? "" : ", ") + c;
  for (const auto& claim : claims) {
    const auto& cls = claim.storageClassName;
    bool allowed = false;
    for (const auto& c : config.allowedStorageClasses) allowed = allowed || (cls && *cls == c);
    if (allowed) continue;
    addKguardFinding(out, "kguard.storageClass",
                     "storageClassName must be one of [" + allowedList + "], got " +
                         (cls ? "\"" + *cls + "\"" : "none (the cluster default)"),
                     claim.classField());
  }
  return out;
}

}  // namespace rules
