#include "kube/workload_selector.h"

#include "kube/json_reader.h"
#include "kube/label_selector.h"
#include "kube/label_validation.h"
#include "kube/pod_decode.h"

namespace kube {
namespace {

// spec.manualSelector: true (a Job whose selector the user picks).
bool manualSelector(const Manifest& m) {
  auto manual = JsonReader(m.object, "").at("spec.manualSelector");
  return manual && !manual->isNull() && manual->asBool();
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
  const ObjectMeta* meta = m.metadata().get();
  const std::string uid = meta && !meta->uid.empty() ? meta->uid : "<uid assigned at create>";
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
  std::string path = templatePath->substr(0, templatePath->size() - std::string("template").size()) + "selector";
  auto selector = JsonReader(m.object, "").at(path);
  if (!selector || selector->isNull()) return;
  // And one that does not select its own template's labels (ValidatePodTemplateSpecForReplicaSet and its
  // apps/v1 siblings; a ReplicationController's ValidatePodTemplateSpecForRC): its pods would not be its own.
  // A Job's (batch ValidateJobSpec) only with manualSelector: else its selector is generated.
  const std::string labelsPath = *templatePath + ".metadata.labels";
  auto labelsAt = JsonReader(m.object, "").at(labelsPath);
  StringMap templateLabels = labelsAt && !labelsAt->isNull() ? labelsAt->asStringMap() : StringMap{};
  auto mismatch = [&] {
    std::string shown;  // as field.Invalid prints the Go map
    for (const auto& [key, value] : templateLabels) shown += (shown.empty() ? "\"" : ", \"") + key + "\":\"" + value + "\"";
    throw DecodeError(labelsPath, "Invalid value: map[string]string{" + shown +
                                            "}: `selector` does not match template `labels`");
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
  if (m.kind() == "CronJob" && m.apiVersion() == "batch/v1")  // ValidateJobTemplateSpec
    throw DecodeError(path, "Invalid value: " + goLabelSelector(decoded) + ": `selector` will be auto-generated");
  if (m.kind() == "Job" && m.apiVersion() == "batch/v1" && !manualSelector(m)) {
    validateGeneratedJobSelector(m, decoded, path);
    return;
  }
  const bool checked = m.apiVersion() == "apps/v1" || (m.kind() == "Job" && m.apiVersion() == "batch/v1");
  if (checked && !decoded.selectsEverything() && !decoded.matches(templateLabels)) mismatch();
}

}  // namespace kube
