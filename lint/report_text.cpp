#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <sstream>

#include "kube/source_text.h"
#include "lint/report_format.h"

namespace lint {
namespace {

// The last key of a field path: "spec.containers[0].securityContext" -> "securityContext".
std::string lastKey(const std::string& field) {
  std::string key = field.substr(field.find_last_of('.') == std::string::npos ? 0 : field.find_last_of('.') + 1);
  return key.substr(0, key.find('['));
}

// Offsets of every line start of the most recent source: reports ask for many lines of one file in a row.
const std::vector<size_t>& lineStarts(const std::shared_ptr<const kube::SourceText>& source) {
  thread_local std::weak_ptr<const kube::SourceText> cachedSource;
  thread_local std::vector<size_t> starts;
  if (cachedSource.lock() != source) {
    starts = {0};
    for (size_t at = source->text.find('\n'); at != std::string::npos; at = source->text.find('\n', at + 1))
      starts.push_back(at + 1);
    cachedSource = source;
  }
  return starts;
}

// 1-based column of `key` on line `line` of the source (where the field's key is written), else of the
// line's first non-blank character; 0 when the line is unknown.
int columnOf(const std::shared_ptr<const kube::SourceText>& source, int line, const std::string& key) {
  const auto& starts = lineStarts(source);
  if (line < 1 || static_cast<size_t>(line) > starts.size()) return 0;
  size_t begin = starts[line - 1];
  std::string text = source->text.substr(begin, source->text.find('\n', begin) - begin);
  size_t at = key.empty() ? std::string::npos : text.find(key);
  if (at == std::string::npos) at = text.find_first_not_of(" \t-");
  return at == std::string::npos ? 0 : static_cast<int>(at) + 1;
}

std::string objectName(const kube::Manifest& m, const std::string& assumedNamespace) {
  std::string out = m.kind() + " ";
  if (!m.namespace_().empty()) out += m.namespace_() + "/";
  out += m.name().empty() ? "<unnamed>" : m.name();
  if (!assumedNamespace.empty()) out += " (namespace " + assumedNamespace + " from -n)";
  return out;
}

const char* plural(size_t n, const char* one, const char* many) { return n == 1 ? one : many; }

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
  bool builtIn = group.find('.') == std::string::npos || group.size() >= 7 && group.compare(group.size() - 7, 7, ".k8s.io") == 0;
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
        << m.where.line << ")";
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

}  // namespace

FindingPosition findingPosition(const kube::Manifest& manifest, const Finding& finding) {
  FindingPosition at{findingLine(manifest, finding), 0};
  if (at.line > 0 && manifest.where.source)
    at.column = columnOf(manifest.where.source, at.line, finding.field.empty() ? "" : lastKey(finding.field));
  return at;
}

int findingLine(const kube::Manifest& manifest, const Finding& finding) {
  if (finding.field.empty()) return manifest.where.line;
  int line = manifest.where.lineOf(finding.field);
  return line > 0 ? line : manifest.where.line;
}

// One line per finding, `file:line: kind ns/name: check [level]: message`, then a summary line, and for
// reports with findings the counts per check and the objects with most findings.
std::string formatText(const std::vector<kube::Manifest>& manifests, const LintReport& report) {
  std::ostringstream out;
  size_t errors = 0, warnings = 0;
  std::vector<bool> reported(manifests.size(), false);
  size_t objects = 0;
  for (const auto& r : report.results) {
    const auto& m = manifests[r.manifest];
    const auto& f = r.finding;
    bool warning = f.severity == Severity::Warning;
    (warning ? warnings : errors)++;
    if (!reported[r.manifest]) reported[r.manifest] = true, ++objects;
    out << m.where.file << ":" << findingLine(m, f) << ": " << (warning ? "warning: " : "")
        << objectName(m, r.assumedNamespace) << ": " << f.check << " [" << f.level << "]: " << f.message << "\n";
  }
  const size_t judged = manifests.size() - report.notEvaluated.size();
  if (errors == 0 && warnings == 0) {
    out << "no violations in " << judged << " objects\n";
  } else {
    out << errors << plural(errors, " violation", " violations");
    if (warnings) out << ", " << warnings << plural(warnings, " warning", " warnings");
    out << " in " << objects << " of " << judged << " objects\n";
    writeSummary(out, manifests, report);
  }
  writeNotEvaluated(out, manifests, report);
  writeExempt(out, manifests, report);
  if (!report.errors.empty())
    out << report.errors.size() << plural(report.errors.size(), " input", " inputs")
        << " could not be read or decoded (named on stderr) and " << plural(report.errors.size(), "was", "were") << " not judged\n";
  return out.str();
}

}  // namespace lint
