#!/usr/bin/env bash
# End-to-end test of `kguard rbac can-i|who-can|audit --kubeconfig F` (live-cluster mode) against a real
# kube-apiserver (tests/e2e/README.md):
#
#   bash tests/e2e/rbac_live_e2e_test.sh PATH/TO/kguard
#
# Starts a throw-away cluster (tests/e2e/cluster.sh), creates a Role + RoleBinding for alice (and a
# service account), a ClusterRole + ClusterRoleBinding for group e2e-auditors and a RoleBinding to the
# aggregated ClusterRole `view`, then checks that `kguard rbac can-i … --kubeconfig` answers every query
# as `kubectl auth can-i --as …` does (the API server's own authorizer, including its bootstrap policy
# and stored aggregated rules), that who-can lists alice and the group, that audit runs on the live
# objects, that bad kubeconfigs, unreachable servers, 401/403 and -f with --kubeconfig exit 2, and that
# kubeconfig users with exec credential plugins work (v1, v1beta1, re-run after a 401, a failing plugin).
# A user who may list only the cluster-scoped RBAC objects gets an audit of those with a note for each
# skipped collection (403); can-i and who-can still refuse such a partial listing.
#
# Environment: KGUARD_E2E_KEEP=1 keeps the work directory (logs) after a failure; KUBE_APISERVER_BIN as
# in cluster.sh.
set -euo pipefail

# shellcheck source=tests/e2e/cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster.sh"
# shellcheck source=tests/e2e/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/steps.sh"
e2e_kguard_argument "$@"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kguard-rbac-live-e2e.XXXXXX")"
CLUSTER="$WORK/cluster"
FAILURES=0

# A check that fails the test at the end, so that every disagreement is printed.
soft_fail() {
  echo "FAIL [$CURRENT_STEP]: $*" >&2
  FAILURES=$((FAILURES + 1))
}

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT
  set +e
  cluster_stop "$CLUSTER" >/dev/null 2>&1
  if [ "$rc" != 0 ]; then
    if [ -f "$CLUSTER/kube-apiserver.log" ]; then
      echo "== tail $CLUSTER/kube-apiserver.log" >&2
      tail -n 15 "$CLUSTER/kube-apiserver.log" >&2
    fi
    if [ "${KGUARD_E2E_KEEP:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------------
start_e2e_cluster
KUBECONFIG_FILE="$CLUSTER/kubeconfig"
ok "API server at $APISERVER_URL"

# ---------------------------------------------------------------------------------------------------
step "creating RBAC objects"
kubectl apply -f - >"$WORK/apply.log" 2>&1 <<'EOF' || { cat "$WORK/apply.log" >&2; fail "kubectl apply"; }
apiVersion: v1
kind: Namespace
metadata: {name: e2e-dev}
---
apiVersion: v1
kind: Namespace
metadata: {name: e2e-other}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: dev-reader, namespace: e2e-dev}
rules:
- apiGroups: [""]
  resources: [pods, pods/log]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [create]
- apiGroups: [""]
  resources: [configmaps]
  resourceNames: [app-config]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-dev-reader, namespace: e2e-dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: dev-reader}
subjects:
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}
- {kind: ServiceAccount, name: builder}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: e2e-auditor}
rules:
- apiGroups: [""]
  resources: [namespaces, nodes]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [secrets]
  verbs: [list]
- nonResourceURLs: [/metrics, /debug/*]
  verbs: [get]
# kubectl asks for a RESOURCE.VERSION.GROUP whose version the server does not serve (batch/v1 CronJobs
# came in 1.21) as the argument, written, in the core group: these rules tell the two readings apart.
- apiGroups: ["*"]
  resources: [cronjobs, deployments]
  verbs: [list]
- apiGroups: [""]
  resources: [cronjobs.v1.batch, Deployments.V1beta1.apps]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: e2e-auditors}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: e2e-auditor}
subjects:
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: e2e-auditors}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: carol-view, namespace: e2e-other}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: carol}
---
# get on pods/exec leads to exec before 1.35 only: the audit must assume the server's 1.20
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: e2e-exec-getter}
rules:
- {apiGroups: [""], resources: [pods/exec], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: e2e-exec-getter}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: e2e-exec-getter}
subjects:
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: dave}
EOF
ok "2 namespaces, Role + RoleBinding (alice, SA builder), ClusterRole + ClusterRoleBinding (e2e-auditors), view for carol"

# ---------------------------------------------------------------------------------------------------
# One query per line: USER|GROUPS (comma-separated, may be empty)|ARGS (kubectl auth can-i arguments;
# a non-resource URL as "get /metrics"). Namespaced queries always name -n or -A (kguard and kubectl
# differ on purpose only in defaults, rbac/README.md).
QUERIES=(
  "alice||get pods -n e2e-dev"
  "alice||list pods -n e2e-dev"
  "alice||watch pods -n e2e-dev"
  "alice||delete pods -n e2e-dev"
  "alice||get pods -n e2e-other"
  "alice||get pods --subresource=log -n e2e-dev"
  "alice||create pods --subresource=exec -n e2e-dev"
  "alice||create deployments.apps -n e2e-dev"
  "alice||create deployments.apps -n e2e-other"
  "alice||get configmaps app-config -n e2e-dev"
  "alice||get configmaps other-config -n e2e-dev"
  "alice||list configmaps -n e2e-dev"
  "alice||list namespaces"
  "alice||get /healthz"
  "alice||create selfsubjectaccessreviews.authorization.k8s.io"
  "system:serviceaccount:e2e-dev:builder||list pods -n e2e-dev"
  "system:serviceaccount:e2e-other:builder||list pods -n e2e-dev"
  "bob|e2e-auditors|list namespaces"
  "bob|e2e-auditors|get nodes node-1"
  "bob|e2e-auditors|list secrets -A"
  "bob|e2e-auditors|list secrets -n e2e-other"
  "bob|e2e-auditors|get secrets db-password -n e2e-other"
  "bob|e2e-auditors|delete secrets -n e2e-other"
  "bob|e2e-auditors|get pods -n e2e-dev"
  "bob|e2e-auditors|get /metrics"
  "bob|e2e-auditors|get /debug/pprof"
  "bob|e2e-auditors|post /metrics"
  "bob||list namespaces"
  "bob|e2e-auditors|list cronjobs.v1beta1.batch -A"
  "bob|e2e-auditors|list cronjobs.v1.batch -A"
  "bob|e2e-auditors|get cronjobs.v1.batch -A"
  "bob|e2e-auditors|list deployments.v1beta1.apps -A"
  "bob|e2e-auditors|get Deployments.V1beta1.apps -A"
  "bob|e2e-auditors|list deploy.v1.apps -A"
  "bob|e2e-auditors|list deployments.extensions -A"
  "bob|e2e-auditors|list pods.v1 -A"
  "alice||create deployments.v1.apps -n e2e-dev"
  "alice||create deployments.v1beta2.apps -n e2e-dev"
  "alice||get pods.v1. -n e2e-dev"
  "bob|e2e-auditors|get nodes -n e2e-dev"
  "bob|e2e-auditors|list namespaces -n e2e-dev"
  "bob|e2e-auditors|get clusterroles.rbac.authorization.k8s.io -n e2e-dev"
  "eve||get /metrics"
  "carol||get pods -n e2e-other"
  "carol||get pods -n e2e-dev"
)

step "can-i --kubeconfig vs kubectl auth can-i --as (${#QUERIES[@]} queries)"
YES=0
NO=0
for q in "${QUERIES[@]}"; do
  IFS='|' read -r user groups argline <<<"$q"
  read -r -a args <<<"$argline"
  as=(--as "$user")
  if [ -n "$groups" ]; then
    IFS=',' read -r -a gs <<<"$groups"
    for g in "${gs[@]}"; do as+=(--as-group "$g"); done
  fi
  # kguard: VERB RESOURCE [NAME] / VERB --non-resource-url URL; kubectl: VERB RESOURCE[/NAME] / VERB URL.
  kguard_args=("${args[@]}")
  kubectl_args=("${args[@]}")
  if [[ "${args[1]}" == /* ]]; then
    kguard_args=("${args[0]}" --non-resource-url "${args[1]}" "${args[@]:2}")
  elif [ "${#args[@]}" -ge 3 ] && [[ "${args[2]}" != -* ]]; then
    kubectl_args=("${args[0]}" "${args[1]}/${args[2]}" "${args[@]:3}")
  fi
  want="$(kubectl auth can-i "${kubectl_args[@]}" "${as[@]}" 2>"$WORK/kubectl.err")" || true
  [ "$want" = yes ] || [ "$want" = no ] || { cat "$WORK/kubectl.err" >&2; fail "kubectl auth can-i $argline: '$want'"; }
  set +e
  # The server is 1.20: its discovery decides which RESOURCE.VERSION.GROUP kubectl resolves; kguard reads
  # the version from the server (GET /version), no --kubernetes-version.
  got="$("$KGUARD" rbac can-i "${kguard_args[@]}" "${as[@]}" --kubeconfig "$KUBECONFIG_FILE" 2>"$WORK/kguard.err")"
  rc=$?
  set -e
  # kubectl's warnings for a resource its REST mapper does not find and, with -n (kguard asks no
  # namespace without it), for a cluster-scoped resource; word for word.
  pattern="doesn't have a resource type"
  [[ " $argline " == *" -n "* ]] && pattern="$pattern|is not namespace scoped"
  want_warning="$(grep -E "$pattern" "$WORK/kubectl.err" || true)"
  got_warning="$(grep -E "$pattern" "$WORK/kguard.err" || true)"
  [ "$got_warning" = "$want_warning" ] ||
    soft_fail "$user: $argline: kubectl warns '$want_warning', kguard '$got_warning'"
  want_rc=1
  [ "$want" = yes ] && want_rc=0
  if [ "$got" != "$want" ] || [ "$rc" != "$want_rc" ]; then
    soft_fail "$user${groups:+ ($groups)}: $argline: kubectl $want, kguard '$got' (exit $rc) $(cat "$WORK/kguard.err")"
    "$KGUARD" rbac can-i "${kguard_args[@]}" "${as[@]}" --kubeconfig "$KUBECONFIG_FILE" --explain >/dev/null 2>&1 || true
  fi
  if [ "$want" = yes ]; then YES=$((YES + 1)); else NO=$((NO + 1)); fi
done
[ "$YES" -ge 8 ] && [ "$NO" -ge 8 ] || fail "the queries should mix answers (yes $YES, no $NO)"
[ "$FAILURES" = 0 ] || fail "$FAILURES of ${#QUERIES[@]} queries disagree with kubectl"
ok "${#QUERIES[@]} queries agree ($YES yes, $NO no)"

step "can-i --explain and --batch --kubeconfig"
"$KGUARD" rbac can-i get pods -n e2e-dev --as alice --kubeconfig "$KUBECONFIG_FILE" --explain \
  >"$WORK/explain.out" 2>"$WORK/explain.err" || fail "can-i --explain: $(cat "$WORK/explain.err")"
grep -q 'alice-dev-reader' "$WORK/explain.err" || fail "--explain does not name the binding: $(cat "$WORK/explain.err")"
printf '%s\n' '["get","pods","-n","e2e-dev","--as","alice"]' '["get","pods","-n","e2e-other","--as","alice"]' \
  >"$WORK/batch.jsonl"
"$KGUARD" rbac can-i --batch "$WORK/batch.jsonl" --kubeconfig "$KUBECONFIG_FILE" >"$WORK/batch.out" 2>"$WORK/batch.err" \
  || fail "--batch: $(cat "$WORK/batch.err")"
[ "$(tr '\n' ' ' <"$WORK/batch.out")" = "yes no " ] || fail "--batch answered: $(cat "$WORK/batch.out")"
ok "--explain names RoleBinding alice-dev-reader; --batch yes/no"

# ---------------------------------------------------------------------------------------------------
step "can-i --list vs kubectl auth can-i --list (SelfSubjectRulesReview), byte for byte"
for spec in "alice||e2e-dev" "alice||e2e-other" "bob|e2e-auditors|e2e-dev" "system:serviceaccount:e2e-dev:builder||e2e-dev" \
            "carol||e2e-other" "root|system:masters|default"; do
  IFS='|' read -r user group ns <<<"$spec"
  as=(--as "$user")
  [ -n "$group" ] && as+=(--as-group "$group")
  kubectl auth can-i --list "${as[@]}" -n "$ns" >"$WORK/list.want" 2>"$WORK/list.kerr" ||
    fail "kubectl auth can-i --list $spec: $(cat "$WORK/list.kerr")"
  "$KGUARD" rbac can-i --list "${as[@]}" -n "$ns" --kubeconfig "$KUBECONFIG_FILE" >"$WORK/list.got" 2>"$WORK/list.err" ||
    fail "kguard rbac can-i --list $spec: $(cat "$WORK/list.err")"
  cmp -s "$WORK/list.want" "$WORK/list.got" ||
    soft_fail "can-i --list $spec differs from kubectl: $(diff "$WORK/list.want" "$WORK/list.got" | head -20)"
done
[ "$FAILURES" = 0 ] || fail "can-i --list differs from kubectl"
ok "can-i --list prints what kubectl prints for 6 users and groups"

# ---------------------------------------------------------------------------------------------------
step "who-can --kubeconfig"
"$KGUARD" rbac who-can get pods -n e2e-dev --kubeconfig "$KUBECONFIG_FILE" >"$WORK/who.out" 2>"$WORK/who.err" \
  || fail "who-can exited $?: $(cat "$WORK/who.err")"
grep -q 'User alice' "$WORK/who.out" || fail "who-can get pods -n e2e-dev does not list alice: $(cat "$WORK/who.out")"
grep -q 'ServiceAccount e2e-dev/builder' "$WORK/who.out" || fail "who-can does not list the service account: $(cat "$WORK/who.out")"
grep -q 'User carol' "$WORK/who.out" && fail "who-can lists carol (bound in e2e-other only): $(cat "$WORK/who.out")"
"$KGUARD" rbac who-can list namespaces --kubeconfig "$KUBECONFIG_FILE" --format json >"$WORK/who.json" \
  || fail "who-can --format json"
python3 - "$WORK/who.json" "$APISERVER_URL" <<'EOF' || fail "who-can list namespaces JSON: $(cat "$WORK/who.json")"
import json, sys
out = json.load(open(sys.argv[1]))
text = json.dumps(out)
assert "e2e-auditors" in text, "group e2e-auditors missing"
assert "alice" not in text, "alice listed"
EOF
ok "who-can lists alice and ServiceAccount e2e-dev/builder (not carol); list namespaces lists Group e2e-auditors"

# ---------------------------------------------------------------------------------------------------
step "audit --kubeconfig"
set +e
"$KGUARD" rbac audit --kubeconfig "$KUBECONFIG_FILE" --format json >"$WORK/audit.json" 2>"$WORK/audit.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "audit exited $rc (expected 1: e2e-auditors may list secrets): $(cat "$WORK/audit.err")"
python3 - "$WORK/audit.json" "$APISERVER_URL" <<'EOF' || fail "audit JSON: $(head -c 2000 "$WORK/audit.json")"
import json, sys
findings = json.load(open(sys.argv[1]))
if isinstance(findings, dict):
    findings = findings.get("findings", [])
text = json.dumps(findings)
assert "secretsRead" in text, "no secretsRead finding"
assert "e2e-auditors" in text, "e2e-auditors not named"
assert sys.argv[2] + "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/e2e-auditors" in text, \
    "the binding's source is not its URL on the server"
# the server's version (1.20, GET /version) is assumed: get on pods/exec is a path before 1.35
dave = [f for f in findings if f.get("id") == "rbac.escalation.podExec" and "dave" in json.dumps(f)]
assert dave, "no podExec finding for dave (get pods/exec) on a 1.20 server"
assert all(f.get("assumesKubernetesVersion") == "1.20" for f in dave), dave
EOF
grep -q "Kubernetes version\|the server reports" "$WORK/audit.err" &&
  fail "audit --kubeconfig on a 1.20 server warned about its version: $(cat "$WORK/audit.err")"
"$KGUARD" rbac audit --kubeconfig "$KUBECONFIG_FILE" --format sarif >"$WORK/audit.sarif" || [ $? = 1 ] || fail "audit --format sarif"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["runs"][0]["results"]' "$WORK/audit.sarif" \
  || fail "audit SARIF has no results"
# The same objects through -f give the same findings (one code path after loading).
kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml >"$WORK/export.yaml"
"$KGUARD" rbac audit -f "$WORK/export.yaml" --kubernetes-version 1.20 --format text >"$WORK/audit-file.txt" || [ $? = 1 ] ||
  fail "audit -f"
"$KGUARD" rbac audit --kubeconfig "$KUBECONFIG_FILE" --format text >"$WORK/audit-live.txt" || [ $? = 1 ] || fail "audit text"
strip_sources() { sed -E 's/ \([^()]*(document|https?:)[^()]*\)//g' "$1"; }
diff <(strip_sources "$WORK/audit-file.txt") <(strip_sources "$WORK/audit-live.txt") >"$WORK/audit.diff" \
  || fail "audit --kubeconfig differs from audit -f on the exported objects (sources aside): $(head -20 "$WORK/audit.diff")"
ok "audit finds secretsRead for Group e2e-auditors with the server URL as source; same findings as -f on an export"

# ---------------------------------------------------------------------------------------------------
step "errors exit 2"
# expect_exit2 NAME REGEX ARGS...: kguard exits 2 and stderr matches REGEX (grep -E).
expect_exit2() {
  local name="$1" pattern="$2"
  shift 2
  set +e
  "$KGUARD" "$@" >"$WORK/err.out" 2>"$WORK/err.err"
  local rc=$?
  set -e
  [ "$rc" = 2 ] || fail "$name: exit $rc, expected 2 (stderr: $(cat "$WORK/err.err"))"
  grep -Eq -- "$pattern" "$WORK/err.err" || fail "$name: stderr does not match /$pattern/: $(cat "$WORK/err.err")"
  ok "$name: $(head -n 1 "$WORK/err.err")"
}
with_token() { sed -E "s|^( *token:).*|\1 $1|" "$KUBECONFIG_FILE" >"$2"; }
with_token "$EVE_TOKEN" "$WORK/eve.kubeconfig"
with_token "not-a-valid-token" "$WORK/badtoken.kubeconfig"
CLOSED_PORT="$(_cl_free_ports 1)"
sed -E "s|server: .*|server: https://127.0.0.1:$CLOSED_PORT|" "$KUBECONFIG_FILE" >"$WORK/unreachable.kubeconfig"
printf 'apiVersion: v1\nkind: Config\nclusters: [\n' >"$WORK/malformed.kubeconfig"

expect_exit2 "missing kubeconfig" "$WORK/missing.kubeconfig" \
  rbac can-i get pods --as alice -n e2e-dev --kubeconfig "$WORK/missing.kubeconfig"
expect_exit2 "malformed kubeconfig" "malformed.kubeconfig" \
  rbac can-i get pods --as alice -n e2e-dev --kubeconfig "$WORK/malformed.kubeconfig"
# the first request is GET /version (the Kubernetes version to assume)
expect_exit2 "unreachable server" "cannot read the server's version from https://127.0.0.1:$CLOSED_PORT/version: no response" \
  rbac can-i get pods --as alice -n e2e-dev --kubeconfig "$WORK/unreachable.kubeconfig"
expect_exit2 "401 (bad token)" "clusterroles.* from $APISERVER_URL: HTTP 401" \
  rbac who-can get pods -n e2e-dev --kubeconfig "$WORK/badtoken.kubeconfig"
expect_exit2 "403 (eve may not list RBAC)" "clusterroles.* from $APISERVER_URL: HTTP 403" \
  rbac audit --kubeconfig "$WORK/eve.kubeconfig"
expect_exit2 "-f with --kubeconfig" "cannot be used together" \
  rbac can-i get pods --as alice -n e2e-dev -f "$WORK/export.yaml" --kubeconfig "$KUBECONFIG_FILE"
expect_exit2 "neither -f nor --kubeconfig" "--kubeconfig" rbac who-can get pods -n e2e-dev

# ---------------------------------------------------------------------------------------------------
step "kubeconfig users with exec credential plugins"
# exec_kubeconfig FILE API_VERSION PLUGIN EXTRA_EXEC_LINES: the cluster's kubeconfig with its user's
# token replaced by an exec plugin that gets the work dir and the admin token through env.
exec_kubeconfig() {
  local file="$1" version="$2" plugin="$3" extra="$4"
  awk -v version="$version" -v plugin="$plugin" -v work="$WORK" -v token="$ADMIN_TOKEN" -v extra="$extra" '
    /^ *token:/ {
      print "    exec:"; print "      apiVersion: " version; print "      command: " plugin
      print "      args: [--cluster, kguard-e2e]"
      print "      env:"; print "      - {name: WORK, value: \"" work "\"}"; print "      - {name: PLUGIN_TOKEN, value: \"" token "\"}"
      if (extra != "") print extra
      next
    }
    { print }' "$KUBECONFIG_FILE" >"$file"
}
# Counts its runs; answers a rejected token on its first run when STALE_FIRST is set (so the API
# server's 401 makes kguard run it again), else the admin token.
cat >"$WORK/token-plugin.sh" <<'PLUGIN'
#!/bin/sh
n=$(( $(cat "$WORK/plugin-runs" 2>/dev/null || echo 0) + 1 ))
echo "$n" >"$WORK/plugin-runs"
printf '%s' "$KUBERNETES_EXEC_INFO" >"$WORK/exec-info.json"
token="$PLUGIN_TOKEN"
[ -n "${STALE_FIRST:-}" ] && [ "$n" = 1 ] && token=stale-token
version="$(printf '%s' "$KUBERNETES_EXEC_INFO" | sed -E 's/.*"apiVersion":"([^"]*)".*/\1/')"
printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"%s"}}\n' "$version" "$token"
PLUGIN
printf '#!/bin/sh\necho "token expired, run: login --refresh" >&2\nexit 7\n' >"$WORK/failing-plugin.sh"
chmod +x "$WORK/token-plugin.sh" "$WORK/failing-plugin.sh"
exec_kubeconfig "$WORK/exec-v1.kubeconfig" client.authentication.k8s.io/v1 "$WORK/token-plugin.sh" \
  "      interactiveMode: Never
      provideClusterInfo: true"
exec_kubeconfig "$WORK/exec-v1beta1.kubeconfig" client.authentication.k8s.io/v1beta1 "$WORK/token-plugin.sh" \
  "      - {name: STALE_FIRST, value: \"1\"}"
exec_kubeconfig "$WORK/exec-failing.kubeconfig" client.authentication.k8s.io/v1beta1 "$WORK/failing-plugin.sh" ""

rm -f "$WORK/plugin-runs"
got="$("$KGUARD" rbac can-i get pods -n e2e-dev --as alice --kubeconfig "$WORK/exec-v1.kubeconfig" 2>"$WORK/exec.err")" \
  || fail "can-i through the v1 exec plugin: '$got' $(cat "$WORK/exec.err")"
[ "$got" = yes ] || fail "can-i through the v1 exec plugin answered '$got'"
[ "$(cat "$WORK/plugin-runs")" = 1 ] || fail "the plugin ran $(cat "$WORK/plugin-runs") times for one kguard run (4 lists)"
python3 - "$WORK/exec-info.json" "$APISERVER_URL" <<'PY' || fail "KUBERNETES_EXEC_INFO: $(cat "$WORK/exec-info.json")"
import json, sys
info = json.load(open(sys.argv[1]))
assert info["apiVersion"] == "client.authentication.k8s.io/v1" and info["kind"] == "ExecCredential", info
assert info["spec"]["interactive"] is False, info
assert info["spec"]["cluster"]["server"] == sys.argv[2], info
assert info["spec"]["cluster"]["insecure-skip-tls-verify"] is True, info
PY
ok "can-i through a v1 plugin: yes, one plugin run for the four lists, cluster info passed"

rm -f "$WORK/plugin-runs"
"$KGUARD" rbac who-can get pods -n e2e-dev --kubeconfig "$WORK/exec-v1beta1.kubeconfig" >"$WORK/exec-who.out" 2>"$WORK/exec.err" \
  || fail "who-can through the v1beta1 exec plugin: $(cat "$WORK/exec.err")"
grep -q 'User alice' "$WORK/exec-who.out" || fail "who-can through the plugin does not list alice: $(cat "$WORK/exec-who.out")"
[ "$(cat "$WORK/plugin-runs")" = 2 ] || fail "after the API server's 401 the plugin should run again (runs: $(cat "$WORK/plugin-runs"))"
ok "who-can through a v1beta1 plugin whose first token the API server rejects: 401, plugin re-run, alice listed"

expect_exit2 "failing exec plugin" 'exec credential plugin ".*failing-plugin.sh" for user "kguard-admin" in .*exec-failing.kubeconfig: exit code 7; stderr: token expired, run: login --refresh' \
  rbac can-i get pods --as alice -n e2e-dev --kubeconfig "$WORK/exec-failing.kubeconfig"

# ---------------------------------------------------------------------------------------------------
step "audit by a user who may list only cluster-scoped RBAC: roles/rolebindings skipped with a note"
kubectl apply -f - >"$WORK/apply-eve.log" 2>&1 <<'YAML' || { cat "$WORK/apply-eve.log" >&2; fail "kubectl apply (eve)"; }
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: e2e-cluster-rbac-reader}
rules:
- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterroles, clusterrolebindings]
  verbs: [list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: e2e-eve-cluster-rbac-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: e2e-cluster-rbac-reader}
subjects:
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: eve}
YAML
set +e
"$KGUARD" rbac audit --kubeconfig "$WORK/eve.kubeconfig" --format json >"$WORK/eve-audit.json" 2>"$WORK/eve-audit.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "partial audit exited $rc (expected 1: e2e-auditors may list secrets): $(cat "$WORK/eve-audit.err")"
for resource in roles rolebindings; do
  grep -q "note: skipped, the audit covers only what was listed: cannot list $resource.rbac.authorization.k8s.io from $APISERVER_URL: HTTP 403" \
    "$WORK/eve-audit.err" || fail "no note for skipped $resource: $(cat "$WORK/eve-audit.err")"
done
grep -Eq "cannot list (clusterroles|clusterrolebindings)\.rbac" "$WORK/eve-audit.err" \
  && fail "cluster-scoped collections reported skipped: $(cat "$WORK/eve-audit.err")"
grep -q "e2e-auditors" "$WORK/eve-audit.json" || fail "the ClusterRoleBinding finding is missing: $(head -c 2000 "$WORK/eve-audit.json")"
expect_exit2 "can-i does not answer from a partial listing" "roles.* from $APISERVER_URL: HTTP 403" \
  rbac can-i get pods --as alice -n e2e-dev --kubeconfig "$WORK/eve.kubeconfig"
ok "audit as eve: findings from the cluster-scoped objects, notes for roles and rolebindings; can-i still exits 2"

echo "PASS: rbac live e2e ($((SECONDS - T0))s)"
