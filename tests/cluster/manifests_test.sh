#!/usr/bin/env bash
# kguard's own manifests (manifests/): lint at the levels their namespaces declare, and the kustomize base
# renders both parts with the image as its one override, only after install.sh's certificate step.   tests/cluster/manifests_test.sh KGUARD_BINARY
set -uo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
KGUARD="${1:?usage: $0 KGUARD_BINARY}"
FAILURES=0
ok() { echo "manifests: ok   $*"; }
bad() { echo "manifests: FAIL $*"; FAILURES=$((FAILURES + 1)); }

out="$("$KGUARD" lint -f "$REPO/manifests/" 2>&1)"
[ $? = 0 ] && ok "kguard lint -f manifests/ (each namespace at its own level): clean" || bad "kguard lint -f manifests/: $out"
out="$("$KGUARD" lint --level restricted -f "$REPO/manifests/webhook/" 2>&1)"
[ $? = 0 ] && ok "the webhook's manifests pass restricted" || bad "webhook at restricted: $out"
# The agent cannot meet restricted (or baseline): its namespace must say privileged, and why.
out="$("$KGUARD" lint --level restricted -f "$REPO/manifests/netpol-agent/" 2>&1)"
[ $? = 1 ] && grep -q hostNamespaces <<<"$out" && ok "the agent fails restricted (host namespaces, capabilities), as it must" ||
  bad "the agent at restricted: $out"
grep -q 'pod-security.kubernetes.io/enforce: privileged' "$REPO/manifests/netpol-agent/00-namespace.yaml" &&
  grep -q '^# .*privileged by nature' "$REPO/manifests/netpol-agent/00-namespace.yaml" &&
  ok "kguard-system is labelled privileged and says why" || bad "kguard-system's privileged label or its reason missing"
for ns in webhook netpol-agent; do
  grep -q 'webhook.kguard.io/exempt: "true"' "$REPO/manifests/$ns/00-namespace.yaml" ||
    bad "manifests/$ns/00-namespace.yaml lacks the webhook.kguard.io/exempt label the webhook configuration excludes"
done
[ "$(grep -c 'key: webhook.kguard.io/exempt' "$REPO/manifests/webhook/60-validatingwebhookconfiguration.yaml")" = 2 ] &&
  ok "both webhooks exclude namespaces labelled webhook.kguard.io/exempt" || bad "a webhook does not exclude the exempt label"

# Applied file by file (kubectl apply -f manifests/webhook/), the webhook configuration must not register a
# fail-closed webhook without a CA: every caBundle in the files is a placeholder that is not base64, which
# the API server refuses to decode (an empty one is valid base64 of nothing, registered, and then every pod
# is refused). tests/e2e/webhook_e2e_test.sh shows the refusal on a real API server.
bundles="$(grep -rhE '^[[:space:]]*caBundle:' "$REPO/manifests" --include='*.yaml' | sed -E 's/^[[:space:]]*caBundle:[[:space:]]*//')"
decodable=""
while IFS= read -r b; do
  v="${b#\"}" && v="${v%\"}" && v="${v#\'}" && v="${v%\'}"
  printf '%s' "$v" | base64 -d >/dev/null 2>&1 && decodable+="[$b] "
done <<<"$bundles"
[ -n "$bundles" ] && [ -z "$decodable" ] &&
  ok "every caBundle in manifests/ is a placeholder that is not base64 ($(wc -l <<<"$bundles")): the files applied alone register no webhook" ||
  bad "caBundles in manifests/ that an API server would accept as they are (a fail-closed webhook without a CA): ${decodable:-none found}"

# The kustomize base, as each kubectl reads it: the one on PATH and kubectl 1.20.2 (kustomize v2.0.3) when
# scripts/build-kube.sh has cached it. On a copy of manifests/ (and the certs/gen-certs.sh it calls), so
# whatever certificate step this checkout has seen does not matter.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/repo/certs"
cp -r "$REPO/manifests" "$work/repo/"
cp "$REPO/certs/gen-certs.sh" "$work/repo/certs/"
step=webhook-certificate-made-by-install.sh
rm -rf "$work/repo/manifests/$step"
client_version() {  # "v1.20.2": 1.20 knows --short, later ones print "Client Version: v..." first
  local v
  v="$("$1" version --client --short 2>/dev/null || "$1" version --client 2>/dev/null | head -n 1)"
  echo "${v##*: }"
}
kubectls=()
command -v kubectl >/dev/null && kubectls+=("$(command -v kubectl)")
for k in "${KGUARD_CACHE_DIR:-/var/cache/kguard}"/kubectl-1.20*/kubectl; do [ -x "$k" ] && kubectls+=("$k"); done
if [ "${#kubectls[@]}" = 0 ]; then
  bad "no kubectl to render the kustomize base with (scripts/install-deps.sh --test installs it)"
fi
for kc in "${kubectls[@]}"; do
  v="$(client_version "$kc")"
  # Without the certificate step the base must not build: an empty caBundle on a fail-closed webhook
  # refuses every pod in the cluster. kubectl apply -k builds before it sends anything.
  out="$("$kc" kustomize "$work/repo/manifests" 2>&1)"
  [ $? != 0 ] && grep -q "$step" <<<"$out" && ! grep -q '^kind:' <<<"$out" &&
    ok "kubectl $v: the base without the certificate step does not build, and says which step: $(tail -n 1 <<<"$out" | cut -c1-160)" ||
    bad "kubectl $v: the base built without the certificate step (a fail-closed webhook with an empty caBundle): $(head -c 300 <<<"$out")"
done
"$work/repo/manifests/install.sh" --certificate-only --certs "$work/certs" >/dev/null 2>"$work/step.log" &&
  [ -s "$work/repo/manifests/$step/tls.key" ] && ok "install.sh --certificate-only wrote $step/" ||
  bad "install.sh --certificate-only: $(cat "$work/step.log")"
ca="$(base64 -w0 <"$work/certs/ca.crt")"
overlay="$work/overlay"
mkdir -p "$overlay"
printf 'bases:\n- %s\nimages:\n- name: localhost/kguard\n  newName: registry.example.com/kguard\n  newTag: "9.9"\n' \
  "$(realpath --relative-to="$overlay" "$work/repo/manifests")" >"$overlay/kustomization.yaml"
for kc in "${kubectls[@]}"; do
  v="$(client_version "$kc")"
  rendered="$("$kc" kustomize "$overlay" 2>&1)"
  kinds="$(grep -E '^kind:' <<<"$rendered" | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
  [ "$kinds" = " 2 kind: ClusterRole; 2 kind: ClusterRoleBinding; 1 kind: ConfigMap; 1 kind: DaemonSet; 1 kind: Deployment; 2 kind: Namespace; 1 kind: PriorityClass; 1 kind: Secret; 1 kind: Service; 2 kind: ServiceAccount; 1 kind: ValidatingWebhookConfiguration;" ] &&
    ok "kubectl $v kustomize renders the base after the certificate step: $kinds" || bad "kubectl $v kustomize output: $kinds $(head -c 400 <<<"$rendered")"
  [ "$(grep -c 'image: registry.example.com/kguard:9.9' <<<"$rendered")" = 2 ] && ! grep -q 'image: localhost/kguard' <<<"$rendered" &&
    ok "kubectl $v: the image override reaches the webhook and the agent" || bad "kubectl $v: image override: $(grep image: <<<"$rendered")"
  [ "$(grep -c "caBundle: $ca\$" <<<"$rendered")" = 2 ] && ! grep -Eq 'caBundle: *(""|'"''"')?$' <<<"$rendered" &&
    ok "kubectl $v: both webhooks carry the step's CA as caBundle" || bad "kubectl $v: caBundles: $(grep caBundle: <<<"$rendered" | cut -c1-80)"
  grep -q 'type: kubernetes.io/tls' <<<"$rendered" && tr -d ' \n' <<<"$rendered" | grep -qF "$(base64 -w0 <"$work/certs/tls.key")" &&
    ok "kubectl $v: the TLS Secret kguard-webhook-tls holds the step's serving key" || bad "kubectl $v: TLS Secret missing or wrong"
done
echo "manifests: $FAILURES failure(s)"
[ "$FAILURES" = 0 ]
