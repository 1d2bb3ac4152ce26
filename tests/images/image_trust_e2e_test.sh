#!/usr/bin/env bash
# kguard.imageSignatures end to end, against the real registries of registry_e2e.py (its fixture is
# named by KGUARD_REGISTRY_FIXTURE), through `kguard lint --verify-images` and through `kguard webhook`
# behind a real kube-apiserver (tests/e2e/cluster.sh): kubectl apply and --dry-run=server of
# Deployments and Pods with signed, unsigned and wrongly signed images (plain HTTP, and HTTPS with a test
# CA), in enforce and warn mode, and a registry outage with a digest verified before (admitted) and one
# never verified (refused, fast).
#
#   python3 tests/images/registry_e2e.py bash tests/images/image_trust_e2e_test.sh PATH/TO/kguard
set -euo pipefail

# shellcheck source=tests/e2e/cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/cluster.sh"
e2e_kguard_argument "$@"
[ -n "${KGUARD_REGISTRY_FIXTURE:-}" ] || { echo "run through tests/images/registry_e2e.py" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kguard-image-trust-e2e.XXXXXX")"
CLUSTER="$WORK/cluster"
CERTS="$WORK/certs"
WEBHOOK_LOG="$WORK/webhook.log"
WEBHOOK_PID=""
WEBHOOK_PORT=""
STEP="setup"

step() { STEP="$*"; echo "--- $*"; }
ok() { echo "      ok: $*"; }
fail() { echo "FAIL [$STEP]: $*" >&2; exit 1; }

cleanup() {
  local rc=$?
  trap - EXIT
  set +e
  if [ -n "$WEBHOOK_PID" ]; then kill -TERM "$WEBHOOK_PID" 2>/dev/null; wait "$WEBHOOK_PID" 2>/dev/null; fi
  if [ "$rc" != 0 ] && [ -f "$WEBHOOK_LOG" ]; then echo "--- webhook log:" >&2; tail -n 30 "$WEBHOOK_LOG" >&2; fi
  cluster_stop "$CLUSTER" 2>/dev/null
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT

# run CMD...: sets OUT, ERR, RC.
run() {
  set +e
  OUT="$("$@" 2>"$WORK/err")"
  RC=$?
  set -e
  ERR="$(cat "$WORK/err")"
}
expect_in() { grep -qF -- "$2" <<<"$1" || fail "$3: expected \"$2\" in: $1"; }

fx() { python3 -c 'import json,os,sys; d=json.load(open(os.environ["KGUARD_REGISTRY_FIXTURE"]))
for k in sys.argv[1:]: d=d[k]
print(d)' "$@"; }
PLAIN="$(fx plain host)"
HTTPS="$(fx https host)"
OUTAGE="$(fx outage host)"
SIGNED_DIGEST="$(fx plain digests signed)"

# write_config MODE: rules.imageSignatures over both plain-HTTP registries, trusting the p256 key.
write_config() {
  cat >"$WORK/kguard.yaml" <<YAML
apiVersion: kguard.io/v1alpha1
kind: KguardConfiguration
podSecurity: {enforceOnWorkloads: true}
rules:
  mode: $1
  imageSignatures:
  - images: ["$PLAIN/team/**", "$OUTAGE/**", "$HTTPS/team/**"]
    publicKeys: [$(fx keys p256)]
  imageVerificationBudgetMs: 2000
registries:
- {host: "$PLAIN", insecure: true}
- {host: "$HTTPS", caFile: "$(fx ca)"}
- {host: "$OUTAGE", insecure: true}
YAML
}

# deployment NAME INIT_IMAGE IMAGE
deployment() {
  cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1, namespace: default}
spec:
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec:
      initContainers: [{name: init, image: "$2"}]
      containers: [{name: app, image: "$3"}]
YAML
}
# pod NAME IMAGE [IMAGE2]
pod() {
  echo "apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: default}
spec:
  containers:
  - {name: app, image: \"$2\"}"
  if [ -n "${3:-}" ]; then echo "  - {name: sidecar, image: \"$3\"}"; fi
}

step "kguard lint --verify-images: the webhook's verifier, offline without the flag"
write_config enforce
deployment good "$PLAIN/team/signed:v1" "$PLAIN/team/signed@$SIGNED_DIGEST" >"$WORK/good.yaml"
deployment bad "$PLAIN/team/signed:v1" "$PLAIN/team/unsigned:v1" >"$WORK/bad.yaml"
run "$KGUARD" lint --level privileged --config "$WORK/kguard.yaml" --verify-images -f "$WORK/good.yaml"
[ "$RC" = 0 ] || fail "signed images: exit $RC, want 0: $OUT $ERR"
run "$KGUARD" lint --level privileged --config "$WORK/kguard.yaml" --verify-images -f "$WORK/bad.yaml"
[ "$RC" = 1 ] || fail "unsigned image: exit $RC, want 1: $OUT $ERR"
expect_in "$OUT" "kguard.imageSignatures" "lint finding"
expect_in "$OUT" "container \"app\" image \"$PLAIN/team/unsigned:v1\"" "lint names the container and image"
expect_in "$OUT" "no signature" "lint says why"
run "$KGUARD" lint --level privileged --config "$WORK/kguard.yaml" -f "$WORK/bad.yaml"
[ "$RC" = 0 ] || fail "without --verify-images lint must not evaluate the rule: exit $RC: $OUT"
expect_in "$ERR" "rules.imageSignatures is not checked offline" "note without --verify-images"
ok "lint: signed 0, unsigned 1 naming container/image/why, offline without the flag"

step "kguard audit --config: the same verifier, findings in the same check"
# audit_signatures FILE: the kguard.imageSignatures findings of `kguard audit -f FILE`, one line each:
# kind/name container risk: message.
audit_signatures() {
  run "$KGUARD" audit --config "$WORK/kguard.yaml" -f "$1" --format json --fail-on critical
  [ "$RC" = 0 ] || fail "audit -f $1: exit $RC: $ERR"
  python3 -c 'import json,sys
for f in json.load(sys.stdin)["findings"]:
    if f["check"] == "kguard.imageSignatures": print("%s/%s %s %s: %s" % (f["kind"], f["name"], f.get("container"), f["risk"], f["message"]))' <<<"$OUT"
}
good="$(audit_signatures "$WORK/good.yaml")"
[ -z "$good" ] || fail "signed images: $good"
bad="$(audit_signatures "$WORK/bad.yaml")"
[ "$(wc -l <<<"$bad")" = 1 ] || fail "unsigned image: want one finding, got: $bad"
expect_in "$bad" "Deployment/bad app image-trust: " "audit names the workload, container and risk"
expect_in "$bad" "image \"$PLAIN/team/unsigned:v1\"" "audit names the image"
expect_in "$bad" "no signature" "audit says why"
ok "audit: signed none, unsigned one kguard.imageSignatures finding on Deployment/bad container app"

step "cluster and webhook"
cluster_start "$CLUSTER" >/dev/null || fail "cluster.sh could not start the cluster"
# shellcheck disable=SC1091
source "$CLUSTER/env"
"$REPO_ROOT/certs/gen-certs.sh" --out "$CERTS" --san IP:127.0.0.1 >/dev/null

start_webhook() {
  WEBHOOK_PORT="$(_cl_free_ports 1)"
  "$KGUARD" webhook --listen "127.0.0.1:$WEBHOOK_PORT" --tls-cert-file "$CERTS/tls.crt" \
    --tls-private-key-file "$CERTS/tls.key" --config "$WORK/kguard.yaml" --kubeconfig "$KUBECONFIG" \
    --shutdown-grace-ms 100 </dev/null >>"$WEBHOOK_LOG" 2>&1 &
  WEBHOOK_PID=$!
  for _ in $(seq 1 100); do
    if [ "$(curl -sS --noproxy '*' --cacert "$CERTS/ca.crt" "https://127.0.0.1:$WEBHOOK_PORT/readyz" 2>/dev/null)" = ok ]; then
      kubectl apply -f - >/dev/null <<YAML
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: kguard-image-trust}
webhooks:
- name: images.webhook.kguard.io
  failurePolicy: Fail
  sideEffects: None
  timeoutSeconds: 5
  admissionReviewVersions: [v1]
  rules:
  - {apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}
  - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  clientConfig:
    url: https://127.0.0.1:$WEBHOOK_PORT/validate
    caBundle: $(base64 -w0 <"$CERTS/ca.crt")
YAML
      return 0
    fi
    kill -0 "$WEBHOOK_PID" 2>/dev/null || fail "kguard webhook exited during start-up"
    sleep 0.2
  done
  fail "webhook not ready"
}
stop_webhook() { kill -TERM "$WEBHOOK_PID"; wait "$WEBHOOK_PID" || true; WEBHOOK_PID=""; }
start_webhook
# The API server picks the webhook configuration up asynchronously: wait until it judges.
for _ in $(seq 1 50); do
  run kubectl apply --dry-run=server -f - <<<"$(pod probe "$PLAIN/team/unsigned:v1")"
  [ "$RC" != 0 ] && break
  sleep 0.2
done

step "enforce: a Deployment with an unsigned image is refused by kubectl apply and --dry-run=server"
for mode in "--dry-run=server" ""; do
  run kubectl apply $mode -f "$WORK/bad.yaml"
  [ "$RC" != 0 ] || fail "kubectl apply $mode of an unsigned Deployment succeeded: $OUT"
  expect_in "$ERR" "kguard.imageSignatures" "denial names the rule"
  expect_in "$ERR" "container \"app\" image \"$PLAIN/team/unsigned:v1\"" "denial names container and image"
  expect_in "$ERR" "no signature" "denial says why"
done
run kubectl get deployment bad
[ "$RC" != 0 ] || fail "the refused Deployment exists"
run kubectl apply -f "$WORK/good.yaml"
[ "$RC" = 0 ] || fail "signed Deployment refused: $ERR"
ok "unsigned refused (apply and dry-run), signed created"

step "pods: every failing container named with its reason"
run kubectl apply -f - <<<"$(pod two "$PLAIN/team/other-key:v1" "$PLAIN/team/names-other-digest:v1")"
[ "$RC" != 0 ] || fail "pod with wrongly signed images admitted"
expect_in "$ERR" "container \"app\" image \"$PLAIN/team/other-key:v1\"" "first container"
expect_in "$ERR" "no key matched" "other key"
expect_in "$ERR" "container \"sidecar\" image \"$PLAIN/team/names-other-digest:v1\"" "second container"
expect_in "$ERR" "payload names another digest" "other digest"
run kubectl apply -f - <<<"$(pod missing "$PLAIN/team/signed:no-such-tag")"
expect_in "$ERR" "image not found" "tag not found"
run kubectl apply -f - <<<"$(pod unmatched "registry.example.com/team/app:1")"
[ "$RC" = 0 ] || fail "an image no policy covers was refused: $ERR"
ok "multi-container denial, tag not found, unmatched image admitted"

step "HTTPS registry trusted through registries[].caFile (a test CA)"
run kubectl apply --dry-run=server -f - <<<"$(pod tls-signed "$HTTPS/team/signed:v1")"
[ "$RC" = 0 ] || fail "a signed image on the HTTPS registry was refused: $ERR"
run kubectl apply --dry-run=server -f - <<<"$(pod tls-unsigned "$HTTPS/team/unsigned:v1")"
[ "$RC" != 0 ] || fail "an unsigned image on the HTTPS registry was admitted"
expect_in "$ERR" "container \"app\" image \"$HTTPS/team/unsigned:v1\"" "HTTPS denial names container and image"
expect_in "$ERR" "no signature" "HTTPS denial says why"
ok "signed admitted, unsigned refused over HTTPS with the test CA"

step "registry outage: verified digest admitted, never-verified refused within the budget"
OUTAGE_SIGNED="$OUTAGE/team/signed@$(fx outage digests signed)"
run kubectl apply --dry-run=server -f - <<<"$(pod cached "$OUTAGE_SIGNED")"
[ "$RC" = 0 ] || fail "signed digest refused before the outage: $ERR"
kill -TERM "$(fx outage pid)"
for _ in $(seq 1 50); do curl -s -m 1 "http://$OUTAGE/v2/" >/dev/null || break; sleep 0.1; done
run kubectl apply --dry-run=server -f - <<<"$(pod cached "$OUTAGE_SIGNED")"
[ "$RC" = 0 ] || fail "a digest verified before was refused during the outage: $ERR"
start_ms=$(date +%s%3N)
run kubectl apply --dry-run=server -f - <<<"$(pod never "$OUTAGE/team/rsa@$(fx outage digests rsa)")"
took=$(( $(date +%s%3N) - start_ms ))
[ "$RC" != 0 ] || fail "a never-verified image was admitted while its registry is down"
expect_in "$ERR" "registry unreachable" "outage denial says why"
[ "$took" -lt 4000 ] || fail "the outage denial took ${took} ms (budget 2000 ms)"
ok "cached digest admitted, uncached refused in ${took} ms"

step "metrics"
METRICS="$(curl -sS --noproxy '*' --cacert "$CERTS/ca.crt" "https://127.0.0.1:$WEBHOOK_PORT/metrics")"
expect_in "$METRICS" 'kguard_image_verifications_total{result="verified"}' "verifications by result"
expect_in "$METRICS" 'kguard_image_verifications_total{result="no signature"}' "verifications by result"
expect_in "$METRICS" 'kguard_image_verification_cache_lookups_total{result="hit"}' "cache hits"
expect_in "$METRICS" 'kguard_image_registry_duration_seconds_count' "registry latency"
ok "verifications, cache lookups and registry latency exported"

step "warn mode: the unsigned Deployment is created with a warning"
stop_webhook
write_config warn
start_webhook
for _ in $(seq 1 50); do
  run kubectl apply --dry-run=server -f "$WORK/bad.yaml"
  grep -qF "kguard.imageSignatures" <<<"$ERR" && break
  sleep 0.2
done
for mode in "--dry-run=server" ""; do
  run kubectl apply $mode -f "$WORK/bad.yaml"
  [ "$RC" = 0 ] || fail "warn mode refused ($mode): $ERR"
  expect_in "$ERR" "Warning: would violate kguard rules: kguard.imageSignatures" "warning"
done
kubectl get deployment bad >/dev/null || fail "the warned Deployment was not created"
ok "warned, created"
echo "image_trust_e2e: all checks passed"
