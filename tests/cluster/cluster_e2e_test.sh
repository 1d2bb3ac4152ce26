#!/usr/bin/env bash
# kguard on a real one-node cluster (scripts/local-cluster.sh): the attacks it exists for, tried on real
# pods with kubectl only, and its availability under disruption.
#
#   tests/cluster/cluster_e2e_test.sh KGUARD_BINARY
#
# Brings the cluster up (kguard's image built from KGUARD_BINARY) and down again at the end, unless
# KGUARD_KUBECONFIG names a cluster that is already up (then it only adds and removes its namespaces).
# Exit 0 pass, 1 fail, 77 skipped (not root, or a prerequisite missing) — under CI=true a skip fails.
set -uo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
KGUARD="${1:?usage: $0 KGUARD_BINARY}"
WORK="$(mktemp -d)"
FAILURES=0
OWN_CLUSTER=0

say() { echo "cluster-e2e: $*"; }
ok() { say "ok   $*"; }
bad() { say "FAIL $*"; FAILURES=$((FAILURES + 1)); }
check() { local what="$1"; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
skip() {
  if [ "${CI:-}" = true ]; then say "FAIL (CI=true, cannot skip): $*"; exit 1; fi
  say "SKIP: $*"; exit 77
}

cleanup() {
  if [ -n "${KUBECONFIG:-}" ]; then
    kubectl delete namespace e2e-baseline e2e-priv e2e-net e2e-probes e2e-avail --ignore-not-found --wait=false >/dev/null 2>&1
    kubectl -n kguard scale deployment/kguard-webhook --replicas=2 >/dev/null 2>&1
  fi
  [ "$OWN_CLUSTER" = 0 ] || "$REPO/scripts/local-cluster.sh" down >&2 || say "local-cluster.sh down failed"
  rm -rf "$WORK"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip "needs root (a kubelet, containerd and network namespaces)"
for tool in kubectl etcd containerd runc buildah skopeo nft; do
  command -v "$tool" >/dev/null || skip "$tool missing (scripts/install-deps.sh --test)"
done
# What `local-cluster.sh down` must leave as it found it: the host's sysctls (but per-interface ones and
# counters, which other tests and the kernel change), and what the cluster adds: its bridge, nft table, CNI
# config, mounts and cgroups, and /run/netns's propagation.
machine_state() {
  sysctl -a 2>/dev/null | grep -vE 'random|stat|inode-nr|file-nr|dentry|ns_last_pid|tainted|perf_event|nf_conntrack_count|hung_task|fs\.quota|boot_id|uuid|pty\.nr|aio-nr|mem_' |
    grep -vE '^net\.ipv[46]\.(conf|neigh)\.' 
  sysctl -a 2>/dev/null | grep -E '^net\.ipv[46]\.conf\.(all|default)\.'
  ip -o link show kgcbr0 2>/dev/null | cut -d' ' -f2
  nft list table ip kguard-cluster 2>/dev/null | head -n 1
  ls /etc/cni/net.d/10-kguard-cluster.conflist /var/lib/cni/kguard-cluster 2>/dev/null
  findmnt -rn -o TARGET | grep -E '^(/var/tmp/kguard-cluster|/run/kguard-cluster)(/|$)'
  findmnt -n -o PROPAGATION /run/netns
  ls -d /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/k8s.io 2>/dev/null
}

if [ -n "${KGUARD_KUBECONFIG:-}" ]; then
  export KUBECONFIG="$KGUARD_KUBECONFIG"
else
  "$REPO/scripts/local-cluster.sh" status >/dev/null 2>&1 && { say "a local cluster is already up; run down first"; exit 1; }
  machine_state >"$WORK/state-before"
  OWN_CLUSTER=1
  start=$SECONDS
  KUBECONFIG="$(KGUARD_BIN="$KGUARD" "$REPO/scripts/local-cluster.sh" up | tail -n 1)" || { bad "local-cluster.sh up"; exit 1; }
  export KUBECONFIG
  ok "cluster up with kguard installed in $((SECONDS - start)) s"
fi

# --- helpers -------------------------------------------------------------------------------------------

pod_yaml() {  # NAME NAMESPACE LABEL-APP COMMAND [EXTRA-SPEC-YAML] [EXTRA-CONTAINER-YAML]
  cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: $2, labels: {app: $3}}
spec:
  automountServiceAccountToken: false
  enableServiceLinks: false
  terminationGracePeriodSeconds: 1
${5:-}
  containers:
  - name: main
    image: localhost/busybox:1.35
    imagePullPolicy: Never
    command: ["/bin/sh", "-c", "$4"]
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, runAsNonRoot: true, runAsUser: 65534, seccompProfile: {type: RuntimeDefault}}
${6:-}
EOF
}
SERVE="mkdir -p /tmp/www && echo hello-from-\$(hostname) > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"

create() { kubectl apply -f - >"$WORK/out" 2>"$WORK/err"; }  # the manifest on stdin
refused_with() {  # PATTERN: the last create was refused, naming PATTERN
  ! grep -q created "$WORK/out" && grep -qiE "$1" "$WORK/err" || { say "  out: $(cat "$WORK/out") err: $(cat "$WORK/err")"; return 1; }
}
wait_ready() {  # NAMESPACE POD...
  local ns="$1"; shift
  kubectl -n "$ns" wait --for=condition=Ready "${@/#/pod/}" --timeout=90s >/dev/null
}
pod_ip() { kubectl -n "$1" get pod "$2" -o jsonpath='{.status.podIP}'; }
# reach NAMESPACE FROM-POD IP: prints what the server answered, or "timeout" (dropped) / "refused".
reach() {
  local out
  # busybox nc, not wget: the static busybox's wget crashes as a non-root user (exit 139).
  out="$(kubectl -n "$1" exec "$2" -- sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 1 $3 8080 | tail -n 1" 2>&1)"
  case "$out" in
    hello-from-*) echo "$out" ;;
    *"timed out"*) echo timeout ;;
    *refused*) echo refused ;;
    *) echo "other: $out" ;;
  esac
}

kubectl create namespace e2e-baseline >/dev/null                 # no label: kguard's default, baseline
kubectl create namespace e2e-priv >/dev/null
kubectl label namespace e2e-priv pod-security.kubernetes.io/enforce=privileged >/dev/null

# --- 1. the host's processes: refused where baseline applies, visible where it does not ---------------

pod_yaml hostpid e2e-baseline hostpid "sleep 3600" "  hostPID: true" | create
check "hostPID pod refused in a baseline namespace" refused_with "host namespaces|hostPID"
pod_yaml hostpid e2e-priv hostpid "sleep 3600" "  hostPID: true" | sed 's/runAsNonRoot: true, runAsUser: 65534, //' | create
pod_yaml plain e2e-priv plain "sleep 3600" | create
wait_ready e2e-priv hostpid plain
kubectl -n e2e-priv exec hostpid -- ps -o pid,comm >"$WORK/ps-hostpid" 2>&1
kubectl -n e2e-priv exec plain -- ps -o pid,comm >"$WORK/ps-plain" 2>&1
check "in a privileged namespace the hostPID pod's ps lists the host's kube-apiserver and kubelet" \
  grep -q kube-apiserver "$WORK/ps-hostpid"
check "an ordinary pod's ps lists only its own processes ($(($(wc -l <"$WORK/ps-plain") - 1)) vs $(($(wc -l <"$WORK/ps-hostpid") - 1)))" \
  sh -c "! grep -qE 'kube-apiserver|kubelet|containerd' '$WORK/ps-plain' && [ \$(wc -l <'$WORK/ps-plain') -le 4 ]"

# --- 2. the other escapes refused at baseline; a Deployment warned about, its pods refused -------------

pod_yaml priv e2e-baseline priv "sleep 3600" | sed 's/allowPrivilegeEscalation: false,/privileged: true,/' | create
check "privileged pod refused" refused_with "privileged"
pod_yaml hostpath e2e-baseline hostpath "sleep 3600" "  volumes: [{name: root, hostPath: {path: /}}]" | create
check "hostPath pod refused" refused_with "hostPath"
pod_yaml hostnet e2e-baseline hostnet "sleep 3600" "  hostNetwork: true" | create
check "hostNetwork pod refused" refused_with "host namespaces|hostNetwork"
pod_yaml caps e2e-baseline caps "sleep 3600" | sed 's/drop: \[ALL\]/add: [SYS_ADMIN]/' | create
check "pod adding SYS_ADMIN refused" refused_with "capabilit"
cat <<EOF | kubectl apply -f - >"$WORK/out" 2>"$WORK/err"
apiVersion: apps/v1
kind: Deployment
metadata: {name: unsafe, namespace: e2e-baseline}
spec:
  replicas: 1
  selector: {matchLabels: {app: unsafe}}
  template:
    metadata: {labels: {app: unsafe}}
    spec:
      automountServiceAccountToken: false
      containers:
      - {name: main, image: localhost/busybox:1.35, imagePullPolicy: Never, command: [sleep, "3600"], securityContext: {privileged: true}}
EOF
check "Deployment with a privileged template created with a warning" \
  sh -c "grep -q created '$WORK/out' && grep -qi 'warning.*privileged' '$WORK/err'"
# CronJob is batch/v1beta1 on 1.20 (v1 from 1.21): the webhook configuration must list that version too.
cat <<EOF | kubectl apply -f - >"$WORK/out" 2>"$WORK/err"
apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: unsafe, namespace: e2e-baseline}
spec:
  schedule: "0 0 1 1 *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: main, image: localhost/busybox:1.35, imagePullPolicy: Never, securityContext: {privileged: true}}]
EOF
check "batch/v1beta1 CronJob with a privileged template created with a warning" \
  sh -c "grep -q created '$WORK/out' && grep -qi 'warning.*privileged' '$WORK/err'"
refused_pods() {
  kubectl -n e2e-baseline get events --field-selector reason=FailedCreate -o jsonpath='{.items[*].message}' 2>/dev/null |
    grep -i privileged >/dev/null
}
deadline=$((SECONDS + 60))
until refused_pods || [ "$SECONDS" -ge "$deadline" ]; do sleep 1; done
check "its ReplicaSet's pods refused (FailedCreate naming privileged)" refused_pods
check "no pod of it exists" sh -c "[ -z \"\$(kubectl -n e2e-baseline get pods -l app=unsafe -o name)\" ]"

# --- 3. pod A reaches pod B until a policy lets only C in ---------------------------------------------

kubectl create namespace e2e-net >/dev/null
for p in a b c d; do pod_yaml "$p" e2e-net "$p" "$SERVE" | create; done
wait_ready e2e-net a b c d
B="$(pod_ip e2e-net b)"
r="$(reach e2e-net a "$B")"; [ "$r" = hello-from-b ] && ok "A reaches B before any policy" || bad "A reaches B before any policy: $r"
policy_only_c='apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-c, namespace: e2e-net}
spec:
  podSelector: {matchLabels: {app: b}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {matchLabels: {app: c}}}], ports: [{port: 8080}]}]'
t0=$(date +%s%N)
echo "$policy_only_c" | kubectl apply -f - >/dev/null
until [ "$(reach e2e-net a "$B")" = timeout ] || [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 20000 ]; do :; done
enforced_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
r="$(reach e2e-net a "$B")"
[ "$r" = timeout ] && ok "policy enforced: A is dropped in B's namespace (timeout, not refused); apply -> first dropped probe $enforced_ms ms (probe timeout 1 s included)" ||
  bad "A blocked after the policy: $r"
r="$(reach e2e-net c "$B")"; [ "$r" = hello-from-b ] && ok "C still reaches B" || bad "C reaches B: $r"
r="$(reach e2e-net b "$(pod_ip e2e-net a)")"; [ "$r" = hello-from-a ] && ok "B's own egress unaffected (reaches A)" || bad "B reaches A: $r"
kubectl -n e2e-net delete networkpolicy only-c >/dev/null
deadline=$((SECONDS + 20))
until [ "$(reach e2e-net a "$B")" = hello-from-b ] || [ "$SECONDS" -ge "$deadline" ]; do :; done
r="$(reach e2e-net a "$B")"; [ "$r" = hello-from-b ] && ok "deleting the policy reopens B to A" || bad "A reaches B after delete: $r"

# kguard's own NetworkPolicy (manifests/webhook/networkpolicy.yaml, installed with the pod CIDR): pods cannot
# open connections to the webhook, while the API server (and so every admission above) still reaches it.
W="$(kubectl -n kguard get pods -l app.kubernetes.io/name=kguard-webhook -o jsonpath='{.items[0].status.podIP}')"
r="$(kubectl -n e2e-net exec a -- sh -c "nc -w 1 $W 8443 </dev/null" 2>&1)"
case "$r" in *"timed out"*) ok "a pod cannot connect to the webhook ($W:8443 dropped by kguard's own policy)" ;;
  *) bad "a pod connecting to the webhook: $r" ;; esac

# --- 4. kubelet probes pass an isolating policy -------------------------------------------------------

kubectl create namespace e2e-probes >/dev/null
cat <<EOF | kubectl apply -f - >/dev/null
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: e2e-probes}
spec: {podSelector: {}, policyTypes: [Ingress]}
EOF
pod_yaml probed e2e-probes probed "$SERVE" "" "    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 1}
    livenessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 2}" | create
wait_ready e2e-probes probed || bad "probed pod never Ready under deny-all"
sleep 12   # several probe periods under the policy
ready="$(kubectl -n e2e-probes get pod probed -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')"
restarts="$(kubectl -n e2e-probes get pod probed -o jsonpath='{.status.containerStatuses[0].restartCount}')"
[ "$ready" = True ] && [ "$restarts" = 0 ] && ok "TCP readiness + HTTP liveness probes pass under deny-all ingress (Ready, 0 restarts)" ||
  bad "probes under deny-all: Ready=$ready restarts=$restarts"
r="$(reach e2e-net a "$(pod_ip e2e-probes probed)")"
[ "$r" = timeout ] && ok "... while the deny-all policy drops other pods" || bad "deny-all not enforced on the probed pod: $r"

# --- 5. RBAC guardrails --------------------------------------------------------------------------------

cat <<EOF | kubectl apply -f - >"$WORK/out" 2>"$WORK/err"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: everyone-admin, namespace: e2e-baseline}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: system:unauthenticated}]
EOF
check "RoleBinding granting admin to unauthenticated users refused by the RBAC guardrails" refused_with "anonymous|unauthenticated"

# --- 6. availability -----------------------------------------------------------------------------------

kubectl create namespace e2e-avail >/dev/null
webhook_pods() { kubectl -n kguard get pods -l app.kubernetes.io/name=kguard-webhook -o jsonpath='{.items[*].metadata.name}'; }
# Creates pods one after another for $1 seconds; prints "created failed".
stream_pods() {
  local end=$((SECONDS + $1)) n=0 created=0 failed=0
  while [ "$SECONDS" -lt "$end" ]; do
    n=$((n + 1))
    if pod_yaml "s$n" e2e-avail stream "sleep 3600" | kubectl apply -f - >/dev/null 2>>"$WORK/stream-errors"; then
      created=$((created + 1))
    else
      failed=$((failed + 1))
    fi
  done
  echo "$created $failed"
}
stream_pods 20 >"$WORK/stream" &
stream=$!
sleep 5
victim="$(webhook_pods | cut -d' ' -f1)"
kubectl -n kguard delete pod "$victim" --wait=false >/dev/null
wait "$stream"
read -r created failed <"$WORK/stream"
[ "$failed" = 0 ] && [ "$created" -gt 5 ] && ok "$created pod creations while webhook replica $victim was deleted: none failed" ||
  bad "pod creations during a replica deletion: $created created, $failed failed: $(tail -n 3 "$WORK/stream-errors")"
kubectl -n e2e-avail delete pods --all --wait=false >/dev/null

kubectl -n kguard scale deployment/kguard-webhook --replicas=0 >/dev/null
kubectl -n kguard wait --for=delete pod -l app.kubernetes.io/name=kguard-webhook --timeout=60s >/dev/null 2>&1
pod_yaml down e2e-avail down "sleep 3600" | create
check "with the webhook scaled to zero, pods are refused (fail-closed)" refused_with "kguard|webhook"
kubectl -n kguard scale deployment/kguard-webhook --replicas=2 >/dev/null
if kubectl -n kguard rollout status deployment/kguard-webhook --timeout=120s >/dev/null; then
  ok "scaled back to 2, the webhook's own pods were admitted and became ready"
else
  bad "the webhook did not come back after scaling to zero"
fi
deadline=$((SECONDS + 30))
until pod_yaml back e2e-avail back "sleep 3600" | create || [ "$SECONDS" -ge "$deadline" ]; do sleep 1; done
check "pod creation works again after the webhook recovered" grep -q created "$WORK/out"

# The agent killed with SIGKILL while policies change: B keeps a complete ruleset throughout, and the
# restarted agent converges. States alternate between "only C" and "only A"; D is never allowed.
policy_only() {
  cat <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-one, namespace: e2e-net}
spec:
  podSelector: {matchLabels: {app: b}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {matchLabels: {app: $1}}}], ports: [{port: 8080}]}]
EOF
}
policy_only c | kubectl apply -f - >/dev/null
sleep 2
# The DaemonSet's agent (its image's path), not a `kguard netpol agent` another test runs on the host.
agent_pid() { kubectl -n e2e-priv exec hostpid -- sh -c "ps -o pid,args | awk '\$2 == \"/usr/local/bin/kguard\" && \$3 == \"netpol\" && \$4 == \"agent\" { print \$1 }'"; }
pid="$(agent_pid)"
restarts_before="$(kubectl -n kguard-system get pods -o jsonpath='{.items[0].status.containerStatuses[0].restartCount}')"
( for i in $(seq 1 20); do policy_only "$([ $((i % 2)) = 0 ] && echo c || echo a)" | kubectl apply -f - >/dev/null; sleep 0.3; done ) &
changes=$!
sleep 2
if [ -n "$pid" ] && kubectl -n e2e-priv exec hostpid -- kill -9 "$pid"; then
  ok "agent (host pid $pid) killed with SIGKILL during policy changes"
else
  bad "could not find and SIGKILL the agent (pid '$pid')"
fi
r="$(reach e2e-net d "$B")"
[ "$r" = timeout ] && ok "with the agent dead, B still drops D (its ruleset stayed complete)" || bad "D reaches B with the agent dead: $r"
wait "$changes"
policy_only a | kubectl apply -f - >/dev/null   # the final state
deadline=$((SECONDS + 60))
until [ "$(kubectl -n kguard-system get pods -o jsonpath='{.items[0].status.containerStatuses[0].restartCount}')" != "$restarts_before" ] &&
      [ "$(reach e2e-net a "$B")" = hello-from-b ] || [ "$SECONDS" -ge "$deadline" ]; do sleep 0.5; done
ra="$(reach e2e-net a "$B")" rc="$(reach e2e-net c "$B")" rd="$(reach e2e-net d "$B")"
[ "$ra" = hello-from-b ] && [ "$rc" = timeout ] && [ "$rd" = timeout ] &&
  ok "the restarted agent converged to the last policy (A in; C, D dropped)" ||
  bad "after the agent's restart: A=$ra C=$rc D=$rd"

if [ "$OWN_CLUSTER" = 1 ]; then
  OWN_CLUSTER=0
  "$REPO/scripts/local-cluster.sh" down >&2 || bad "local-cluster.sh down"
  machine_state >"$WORK/state-after"
  if diff "$WORK/state-before" "$WORK/state-after" >"$WORK/state-diff"; then
    ok "down restored the machine (sysctls, bridge, nft table, CNI config, mounts, cgroups)"
  else
    bad "down left the machine changed: $(head -n 20 "$WORK/state-diff" | tr '\n' ' ')"
  fi
fi

say "$FAILURES failure(s)"
[ "$FAILURES" = 0 ]
