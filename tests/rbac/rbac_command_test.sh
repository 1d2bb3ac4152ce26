#!/usr/bin/env bash
# `kguard rbac` on the command line: answers, exit codes (0 yes / 1 no / 2 bad input or usage), error
# messages naming the file, output formats, and the --batch mode the e2e test relies on.
#   tests/rbac/rbac_command_test.sh PATH/TO/kguard
set -uo pipefail
KGUARD="$1"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
W="$HERE/data/world.yaml"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
failures=0

# expect EXIT_CODE STDOUT_SUBSTRING STDERR_SUBSTRING -- ARGS...
expect() {
  local code="$1" out="$2" err="$3"
  shift 4
  "$KGUARD" "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  if [ "$rc" != "$code" ] || { [ -n "$out" ] && ! grep -qF -- "$out" "$TMP/out"; } ||
     { [ -n "$err" ] && ! grep -qF -- "$err" "$TMP/err"; }; then
    echo "FAIL: kguard $* -> exit $rc (want $code)"
    echo "  stdout: $(head -c 400 "$TMP/out")"
    echo "  stderr: $(head -c 400 "$TMP/err")"
    failures=$((failures + 1))
  fi
}

expect 0 yes "" -- rbac can-i get pods --as alice -n dev -f "$W"
expect 1 no "" -- rbac can-i get pods --as alice -n prod -f "$W"
expect 1 no "" -- rbac can-i get pods --as alice -f "$W"                 # namespace "default"
expect 0 yes "" -- rbac can-i list pods -A --as bob -f "$W"
expect 0 yes "" -- rbac can-i -f "$W" --as-group ops update deployments/scale web --as carol -n dev   # flags first
expect 0 yes "" -- rbac can-i get pods --as bob -f "$W" -f "$HERE/data/world.yaml"
expect 0 yes "" -- rbac can-i create pods/exec web --as system:serviceaccount:dev:ci -n dev -f "$W"
expect 1 no "" -- rbac can-i create pods/exec web --as system:serviceaccount:prod:ci -n dev -f "$W"
expect 0 yes "" -- rbac can-i update deployments/scale web --as carol --as-group ops -n dev -f "$W"
expect 0 yes "" -- rbac can-i update deployments.apps/scale web --as carol --as-group ops -n dev -f "$W"
expect 1 no "" -- rbac can-i update deployments.extensions/scale web --as carol --as-group ops -n dev -f "$W"
expect 0 yes "" -- rbac can-i get --non-resource-url /logs/kubelet --as bob -f "$W"
expect 0 yes "" -- rbac can-i get /healthz --as bob -f "$W"
expect 1 no "" -- rbac can-i get --non-resource-url /healthz --as alice -f "$W" --no-builtin-roles   # a RoleBinding grants no URLs
expect 0 yes "" -- rbac can-i get --non-resource-url /healthz --as alice -f "$W"   # built-in system:public-info-viewer
expect 0 yes "" -- rbac can-i delete nodes --as x --as-group system:masters -f "$W"
expect 0 yes "RBAC: allowed by ClusterRoleBinding \"bob\" of ClusterRole \"pod-reader\" to User \"bob\"" -- \
  rbac can-i get pods --as bob -f "$W" --explain
expect 2 "" "nope.yaml" -- rbac can-i get pods --as bob -f nope.yaml
printf 'kind: ClusterRole\napiVersion: rbac.authorization.k8s.io/v1\nmetadata: {name: x}\nrules: [{verbs: 3}]\n' >"$TMP/bad.yaml"
expect 2 "" "bad.yaml: document 1: line 4: rules[0].verbs: expected a list" -- rbac can-i get pods --as bob -f "$TMP/bad.yaml"
expect 2 "" "cannot read kubeconfig" -- rbac can-i get pods --as bob --kubeconfig /dev/null
expect 2 "" "--as USER is required" -- rbac can-i get pods -f "$W"
expect 2 "" "expected VERB RESOURCE" -- rbac can-i get pods a b --as bob -f "$W"

expect 0 "User bob" "" -- rbac who-can get pods -n prod -f "$W"
expect 0 "\"name\": \"ci\"" "" -- rbac who-can create pods/exec -n dev -f "$W" --format json
expect 1 "rbac.escalation.podExec" "" -- rbac audit -f "$W"
expect 1 "\"version\": \"2.1.0\"" "" -- rbac audit -f "$W" --format sarif
expect 1 "\"leadsTo\"" "" -- rbac audit -f "$W" --format json

# Issue 13: built-in roles offline (3), impersonation is cluster-scoped (2), resourceNames in hops (1),
# pods/exec by version (4).
cat >"$TMP/ci-admin.yaml" <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: typo, namespace: ci}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: clusteradmin}
subjects: [{kind: User, name: x}]
YAML
# The default is the newest supported version, 1.36, whose data are upstream development copies
# (rbac/builtin/SOURCES): the note names the data used.
expect 0 yes "ClusterRole \"clusteradmin\", which is in neither the input nor the built-in roles of Kubernetes 1.36 development: it grants nothing" -- \
  rbac can-i get secrets -A --as system:serviceaccount:ci:deployer -f "$TMP/ci-admin.yaml"
if grep -qF "used for" "$TMP/err"; then echo "FAIL: the default version has its own data, no nearest-version note"; failures=$((failures + 1)); fi
expect 1 no "" -- rbac can-i get secrets -A --as system:serviceaccount:ci:deployer -f "$TMP/ci-admin.yaml" --no-builtin-roles
grep -qF "not in the input (built-in roles not loaded: --no-builtin-roles)" "$TMP/err" || { echo "FAIL: --no-builtin-roles note"; failures=$((failures + 1)); }
expect 0 yes "which is in neither the input nor the built-in roles of Kubernetes 1.20: it grants nothing" -- \
  rbac can-i get secrets -A --as system:serviceaccount:ci:deployer -f "$TMP/ci-admin.yaml" --kubernetes-version v1.20.2
if grep -qF "used for" "$TMP/err"; then echo "FAIL: a version with its own data gets the nearest-version note"; failures=$((failures + 1)); fi
expect 0 "ServiceAccount" "" -- rbac who-can get secrets -A -f "$TMP/ci-admin.yaml"
grep -qF "deployer" "$TMP/out" || { echo "FAIL: who-can misses ci/deployer bound to cluster-admin"; failures=$((failures + 1)); }
expect 1 "rbac.escalation.fullWildcard" "" -- rbac audit -f "$TMP/ci-admin.yaml"
expect 2 "" "--kubernetes-version: unsupported Kubernetes version '1.19' (supported: 1.20 to 1.36)" -- \
  rbac can-i get pods --as x -f "$TMP/ci-admin.yaml" --kubernetes-version 1.19
expect 0 yes "built-in roles of Kubernetes 1.20 used for 1.21" -- \
  rbac can-i get secrets -A --as system:serviceaccount:ci:deployer -f "$TMP/ci-admin.yaml" --kubernetes-version 1.21
expect 0 yes "built-in roles of Kubernetes 1.20 used for 1.35" -- \
  rbac can-i get secrets -A --as system:serviceaccount:ci:deployer -f "$TMP/ci-admin.yaml" --kubernetes-version 1.35
expect 2 "" "(supported: 1.20 to 1.36)" -- rbac can-i get pods --as x -f "$TMP/ci-admin.yaml" --kubernetes-version 1.37

# The built-in roles differ by version (rbac/builtin/1.20 vs 1.36), on the same input.
# cluster-roles.yaml: system:basic-user (bound to system:authenticated) lets everyone create a
# SelfSubjectReview in 1.36's data, not in 1.20's (the API came later).
for v in 1.36 1.20; do
  want=yes code=0; [ "$v" = 1.20 ] && want=no code=1
  expect $code $want "" -- rbac can-i create selfsubjectreviews.authentication.k8s.io --as alice --as-group system:authenticated \
    -f "$TMP/ci-admin.yaml" --kubernetes-version $v
done
# namespace-roles.yaml: the scheduler's leader-election Role in kube-system covers leasecandidates only in 1.36.
expect 0 yes "" -- rbac can-i update leasecandidates.coordination.k8s.io -n kube-system --as system:kube-scheduler -f "$TMP/ci-admin.yaml" --kubernetes-version 1.36
expect 1 no "" -- rbac can-i update leasecandidates.coordination.k8s.io -n kube-system --as system:kube-scheduler -f "$TMP/ci-admin.yaml" --kubernetes-version 1.20
# controller-roles/-bindings: the legacy token cleaner (a controller added after 1.20) may delete secrets only in 1.36's data.
expect 0 "legacy-service-account-token-cleaner" "" -- rbac who-can delete secrets -A -f "$TMP/ci-admin.yaml" --kubernetes-version 1.36
expect 0 "" "" -- rbac who-can delete secrets -A -f "$TMP/ci-admin.yaml" --kubernetes-version 1.20
if grep -qF "legacy-service-account-token-cleaner" "$TMP/out"; then echo "FAIL: 1.20 has no legacy token cleaner"; failures=$((failures + 1)); fi
grep -qF "deployer" "$TMP/out" || { echo "FAIL: who-can on 1.20 misses ci/deployer (cluster-admin)"; failures=$((failures + 1)); }

cat >"$TMP/impersonate.yaml" <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: impersonator}
rules: [{verbs: [impersonate], apiGroups: [""], resources: [users, groups, serviceaccounts]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ns-only, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonator}
subjects: [{kind: User, name: ns-user}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: everywhere}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonator}
subjects: [{kind: User, name: cluster-user}]
YAML
expect 0 "User cluster-user" "" -- rbac who-can impersonate users -f "$TMP/impersonate.yaml"
if grep -qF "ns-user" "$TMP/out"; then echo "FAIL: who-can impersonate users lists a RoleBinding-only subject"; failures=$((failures + 1)); fi
expect 0 "User cluster-user" "asking cluster-wide, not in namespace default" -- rbac who-can impersonate users -n default -f "$TMP/impersonate.yaml"
if grep -qF "ns-user" "$TMP/out"; then echo "FAIL: who-can impersonate users -n lists a RoleBinding-only subject"; failures=$((failures + 1)); fi
expect 0 "User ns-user" "" -- rbac who-can impersonate serviceaccounts -n default -f "$TMP/impersonate.yaml"
expect 1 no "" -- rbac can-i impersonate users --as ns-user -f "$TMP/impersonate.yaml"
expect 0 yes "this answers a SubjectAccessReview in namespace default" -- rbac can-i impersonate users --as ns-user -n default -f "$TMP/impersonate.yaml"
expect 1 "" "" -- rbac audit -f "$TMP/impersonate.yaml" --format json
python3 - "$TMP/out" <<'PY' || failures=$((failures + 1))
import json, sys
found = {(f["subject"]["name"], f["id"], f["scope"] or "") for f in json.load(open(sys.argv[1]))}
assert ("cluster-user", "rbac.escalation.impersonate", "") in found, found
assert not any(n == "ns-user" and i == "rbac.escalation.impersonate" and s != "default" for n, i, s in found), found
assert not any(n == "ns-user" and i == "rbac.escalation.impersonate" and s == "" for n, i, s in found), found
PY

cat >"$TMP/token.yaml" <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: cert-manager-tokenrequest, namespace: cert-manager}
rules: [{verbs: [create], apiGroups: [""], resources: [serviceaccounts/token], resourceNames: [cert-manager]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: cert-manager-tokenrequest, namespace: cert-manager}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cert-manager-tokenrequest}
subjects: [{kind: ServiceAccount, name: cert-manager, namespace: cert-manager}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cainjector}
rules: [{verbs: [get, list, watch], apiGroups: [""], resources: [secrets]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cainjector}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cainjector}
subjects: [{kind: ServiceAccount, name: cert-manager-cainjector, namespace: cert-manager}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: exec-get}
rules: [{verbs: [get], apiGroups: [""], resources: [pods/exec]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: exec-get, namespace: cert-manager}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: exec-get}
subjects: [{kind: User, name: viewer}]
YAML
expect 1 "[medium] ServiceAccount cert-manager/cert-manager (namespace cert-manager): mint service-account tokens" "" -- \
  rbac audit -f "$TMP/token.yaml"
if grep -q "leads to ServiceAccount cert-manager/cert-manager-cainjector" "$TMP/out"; then
  echo "FAIL: a token limited to cert-manager leads to cert-manager-cainjector"; failures=$((failures + 1)); fi
if grep -q "User viewer" "$TMP/out"; then echo "FAIL: get pods/exec reported as exec on 1.35"; failures=$((failures + 1)); fi
expect 1 "assuming Kubernetes 1.34: get on pods/exec or pods/attach is enough before Kubernetes 1.35" "" -- \
  rbac audit -f "$TMP/token.yaml" --kubernetes-version 1.34
grep -q "User viewer (namespace cert-manager): exec or attach into pods" "$TMP/out" || {
  echo "FAIL: get pods/exec not reported on 1.34"; failures=$((failures + 1)); }

printf '%s\n' '["get","pods","-n","dev","--as","alice"]' '["get","pods","-n","prod","--as","alice"]' \
  '["get","pods.","-A","--as","u","--as-group","system:masters","--groups-exact"]' >"$TMP/batch"
expect 0 "yes" "" -- rbac can-i -f "$W" --batch "$TMP/batch"
if [ "$(tr '\n' ' ' <"$TMP/out")" != "yes no yes " ]; then echo "FAIL: batch answers: $(cat "$TMP/out")"; failures=$((failures + 1)); fi
printf '%s\n' '["get","pods","-n","dev","--as","alice"]' 'not json' >"$TMP/batch"
expect 2 "error" "line 2" -- rbac can-i -f "$W" --batch "$TMP/batch"

# can-i --list / --quiet / --no-headers: kubectl auth can-i's flags and argument checks (cani.go).
expect 0 "Resources" "" -- rbac can-i --list --as alice -n dev -f "$W"
grep -q '^pods  .*\[get' "$TMP/out" || { echo "FAIL: --list -n dev lacks pods: $(cat "$TMP/out")"; failures=$((failures + 1)); }
expect 0 "" "" -- rbac can-i --list --no-headers --as alice -n dev -f "$W"
if grep -q Resources "$TMP/out"; then echo "FAIL: --no-headers printed the header"; failures=$((failures + 1)); fi
expect 2 "" "list option must be specified with no arguments" -- rbac can-i --list get pods --as alice -f "$W"
expect 2 "" "list option can't be specified with neither quiet, all-namespaces nor subresource options" -- \
  rbac can-i --list -A --as alice -f "$W"
expect 2 "" "--no-headers cannot be set without --list specified" -- rbac can-i get pods --no-headers --as alice -f "$W"
expect 0 "" "" -- rbac can-i get pods -q --as alice -n dev -f "$W"
expect 1 "" "" -- rbac can-i get pods --quiet --as alice -n prod -f "$W"
if [ -s "$TMP/out" ]; then echo "FAIL: --quiet printed: $(cat "$TMP/out")"; failures=$((failures + 1)); fi

# --kubeconfig: the Kubernetes version assumed is the server's (GET /version) unless --kubernetes-version
# says otherwise; get on pods/exec leads to exec only before 1.35, so the audit shows which was assumed.
mkdir -p "$TMP/live"
cat >"$TMP/live/world.json" <<'EOF2'
{"clusterroles": [{"metadata": {"name": "exec-get"},
                   "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods/exec"]}]}],
 "clusterrolebindings": [{"metadata": {"name": "viewer-exec"},
                          "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "exec-get"},
                          "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "viewer"}]}],
 "roles": [{"metadata": {"name": "pod-reader", "namespace": "dev"},
            "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}]}],
 "rolebindings": [{"metadata": {"name": "viewer-pods", "namespace": "dev"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
                   "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "viewer"}]}]}
EOF2
printf '200\n{"major":"1","minor":"20","gitVersion":"v1.20.2"}' >"$TMP/live/version"
python3 "$HERE/fake_rbac_api_server.py" "$TMP/live" &
FAKE_PID=$!
trap 'kill "$FAKE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do [ -f "$TMP/live/port" ] && break; sleep 0.05; done
cat >"$TMP/live/kubeconfig" <<EOF2
apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "http://127.0.0.1:$(cat "$TMP/live/port")"}}]
users: [{name: fake, user: {token: t}}]
contexts: [{name: fake, context: {cluster: fake, user: fake, namespace: dev}}]
current-context: fake
EOF2
K="$TMP/live/kubeconfig"
expect 1 "assuming Kubernetes 1.20: get on pods/exec" "" -- rbac audit --kubeconfig "$K"
if [ -s "$TMP/err" ]; then echo "FAIL: a supported server version needs no note: $(cat "$TMP/err")"; failures=$((failures + 1)); fi
expect 0 "" "the server reports v1.20.2; assuming 1.36 as --kubernetes-version says" -- \
  rbac audit --kubeconfig "$K" --kubernetes-version 1.36
# 1.20's REST mapping: batch/v1 CronJobs came in 1.21 (kubectl's warning, as against a real 1.20 server)
expect 1 "no" "the server doesn't have a resource type 'cronjobs' in group 'v1.batch'" -- \
  rbac can-i list cronjobs.v1.batch -A --as viewer --kubeconfig "$K"
expect 1 "no" "" -- rbac can-i list cronjobs.v1.batch -A --as viewer --kubeconfig "$K" --kubernetes-version 1.21
if grep -q "resource type" "$TMP/err"; then echo "FAIL: 1.21 serves batch/v1 CronJobs: $(cat "$TMP/err")"; failures=$((failures + 1)); fi
# without -n, kubectl asks in the kubeconfig context's namespace (dev here), not in default
expect 0 "yes" "" -- rbac can-i get pods --as viewer --kubeconfig "$K"
expect 1 "no" "" -- rbac can-i get pods --as viewer -n default --kubeconfig "$K"
expect 0 "User viewer" "" -- rbac who-can get pods --kubeconfig "$K"
expect 0 "pods " "" -- rbac can-i --list --as viewer --kubeconfig "$K"
expect 0 "yes" "" -- rbac can-i get nodes --as x --as-group system:masters --kubeconfig "$K"   # cluster-scoped
if grep -q "namespace scoped" "$TMP/err"; then echo "FAIL: the context's namespace is no -n: $(cat "$TMP/err")"; failures=$((failures + 1)); fi
printf '200\n{"major":"1","minor":"19","gitVersion":"v1.19.16"}' >"$TMP/live/version"
expect 1 "assuming Kubernetes 1.20" "warning: the server reports v1.19.16 (1.19), older than the oldest supported 1.20: assuming 1.20" -- \
  rbac audit --kubeconfig "$K"
printf '200\n{"major":"1","minor":"41+","gitVersion":"v1.41.0-gke.1"}' >"$TMP/live/version"
expect 0 "" "newer than the newest supported 1.36: assuming 1.36" -- rbac audit --kubeconfig "$K"
printf '404\n{"kind":"Status","message":"the server could not find the requested resource","code":404}' >"$TMP/live/version"
expect 0 "" "warning: cannot tell the cluster's Kubernetes version (http://127.0.0.1:" -- rbac audit --kubeconfig "$K"
grep -q "HTTP 404.*assuming 1.36; give --kubernetes-version" "$TMP/err" || {
  echo "FAIL: the warning names neither the problem nor the fix: $(cat "$TMP/err")"; failures=$((failures + 1)); }
expect 1 "assuming Kubernetes 1.34" "" -- rbac audit --kubeconfig "$K" --kubernetes-version 1.34
if [ -s "$TMP/err" ]; then echo "FAIL: a given version needs no warning: $(cat "$TMP/err")"; failures=$((failures + 1)); fi
kill "$FAKE_PID"
wait "$FAKE_PID" 2>/dev/null
# an unreachable server: exit 2 naming it
sed -i "s|http://127.0.0.1:[0-9]*|http://127.0.0.1:1|" "$K"
expect 2 "" "cannot read the server's version from http://127.0.0.1:1/version: no response" -- rbac who-can get pods --kubeconfig "$K"

if [ "$failures" != 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all rbac command tests passed"
