#include "rbac/policy_decode.h"

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

Subject decodeSubject(const JsonReader& r) {
  r.expectObject();
  Subject s;
  s.kind = r.string("kind");
  s.apiGroup = r.string("apiGroup");
  s.name = r.string("name");
  s.namespace_ = r.string("namespace");
  return s;
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
  if (auto ref = r.field("roleRef")) {
    ref->expectObject();
    b.roleRef.apiGroup = ref->string("apiGroup");
    b.roleRef.kind = ref->string("kind");
    b.roleRef.name = ref->string("name");
  }
  r.forEach("subjects", [&b](const JsonReader& s) { b.subjects.push_back(decodeSubject(s)); });
  return b;
}

Policy decodePolicy(const std::vector<kube::Manifest>& manifests, Malformed malformed) {
  Policy policy;
  for (const auto& m : manifests) {
    auto kind = rbacKindOf(m.object);
    if (!kind) continue;
    try {
      if (*kind == RbacKind::Role || *kind == RbacKind::ClusterRole) {
        Role role = decodeRole(m.object);
        role.source = sourceOf(m.where);
        role.file = m.where.file;
        role.line = m.where.line;
        policy.roles.push_back(std::move(role));
      } else {
        Binding binding = decodeBinding(m.object);
        binding.source = sourceOf(m.where);
        binding.file = m.where.file;
        binding.line = m.where.line;
        policy.bindings.push_back(std::move(binding));
      }
    } catch (const kube::DecodeError& e) {
      if (malformed == Malformed::Throw) throw kube::InputError(m.errorAt(e.path(), e.problem()));
    }
  }
  return policy;
}

}  // namespace rbac
