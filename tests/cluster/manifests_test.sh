#!/usr/bin/env bash
# kguard's own manifests (manifests/): lint at the levels their namespaces declare, and the kustomize base
# renders both parts with the image as its one override.   tests/cluster/manifests_test.sh KGUARD_BINARY
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

if command -v kubectl >/dev/null; then
  overlay="$(mktemp -d)"
  trap 'rm -rf "$overlay"' EXIT
  printf 'bases:\n- %s\nimages:\n- name: localhost/kguard\n  newName: registry.example.com/kguard\n  newTag: "9.9"\n' \
    "$(realpath --relative-to="$overlay" "$REPO/manifests")" >"$overlay/kustomization.yaml"
  rendered="$(kubectl kustomize "$overlay" 2>&1)"
  kinds="$(grep -E '^kind:' <<<"$rendered" | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
  [ "$kinds" = " 2 kind: ClusterRole; 2 kind: ClusterRoleBinding; 1 kind: ConfigMap; 1 kind: DaemonSet; 1 kind: Deployment; 2 kind: Namespace; 1 kind: PriorityClass; 1 kind: Service; 2 kind: ServiceAccount; 1 kind: ValidatingWebhookConfiguration;" ] &&
    ok "kubectl kustomize renders the base: $kinds" || bad "kustomize output: $kinds $rendered"
  [ "$(grep -c 'image: registry.example.com/kguard:9.9' <<<"$rendered")" = 2 ] && ! grep -q 'image: localhost/kguard' <<<"$rendered" &&
    ok "the image override reaches the webhook and the agent" || bad "image override: $(grep image: <<<"$rendered")"
fi
echo "manifests: $FAILURES failure(s)"
[ "$FAILURES" = 0 ]
