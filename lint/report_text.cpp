#include <algorithm>
#include <array>
#include <map>
#include <sstream>

#include "findings/report_text.h"
#include "lint/report_format.h"

namespace lint {
namespace {

std::string objectName(const kube::Manifest& m, const std::string& assumedNamespace) {
  std::string out = m.kind() + " ";
  if (!m.namespace_().empty()) out += m.namespace_() + "/";
  out += m.name().empty() ? "<unnamed>" : m.name();
  if (!assumedNamespace.empty()) out += " (namespace " + assumedNamespace + " from -n)";
  return out;
}

// The Kubernetes version that stopped serving a kind at an API version, from the upstream deprecated API
// migration guide; "" when still served (or not known here).
std::string removedIn(const std::string& apiVersion, const std::string& kind) {
  static const std::vector<std::array<const char*, 3>> removed = {
      {"policy/v1beta1", "PodSecurityPolicy", "1.25"},
      {"extensions/v1beta1", "PodSecurityPolicy", "1.16"},
      {"policy/v1beta1", "PodDisruptionBudget", "1.25"},
      {"autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.25"},
      {"autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26"},
      {"extensions/v1beta1", "Ingress", "1.22"},
      {"networking.k8s.io/v1beta1", "Ingress", "1.22"},
      {"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "1.22"},
      {"admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", "1.22"},
      {"admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", "1.22"},
  };
  for (const auto& r : removed)
    if (apiVersion == r[0] && kind == r[1]) return r[2];
  return "";
}

// Group, for the kinds kguard has no check for: custom resources and removed kinds say so.
std::string describeKind(const kube::Manifest& m) {
  const std::string& apiVersion = m.apiVersion();
  std::string group = apiVersion.find('/') == std::string::npos ? "" : apiVersion.substr(0, apiVersion.find('/'));
  std::string removed = removedIn(apiVersion, m.kind());
  if (!removed.empty()) return m.kind() + " (" + apiVersion + ", removed in Kubernetes " + removed + ")";
  bool builtIn = group.find('.') == std::string::npos || (group.size() >= 7 && group.compare(group.size() - 7, 7, ".k8s.io") == 0);
  if (!builtIn) return m.kind() + " (" + apiVersion + ", custom resource)";
  return m.kind();
}

// Counts per check and severity and the objects with most findings, for reports longer than a screen.
void writeSummary(std::ostringstream& out, const std::vector<kube::Manifest>& manifests, const LintReport& report) {
  std::map<std::string, size_t> byCheck;
  std::map<size_t, size_t> byObject;
  for (const auto& r : report.results) ++byCheck[r.finding.check], ++byObject[r.manifest];
  std::vector<std::pair<std::string, size_t>> checks(byCheck.begin(), byCheck.end());
  std::stable_sort(checks.begin(), checks.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  out << "by check:";
  for (size_t i = 0; i < checks.size(); ++i) out << (i ? ", " : " ") << checks[i].first << " " << checks[i].second;
  out << "\n";
  std::vector<std::pair<size_t, size_t>> objects(byObject.begin(), byObject.end());
  std::stable_sort(objects.begin(), objects.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  const size_t shown = std::min<size_t>(objects.size(), 5);
  out << "most findings:";
  for (size_t i = 0; i < shown; ++i) {
    const auto& m = manifests[objects[i].first];
    out << (i ? ", " : " ") << objectName(m, "") << " " << objects[i].second << " (" << m.where.file << ":"
        << m.where.startLine() << ")";
  }
  if (objects.size() > shown) out << " and " << objects.size() - shown << " more";
  out << "\n";
}

void writeNotEvaluated(std::ostringstream& out, const std::vector<kube::Manifest>& manifests, const LintReport& report) {
  if (report.notEvaluated.empty()) return;
  std::vector<std::pair<std::string, size_t>> kinds;  // in order of first appearance
  for (size_t index : report.notEvaluated) {
    std::string kind = describeKind(manifests[index]);
    auto it = std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == kind; });
    if (it == kinds.end()) kinds.push_back({kind, 1});
    else ++it->second;
  }
  out << "read but not evaluated (no check applies):";
  for (size_t i = 0; i < kinds.size(); ++i) out << (i ? ", " : " ") << kinds[i].second << " " << kinds[i].first;
  out << "\n";
}

void writeExempt(std::ostringstream& out, const std::vector<kube::Manifest>& manifests, const LintReport& report) {
  if (report.exempt.empty()) return;
  out << "exempt as at admission (config podSecurity.exemptions):";
  for (size_t i = 0; i < report.exempt.size(); ++i)
    out << (i ? ", " : " ") << objectName(manifests[report.exempt[i].first], "") << " (" << report.exempt[i].second << ")";
  out << "\n";
}

// An object the API server refuses: its message names the problem only (JSON and SARIF carry the field
// apart), so the text says which field, as the decode errors on stderr do ("FIELD: problem").
std::string textMessage(const Finding& f) {
  const bool refused = f.check == "netpol.invalid" || f.check == "cnp.invalid" || f.check == "rbac.invalid";
  return refused && !f.field.empty() ? f.field + ": " + f.message : f.message;
}

}  // namespace

FindingPosition findingPosition(const kube::Manifest& manifest, const Finding& finding) {
  kube::YamlMark mark = manifest.where.pointAt(finding.field);  // the key's line and column
  return {mark.line, mark.column};
}

int findingLine(const kube::Manifest& manifest, const Finding& finding) { return findingPosition(manifest, finding).line; }

// One line per finding, `file:line: kind ns/name: check [level]: message` (findings::formatText), then a
// summary line, and for reports with findings the counts per check and the objects with most findings.
std::string formatText(const std::vector<kube::Manifest>& manifests, const LintReport& report) {
  findings::TextReport text;
  size_t errors = 0, warnings = 0;
  std::vector<bool> reported(manifests.size(), false);
  size_t objects = 0;
  for (const auto& r : report.results) {
    const auto& m = manifests[r.manifest];
    const auto& f = r.finding;
    bool warning = f.enforcement == Enforcement::Warning;
    (warning ? warnings : errors)++;
    if (!reported[r.manifest]) reported[r.manifest] = true, ++objects;
    findings::TextEntry e;
    e.location = m.where.file + ":" + std::to_string(findingLine(m, f));
    e.warning = warning;
    e.object = objectName(m, r.assumedNamespace);
    e.check = f.check;
    e.level = f.level;
    e.message = textMessage(f);
    text.entries.push_back(std::move(e));
  }
  std::ostringstream out;
  out << findings::formatText(text);
  const size_t judged = report.judged(manifests.size());
  if (errors == 0 && warnings == 0) {
    out << "no violations in " << judged << " objects\n";
  } else {
    out << findings::countOf(errors, "violation", "violations");
    if (warnings) out << ", " << findings::countOf(warnings, "warning", "warnings");
    out << " in " << objects << " of " << judged << " objects\n";
    writeSummary(out, manifests, report);
  }
  writeNotEvaluated(out, manifests, report);
  writeExempt(out, manifests, report);
  if (!report.errors.empty())
    out << findings::countOf(report.errors.size(), "input", "inputs") << " could not be read or decoded (named on stderr) and "
        << (report.errors.size() == 1 ? "was" : "were") << " not judged\n";
  return out.str();
}

}  // namespace lint
