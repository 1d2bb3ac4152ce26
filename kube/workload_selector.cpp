#include "kube/workload_selector.h"

#include "kube/json_reader.h"
#include "kube/label_selector.h"
#include "kube/label_validation.h"
#include "kube/pod_decode.h"

namespace kube {
namespace {

// manualSelector: true at `path` (a Job whose selector the user picks: spec.manualSelector).
bool manualSelector(const Manifest& m, const std::string& path) {
  auto manual = JsonReader(m.object, "").at(path);
  return manual && !manual->isNull() && manual->asBool();
}

// A map[string]string as field.Invalid prints the Go value.
std::string goStringMap(const StringMap& map) {
  std::string shown;
  for (const auto& [key, value] : map) shown += (shown.empty() ? "\"" : ", \"") + key + "\":\"" + value + "\"";
  return "map[string]string{" + shown + "}";
}

// The uid a Job is judged with: the object's (an export's Job, whose labels the server generated, passes) or
// a fresh one the user cannot have named.
std::string jobUid(const Manifest& m) {
  const ObjectMeta* meta = m.metadata().get();
  return meta && !meta->uid.empty() ? meta->uid : "<uid assigned at create>";
}

// A batch/v1 Job without manualSelector: true: at create the job strategy's generateSelector adds
// controller-uid, batch.kubernetes.io/controller-uid, job-name and batch.kubernetes.io/job-name to the
// template's labels, keeping any the user wrote, and ValidateGeneratedSelector (pkg/apis/batch/validation,
// ValidateHasLabel) refuses one whose value is not the Job's uid or name. Labels the user left out are
// fine. Throws DecodeError.
void validateGeneratedJobLabels(const Manifest& m, const StringMap& templateLabels, const std::string& labelsPath) {
  const std::string uid = jobUid(m);
  const std::pair<const char*, std::string> generated[] = {{"controller-uid", uid},
                                                           {"job-name", m.name()},
                                                           {"batch.kubernetes.io/controller-uid", uid},
                                                           {"batch.kubernetes.io/job-name", m.name()}};
  for (const auto& [key, expected] : generated) {
    auto it = templateLabels.find(key);
    if (it == templateLabels.end() || it->second == expected || expected.empty()) continue;  // no name: generateName
    throw DecodeError(labelsPath + "[\"" + std::string(key) + "\"]",
                      "Invalid value: " + goStringMap(templateLabels) + ": must be '" + expected +
                          "' (the API server sets this label: leave it out, or set spec.manualSelector: true)");
  }
}

// A LabelSelector as field.Invalid prints the Go value.
std::string goLabelSelector(const LabelSelector& s) {
  auto quoted = [](const std::string& v) { return "\"" + v + "\""; };
  std::string labels;
  for (const auto& [key, value] : s.matchLabels) labels += (labels.empty() ? "" : ", ") + quoted(key) + ":" + quoted(value);
  std::string expressions;
  for (const auto& e : s.matchExpressions) {
    static const char* const ops[] = {"In", "NotIn", "Exists", "DoesNotExist"};
    std::string values;
    for (const auto& v : e.values) values += (values.empty() ? "" : ", ") + quoted(v);
    expressions += std::string(expressions.empty() ? "" : ", ") + "v1.LabelSelectorRequirement{Key:" + quoted(e.key) +
                   ", Operator:" + quoted(ops[static_cast<int>(e.op)]) + ", Values:" +
                   (e.values.empty() ? "[]string(nil)" : "[]string{" + values + "}") + "}";
  }
  return "v1.LabelSelector{MatchLabels:" +
         (s.matchLabels.empty() ? std::string("map[string]string(nil)") : "map[string]string{" + labels + "}") +
         ", MatchExpressions:" +
         (s.matchExpressions.empty() ? std::string("[]v1.LabelSelectorRequirement(nil)")
                                     : "[]v1.LabelSelectorRequirement{" + expressions + "}") + "}";
}

// A batch/v1 Job without manualSelector: true gets its selector generated at create (job strategy's
// generateSelector adds controller-uid), and ValidateGeneratedSelector (pkg/apis/batch/validation) refuses
// one the user wrote that does not select the generated labels: "`selector` not auto-generated". The uid is
// the object's (an export's Job, whose selector the server generated, passes) or a fresh one the user cannot
// have named. Throws DecodeError.
void validateGeneratedJobSelector(const Manifest& m, const LabelSelector& selector, const std::string& path) {
  const std::string uid = jobUid(m);
  const StringMap generated = {{"batch.kubernetes.io/controller-uid", uid}, {"controller-uid", uid},
                                     {"batch.kubernetes.io/job-name", m.name()}, {"job-name", m.name()}};
  if (!selector.matches(generated))
    throw DecodeError(path, "Invalid value: " + goLabelSelector(selector) +
                                      ": `selector` not auto-generated (set spec.manualSelector: true to choose the "
                                      "selector, or leave it out)");
}

// The API server refuses a workload whose selector is not a valid LabelSelector (apps and batch validation
// call metav1validation.ValidateLabelSelector on spec.selector; a ReplicationController's selector is a plain
// map, checked by ValidateLabels). The selector sits beside the pod template. Throws DecodeError.
}  // namespace

void validateWorkloadSelector(const Manifest& m) {
  auto templatePath = podTemplatePath(m.apiVersion(), m.kind());
  const std::string suffix = "spec.template";
  if (!templatePath || templatePath->size() < suffix.size() ||
      templatePath->compare(templatePath->size() - suffix.size(), suffix.size(), suffix) != 0)
    return;  // a Pod or PodTemplate: no selector
  const std::string spec = templatePath->substr(0, templatePath->size() - std::string("template").size());
  const std::string path = spec + "selector";
  const bool job = m.kind() == "Job" && m.apiVersion() == "batch/v1";
  const bool cronJob = m.kind() == "CronJob" && m.apiVersion() == "batch/v1";
  auto selector = JsonReader(m.object, "").at(path);
  const bool hasSelector = selector && !selector->isNull();
  // ValidateJobTemplateSpec (a CronJob's jobTemplate): no manualSelector: true, as the selector of every Job
  // it makes is generated (after refusing a selector, below).
  if (cronJob && !hasSelector && manualSelector(m, spec + "manualSelector"))
    throw DecodeError(spec + "manualSelector", "Unsupported value: true: supported values: \"nil\", \"false\"");
  const bool generatedJob = job && !manualSelector(m, spec + "manualSelector");
  if (!hasSelector && !generatedJob) return;
  const std::string labelsPath = *templatePath + ".metadata.labels";
  auto labelsAt = JsonReader(m.object, "").at(labelsPath);
  StringMap templateLabels = labelsAt && !labelsAt->isNull() ? labelsAt->asStringMap() : StringMap{};
  if (generatedJob) validateGeneratedJobLabels(m, templateLabels, labelsPath);
  if (!hasSelector) return;
  // And one that does not select its own template's labels (ValidatePodTemplateSpecForReplicaSet and its
  // apps/v1 siblings; a ReplicationController's ValidatePodTemplateSpecForRC): its pods would not be its own.
  // A Job's (batch ValidateJobSpec) only with manualSelector: else its selector is generated.
  auto mismatch = [&] {
    throw DecodeError(labelsPath, "Invalid value: " + goStringMap(templateLabels) + ": `selector` does not match template `labels`");
  };
  if (m.kind() == "ReplicationController" && m.apiVersion() == "v1") {
    auto map = selector->asStringMap();
    validateLabels(map, path);
    for (const auto& [key, value] : map) {
      auto it = templateLabels.find(key);
      if (it == templateLabels.end() || it->second != value) mismatch();
    }
    return;
  }
  auto decoded = decodeLabelSelector(selector->value(), path);
  if (cronJob)  // ValidateJobTemplateSpec
    throw DecodeError(path, "Invalid value: " + goLabelSelector(decoded) + ": `selector` will be auto-generated");
  if (generatedJob) {
    validateGeneratedJobSelector(m, decoded, path);
    return;
  }
  const bool checked = m.apiVersion() == "apps/v1" || job;
  if (checked && !decoded.selectsEverything() && !decoded.matches(templateLabels)) mismatch();
}

}  // namespace kube
