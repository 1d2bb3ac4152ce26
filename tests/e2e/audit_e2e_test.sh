#!/usr/bin/env bash
# End-to-end test of `kguard audit` against a real kube-apiserver (tests/e2e/README.md):
#
#   bash tests/e2e/audit_e2e_test.sh PATH/TO/kguard
#
# Seeds a cluster: namespaces at different Pod Security labels, a hostPID pod created before its
# namespace was labelled restricted, a pod running as a service account bound to cluster-admin, a
# namespace with a default deny, quota and limits and one without, a Secret in an environment variable,
# pods without limits, tag and digest images. Audits it through a kubeconfig whose user is an exec
# credential plugin, checks every expected finding and that the clean pod and namespace have none, that
# `-f` over a `kubectl get … -A -o yaml` export gives the same findings and namespaces, that the
# PolicyReports apply with kubectl once the shipped CRDs are installed, and that a user who may list
# only some collections gets the audit of those with a note per skipped one.
#
# Environment: KGUARD_E2E_KEEP=1 keeps the work directory after a failure; KUBE_APISERVER_BIN as in cluster.sh.
set -euo pipefail

# shellcheck source=tests/e2e/cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster.sh"
# shellcheck source=tests/e2e/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/steps.sh"
e2e_kguard_argument "$@"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kguard-audit-e2e.XXXXXX")"
CLUSTER="$WORK/cluster"

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT
  set +e
  cluster_stop "$CLUSTER" >/dev/null 2>&1
  if [ "$rc" != 0 ] && [ "${KGUARD_E2E_KEEP:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_e2e_cluster
ok "API server at $APISERVER_URL"

step "seeding the cluster"
DIGEST="sha256:$(printf 'a%.0s' $(seq 64))"
kubectl apply -f - >"$WORK/apply.log" 2>&1 <<EOF2 || { cat "$WORK/apply.log" >&2; fail "kubectl apply"; }
apiVersion: v1
kind: Namespace
metadata: {name: legacy}
---
apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/warn: restricted}}
---
apiVersion: v1
kind: Namespace
metadata: {name: locked, labels: {pod-security.kubernetes.io/enforce: restricted}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops}
---
apiVersion: v1
kind: Pod
metadata: {name: top, namespace: legacy, labels: {app: top}}
spec:
  hostPID: true
  containers: [{name: top, image: "busybox:1.36", resources: {limits: {cpu: 100m, memory: 64Mi}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: apps, labels: {app: web}}
spec:
  containers:
  - name: web
    image: nginx
    env:
    - name: DB_PASSWORD
      valueFrom: {secretKeyRef: {name: db, key: password}}
---
apiVersion: v1
kind: Pod
metadata: {name: pinned, namespace: apps, labels: {app: pinned}}
spec:
  containers: [{name: app, image: "registry.example/app@$DIGEST", resources: {limits: {cpu: 100m, memory: 64Mi}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: good, namespace: locked, labels: {app: good}}
spec:
  containers:
  - name: app
    image: "registry.example/app@$DIGEST"
    resources: {limits: {cpu: 100m, memory: 64Mi}}
    securityContext: {allowPrivilegeEscalation: false, runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: locked}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota, namespace: locked}
spec: {hard: {limits.cpu: "4", limits.memory: 4Gi}}
---
apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: locked}
spec: {limits: [{type: Container, default: {cpu: 100m, memory: 64Mi}}]}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: deployer, namespace: ops}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops-deployer-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ops}]
---
apiVersion: v1
kind: Pod
metadata: {name: admin-runner, namespace: ops, labels: {app: runner}}
spec:
  serviceAccountName: deployer
  volumes: [{name: kubeconfig, secret: {secretName: kubeconfig}}]
  containers: [{name: kubectl, image: "bitnami/kubectl:1.30", resources: {limits: {cpu: 100m, memory: 64Mi}}}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: reader, namespace: ops, annotations: {kubernetes.io/enforce-mountable-secrets: "true"}}
secrets: [{name: app-config}]
---
apiVersion: v1
kind: Pod
metadata: {name: listed, namespace: ops, labels: {app: reader}}
spec:
  serviceAccountName: reader
  volumes: [{name: config, secret: {secretName: app-config}}]
  containers: [{name: app, image: "registry.example/app@$DIGEST", resources: {limits: {cpu: 100m, memory: 64Mi}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: stray, namespace: ops, labels: {app: reader}}
spec:
  serviceAccountName: reader
  volumes: [{name: other, secret: {secretName: other}}]
  containers: [{name: app, image: "registry.example/app@$DIGEST", resources: {limits: {cpu: 100m, memory: 64Mi}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: mounter, namespace: ops, labels: {app: mounter}}
spec:
  volumes: [{name: certs, projected: {sources: [{secret: {name: tls}}]}}]
  containers: [{name: app, image: "registry.example/app@$DIGEST", resources: {limits: {cpu: 100m, memory: 64Mi}}}]
EOF2
# The hostPID pod predates its namespace's restricted label (the API server does not re-check pods).
kubectl label namespace legacy pod-security.kubernetes.io/enforce=restricted >/dev/null
ok "seeded"

step "a kubeconfig whose user is an exec credential plugin"
cat >"$WORK/token-plugin.sh" <<'PLUGIN'
#!/bin/sh
echo run >>"$WORK/plugin-runs"
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\n' "$PLUGIN_TOKEN"
PLUGIN
chmod +x "$WORK/token-plugin.sh"
awk -v plugin="$WORK/token-plugin.sh" -v work="$WORK" -v token="$ADMIN_TOKEN" '
  /^ *token:/ {
    print "    exec:"; print "      apiVersion: client.authentication.k8s.io/v1"; print "      command: " plugin
    print "      interactiveMode: Never"
    print "      env:"; print "      - {name: WORK, value: \"" work "\"}"; print "      - {name: PLUGIN_TOKEN, value: \"" token "\"}"
    next
  }
  { print }' "$KUBECONFIG" >"$WORK/exec.kubeconfig"
grep -q "exec:" "$WORK/exec.kubeconfig" || fail "no exec user in $WORK/exec.kubeconfig"

step "kguard audit --kubeconfig (live)"
set +e
"$KGUARD" audit --kubeconfig "$WORK/exec.kubeconfig" --format json -o "$WORK/live.json" 2>"$WORK/live.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "live audit exit $rc, expected 1 (high findings): $(cat "$WORK/live.err")"
[ -s "$WORK/plugin-runs" ] || fail "the exec plugin never ran"
ok "exit 1; the exec plugin ran $(wc -l <"$WORK/plugin-runs") time(s)"
grep -q 'note: skipped, the audit covers only what was listed: cannot list clusternetworkpolicies.policy.networking.k8s.io from .*: HTTP 404.*does not serve policy.networking.k8s.io/v1alpha2' "$WORK/live.err" \
  || fail "no note that ClusterNetworkPolicies are not served: $(cat "$WORK/live.err")"
ok "a note says the server does not serve ClusterNetworkPolicies"

step "a progress line on stderr only when stderr is a terminal"
if grep -q "kguard audit: listed" "$WORK/live.err"; then fail "progress written to a non-terminal stderr: $(cat "$WORK/live.err")"; fi
# script(1) (util-linux, essential) gives the command a terminal and records what it writes there.
script -qec "'$KGUARD' audit --kubeconfig '$WORK/exec.kubeconfig' --format json -o '$WORK/tty.json'" "$WORK/tty.log" >/dev/null || true
grep -q "kguard audit: listed pods, " "$WORK/tty.log" || fail "no progress line on a terminal: $(cat -v "$WORK/tty.log" | head -c 500)"
ok "progress on a terminal only"

step "the expected findings, and no false one"
python3 - "$WORK/live.json" <<'PY' || fail "findings"
import json, sys
report = json.load(open(sys.argv[1]))
findings = report["findings"]
def has(check, kind, ns, name, container=None, severity=None, text=None):
    for f in findings:
        if (f["check"], f["kind"], f["namespace"], f["name"]) != (check, kind, ns, name): continue
        if container is not None and f.get("container") != container: continue
        if severity is not None and f["severity"] != severity: continue
        if text is not None and text not in f["message"]: continue
        return f
    sys.exit("missing: %s %s %s/%s %s %s %s" % (check, kind, ns, name, container or "", severity or "", text or ""))
f = has("hostNamespaces", "Pod", "legacy", "top", severity="critical")
assert "raised because pods of other namespaces may connect to it" in f["severityReason"], f
assert f["risk"] == "host-isolation"
f = has("audit.serviceAccountEscalation", "Pod", "ops", "admin-runner", severity="critical",
        text="runs as ServiceAccount ops/deployer, which can escalate")
assert "every verb on every resource" in f["message"], f
has("rbac.escalation.fullWildcard", "ServiceAccount", "ops", "deployer", severity="critical")
has("audit.secretInEnv", "Pod", "apps", "web", container="web", text='Secret "db" into environment variable DB_PASSWORD')
has("kguard.resourceLimits", "Pod", "apps", "web", container="web")
has("kguard.imageLatestTag", "Pod", "apps", "web", container="web")
has("kguard.imageDigest", "Pod", "apps", "web", container="web")
has("kguard.imageDigest", "Pod", "legacy", "top", container="top")
has("audit.podNotIsolated", "Pod", "apps", "web")
# Mounted Secrets the service account neither lists nor may get; the admission plugin is off in this
# test server (cluster.sh), so the pod of an account that enforces its list was created all the same.
has("audit.secretBeyondServiceAccount", "Pod", "ops", "mounter", severity="low", text='Secret "tls" (projected volume)')
has("audit.secretBeyondServiceAccount", "Pod", "ops", "stray", severity="high", text='Secret "other"')
for ns in ("apps", "legacy", "ops"):
    has("audit.namespaceWithoutDefaultDeny", "Namespace", "", ns)
    has("audit.namespaceWithoutResourceQuota", "Namespace", "", ns)
    has("audit.namespaceWithoutLimitRange", "Namespace", "", ns)
# no false ones: the clean pod and namespace, the pinned image, the pods of unbound service accounts
about = lambda ns, name: [f for f in findings if f["namespace"] == ns and f["name"] == name]
assert about("locked", "good") == [], about("locked", "good")
assert [f for f in findings if f["kind"] == "Namespace" and f["name"] == "locked"] == []
assert not [f for f in findings if f["name"] == "pinned" and f["check"] in ("kguard.imageDigest", "kguard.imageLatestTag", "kguard.resourceLimits")]
assert not [f for f in findings if f["check"] == "audit.serviceAccountEscalation" and f["name"] != "admin-runner"]
# listed: its account lists app-config; admin-runner: cluster-admin may get every Secret
assert sorted(f["name"] for f in findings if f["check"] == "audit.secretBeyondServiceAccount") == ["mounter", "stray"]
assert not [f for f in findings if f["namespace"] == "kube-system"], "the API server's own bindings are not findings"
ns = {n["name"]: n for n in report["namespaces"]}
legacy = ns["legacy"]
assert legacy["enforce"] == "restricted:latest", legacy
assert [v["name"] for v in legacy["violatingEnforce"]] == ["top"], legacy
assert legacy["highestPassingLevel"] == "privileged" and legacy["nextLevel"]["level"] == "baseline", legacy
assert "host namespaces (hostPID=true)" in legacy["nextLevel"]["refused"][0]["reason"]
assert ns["locked"]["highestPassingLevel"] == "restricted" and "nextLevel" not in ns["locked"], ns["locked"]
assert ns["locked"]["defaultDenyIngress"] and ns["locked"]["resourceQuota"] and ns["locked"]["limitRange"]
assert ns["apps"]["highestPassingLevel"] == "baseline", ns["apps"]
assert [r["name"] for r in ns["apps"]["nextLevel"]["refused"]] == ["pinned", "web"] or \
       sorted(r["name"] for r in ns["apps"]["nextLevel"]["refused"]) == ["pinned", "web"], ns["apps"]
print("      %d findings, all expected ones present" % len(findings))
PY

step "the same result from -f over a kubectl get export"
kubectl get namespaces,pods,serviceaccounts,networkpolicies,roles,rolebindings,clusterroles,clusterrolebindings,persistentvolumeclaims,resourcequotas,limitranges,deployments,daemonsets,statefulsets,replicasets,jobs,cronjobs \
  -A -o yaml >"$WORK/export.yaml" 2>"$WORK/export.err" || fail "kubectl get: $(cat "$WORK/export.err")"
set +e
"$KGUARD" audit -f "$WORK/export.yaml" --format json -o "$WORK/file.json" 2>"$WORK/file.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "audit -f exit $rc: $(cat "$WORK/file.err")"
python3 - "$WORK/live.json" "$WORK/file.json" <<'PY' || fail "live and -f differ"
import json, sys
live, exported = (json.load(open(p)) for p in sys.argv[1:3])
strip = lambda fs: sorted(json.dumps({k: v for k, v in f.items() if k not in ("source", "line")}, sort_keys=True) for f in fs)
a, b = strip(live["findings"]), strip(exported["findings"])
if a != b:
    for x in sorted(set(a) - set(b)): print("only live:", x)
    for x in sorted(set(b) - set(a)): print("only -f:  ", x)
    sys.exit(1)
assert live["namespaces"] == exported["namespaces"]
print("      %d findings, identical" % len(a))
PY

step "PolicyReports apply once the shipped CRDs are installed"
kubectl apply -f "$REPO_ROOT/manifests/policyreport/" >"$WORK/crd.log" 2>&1 || fail "CRDs: $(cat "$WORK/crd.log")"
kubectl wait --for condition=established --timeout=30s crd/policyreports.wgpolicyk8s.io crd/clusterpolicyreports.wgpolicyk8s.io >/dev/null
set +e
"$KGUARD" audit --kubeconfig "$WORK/exec.kubeconfig" --format policyreport -o "$WORK/reports.json" 2>/dev/null
set -e
kubectl apply -f "$WORK/reports.json" >"$WORK/reports.log" 2>&1 || fail "kubectl apply of the reports: $(cat "$WORK/reports.log")"
fails="$(kubectl get policyreport kguard-audit -n legacy -o jsonpath='{.summary.fail}')"
[ "${fails:-0}" -gt 0 ] || fail "PolicyReport legacy/kguard-audit has no failures: $(kubectl get policyreport -n legacy -o yaml)"
kubectl get clusterpolicyreport kguard-audit >/dev/null || fail "no ClusterPolicyReport"
ok "applied: $(grep -c configured\\\|created "$WORK/reports.log") reports; legacy has $fails failures"

step "a user who may list only some collections: the audit of those, with a note per skipped one"
kubectl apply -f - >/dev/null <<'EOF2'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: e2e-pod-lister}
rules: [{apiGroups: [""], resources: [namespaces, pods], verbs: [list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: e2e-pod-lister}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: e2e-pod-lister}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}]
EOF2
sed "s|token: .*|token: $ALICE_TOKEN|" "$KUBECONFIG" >"$WORK/alice.kubeconfig"
set +e
"$KGUARD" audit --kubeconfig "$WORK/alice.kubeconfig" --format json -o "$WORK/alice.json" 2>"$WORK/alice.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "partial audit exit $rc: $(cat "$WORK/alice.err")"
grep -q 'note: skipped, the audit covers only what was listed: cannot list clusterroles.rbac.authorization.k8s.io from .*: HTTP 403' "$WORK/alice.err" \
  || fail "no note for the forbidden clusterroles: $(cat "$WORK/alice.err")"
python3 - "$WORK/alice.json" <<'PY' || fail "partial audit"
import json, sys
r = json.load(open(sys.argv[1]))
assert any(f["check"] == "hostNamespaces" and f["name"] == "top" for f in r["findings"]), "pods were listed"
assert not any(f["check"] == "audit.serviceAccountEscalation" for f in r["findings"]), "no RBAC was listed"
assert any("serviceaccounts" in n for n in r["notes"]) and any("rolebindings" in n for n in r["notes"]), r["notes"]
PY
ok "$(grep -c 'note: skipped' "$WORK/alice.err") collections skipped with a note"

step "the HTML report rendered in headless Chromium"
set +e
"$KGUARD" audit --kubeconfig "$WORK/exec.kubeconfig" --format html -o "$WORK/report.html" 2>/dev/null
set -e
if ! command -v chromium >/dev/null 2>&1; then
  [ "${CI:-}" = true ] && fail "chromium is not installed (scripts/install-deps.sh --test)"
  echo "      SKIPPED: chromium is not installed (scripts/install-deps.sh --test)"
else
  # The DOM after Chromium parsed and laid out the page: the sections exist as elements, not just as text.
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --dump-dom "file://$WORK/report.html" \
    >"$WORK/dom.html" 2>"$WORK/chromium.err" || fail "chromium: $(tail -n 5 "$WORK/chromium.err")"
  python3 - "$WORK/dom.html" <<'PY' || fail "rendered page"
import sys
from html.parser import HTMLParser
class Page(HTMLParser):
    def __init__(self):
        super().__init__(); self.ids = set(); self.cells = []; self.nodes = 0; self.edges = 0; self.rows = 0; self.text = []
        self.table = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a: self.ids.add(a["id"])
        if tag == "table": self.table = a.get("id")
        if tag == "td" and a.get("class") == "cell": self.cells.append((a["data-from"], a["data-to"]))
        if tag == "g" and a.get("class") == "node": self.nodes += 1
        if tag == "line" and a.get("class") == "edge": self.edges += 1
        if tag == "tr" and self.table == "namespace-table": self.rows += 1
        if tag in ("script", "link", "img"): sys.exit("external or scripted content: <%s>" % tag)
    def handle_data(self, d): self.text.append(d)
p = Page(); p.feed(open(sys.argv[1]).read())
for section in ("risks", "namespace-table", "heatmap", "escalation-graph", "finding-table"):
    assert section in p.ids, "missing section " + section
namespaces = {"apps", "legacy", "locked", "ops"}
assert namespaces <= {f for f, _ in p.cells}, p.cells
assert ("apps", "legacy") in p.cells and ("locked", "apps") in p.cells
assert p.nodes >= 3 and p.edges >= 2, (p.nodes, p.edges)
text = " ".join(p.text)
assert "ServiceAccount ops/deployer" in text and "ClusterRole cluster-admin" in text, "the graph names the subject and role"
assert p.rows >= 5, p.rows  # header + at least the seeded namespaces
print("      rendered: %d heatmap cells, %d graph nodes, %d edges" % (len(p.cells), p.nodes, p.edges))
PY
fi

step "bad input exits 2"
set +e
"$KGUARD" audit --kubeconfig "$WORK/exec.kubeconfig" -f "$WORK/export.yaml" >/dev/null 2>"$WORK/both.err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q "cannot be used together" "$WORK/both.err" || fail "-f with --kubeconfig: exit $rc"
ok "done in $((SECONDS - T0))s"
