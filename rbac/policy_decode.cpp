#include "rbac/policy_decode.h"

#include <algorithm>

#include "kube/json_reader.h"

namespace rbac {
namespace {

using kube::JsonReader;

const std::string kRbacGroupPrefix = "rbac.authorization.k8s.io/";

PolicyRule decodeRule(const JsonReader& r) {
  r.expectObject();
  PolicyRule rule;
  rule.verbs = r.stringList("verbs");
  rule.apiGroups = r.stringList("apiGroups");
  rule.resources = r.stringList("resources");
  rule.resourceNames = r.stringList("resourceNames");
  rule.nonResourceURLs = r.stringList("nonResourceURLs");
  return rule;
}

const std::string kRbacGroup = "rbac.authorization.k8s.io";

[[noreturn]] void failField(const JsonReader& r, const char* field, const std::string& problem) {
  throw kube::DecodeError(r.path().empty() ? field : r.path() + "." + field, problem);
}

// ValidateRoleBindingSubject (pkg/apis/rbac/validation), after SetDefaults_Subject filled in an empty
// apiGroup: the API server refuses any other subject, so kguard does not guess what one would mean.
// (A ServiceAccount without namespace in a ClusterRoleBinding is left to the evaluator: it matches nobody;
// lint refuses it, rbac/validation.h.)
Subject decodeSubject(const JsonReader& r) {
  r.expectObject();
  Subject s;
  s.kind = r.string("kind");
  s.apiGroup = r.string("apiGroup");
  s.name = r.string("name");
  s.namespace_ = r.string("namespace");
  if (s.name.empty()) failField(r, "name", "required");
  if (s.kind == "ServiceAccount") {
    if (!s.apiGroup.empty()) failField(r, "apiGroup", "must be \"\" for a ServiceAccount, got \"" + s.apiGroup + "\"");
  } else if (s.kind == "User" || s.kind == "Group") {
    if (!s.apiGroup.empty() && s.apiGroup != kRbacGroup)
      failField(r, "apiGroup", "must be " + kRbacGroup + " for a " + s.kind + ", got \"" + s.apiGroup + "\"");
  } else {
    failField(r, "kind", "must be User, Group or ServiceAccount, got \"" + s.kind + "\"");
  }
  return s;
}

// ValidateRoleBinding, after SetDefaults_RoleBinding filled in an empty apiGroup. (A ClusterRoleBinding to a
// Role, which ValidateClusterRoleBinding refuses, is left to the evaluator: it is reported and grants nothing;
// lint refuses it, rbac/validation.h.)
RoleRef decodeRoleRef(const JsonReader& binding) {
  auto ref = binding.field("roleRef");
  if (!ref) failField(binding, "roleRef", "required");
  ref->expectObject();
  RoleRef out{ref->string("apiGroup"), ref->string("kind"), ref->string("name")};
  if (!out.apiGroup.empty() && out.apiGroup != kRbacGroup)
    failField(*ref, "apiGroup", "must be " + kRbacGroup + ", got \"" + out.apiGroup + "\"");
  if (out.kind != "ClusterRole" && out.kind != "Role")
    failField(*ref, "kind", "must be Role or ClusterRole, got \"" + out.kind + "\"");
  if (out.name.empty()) failField(*ref, "name", "required");
  return out;
}

struct Meta {
  std::string name;
  std::string namespace_;
  kube::StringMap labels;
};

Meta decodeMeta(const JsonReader& root) {
  Meta m;
  auto meta = root.field("metadata");
  if (!meta) return m;
  meta->expectObject();
  m.name = meta->string("name");
  m.namespace_ = meta->string("namespace");
  m.labels = meta->stringMap("labels");
  return m;
}

std::string sourceOf(const kube::Location& where) {
  std::string out = where.file + ": document " + std::to_string(where.document);
  if (!where.item.empty()) out += ", " + where.item;
  return out;
}

}  // namespace

std::optional<RbacKind> rbacKindOf(const nlohmann::json& object) {
  if (!object.is_object()) return std::nullopt;
  auto api = object.find("apiVersion");
  auto kind = object.find("kind");
  if (api == object.end() || kind == object.end() || !api->is_string() || !kind->is_string()) return std::nullopt;
  if (api->get_ref<const std::string&>().rfind(kRbacGroupPrefix, 0) != 0) return std::nullopt;
  const auto& k = kind->get_ref<const std::string&>();
  if (k == "Role") return RbacKind::Role;
  if (k == "ClusterRole") return RbacKind::ClusterRole;
  if (k == "RoleBinding") return RbacKind::RoleBinding;
  if (k == "ClusterRoleBinding") return RbacKind::ClusterRoleBinding;
  return std::nullopt;
}

Role decodeRole(const nlohmann::json& object) {
  JsonReader r(object, "");
  r.expectObject();
  Role role;
  role.clusterScoped = rbacKindOf(object) == RbacKind::ClusterRole;
  Meta meta = decodeMeta(r);
  role.name = meta.name;
  role.namespace_ = role.clusterScoped ? "" : meta.namespace_;
  role.labels = meta.labels;
  r.forEach("rules", [&role](const JsonReader& rule) { role.rules.push_back(decodeRule(rule)); });
  if (role.clusterScoped) {
    if (auto agg = r.field("aggregationRule")) {
      agg->expectObject();
      std::vector<kube::LabelSelector> selectors;
      agg->forEach("clusterRoleSelectors", [&selectors](const JsonReader& s) {
        selectors.push_back(kube::decodeLabelSelector(s.value(), s.path()));
      });
      role.aggregationSelectors = std::move(selectors);
    }
  }
  return role;
}

Binding decodeBinding(const nlohmann::json& object) {
  JsonReader r(object, "");
  r.expectObject();
  Binding b;
  b.clusterScoped = rbacKindOf(object) == RbacKind::ClusterRoleBinding;
  Meta meta = decodeMeta(r);
  b.name = meta.name;
  b.namespace_ = b.clusterScoped ? "" : meta.namespace_;
  b.labels = meta.labels;
  r.forEach("subjects", [&b](const JsonReader& s) { b.subjects.push_back(decodeSubject(s)); });
  b.roleRef = decodeRoleRef(r);
  return b;
}

DecodedPolicy decodeObjects(const std::vector<kube::Manifest>& manifests) {
  DecodedPolicy out;
  for (size_t i = 0; i < manifests.size(); ++i) {
    const kube::Manifest& m = manifests[i];
    auto kind = rbacKindOf(m.object);
    if (!kind) continue;
    DecodedPolicy::Object& object = out.objects.emplace_back();
    object.manifest = i;
    try {
      if (*kind == RbacKind::Role || *kind == RbacKind::ClusterRole) {
        Role role = decodeRole(m.object);
        role.source = sourceOf(m.where);
        role.file = m.where.file;
        role.line = m.where.line;
        object.role = out.policy.roles.size();
        out.policy.roles.push_back(std::move(role));
      } else {
        Binding binding = decodeBinding(m.object);
        binding.source = sourceOf(m.where);
        binding.file = m.where.file;
        binding.line = m.where.line;
        object.binding = out.policy.bindings.size();
        out.policy.bindings.push_back(std::move(binding));
      }
    } catch (const kube::DecodeError& e) {
      object.error = m.errorAt(e.path(), e.problem());
    }
  }
  return out;
}

const DecodedPolicy::Object* DecodedPolicy::objectOf(size_t manifest) const {
  auto it = std::lower_bound(objects.begin(), objects.end(), manifest,
                             [](const Object& o, size_t index) { return o.manifest < index; });
  return it != objects.end() && it->manifest == manifest ? &*it : nullptr;
}

Policy decodePolicy(const std::vector<kube::Manifest>& manifests, Malformed malformed) {
  DecodedPolicy decoded = decodeObjects(manifests);
  if (malformed == Malformed::Throw)
    for (const auto& object : decoded.objects)
      if (!object.error.empty()) throw kube::InputError(object.error);
  return std::move(decoded.policy);
}

}  // namespace rbac
