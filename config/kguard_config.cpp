#include "config/kguard_config.h"

#include <set>

#include "config/image_trust_config.h"
#include "kube/json_reader.h"
#include "kube/manifest.h"
#include "rbac/guardrails.h"

namespace config {
namespace {

using kube::JsonReader;

void rejectUnknownFields(const JsonReader& r, std::set<std::string> known) {
  for (const auto& key : r.keys())
    if (!known.count(key)) throw kube::DecodeError(r.path().empty() ? key : r.path() + "." + key, "unknown field");
}

Mode parseMode(const JsonReader& r, const char* name, Mode fallback) {
  auto value = r.optString(name);
  if (!value) return fallback;
  if (*value == "enforce") return Mode::Enforce;
  if (*value == "warn") return Mode::Warn;
  r.field(name)->fail("expected \"enforce\" or \"warn\", got \"" + *value + "\"");
}

podsecurity::LevelVersion levelVersion(const std::string& level, const std::string& version, const char* mode) {
  auto l = podsecurity::parseLevel(level);
  auto v = podsecurity::parseVersion(version);
  if (!l) throw kube::InputError(std::string("config podSecurity.defaults.") + mode + ": invalid level \"" + level + "\"");
  if (!v)
    throw kube::InputError(std::string("config podSecurity.defaults.") + mode + "-version: invalid version \"" + version + "\"");
  return {*l, *v};
}

// `defaults` and `exemptions`, the fields kguard's podSecurity shares with upstream's PodSecurityConfiguration.
void parseDefaultsAndExemptions(const JsonReader& r, KguardConfig& c) {
  if (auto d = r.field("defaults")) {
    rejectUnknownFields(*d, {"enforce", "enforce-version", "audit", "audit-version", "warn", "warn-version"});
    auto& out = c.podSecurityDefaults;
    out.enforce = d->optString("enforce").value_or(out.enforce);
    out.enforceVersion = d->optString("enforce-version").value_or(out.enforceVersion);
    out.audit = d->optString("audit").value_or(out.audit);
    out.auditVersion = d->optString("audit-version").value_or(out.auditVersion);
    out.warn = d->optString("warn").value_or(out.warn);
    out.warnVersion = d->optString("warn-version").value_or(out.warnVersion);
  }
  if (auto e = r.field("exemptions")) {
    rejectUnknownFields(*e, {"usernames", "namespaces", "runtimeClasses"});
    c.exemptions = {e->stringList("usernames"), e->stringList("namespaces"), e->stringList("runtimeClasses")};
  }
}

void parsePodSecurity(const JsonReader& r, KguardConfig& c) {
  rejectUnknownFields(r, {"defaults", "exemptions", "enforceOnWorkloads"});
  parseDefaultsAndExemptions(r, c);
  c.enforceOnWorkloads = r.optBool("enforceOnWorkloads").value_or(false);
}

void parseRules(const JsonReader& r, KguardConfig& c, const std::string& baseDir) {
  rejectUnknownFields(r, {"mode", "allowedRegistries", "requireImageDigest", "disallowLatestTag", "requiredLimits",
                          "sandboxedRuntime", "allowedStorageClasses", "requireNoServiceAccountToken",
                          "requireReadOnlyRootFilesystem", "imageSignatures", "imageVerificationBudgetMs"});
  auto& out = c.rules;
  c.rulesMode = parseMode(r, "mode", Mode::Enforce);
  out.allowedRegistries = r.stringList("allowedRegistries");
  out.requireImageDigest = r.boolean("requireImageDigest");
  out.disallowLatestTag = r.boolean("disallowLatestTag");
  out.requiredLimits = r.stringList("requiredLimits");
  if (auto s = r.field("sandboxedRuntime")) {
    rejectUnknownFields(*s, {"namespaceLabels", "runtimeClasses"});
    rules::SandboxedRuntimeConfig sandbox{s->stringMap("namespaceLabels"), s->stringList("runtimeClasses")};
    if (sandbox.namespaceLabels.empty()) s->fail("namespaceLabels: at least one label is required");
    if (sandbox.runtimeClasses.empty()) s->fail("runtimeClasses: at least one RuntimeClass is required");
    out.sandboxedRuntime = sandbox;
  }
  out.allowedStorageClasses = r.stringList("allowedStorageClasses");
  out.requireNoServiceAccountToken = r.boolean("requireNoServiceAccountToken");
  out.requireReadOnlyRootFilesystem = r.boolean("requireReadOnlyRootFilesystem");
  if (auto s = r.field("imageSignatures")) out.imageSignatures = parseImageSignatures(*s, baseDir);
  if (auto b = r.field("imageVerificationBudgetMs")) {
    // Below the webhook's timeoutSeconds (5 s in manifests/webhook), so a refusal, not a timeout, answers.
    int64_t ms = b->asInt();
    if (ms < 100 || ms > 25000) b->fail("expected milliseconds between 100 and 25000, got " + std::to_string(ms));
    out.imageVerificationBudgetMs = static_cast<int>(ms);
  }
}

void parseRbac(const JsonReader& r, KguardConfig& c) {
  rejectUnknownFields(r, {"mode", "guardrails"});
  c.rbacMode = parseMode(r, "mode", Mode::Warn);
  if (auto g = r.field("guardrails")) c.rbacGuardrails = rbac::parseGuardrailConfig(g->value(), g->path());
}

// Relative key, CA and credentials paths are relative to the configuration file.
std::string directoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

// Upstream's own file (the webhook's --config, the PodSecurity plugin's configuration), so that a platform
// team can point kguard at the configuration it already runs: Pod Security only, kguard's rules off.
KguardConfig fromPodSecurityConfiguration(const kube::Manifest& doc) {
  static const std::set<std::string> kVersions = {"pod-security.admission.config.k8s.io/v1",
                                                  "pod-security.admission.config.k8s.io/v1beta1",
                                                  "pod-security.admission.config.k8s.io/v1alpha1"};
  if (!kVersions.count(doc.apiVersion()))
    throw kube::InputError(doc.errorAt("apiVersion", "expected pod-security.admission.config.k8s.io/v1 (or v1beta1, v1alpha1), got \"" +
                                                         doc.apiVersion() + "\""));
  KguardConfig c;
  try {
    JsonReader root(doc.object, "");
    rejectUnknownFields(root, {"apiVersion", "kind", "defaults", "exemptions"});
    parseDefaultsAndExemptions(root, c);
  } catch (const kube::DecodeError& e) {
    throw kube::InputError(doc.errorAt(e.path(), e.problem()));
  }
  return c;
}

KguardConfig fromManifests(const std::vector<kube::Manifest>& docs, const std::string& name) {
  if (docs.size() != 1) throw kube::InputError(name + ": expected exactly one KguardConfiguration object");
  const auto& doc = docs[0];
  if (doc.kind() == "PodSecurityConfiguration") return fromPodSecurityConfiguration(doc);
  if (doc.kind() != "KguardConfiguration")
    throw kube::InputError(doc.errorAt("kind", "expected KguardConfiguration, got \"" + doc.kind() + "\""));
  KguardConfig c;
  try {
    JsonReader root(doc.object, "");
    rejectUnknownFields(root, {"apiVersion", "kind", "metadata", "podSecurity", "lint", "rules", "rbac", "registries"});
    if (auto ps = root.field("podSecurity")) parsePodSecurity(*ps, c);
    if (auto l = root.field("lint")) {
      rejectUnknownFields(*l, {"level", "version"});
      c.lintLevel = l->optString("level").value_or(c.lintLevel);
      c.lintVersion = l->optString("version").value_or(c.lintVersion);
    }
    if (auto r = root.field("rules")) parseRules(*r, c, directoryOf(name));
    if (auto r = root.field("registries")) c.registries = parseRegistries(*r, directoryOf(name));
    if (auto r = root.field("rbac")) parseRbac(*r, c);
  } catch (const kube::DecodeError& e) {
    throw kube::InputError(doc.errorAt(e.path(), e.problem()));
  }
  return c;
}

}  // namespace

podsecurity::PolicyDefaults policyDefaults(const PodSecurityDefaults& d) {
  podsecurity::PolicyDefaults out;
  out.enforce = levelVersion(d.enforce, d.enforceVersion, "enforce");
  out.audit = levelVersion(d.audit, d.auditVersion, "audit");
  out.warn = levelVersion(d.warn, d.warnVersion, "warn");
  return out;
}

KguardConfig parseConfig(const std::string& text, const std::string& name) {
  return fromManifests(kube::parseManifests(text, name), name);
}

// Read with the manifest loader, so a config file gets the same hostile-input guards as manifests.
KguardConfig loadConfig(const std::string& path) { return fromManifests(kube::loadManifests({path}), path); }

}  // namespace config
