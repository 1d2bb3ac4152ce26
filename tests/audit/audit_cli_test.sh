#!/usr/bin/env bash
# `kguard audit -f EXPORT` as users run it on kubectl exports: what is judged, how often, exit codes.
# Usage: audit_cli_test.sh KGUARD
set -uo pipefail
kguard="$1"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
. "$here/../cli/check.sh"

# count_findings FILE KIND NAME CHECK: how many findings of CHECK the JSON report names KIND NAME in.
count_findings() {
  "$kguard" audit --format json -f "$1" 2>/dev/null |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print(sum(1 for f in r["findings"] if f["kind"]==sys.argv[1] and f["name"]==sys.argv[2] and f["check"]==sys.argv[3]))' "$2" "$3" "$4"
}
expect_count() {  # expect_count NAME WANT FILE KIND OBJECT CHECK
  local got; got="$(count_findings "$3" "$4" "$5" "$6")"
  if [ "$got" = "$2" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: $got findings (want $2)"; fi
}

# --- a Deployment's history without the Deployment (`kubectl get rs -A -o yaml`) ----------------------
# Old revisions are scaled to spec.replicas 0 and run nothing: only the running ReplicaSet is judged
# (each revision was reported before, one Deployment giving N copies of the same findings).
rs() {  # rs NAME REVISION REPLICAS
  cat <<YAML
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata:
    name: $1
    namespace: shop
    uid: rs-$1
    creationTimestamp: "2026-11-0$2T10:00:00Z"
    annotations: {deployment.kubernetes.io/revision: "$2"}
    ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d-web, controller: true}]
  spec:
    replicas: $3
    selector: {matchLabels: {app: web}}
    template:
      metadata: {labels: {app: web}}
      spec:
        hostPID: true
        containers: [{name: web, image: nginx:1.25}]
YAML
}
{ printf 'apiVersion: v1\nkind: List\nitems:\n'; rs web-1 1 0; rs web-2 2 0; rs web-3 3 2; rs web-4 4 0; } > "$work/rs.yaml"
expect_count "running revision judged"    1 "$work/rs.yaml" ReplicaSet web-3 hostNamespaces
expect_count "old revision not judged"    0 "$work/rs.yaml" ReplicaSet web-1 hostNamespaces
expect_count "older revision not judged"  0 "$work/rs.yaml" ReplicaSet web-2 hostNamespaces
expect_count "scaled-down newer not judged" 0 "$work/rs.yaml" ReplicaSet web-4 hostNamespaces
# Scaled to 0: the newest revision alone stands for the Deployment (what it runs when scaled up).
{ printf 'apiVersion: v1\nkind: List\nitems:\n'; rs web-2 2 0; rs web-10 10 0; rs web-9 9 0; } > "$work/scaled0.yaml"
expect_count "scaled to 0: newest judged" 1 "$work/scaled0.yaml" ReplicaSet web-10 hostNamespaces
expect_count "scaled to 0: older not"     0 "$work/scaled0.yaml" ReplicaSet web-9 hostNamespaces
check "history: exit 1 on the running one" 1 "ReplicaSet shop/web-3" -- audit -f "$work/rs.yaml"
# A ReplicaSet without an owner at spec.replicas 0 is no history: judged, as a Deployment at 0 replicas is.
cat > "$work/orphan.yaml" <<'YAML'
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: lone, namespace: shop}
spec:
  replicas: 0
  selector: {matchLabels: {app: lone}}
  template:
    metadata: {labels: {app: lone}}
    spec: {hostPID: true, containers: [{name: c, image: nginx:1.25}]}
YAML
expect_count "orphan at 0 judged" 1 "$work/orphan.yaml" ReplicaSet lone hostNamespaces

# --- a CronJob's finished Jobs without the CronJob (`kubectl get jobs -A -o yaml`) --------------------
job() {  # job NAME DAY ACTIVE
  cat <<YAML
- apiVersion: batch/v1
  kind: Job
  metadata:
    name: $1
    namespace: shop
    uid: job-$1
    creationTimestamp: "2026-11-0$2T02:00:00Z"
    ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: nightly, uid: cj-nightly, controller: true}]
  spec:
    template:
      spec:
        restartPolicy: Never
        hostPID: true
        containers: [{name: c, image: busybox:1.36}]
  status: {active: $3}
YAML
}
{ printf 'apiVersion: v1\nkind: List\nitems:\n'; job nightly-1 1 0; job nightly-2 2 0; job nightly-3 3 0; } > "$work/jobs.yaml"
expect_count "finished jobs: newest judged" 1 "$work/jobs.yaml" Job nightly-3 hostNamespaces
expect_count "finished jobs: older not"     0 "$work/jobs.yaml" Job nightly-1 hostNamespaces
{ printf 'apiVersion: v1\nkind: List\nitems:\n'; job nightly-1 1 1; job nightly-2 2 0; job nightly-3 3 0; } > "$work/jobs-active.yaml"
expect_count "running job judged"         1 "$work/jobs-active.yaml" Job nightly-1 hostNamespaces
expect_count "finished newer not judged"  0 "$work/jobs-active.yaml" Job nightly-3 hostNamespaces

# --- finished Pods of a CronJob's runs (`kubectl get all -A -o yaml`): the CronJob stands for them -----------
# Each Succeeded Pod repeated the CronJob's findings; a Pod that runs, or whose controller is not in the
# export, is still judged itself.
{ printf 'apiVersion: v1\nkind: List\nitems:\n'
  printf -- '- apiVersion: batch/v1\n  kind: CronJob\n  metadata: {name: nightly, namespace: shop, uid: cj-nightly}\n  spec:\n    schedule: "@daily"\n    jobTemplate:\n      spec:\n        template:\n          spec: {restartPolicy: Never, hostPID: true, containers: [{name: c, image: busybox:1.36}]}\n'
  job nightly-1 1 0; job nightly-2 2 1
  for run in 1 2; do
    phase=Succeeded; [ "$run" = 2 ] && phase=Running
    printf -- '- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: nightly-%s-x\n    namespace: shop\n    ownerReferences: [{apiVersion: batch/v1, kind: Job, name: nightly-%s, uid: job-nightly-%s, controller: true}]\n  spec: {restartPolicy: Never, hostPID: true, containers: [{name: c, image: busybox:1.36}]}\n  status: {phase: %s}\n' "$run" "$run" "$run" "$phase"
  done
  printf -- '- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: lost-x\n    namespace: shop\n    ownerReferences: [{apiVersion: batch/v1, kind: Job, name: lost, uid: job-lost, controller: true}]\n  spec: {restartPolicy: Never, hostPID: true, containers: [{name: c, image: busybox:1.36}]}\n  status: {phase: Failed}\n'
} > "$work/all.yaml"
expect_count "cronjob judged"                  1 "$work/all.yaml" CronJob nightly hostNamespaces
expect_count "finished pod left to its job"    0 "$work/all.yaml" Pod nightly-1-x hostNamespaces
expect_count "running pod judged"              1 "$work/all.yaml" Pod nightly-2-x hostNamespaces
expect_count "finished pod, job not read"      1 "$work/all.yaml" Pod lost-x hostNamespaces
expect_count "jobs left to the cronjob"        0 "$work/all.yaml" Job nightly-2 hostNamespaces

# --- -o FILE that cannot be written: exit 2 and why (it said only "cannot write the report") ---------------
check "-o in a missing folder" 2 '-o .*/missing/report.json: cannot write the report: no such file or directory' -- audit -f "$work/orphan.yaml" -o "$work/missing/report.json"
check "-o a folder"            2 '-o .*: cannot write the report: is a directory'                                 -- audit -f "$work/orphan.yaml" -o "$work"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
