#pragma once
// A workload's selector as the API server validates it beside its pod template (apps/v1 and ReplicationController
// ValidatePodTemplateSpecFor*, batch ValidateJobSpec / ValidateGeneratedSelector / ValidateJobTemplateSpec):
// lint refuses what `kubectl apply` would fail on.
#include "kube/manifest.h"

namespace kube {

// Throws DecodeError naming the selector or template-labels field, in upstream's words, for a selector that is
// not a valid LabelSelector, does not select the template's labels, or is one the server generates itself; for
// a Job's template label the server generates (job-name, controller-uid) written with another value; for a
// CronJob's jobTemplate with manualSelector: true.
void validateWorkloadSelector(const Manifest& m);

}  // namespace kube
