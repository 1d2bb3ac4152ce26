#!/usr/bin/env bash
# End-to-end test of `kguard webhook` against a real kube-apiserver (tests/e2e/README.md):
#
#   bash tests/e2e/webhook_e2e_test.sh PATH/TO/kguard
#
# Starts a throw-away cluster (tests/e2e/cluster.sh), runs the webhook on 127.0.0.1 with a certificate
# from certs/gen-certs.sh, registers it with a ValidatingWebhookConfiguration like upstream's
# pod-security-webhook sample, and checks with kubectl and real API calls: denials and their wording,
# warnings, dry-run, namespace label changes, malformed requests, certificate rotation, SIGTERM drain,
# enforceOnWorkloads, and that manifests/webhook/ loads into the API server.
#
# Regression checks for webhook bugs this test once found (see regression below) fail the test like
# any other check.
#
# Environment: KGUARD_E2E_KEEP=1 keeps the work directory (logs, certificates) after a failure;
# KUBE_APISERVER_BIN as in cluster.sh.
set -euo pipefail

# shellcheck source=tests/e2e/cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster.sh"
# shellcheck source=tests/e2e/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/steps.sh"
e2e_kguard_argument "$@"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kguard-webhook-e2e.XXXXXX")"
CLUSTER="$WORK/cluster"
CERTS="$WORK/certs"
WEBHOOK_LOG="$WORK/webhook.log"
WEBHOOK_PID=""
WEBHOOK_PORT=""
MANIFEST_PID=""

# Names used throughout.
NS_RESTRICTED=e2e-restricted          # enforce=restricted
NS_BASELINE=e2e-baseline              # enforce=baseline, warn=restricted
NS_LEGACY=e2e-legacy                  # no labels: privileged (the config's default)
NS_EXEMPT=e2e-exempt                  # exempt in the second run's config
ENFORCING_WEBHOOK=pod-security.webhook.kguard.io
ADVISORY_WEBHOOK=advisory.webhook.kguard.io

now_ms() { date +%s%3N; }

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT
  set +e
  if [ -n "$WEBHOOK_PID" ] && kill -0 "$WEBHOOK_PID" 2>/dev/null; then
    kill -TERM "$WEBHOOK_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$WEBHOOK_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$WEBHOOK_PID" 2>/dev/null
    wait "$WEBHOOK_PID" 2>/dev/null
  fi
  if [ -n "$MANIFEST_PID" ]; then kill -KILL "$MANIFEST_PID" 2>/dev/null; wait "$MANIFEST_PID" 2>/dev/null; fi
  if [ "$rc" != 0 ]; then
    echo "=================== webhook_e2e FAILED (exit $rc) in step: $CURRENT_STEP" >&2
    if [ -s "$WORK/last.err" ]; then
      echo "--- stderr of the last command:" >&2; tail -n 20 "$WORK/last.err" >&2
    fi
    if [ -f "$WEBHOOK_LOG" ]; then
      echo "--- last lines of the webhook log ($WEBHOOK_LOG):" >&2; tail -n 40 "$WEBHOOK_LOG" >&2
    fi
    if [ -f "$CLUSTER/kube-apiserver.log" ]; then
      echo "--- last webhook-related lines of kube-apiserver.log:" >&2
      grep -iE 'webhook' "$CLUSTER/kube-apiserver.log" | tail -n 20 >&2
      echo "--- last lines of kube-apiserver.log:" >&2; tail -n 15 "$CLUSTER/kube-apiserver.log" >&2
    fi
  fi
  cluster_stop "$CLUSTER" 2>/dev/null
  if [ "$rc" != 0 ] && [ -n "${KGUARD_E2E_KEEP:-}" ]; then
    echo "work directory kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  if [ "$rc" = 0 ]; then
    echo "[$((SECONDS - T0))s] webhook_e2e: all checks passed"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run CMD...: runs a command that may fail; sets OUT (stdout), ERR (stderr) and RC.
run() {
  set +e
  OUT="$("$@" 2>"$WORK/last.err")"
  RC=$?
  set -e
  ERR="$(cat "$WORK/last.err")"
}

# expect_in TEXT NEEDLE WHAT: fails unless TEXT contains NEEDLE (a fixed string).
expect_in() {
  grep -qF -- "$2" <<<"$1" || fail "$3: expected to find
    $2
in:
$(sed 's/^/    /' <<<"$1")"
}
expect_not_in() {
  if grep -qF -- "$2" <<<"$1"; then
    fail "$3: did not expect
    $2
in:
$(sed 's/^/    /' <<<"$1")"
  fi
}

kc() { kubectl --request-timeout=30s "$@"; }

# regression ID SUMMARY CHECK...: CHECK is a command that succeeds while the bug stays fixed and
# otherwise sets WHY.
regression() {
  local id="$1" summary="$2"
  shift 2
  WHY=""
  if "$@"; then
    ok "regression $id: $summary"
    return 0
  fi
  fail "regression $id: $summary: $WHY"
}

# ---------------------------------------------------------------------------------------------------
# Objects

# pod NAME NAMESPACE KIND: a pod manifest; KIND is compliant (restricted), privileged, hostpid, or plain
# (no securityContext: meets baseline, violates restricted).
pod() {
  local name="$1" ns="$2" kind="$3"
  cat <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $name
  namespace: $ns
spec:
EOF
  case "$kind" in
    compliant) cat <<EOF
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: registry.example.com/app:1.0
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
EOF
    ;;
    privileged) cat <<EOF
  containers:
  - name: app
    image: registry.example.com/app:1.0
    securityContext: {privileged: true}
EOF
    ;;
    hostpid) cat <<EOF
  hostPID: true
  containers:
  - name: app
    image: registry.example.com/app:1.0
EOF
    ;;
    plain) cat <<EOF
  containers:
  - name: app
    image: registry.example.com/app:1.0
EOF
    ;;
    latest) cat <<EOF
  containers:
  - name: app
    image: registry.example.com/app:latest
EOF
    ;;
    *) fail "pod(): unknown kind $kind" ;;
  esac
}

# hostpid_workload KIND NAME NAMESPACE: a workload whose template runs in the host's PID namespace.
hostpid_workload() {
  cat <<EOF
apiVersion: apps/v1
kind: $1
metadata:
  name: $2
  namespace: $3
spec:
  replicas: 1
  selector:
    matchLabels: {app: $2}
  template:
    metadata:
      labels: {app: $2}
    spec:
      hostPID: true
      containers:
      - name: app
        image: registry.example.com/app:1.0
EOF
}
hostpid_deployment() { hostpid_workload Deployment "$@"; }
hostpid_replicaset() { hostpid_workload ReplicaSet "$@"; }

# Upstream's wording (k8s.io/pod-security-admission: baseline checks, then restricted checks).
APP_RESTRICTED_REASONS='allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'
PRIVILEGED_REASON='privileged (container "app" must not set securityContext.privileged=true)'

webhook_configuration() {
  local ca_bundle
  ca_bundle="$(base64 -w0 <"$CERTS/ca.crt")"
  cat <<EOF
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: kguard-e2e
webhooks:
- name: $ENFORCING_WEBHOOK
  failurePolicy: Fail
  sideEffects: None
  timeoutSeconds: 5
  admissionReviewVersions: [v1, v1beta1]
  rules:
  - apiGroups: [""]
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [namespaces, pods, pods/ephemeralcontainers]
  clientConfig:
    url: https://127.0.0.1:$WEBHOOK_PORT/validate
    caBundle: $ca_bundle
- name: $ADVISORY_WEBHOOK
  failurePolicy: Ignore
  sideEffects: None
  timeoutSeconds: 5
  admissionReviewVersions: [v1, v1beta1]
  rules:
  - apiGroups: [""]
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [podtemplates, replicationcontrollers]
  - apiGroups: [apps]
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [daemonsets, deployments, replicasets, statefulsets]
  - apiGroups: [batch]
    apiVersions: ["*"]
    operations: [CREATE, UPDATE]
    resources: [cronjobs, jobs]
  - apiGroups: [rbac.authorization.k8s.io]
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [roles, clusterroles, rolebindings, clusterrolebindings]
  clientConfig:
    url: https://127.0.0.1:$WEBHOOK_PORT/validate
    caBundle: $ca_bundle
EOF
}

# ---------------------------------------------------------------------------------------------------
# The webhook process

free_port() { _cl_free_ports 1; }  # from cluster.sh

wh_curl() { curl -sS --noproxy '*' -m 5 --cacert "$CERTS/ca.crt" "$@"; }

# start_webhook CONFIG_FILE: starts kguard webhook on WEBHOOK_PORT (picks one if unset) and waits for
# /readyz (namespace cache synced).
start_webhook() {
  local config="$1" attempt
  for attempt in 1 2 3; do
    [ -n "$WEBHOOK_PORT" ] || WEBHOOK_PORT="$(free_port)"
    echo "--- kguard webhook --config $config (port $WEBHOOK_PORT, attempt $attempt)" >>"$WEBHOOK_LOG"
    "$KGUARD" webhook --listen "127.0.0.1:$WEBHOOK_PORT" \
      --tls-cert-file "$CERTS/tls.crt" --tls-private-key-file "$CERTS/tls.key" \
      --config "$config" --kubeconfig "$CLUSTER/kubeconfig" --log-level debug --shutdown-grace-ms 1000 \
      </dev/null >>"$WEBHOOK_LOG" 2>&1 &
    WEBHOOK_PID=$!
    local deadline=$((SECONDS + 30))
    while [ "$SECONDS" -lt "$deadline" ]; do
      if ! kill -0 "$WEBHOOK_PID" 2>/dev/null; then break; fi
      if [ "$(wh_curl "https://127.0.0.1:$WEBHOOK_PORT/readyz" 2>/dev/null)" = ok ]; then return 0; fi
      sleep 0.2
    done
    if kill -0 "$WEBHOOK_PID" 2>/dev/null; then fail "webhook not ready after 30s on port $WEBHOOK_PORT"; fi
    local rc=0
    wait "$WEBHOOK_PID" || rc=$?
    WEBHOOK_PID=""
    # A port picked as free can be taken before we bind it; retry with another (only on first start).
    if grep -q "cannot listen" "$WEBHOOK_LOG" && [ "$attempt" -lt 3 ] && [ -z "${WEBHOOK_PORT_FIXED:-}" ]; then
      WEBHOOK_PORT=""
      continue
    fi
    fail "kguard webhook exited with $rc during start-up"
  done
}

# stop_webhook MAX_SECONDS: SIGTERM; checks /readyz turns 503 during the drain and exit status 0 in time.
stop_webhook() {
  local max="$1" start rc=0 saw_not_ready=""
  start="$(now_ms)"
  kill -TERM "$WEBHOOK_PID"
  while kill -0 "$WEBHOOK_PID" 2>/dev/null; do
    if [ -z "$saw_not_ready" ]; then
      local code
      code="$(wh_curl -o /dev/null -w '%{http_code}' "https://127.0.0.1:$WEBHOOK_PORT/readyz" 2>/dev/null || true)"
      [ "$code" = 503 ] && saw_not_ready=yes
    fi
    if [ $(( $(now_ms) - start )) -gt $((max * 1000)) ]; then
      fail "webhook still running ${max}s after SIGTERM"
    fi
    sleep 0.05
  done
  wait "$WEBHOOK_PID" || rc=$?
  WEBHOOK_PID=""
  local took=$(( $(now_ms) - start ))
  [ "$rc" = 0 ] || fail "webhook exited with status $rc after SIGTERM (want 0)"
  [ -n "$saw_not_ready" ] || fail "/readyz never answered 503 while draining (--shutdown-grace-ms 1000)"
  ok "SIGTERM: /readyz 503 while draining, exit 0 after ${took} ms"
}

served_serial() {
  openssl s_client -connect "127.0.0.1:$WEBHOOK_PORT" </dev/null 2>/dev/null | openssl x509 -noout -serial 2>/dev/null
}

# ---------------------------------------------------------------------------------------------------
# Tests

step "cluster: etcd + kube-apiserver"
cluster_start "$CLUSTER" || fail "cluster.sh could not start the cluster"
# shellcheck disable=SC1091
source "$CLUSTER/env"

step "certificates and webhook (privileged defaults, like upstream)"
"$REPO_ROOT/certs/gen-certs.sh" --out "$CERTS" --san IP:127.0.0.1,DNS:localhost >/dev/null
cat >"$WORK/config.yaml" <<'EOF'
apiVersion: kguard.io/v1alpha1
kind: KguardConfiguration
EOF
start_webhook "$WORK/config.yaml"
ok "ready on 127.0.0.1:$WEBHOOK_PORT"
WEBHOOK_PORT_FIXED=1   # registered in the API server from now on
wh_curl -f "https://127.0.0.1:$WEBHOOK_PORT/healthz" >/dev/null || fail "/healthz"

step "namespaces and ValidatingWebhookConfiguration"
kc create namespace "$NS_RESTRICTED" >/dev/null
kc label namespace "$NS_RESTRICTED" pod-security.kubernetes.io/enforce=restricted >/dev/null
kc create namespace "$NS_BASELINE" >/dev/null
kc label namespace "$NS_BASELINE" pod-security.kubernetes.io/enforce=baseline pod-security.kubernetes.io/warn=restricted >/dev/null
kc create namespace "$NS_LEGACY" >/dev/null
webhook_configuration | kc apply -f - >/dev/null

step "wait until the API server calls the webhook"
deadline=$((SECONDS + 60))
while :; do
  run kc apply --dry-run=server -f - <<<"$(pod probe "$NS_RESTRICTED" privileged)"
  if [ "$RC" != 0 ] && grep -qF "admission webhook \"$ENFORCING_WEBHOOK\" denied the request" <<<"$ERR"; then break; fi
  [ "$SECONDS" -lt "$deadline" ] || fail "the webhook never denied the probe pod (last: rc=$RC $ERR)"
  sleep 0.5
done
ok "effective after $((SECONDS - deadline + 60))s"

step "privileged pod in an enforce=restricted namespace is denied"
run kc apply -f - <<<"$(pod priv "$NS_RESTRICTED" privileged)"
[ "$RC" != 0 ] || fail "kubectl apply of a privileged pod succeeded: $OUT"
expect_in "$ERR" "admission webhook \"$ENFORCING_WEBHOOK\" denied the request" "denial"
expect_in "$ERR" 'violates PodSecurity "restricted:latest"' "denial"
expect_in "$ERR" "$PRIVILEGED_REASON" "denial names the check"
expect_in "$ERR" "pods \"priv\" is forbidden: violates PodSecurity \"restricted:latest\": $PRIVILEGED_REASON, $APP_RESTRICTED_REASONS" \
  "denial wording as upstream"
denial="$ERR"
run kc get pod priv -n "$NS_RESTRICTED"
[ "$RC" != 0 ] || fail "the denied pod exists"
ok "$denial"

step "compliant pod in the restricted namespace is created"
run kc apply -f - <<<"$(pod good "$NS_RESTRICTED" compliant)"
[ "$RC" = 0 ] || fail "compliant pod refused: $ERR"
expect_not_in "$ERR" "Warning:" "compliant pod"
kc get pod good -n "$NS_RESTRICTED" >/dev/null || fail "compliant pod not found"
ok "$OUT"

step "server-side dry-run of a hostPID pod is denied and creates nothing"
run kc apply --dry-run=server -f - <<<"$(pod hostpid "$NS_BASELINE" hostpid)"
[ "$RC" != 0 ] || fail "dry-run of a hostPID pod succeeded: $OUT"
expect_in "$ERR" 'pods "hostpid" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostPID=true)' "dry-run denial"
run kc get pod hostpid -n "$NS_BASELINE"
[ "$RC" != 0 ] || fail "kubectl get finds the dry-run pod: $OUT"
expect_in "$ERR" "NotFound" "kubectl get after the denied dry-run"
run kc get pods -n "$NS_BASELINE" -o name
[ -z "$OUT" ] || fail "pods exist in $NS_BASELINE after a denied dry-run: $OUT"
ok "denied, nothing created"

step "baseline-compliant pod under enforce=baseline, warn=restricted: created with warnings"
run kc apply -f - <<<"$(pod plain "$NS_BASELINE" plain)"
[ "$RC" = 0 ] || fail "baseline-compliant pod refused: $ERR"
expect_in "$ERR" "Warning: would violate PodSecurity \"restricted:latest\": $APP_RESTRICTED_REASONS" "warning"
kc get pod plain -n "$NS_BASELINE" >/dev/null || fail "pod plain not found"
ok "$(grep Warning: <<<"$ERR")"

step "Deployment with a hostPID template in the restricted namespace: created with warnings"
run kc apply -f - <<<"$(hostpid_deployment bad-deploy "$NS_RESTRICTED")"
[ "$RC" = 0 ] || fail "Deployment refused (enforceOnWorkloads is off): $ERR"
expect_in "$ERR" "Warning: would violate PodSecurity \"restricted:latest\": host namespaces (hostPID=true), $APP_RESTRICTED_REASONS" "workload warning"
kc get deployment bad-deploy -n "$NS_RESTRICTED" >/dev/null || fail "Deployment not found"
ok "$(grep Warning: <<<"$ERR")"

step "raising a namespace's enforce level warns about its existing pods"
run kc apply -f - <<<"$(pod legacy-priv "$NS_LEGACY" privileged)"
[ "$RC" = 0 ] || fail "privileged pod refused in an unlabelled (privileged) namespace: $ERR"
expect_not_in "$ERR" "Warning:" "privileged namespace"
run kc label namespace "$NS_LEGACY" pod-security.kubernetes.io/enforce=restricted --overwrite --dry-run=server
[ "$RC" = 0 ] || fail "kubectl label --dry-run=server failed: $ERR"
expect_in "$ERR" "Warning: existing pods in namespace \"$NS_LEGACY\" violate the new PodSecurity enforce level \"restricted:latest\"" "namespace warning"
expect_in "$ERR" "Warning: legacy-priv: privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile" "namespace warning names the pod"
labels="$(kc get namespace "$NS_LEGACY" -o jsonpath='{.metadata.labels}')"
expect_not_in "$labels" "pod-security.kubernetes.io/enforce" "dry-run must not label the namespace"
ok "$(grep Warning: <<<"$ERR" | tr '\n' ' ')"

step "invalid pod-security labels are refused"
run kc label namespace "$NS_LEGACY" pod-security.kubernetes.io/enforce=bogus --dry-run=server
[ "$RC" != 0 ] || fail "an invalid enforce label was accepted"
expect_in "$ERR" 'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted' \
  "invalid label"
invalid_label_err="$ERR"
ok "$ERR"
# Upstream answers with apierrors.NewInvalid(kind Namespace, name, field errors): message
# 'Namespace "NAME" is invalid: <errors>' plus details, which kubectl prints as 'The Namespace "NAME" is invalid: ...'.
check_invalid_wording() {
  grep -qF "Namespace \"$NS_LEGACY\" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]" <<<"$invalid_label_err" && return 0
  WHY="kubectl label ns $NS_LEGACY pod-security.kubernetes.io/enforce=bogus --dry-run=server
expected (upstream): The Namespace \"$NS_LEGACY\" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"bogus\": ...
got: $invalid_label_err"
  return 1
}
regression KB-invalid-wording 'invalid-label denial lacks upstream'"'"'s NewInvalid form (Namespace "NAME" is invalid: ..., status details)' \
  check_invalid_wording

step "objects for the enforceOnWorkloads/rules run (created while those are off)"
run kc apply -f - <<<"$(hostpid_replicaset old-rs "$NS_RESTRICTED")"
[ "$RC" = 0 ] || fail "ReplicaSet refused (enforceOnWorkloads is off): $ERR"
expect_in "$ERR" "Warning: would violate PodSecurity \"restricted:latest\": host namespaces (hostPID=true)" "ReplicaSet warning"
run kc apply -f - <<<"$(pod old-latest "$NS_LEGACY" latest | sed 's/^  namespace: .*/&\n  finalizers: [e2e.kguard.io\/hold]/')"
[ "$RC" = 0 ] || fail "pod with a :latest image refused (no kguard rules configured): $ERR"
ok "ReplicaSet old-rs, pod old-latest (finalizer e2e.kguard.io/hold)"
# Custom ClusterRoles for the RBAC guardrails run: one granting everything, one aggregating it through a
# label (no kube-controller-manager runs here: its stored rules stay empty, the webhook aggregates).
run kc apply -f - <<'EOF2'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: e2e-everything, labels: {e2e.kguard.io/aggregate-to-collected: "true"}}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: e2e-collected}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {e2e.kguard.io/aggregate-to-collected: "true"}}]}
EOF2
[ "$RC" = 0 ] || fail "custom ClusterRoles refused (rbac.mode warn): $ERR"
expect_in "$ERR" "Warning: would violate kguard RBAC guardrails: rbac.wildcardGrant" "wildcard ClusterRole warning"
ok "ClusterRoles e2e-everything (* on *) and e2e-collected (aggregates it)"
# A binding the enforce run refuses, admitted now (warn mode), held by a finalizer as a controller's would.
run kc apply -f - <<EOF2
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: e2e-old-admin, finalizers: [e2e.kguard.io/hold]}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer, namespace: $NS_RESTRICTED}]
EOF2
[ "$RC" = 0 ] || fail "ClusterRoleBinding e2e-old-admin refused (rbac.mode warn): $ERR"
expect_in "$ERR" "Warning: would violate kguard RBAC guardrails: rbac.clusterAdminServiceAccount" "old binding warning"
ok "ClusterRoleBinding e2e-old-admin (cluster-admin for $NS_RESTRICTED/deployer, finalizer e2e.kguard.io/hold)"

step "malformed requests to /validate get 400; the server keeps serving"
code="$(wh_curl -o "$WORK/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":' "https://127.0.0.1:$WEBHOOK_PORT/validate")"
[ "$code" = 400 ] || fail "bad JSON: HTTP $code (want 400): $(cat "$WORK/body")"
ok "bad JSON: 400 $(head -c 120 "$WORK/body")"
code="$(wh_curl -o "$WORK/body" -w '%{http_code}' -X POST -H 'Content-Type: text/plain' \
  --data '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}' "https://127.0.0.1:$WEBHOOK_PORT/validate")"
[ "$code" = 400 ] || fail "wrong content type: HTTP $code (want 400): $(cat "$WORK/body")"
ok "text/plain: 400 $(head -c 120 "$WORK/body")"
code="$(wh_curl -o "$WORK/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}' "https://127.0.0.1:$WEBHOOK_PORT/validate")"
[ "$code" = 400 ] || fail "AdmissionReview without request: HTTP $code (want 400): $(cat "$WORK/body")"
ok "no request: 400 $(head -c 120 "$WORK/body")"
# A well-formed v1beta1 review straight from curl: same version and uid back, a verdict.
review='{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"e2e-uid-1",
 "kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
 "namespace":"'"$NS_RESTRICTED"'","name":"curl-pod","operation":"CREATE","userInfo":{"username":"alice"},
 "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"curl-pod","namespace":"'"$NS_RESTRICTED"'"},
 "spec":{"hostNetwork":true,"containers":[{"name":"c","image":"x"}]}}}}'
code="$(wh_curl -o "$WORK/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data "$review" "https://127.0.0.1:$WEBHOOK_PORT/validate")"
[ "$code" = 200 ] || fail "v1beta1 review: HTTP $code: $(cat "$WORK/body")"
python3 - "$WORK/body" <<'EOF' || fail "v1beta1 response: $(cat "$WORK/body")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["apiVersion"] == "admission.k8s.io/v1beta1", r
assert r["kind"] == "AdmissionReview", r
assert r["response"]["uid"] == "e2e-uid-1", r
assert r["response"]["allowed"] is False, r
assert "host namespaces (hostNetwork=true)" in r["response"]["status"]["message"], r
EOF
ok "v1beta1 review: same version and uid, denied"
# A pod review naming no namespace (no API server sends one) cannot be judged: upstream's 500 for a
# namespace that cannot be read. The webhook once asked GET /api/v1/namespaces/ for it, got the list of
# every namespace, read it as a namespace without labels (privileged here) and allowed the pod.
check_no_namespace_review() {
  local body code
  body="$(sed 's/"namespace":"'"$NS_RESTRICTED"'"/"namespace":""/g; s/e2e-uid-1/e2e-uid-2/' <<<"$review")"
  code="$(wh_curl -o "$WORK/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data "$body" "https://127.0.0.1:$WEBHOOK_PORT/validate")"
  python3 - "$WORK/body" <<'EOF2' && [ "$code" = 200 ] && return 0
import json, sys
r = json.load(open(sys.argv[1]))["response"]
assert r["uid"] == "e2e-uid-2" and r["allowed"] is False, r
assert r["status"]["code"] == 500 and r["status"]["message"] == 'Internal error occurred: failed to lookup namespace ""', r
EOF2
  WHY="a hostNetwork pod review with namespace \"\": HTTP $code $(cat "$WORK/body")
expected: HTTP 200, allowed false, 500 'Internal error occurred: failed to lookup namespace \"\"'"
  return 1
}
regression KB-no-namespace 'a pod review naming no namespace is judged by the namespace list read as a privileged namespace' \
  check_no_namespace_review
run kc apply --dry-run=server -f - <<<"$(pod priv2 "$NS_RESTRICTED" privileged)"
[ "$RC" != 0 ] || fail "privileged pod allowed after the malformed requests"
expect_in "$ERR" "admission webhook \"$ENFORCING_WEBHOOK\" denied the request" "verdict after malformed requests"
kill -0 "$WEBHOOK_PID" || fail "webhook died"
ok "kubectl still gets a verdict"

step "certificate rotation: gen-certs.sh again, new serial served within 3 s"
old_serial="$(served_serial)"
[ -n "$old_serial" ] || fail "could not read the served certificate"
ca_before="$(sha256sum <"$CERTS/ca.crt")"
"$REPO_ROOT/certs/gen-certs.sh" --out "$CERTS" --san IP:127.0.0.1,DNS:localhost >/dev/null
rotated_at="$(now_ms)"
[ "$(sha256sum <"$CERTS/ca.crt")" = "$ca_before" ] || fail "gen-certs.sh replaced the CA"
new_serial="$(openssl x509 -in "$CERTS/tls.crt" -noout -serial)"
[ "$new_serial" != "$old_serial" ] || fail "gen-certs.sh did not produce a new serial ($new_serial)"
while [ "$(served_serial)" != "$new_serial" ]; do
  if [ $(( $(now_ms) - rotated_at )) -gt 3000 ]; then
    fail "still serving $(served_serial) 3 s after rotation (want $new_serial)"
  fi
  sleep 0.1
done
ok "$old_serial -> $new_serial after $(( $(now_ms) - rotated_at )) ms"
wh_curl -f "https://127.0.0.1:$WEBHOOK_PORT/healthz" >/dev/null || fail "curl with the CA rejects the new certificate"
run kc apply --dry-run=server -f - <<<"$(pod priv3 "$NS_RESTRICTED" privileged)"
expect_in "$ERR" "admission webhook \"$ENFORCING_WEBHOOK\" denied the request" "verdict after rotation"
run kc apply -f - <<<"$(pod good2 "$NS_RESTRICTED" compliant)"
[ "$RC" = 0 ] || fail "compliant pod refused after rotation: $ERR"
ok "kubectl requests still work"

step "metrics and debug log"
metrics="$(wh_curl -f "https://127.0.0.1:$WEBHOOK_PORT/metrics")" || fail "/metrics"
expect_in "$metrics" '"/validate"' "/metrics counts /validate requests"
grep -q '"decision":"deny"' "$WEBHOOK_LOG" || fail "no deny decision in the debug log"
grep -q '"decision":"allow-with-warnings"' "$WEBHOOK_LOG" || fail "no allow-with-warnings decision in the debug log"
ok "metrics and decision log lines present"

step "manifests/webhook: kguard lint --level restricted, and kubectl apply --dry-run=server"
run "$KGUARD" lint --level restricted -f "$REPO_ROOT/manifests/webhook/"
[ "$RC" = 0 ] || fail "kguard lint --level restricted -f manifests/webhook/ exited $RC: $OUT $ERR"
kc apply -f "$REPO_ROOT/manifests/webhook/00-namespace.yaml" >/dev/null
mkdir -p "$WORK/manifests"
for f in "$REPO_ROOT"/manifests/webhook/*.yaml; do cp "$f" "$WORK/manifests/"; done
"$REPO_ROOT/manifests/webhook/inject-cabundle.sh" "$CERTS/ca.crt" \
  >"$WORK/manifests/60-validatingwebhookconfiguration.yaml"
grep -Eq 'caBundle: *("|$)' "$WORK/manifests/60-validatingwebhookconfiguration.yaml" && fail "inject-cabundle.sh left a placeholder"
# The file as shipped, applied alone (kubectl apply -f manifests/webhook/ file by file): the API server
# refuses its placeholder caBundle, so no fail-closed webhook without a CA is ever registered.
run kc apply --dry-run=server -f "$REPO_ROOT/manifests/webhook/60-validatingwebhookconfiguration.yaml"
[ "$RC" != 0 ] && grep -qi 'base64' <<<"$ERR" ||
  fail "the uninjected webhook configuration was not refused for its caBundle: rc $RC, $OUT $ERR"
ok "the shipped webhook configuration is refused as it is: $(head -c 200 <<<"$ERR")"
# policy/v1 PodDisruptionBudget is 1.21+; this test server (1.20) only serves policy/v1beta1.
if ! kc api-versions | grep -qx policy/v1; then
  sed -i 's#^apiVersion: policy/v1$#apiVersion: policy/v1beta1#' "$WORK/manifests/"*.yaml
fi
run kc apply --dry-run=server -f "$WORK/manifests/"
[ "$RC" = 0 ] || fail "kubectl apply --dry-run=server -f manifests/webhook/ failed: $ERR"
accepted="$(grep -c . <<<"$OUT")"
for object in namespace/kguard serviceaccount/kguard-webhook clusterrole.rbac.authorization.k8s.io/kguard-webhook \
    clusterrolebinding.rbac.authorization.k8s.io/kguard-webhook configmap/kguard-webhook-config \
    priorityclass.scheduling.k8s.io/kguard-webhook deployment.apps/kguard-webhook \
    poddisruptionbudget.policy/kguard-webhook service/kguard-webhook \
    validatingwebhookconfiguration.admissionregistration.k8s.io/kguard-webhook; do
  expect_in "$OUT" "$object " "dry-run output"
done
expect_not_in "$ERR" "would violate" "the manifests' Deployment meets restricted"
run kc get validatingwebhookconfiguration kguard-webhook
[ "$RC" != 0 ] || fail "dry-run created the ValidatingWebhookConfiguration"
kc apply --dry-run=server -f "$REPO_ROOT/manifests/webhook/20-configmap.yaml" \
  -o jsonpath='{.data.kguard-config\.yaml}' >"$WORK/manifest-config.yaml"
grep -q 'kind: KguardConfiguration' "$WORK/manifest-config.yaml" || fail "no config in the ConfigMap"
run "$KGUARD" lint --config "$WORK/manifest-config.yaml" -f "$REPO_ROOT/manifests/webhook/"
[ "$RC" = 0 ] || fail "kguard lint --config <the ConfigMap's config> exited $RC: $OUT $ERR"
ok "lint clean, $accepted objects accepted by the API server (dry-run), embedded config loads"
# The Deployment's command line, with the mounted paths pointed at local files, must start this binary.
kc apply --dry-run=server -f "$WORK/manifests/40-deployment.yaml" -o json >"$WORK/deployment.json"
manifest_port="$(free_port)"
mapfile -t manifest_cmd < <(python3 - "$WORK/deployment.json" "$CERTS" "$WORK/manifest-config.yaml" "$manifest_port" <<'EOF'
import json, sys
doc, certs, config, port = sys.argv[1:]
obj = json.load(open(doc))
if obj.get("kind") == "List":
    obj = next(o for o in obj["items"] if o["kind"] == "Deployment")
c = obj["spec"]["template"]["spec"]["containers"][0]
args = c["command"][1:] + c.get("args", [])
out = []
for a in args:
    a = a.replace("/etc/kguard/tls/", certs + "/").replace("/etc/kguard/config/kguard-config.yaml", config)
    if a.startswith("--listen="):
        a = "--listen=127.0.0.1:" + port
    if a.startswith("--shutdown-grace-ms="):
        a = "--shutdown-grace-ms=100"
    out.append(a)
print("\n".join(out))
EOF
)
[ "${manifest_cmd[0]:-}" = webhook ] || fail "unexpected command in 40-deployment.yaml: ${manifest_cmd[*]}"
# This run's kubeconfig user is an exec credential plugin (client.authentication.k8s.io/v1) that prints
# the admin token, as on managed clusters: /readyz needs the namespace list+watch through it.
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\n' \
  "$ADMIN_TOKEN" >"$WORK/exec-credential.json"
printf '#!/bin/sh\ncat "%s"\n' "$WORK/exec-credential.json" >"$WORK/token-plugin.sh"
chmod +x "$WORK/token-plugin.sh"
awk -v plugin="$WORK/token-plugin.sh" '/^ *token:/ {
    print "    exec:"; print "      apiVersion: client.authentication.k8s.io/v1"; print "      command: " plugin
    print "      interactiveMode: Never"; next }
  { print }' "$CLUSTER/kubeconfig" >"$WORK/exec.kubeconfig"
"$KGUARD" "${manifest_cmd[@]}" --kubeconfig "$WORK/exec.kubeconfig" </dev/null >"$WORK/manifest-webhook.log" 2>&1 &
MANIFEST_PID=$!
deadline=$((SECONDS + 20))
until [ "$(wh_curl "https://127.0.0.1:$manifest_port/readyz" 2>/dev/null)" = ok ]; do
  kill -0 "$MANIFEST_PID" 2>/dev/null || fail "kguard ${manifest_cmd[*]} exited: $(tail -n 5 "$WORK/manifest-webhook.log")"
  [ "$SECONDS" -lt "$deadline" ] || fail "kguard with the manifest's arguments not ready: $(tail -n 5 "$WORK/manifest-webhook.log")"
  sleep 0.2
done
wh_curl -f "https://127.0.0.1:$manifest_port/healthz" >/dev/null || fail "/healthz with the manifest's arguments"
kill -TERM "$MANIFEST_PID"
manifest_rc=0
wait "$MANIFEST_PID" || manifest_rc=$?
MANIFEST_PID=""
[ "$manifest_rc" = 0 ] || fail "kguard with the manifest's arguments exited $manifest_rc on SIGTERM"
ok "the Deployment's arguments (with the ConfigMap's config) start kguard, API access through an exec plugin: ${manifest_cmd[*]}"

step "manifests/webhook RBAC is enough: in-cluster config with a token bound to the ClusterRole"
kc apply -f "$REPO_ROOT/manifests/webhook/10-rbac.yaml" >/dev/null
sa=system:serviceaccount:kguard:kguard-webhook
for check in "yes get namespaces" "yes list namespaces" "yes watch namespaces" "yes list pods" \
    "yes get clusterroles" "yes list clusterroles" "yes watch clusterroles" "yes get roles" "yes list roles" \
    "yes watch roles" "no create pods" "no get secrets" "no update namespaces" "no create clusterroles"; do
  want="${check%% *}" what="${check#* }"
  # shellcheck disable=SC2086  # verb and resource as two words
  got="$(kc auth can-i $what --as="$sa" --all-namespaces 2>/dev/null || true)"
  [ "$got" = "$want" ] || fail "kubectl auth can-i $what --as=$sa: $got (want $want)"
done
ok "the service account can get/list/watch namespaces, roles and clusterroles and list pods, nothing more that was probed"
# No kubelet mounts a token here: the token-file user eve gets the same ClusterRole, and a private
# mount namespace puts eve's token and the API server's CA at /var/run/secrets/kubernetes.io/serviceaccount.
kc create clusterrolebinding e2e-eve-kguard-webhook --clusterrole=kguard-webhook --user=eve >/dev/null
needs=0
"$REPO_ROOT/tests/needs.sh" root unshare mountns || needs=$?
if [ "$needs" = 0 ]; then
  mkdir -p "$WORK/sa"
  cp "$CLUSTER/pki/apiserver.crt" "$WORK/sa/ca.crt"
  printf '%s' "$EVE_TOKEN" >"$WORK/sa/token"
  echo kguard >"$WORK/sa/namespace"
  incluster_port="$(free_port)"
  run_dir="$(readlink -f /var/run)"
  KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$APISERVER_PORT" \
    unshare -m bash -c 'set -e
      mount -t tmpfs tmpfs "$1"
      mkdir -p /var/run/secrets/kubernetes.io/serviceaccount
      cp "$2"/* /var/run/secrets/kubernetes.io/serviceaccount/
      shift 2
      exec "$@"' _ "$run_dir" "$WORK/sa" \
    "$KGUARD" webhook --listen "127.0.0.1:$incluster_port" --tls-cert-file "$CERTS/tls.crt" \
    --tls-private-key-file "$CERTS/tls.key" --config "$WORK/config.yaml" --shutdown-grace-ms 100 \
    </dev/null >"$WORK/incluster-webhook.log" 2>&1 &
  MANIFEST_PID=$!
  deadline=$((SECONDS + 20))
  until [ "$(wh_curl "https://127.0.0.1:$incluster_port/readyz" 2>/dev/null)" = ok ]; do
    kill -0 "$MANIFEST_PID" 2>/dev/null || fail "in-cluster kguard webhook exited: $(tail -n 5 "$WORK/incluster-webhook.log")"
    [ "$SECONDS" -lt "$deadline" ] || fail "in-cluster kguard webhook not ready (namespace list/watch as eve): $(tail -n 5 "$WORK/incluster-webhook.log")"
    sleep 0.2
  done
  # A namespace UPDATE raising enforce: the webhook lists the namespace's pods with eve's token.
  python3 - "$NS_LEGACY" >"$WORK/ns-review.json" <<'EOF'
import json, sys
ns = sys.argv[1]
old = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {}}}
new = {"apiVersion": "v1", "kind": "Namespace",
       "metadata": {"name": ns, "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}
print(json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
    "uid": "e2e-ns-1", "kind": {"group": "", "version": "v1", "kind": "Namespace"},
    "resource": {"group": "", "version": "v1", "resource": "namespaces"}, "namespace": ns, "name": ns,
    "operation": "UPDATE", "userInfo": {"username": "alice"}, "object": new, "oldObject": old}}))
EOF
  code="$(wh_curl -o "$WORK/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data @"$WORK/ns-review.json" "https://127.0.0.1:$incluster_port/validate")"
  [ "$code" = 200 ] || fail "namespace review: HTTP $code: $(cat "$WORK/body")"
  expect_in "$(cat "$WORK/body")" 'legacy-priv: privileged' "pods listed with the ClusterRole's permissions"
  kill -TERM "$MANIFEST_PID"
  incluster_rc=0
  wait "$MANIFEST_PID" || incluster_rc=$?
  MANIFEST_PID=""
  [ "$incluster_rc" = 0 ] || fail "in-cluster kguard webhook exited $incluster_rc on SIGTERM"
  ok "in-cluster config: ready (namespaces list/watch) and namespace warnings (pods list) as a user with only the ClusterRole"
elif [ "$needs" = 77 ]; then
  echo "      skipped: the in-cluster run needs root and unshare -m"
else
  fail "the in-cluster run cannot run here, and under CI=true every check must run"
fi

step "SIGTERM drains and exits 0"
stop_webhook 12

step "webhook down: pods fail closed, workloads fail open"
run kc apply --dry-run=server -f - <<<"$(pod good3 "$NS_RESTRICTED" compliant)"
[ "$RC" != 0 ] || fail "pod admitted while the fail-closed webhook is down"
expect_in "$ERR" "failed calling webhook \"$ENFORCING_WEBHOOK\"" "fail closed"
run kc apply --dry-run=server -f - <<<"$(hostpid_deployment down-deploy "$NS_RESTRICTED")"
[ "$RC" = 0 ] || fail "Deployment refused while the fail-open webhook is down: $ERR"
ok "as registered"

step "enforceOnWorkloads: true refuses the bad Deployment"
cat >"$WORK/config-workloads.yaml" <<EOF
apiVersion: kguard.io/v1alpha1
kind: KguardConfiguration
podSecurity:
  enforceOnWorkloads: true
  exemptions: {namespaces: [$NS_EXEMPT]}
rules: {mode: enforce, disallowLatestTag: true}
rbac: {mode: enforce}
EOF
start_webhook "$WORK/config-workloads.yaml"
run kc apply -f - <<<"$(hostpid_deployment bad-deploy2 "$NS_RESTRICTED")"
[ "$RC" != 0 ] || fail "bad Deployment admitted with enforceOnWorkloads: true"
expect_in "$ERR" "admission webhook \"$ADVISORY_WEBHOOK\" denied the request: deployments.apps \"bad-deploy2\" is forbidden: violates PodSecurity \"restricted:latest\": host namespaces (hostPID=true), $APP_RESTRICTED_REASONS" \
  "workload denial"
run kc get deployment bad-deploy2 -n "$NS_RESTRICTED"
[ "$RC" != 0 ] || fail "the refused Deployment exists"
run kc apply -f - <<<"$(hostpid_deployment base-deploy "$NS_LEGACY")"
[ "$RC" = 0 ] || fail "Deployment in a privileged namespace refused: $ERR"
ok "refused in $NS_RESTRICTED, admitted in $NS_LEGACY"

step "kguard rules (disallowLatestTag, enforce) refuse a new :latest pod"
run kc apply --dry-run=server -f - <<<"$(pod new-latest "$NS_LEGACY" latest)"
[ "$RC" != 0 ] || fail "pod with a :latest image admitted with disallowLatestTag in enforce mode"
expect_in "$ERR" "pods \"new-latest\" is forbidden: violates kguard rules: kguard.imageLatestTag" "kguard rule denial"
ok "$ERR"

step "RBAC guardrails (enforce): cluster-admin for a service account outside kube-system is refused"
crb() {  # crb NAME SA_NAMESPACE
  printf 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: %s}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: ServiceAccount, name: deployer, namespace: %s}]\n' "$1" "$2"
}
run kc apply -f - <<<"$(crb ci-deployer-admin "$NS_RESTRICTED")"
[ "$RC" != 0 ] || fail "cluster-admin binding for a service account in $NS_RESTRICTED admitted with rbac.mode enforce"
expect_in "$ERR" "clusterrolebindings.rbac.authorization.k8s.io \"ci-deployer-admin\" is forbidden: violates kguard RBAC guardrails: rbac.clusterAdminServiceAccount" \
  "guardrail denial"
run kc get clusterrolebinding ci-deployer-admin
[ "$RC" != 0 ] || fail "the refused ClusterRoleBinding exists"
run kc apply -f - <<<"$(crb system-deployer-admin kube-system)"
[ "$RC" = 0 ] || fail "cluster-admin binding for a kube-system service account refused: $ERR"
ok "refused for $NS_RESTRICTED/deployer, admitted for kube-system/deployer"

step "RBAC guardrails (enforce): bindings are judged by the custom role read from the API server"
crb_to() {  # crb_to NAME CLUSTERROLE
  printf 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: %s}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: %s}\nsubjects: [{kind: ServiceAccount, name: deployer, namespace: %s}]\n' "$1" "$2" "$NS_RESTRICTED"
}
run kc apply -f - <<<"$(crb_to ci-everything e2e-everything)"
[ "$RC" != 0 ] || fail "binding a service account to a custom ClusterRole granting * on * admitted with rbac.mode enforce"
expect_in "$ERR" "clusterrolebindings.rbac.authorization.k8s.io \"ci-everything\" is forbidden: violates kguard RBAC guardrails: rbac.clusterAdminServiceAccount" \
  "custom wildcard role denial"
expect_in "$ERR" "binds ClusterRole e2e-everything to ServiceAccount $NS_RESTRICTED/deployer" "names the role and subject"
run kc apply -f - <<<"$(crb_to ci-collected e2e-collected)"
[ "$RC" != 0 ] || fail "binding to a ClusterRole that aggregates * on * admitted with rbac.mode enforce"
expect_in "$ERR" "binds ClusterRole e2e-collected to ServiceAccount $NS_RESTRICTED/deployer" "aggregated role denial"
run kc apply -f - <<<"$(crb_to ci-view view)"
[ "$RC" = 0 ] || fail "binding to the built-in view refused: $ERR"
# A binding to a role that does not exist (yet) is admitted, as the API server admits it, with a warning.
run kc apply -f - <<<"$(crb_to ci-not-yet e2e-not-yet)"
[ "$RC" = 0 ] || fail "binding to a missing ClusterRole refused: $ERR"
expect_in "$ERR" "Warning: kguard RBAC guardrails: ClusterRoleBinding ci-not-yet refers to ClusterRole e2e-not-yet, which does not exist" \
  "missing role warning"
# A Role created a moment before its RoleBinding is read (watch or GET), in the binding's namespace.
run kc apply -f - <<EOF2
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: e2e-secrets, namespace: $NS_RESTRICTED}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
EOF2
[ "$RC" = 0 ] || fail "Role e2e-secrets refused: $ERR"
run kc create rolebinding e2e-secrets -n "$NS_RESTRICTED" --role=e2e-secrets --user=carol
[ "$RC" = 0 ] || fail "RoleBinding to an existing Role refused: $ERR"
expect_not_in "$ERR" "does not exist" "the Role just created is found"
ok "custom * role and aggregated role refused; view admitted; missing role admitted with a warning; new Role found"

step "updates that leave the pod (template) alone are admitted (as upstream's isSignificantPodUpdate)"
# The deployment controller scales old ReplicaSets through the main resource, the garbage collector
# removes finalizers with a patch: neither may be refused because of a template that was admitted earlier.
check_rs_scale() {
  run kc patch replicaset old-rs -n "$NS_RESTRICTED" --type=merge -p '{"spec":{"replicas":0}}'
  [ "$RC" = 0 ] && return 0
  WHY="kubectl patch replicaset old-rs -n $NS_RESTRICTED --type=merge -p '{\"spec\":{\"replicas\":0}}'
expected: admitted (the template did not change)
got: $ERR"
  return 1
}
regression KB-workload-update 'enforceOnWorkloads refuses UPDATEs that do not change the pod template (scaling an old ReplicaSet)' \
  check_rs_scale
check_deploy_label() {
  run kc label deployment bad-deploy -n "$NS_RESTRICTED" e2e.kguard.io/touched=yes
  [ "$RC" = 0 ] && return 0
  WHY="kubectl label deployment bad-deploy -n $NS_RESTRICTED e2e.kguard.io/touched=yes
expected: admitted (metadata only)
got: $ERR"
  return 1
}
regression KB-workload-update-label 'enforceOnWorkloads refuses a metadata-only UPDATE of an existing Deployment' check_deploy_label
check_finalizer_removal() {
  run kc patch pod old-latest -n "$NS_LEGACY" --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]'
  [ "$RC" = 0 ] && return 0
  WHY="kubectl patch pod old-latest -n $NS_LEGACY --type=json -p '[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]'
expected: admitted (metadata only; a pod that cannot lose its finalizer stays Terminating forever)
got: $ERR"
  return 1
}
regression KB-rules-update 'kguard rules (enforce) refuse metadata-only pod UPDATEs, e.g. finalizer removal' check_finalizer_removal

step "RBAC guardrails (enforce): updates that leave rules, subjects and roleRef alone are admitted"
# Objects admitted before the guardrails (or in warn mode) must stay manageable: relabelled, and deleted
# once their finalizer is removed (as upstream's IsOnlyMutatingGCFields lets through the escalation check).
admitted_quietly() {  # admitted_quietly KUBECTL_ARGS...: admitted, without a guardrail warning
  run kc "$@"
  [ "$RC" = 0 ] && ! grep -q "kguard RBAC guardrails" <<<"$ERR" && return 0
  WHY="kubectl $*
expected: admitted without a guardrail warning (metadata only)
got (exit $RC): $ERR"
  return 1
}
check_rbac_metadata_update() {
  admitted_quietly label clusterrolebinding e2e-old-admin e2e.kguard.io/touched=yes || return 1
  admitted_quietly label clusterrole e2e-everything e2e.kguard.io/touched=yes || return 1
  admitted_quietly delete clusterrolebinding e2e-old-admin --wait=false || return 1
  admitted_quietly patch clusterrolebinding e2e-old-admin --type=json \
    -p '[{"op":"remove","path":"/metadata/finalizers"}]' || return 1
  run kc get clusterrolebinding e2e-old-admin
  [ "$RC" != 0 ] && return 0
  WHY="ClusterRoleBinding e2e-old-admin still exists after its deletion and finalizer removal"
  return 1
}
regression KB-rbac-update 'RBAC guardrails (enforce) refuse metadata-only UPDATEs of existing roles and bindings (finalizer removal, labels)' \
  check_rbac_metadata_update
# A change of what is judged is judged: a rule added to the wildcard role, a subject to a cluster-admin binding.
run kc patch clusterrole e2e-everything --type=json -p '[{"op":"add","path":"/rules/-","value":{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}}]'
[ "$RC" != 0 ] || fail "a rule added to ClusterRole e2e-everything (* on *) admitted with rbac.mode enforce"
expect_in "$ERR" "clusterroles.rbac.authorization.k8s.io \"e2e-everything\" is forbidden: violates kguard RBAC guardrails: rbac.wildcardGrant" \
  "changed rules are judged"
run kc patch clusterrolebinding system-deployer-admin --type=json \
  -p '[{"op":"add","path":"/subjects/-","value":{"kind":"ServiceAccount","name":"deployer","namespace":"'"$NS_RESTRICTED"'"}}]'
[ "$RC" != 0 ] || fail "a subject outside kube-system added to a cluster-admin binding admitted with rbac.mode enforce"
expect_in "$ERR" "violates kguard RBAC guardrails: rbac.clusterAdminServiceAccount" "changed subjects are judged"
ok "a new rule and a new subject are still refused"

step "exempt namespace"
run kc apply -f - <<<"$(printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels: {pod-security.kubernetes.io/enforce: baseline}\n' "$NS_EXEMPT")"
[ "$RC" = 0 ] || fail "creating the exempt namespace failed: $ERR"
exempt_create_err="$ERR"
run kc apply -f - <<<"$(pod exempt-priv "$NS_EXEMPT" privileged)"
[ "$RC" = 0 ] || fail "privileged pod refused in an exempt namespace: $ERR"
ok "privileged pod admitted in $NS_EXEMPT"
check_exempt_create_warning() {
  grep -qF "Warning: namespace \"$NS_EXEMPT\" is exempt from Pod Security, and the policy (enforce=baseline:latest) will be ignored" \
    <<<"$exempt_create_err" && return 0
  WHY="kubectl apply of Namespace $NS_EXEMPT with pod-security.kubernetes.io/enforce=baseline (exempt in the config)
expected (upstream 1.25+): Warning: namespace \"$NS_EXEMPT\" is exempt from Pod Security, and the policy (enforce=baseline:latest) will be ignored
got: ${exempt_create_err:-(nothing on stderr)}"
  return 1
}
regression KB-exempt-create 'no exempt-namespace warning when an exempt namespace is created with a non-privileged label' \
  check_exempt_create_warning
run kc label namespace "$NS_EXEMPT" pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted \
  --overwrite --dry-run=server
[ "$RC" = 0 ] || fail "labelling the exempt namespace failed: $ERR"
expect_in "$ERR" "Warning: namespace \"$NS_EXEMPT\" is exempt from Pod Security, and the policy (enforce=restricted:latest" \
  "exempt namespace warning"
exempt_update_err="$ERR"
check_exempt_update_warning() {
  grep -qF "Warning: namespace \"$NS_EXEMPT\" is exempt from Pod Security, and the policy (enforce=restricted:latest, warn=restricted:latest) will be ignored" \
    <<<"$exempt_update_err" && return 0
  WHY="kubectl label namespace $NS_EXEMPT pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted --overwrite --dry-run=server
expected (upstream exemptNamespaceWarning lists every explicitly labelled non-privileged mode):
  Warning: namespace \"$NS_EXEMPT\" is exempt from Pod Security, and the policy (enforce=restricted:latest, warn=restricted:latest) will be ignored
got: $exempt_update_err"
  return 1
}
regression KB-exempt-update 'exempt-namespace warning names only the enforce mode' check_exempt_update_warning

stop_webhook 12

CURRENT_STEP="done"
