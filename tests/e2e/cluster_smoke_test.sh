#!/usr/bin/env bash
# Smoke test of tests/e2e/cluster.sh: starts a real etcd + kube-apiserver in a temp dir and checks
# what kguard's end-to-end tests rely on (RBAC with token users, pods that stay Pending but whose
# status can be set, and that the apiserver can call a validating webhook on https://127.0.0.1).
#   bash tests/e2e/cluster_smoke_test.sh      (needs root the first time: builds kube-apiserver)
# Set KEEP_CLUSTER_DIR=1 to keep the temp dir (logs) after the test.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/e2e/cluster.sh
source "$HERE/cluster.sh"

DIR="$(mktemp -d /tmp/kguard-e2e-smoke.XXXXXX)"
WEBHOOK_PID=""
WEBHOOK_PORT=""

fail() { echo "SMOKE TEST FAILED: $*" >&2; exit 1; }
step() { echo "--- $*" >&2; }

# Always stop the cluster and the webhook, also on failure or Ctrl-C.
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
  local rc=$?
  [ -z "$WEBHOOK_PID" ] || { kill "$WEBHOOK_PID" 2>/dev/null || true; wait "$WEBHOOK_PID" 2>/dev/null || true; }
  cluster_stop "$DIR"
  if [ "$rc" != 0 ]; then
    echo "logs: $DIR/*.log" >&2
    for f in "$DIR"/kube-apiserver.log "$DIR"/webhook.log; do
      [ -f "$f" ] && { echo "== tail $f" >&2; tail -n 15 "$f" >&2; }
    done
  elif [ "${KEEP_CLUSTER_DIR:-0}" != 1 ]; then
    rm -rf "$DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_cluster() {
  step "starting cluster in $DIR"
  local t0=$SECONDS
  cluster_start "$DIR" || fail "cluster start"
  echo "start-up took $((SECONDS - t0))s" >&2
  # shellcheck disable=SC1091
  source "$DIR/env"
}

check_namespace() {
  step "kubectl create namespace smoke"
  kubectl create namespace smoke >/dev/null || fail "kubectl create namespace"
  [ "$(kubectl get namespace smoke -o jsonpath='{.status.phase}')" = Active ] || fail "namespace smoke not Active"
}

# alice has no RBAC bindings: the answer must be "no" (kubectl exits 1 for "no").
check_rbac() {
  step "kubectl auth can-i as non-admin token user"
  local answer
  answer="$(kubectl --token="$ALICE_TOKEN" auth can-i create pods -n smoke 2>/dev/null || true)"
  [ "$answer" = no ] || fail "alice can-i create pods: expected 'no', got '$answer'"
  answer="$(kubectl auth can-i create pods -n smoke 2>/dev/null || true)"
  [ "$answer" = yes ] || fail "admin can-i create pods: expected 'yes', got '$answer'"
  # And a granted permission must turn into "yes" (RBAC is really evaluated, not just denying).
  kubectl create role pod-reader -n smoke --verb=get,list --resource=pods >/dev/null
  kubectl create rolebinding alice-reads -n smoke --role=pod-reader --user=alice >/dev/null
  answer="$(kubectl --token="$ALICE_TOKEN" auth can-i list pods -n smoke 2>/dev/null || true)"
  [ "$answer" = yes ] || fail "alice can-i list pods after rolebinding: expected 'yes', got '$answer'"
}

# No kubelet: the pod stays Pending; its status is set through the status subresource.
check_pod_status() {
  step "pod with fake image, status.podIP via status subresource"
  kubectl run web -n smoke --image=example.invalid/kguard/fake:1 --restart=Never >/dev/null ||
    fail "kubectl run"
  [ "$(kubectl get pod web -n smoke -o jsonpath='{.status.phase}')" = Pending ] || fail "pod not Pending"
  # Working way (any kubectl): curl PATCH on /api/v1/namespaces/NS/pods/NAME/status with
  # Content-Type application/merge-patch+json and the admin token (cluster_set_pod_status).
  # `kubectl patch --subresource=status` also works against this 1.20 server, but only with
  # kubectl >= 1.24 (Debian's 1.20 kubectl lacks the flag).
  cluster_set_pod_status smoke web '{"podIP":"10.244.1.7","podIPs":[{"ip":"10.244.1.7"}]}' ||
    fail "PATCH pods/web/status"
  local ip
  ip="$(kubectl get pod web -n smoke -o jsonpath='{.status.podIP}')"
  [ "$ip" = 10.244.1.7 ] || fail "status.podIP: expected 10.244.1.7, got '$ip'"
}

# Self-signed cert with an IP:127.0.0.1 SAN (the apiserver verifies it against caBundle).
make_webhook_cert() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$DIR/webhook.key" -out "$DIR/webhook.crt" 2>/dev/null
}

# Tiny HTTPS webhook (python3) that denies every ConfigMap named "forbidden". Sets WEBHOOK_PID and
# WEBHOOK_PORT (globals: must not run in a $(...) subshell, or cleanup would not know the pid).
start_webhook() {
  WEBHOOK_PORT="$(_cl_free_ports 1)"
  python3 - "$WEBHOOK_PORT" "$DIR/webhook.crt" "$DIR/webhook.key" >"$DIR/webhook.log" 2>&1 </dev/null <<'EOF' &
import http.server, json, ssl, sys
port, crt, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        review = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        req = review["request"]
        allowed = req.get("name") != "forbidden"
        body = json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "response": {"uid": req["uid"], "allowed": allowed,
                         "status": {"code": 403, "message": "denied by smoke webhook"}}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
srv = http.server.HTTPServer(("127.0.0.1", port), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(crt, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("listening", port, flush=True)
srv.serve_forever()
EOF
  WEBHOOK_PID=$!
  local _
  for _ in $(seq 1 50); do
    grep -q listening "$DIR/webhook.log" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "webhook did not start: $(cat "$DIR/webhook.log")"
}

# The apiserver must reach https://127.0.0.1:PORT (no proxy, no firewall, IP SAN accepted).
check_webhook() {
  step "validating webhook at https://127.0.0.1"
  make_webhook_cert
  start_webhook
  kubectl apply -f - >/dev/null <<EOF || fail "create ValidatingWebhookConfiguration"
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: smoke
webhooks:
- name: smoke.kguard.test
  clientConfig:
    url: https://127.0.0.1:$WEBHOOK_PORT/validate
    caBundle: $(base64 -w0 <"$DIR/webhook.crt")
  rules:
  - operations: ["CREATE"]
    apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["configmaps"]
  namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: smoke
  failurePolicy: Fail
  sideEffects: None
  admissionReviewVersions: ["v1"]
  timeoutSeconds: 5
EOF
  # The label selector is unsupported on 1.20 (no automatic name label); label it ourselves.
  kubectl label namespace smoke kubernetes.io/metadata.name=smoke --overwrite >/dev/null
  # The webhook configuration reaches the apiserver's admission chain asynchronously.
  local _ out=""
  for _ in $(seq 1 50); do
    if out="$(kubectl create configmap forbidden -n smoke 2>&1)"; then
      kubectl delete configmap forbidden -n smoke >/dev/null
    elif grep -q "denied by smoke webhook" <<<"$out"; then
      break
    fi
    sleep 0.2
  done
  grep -q "denied by smoke webhook" <<<"$out" || fail "webhook did not deny: $out"
  kubectl create configmap allowed -n smoke >/dev/null || fail "webhook denied an allowed configmap"
}

main() {
  command -v kubectl >/dev/null || fail "kubectl not on PATH"
  local t0=$SECONDS
  start_cluster
  check_namespace
  check_rbac
  check_pod_status
  check_webhook
  step "stopping cluster"
  cluster_stop "$DIR"
  cluster_running "$DIR" && fail "processes still running after stop"
  echo "SMOKE TEST PASSED in $((SECONDS - t0))s" >&2
}

main "$@"; exit $?
