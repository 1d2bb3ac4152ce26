#!/usr/bin/env bash
# Installs kguard into the cluster kubectl points at (KUBECONFIG), from the kustomize base in this folder:
#   manifests/install.sh [--image IMAGE] [--certs DIR] [--pod-cidr CIDR[,CIDR]] [--wait SECONDS]
#   manifests/install.sh --certificate-only [--certs DIR]
# 1. The certificate step: certs/gen-certs.sh writes (once) a CA and (each run) the webhook's serving
#    certificate into DIR (default ./kguard-certs; keep it: the CA is the caBundle the API server trusts,
#    reused on renewals); the serving certificate, its key and a patch putting the CA into every caBundle
#    go to webhook-certificate-made-by-install.sh/ next to this script, which the base reads (its TLS
#    Secret and caBundle). With --certificate-only it stops there: `kubectl apply -k manifests/` then
#    installs (and `kubectl delete -k manifests/` removes). Without the step the base does not build.
# 2. an overlay of the base in a temporary folder sets the image; with --pod-cidr it adds
#    webhook/networkpolicy.yaml (only non-pod addresses may reach the webhook), with the cluster's pod
#    CIDR(s) in place of the file's example;
# 3. `kubectl kustomize` renders it, `kubectl apply` applies it; then it waits for the webhook Deployment
#    and the agent DaemonSet to be ready (unless --wait 0).
# IMAGE defaults to the base's (localhost/kguard:0.1.0). Works with kubectl 1.20 (kustomize v2.0.3) and later.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
image=""
certs="./kguard-certs"
wait_s=180
pod_cidr=""
certificate_only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --image) image="$2"; shift 2 ;;
    --certs) certs="$2"; shift 2 ;;
    --pod-cidr) pod_cidr="$2"; shift 2 ;;
    --wait) wait_s="$2"; shift 2 ;;
    --certificate-only) certificate_only=1; shift ;;
    *) echo "usage: $0 [--image IMAGE] [--certs DIR] [--pod-cidr CIDR[,CIDR]] [--wait SECONDS] | --certificate-only [--certs DIR]" >&2
       exit 2 ;;
  esac
done
log() { echo "install.sh: $*" >&2; }

"$HERE/../certs/gen-certs.sh" --out "$certs" \
  --san DNS:kguard-webhook.kguard.svc,DNS:kguard-webhook.kguard.svc.cluster.local >&2

# What the base's secretGenerator and caBundle patch read (manifests/kustomization.yaml).
step="$HERE/webhook-certificate-made-by-install.sh"
placeholders="$(grep -Ec '^[[:space:]]*caBundle:[[:space:]]*"<[^"]*>"[[:space:]]*$' "$HERE/webhook/60-validatingwebhookconfiguration.yaml")"
[ "$placeholders" -gt 0 ] || { log "webhook/60-validatingwebhookconfiguration.yaml has no caBundle: \"<...>\" placeholder"; exit 1; }
mkdir -p "$step"
(umask 077 && cp "$certs/tls.crt" "$certs/tls.key" "$step/")
bundle="$(base64 -w0 <"$certs/ca.crt")"
for ((i = 0; i < placeholders; i++)); do
  printf -- '- op: replace\n  path: /webhooks/%d/clientConfig/caBundle\n  value: %s\n' "$i" "$bundle"
done >"$step/cabundle-patch.yaml"
if [ -n "$certificate_only" ]; then
  log "certificate step done ($step); now: kubectl apply -k $HERE"
  exit 0
fi

overlay="$(mktemp -d)"
trap 'rm -rf "$overlay"' EXIT
if [ -n "$pod_cidr" ]; then
  [[ "$pod_cidr" =~ ^[0-9a-fA-F:./,]+$ ]] || { log "--pod-cidr: not a CIDR list: $pod_cidr"; exit 2; }
  example="except: \[10.244.0.0/16\]"
  [ "$(grep -c "$example" "$HERE/webhook/networkpolicy.yaml")" = 2 ] ||
    { log "webhook/networkpolicy.yaml no longer has the two '$example' lines this script replaces"; exit 1; }
  sed "s#$example#except: [${pod_cidr//,/, }]#" "$HERE/webhook/networkpolicy.yaml" >"$overlay/networkpolicy.yaml"
fi
{
  echo "bases:"
  echo "- $(realpath --relative-to="$overlay" "$HERE")"   # kustomize v2.0.3 wants a relative base
  [ -z "$pod_cidr" ] || printf 'resources:\n- networkpolicy.yaml\n'
  if [ -n "$image" ]; then
    # NAME[:TAG] or NAME@DIGEST; a colon after the last slash starts the tag (registry ports come before it).
    name="$image" tag="" digest=""
    case "$image" in
      *@*) name="${image%@*}"; digest="${image#*@}" ;;
      *) if [[ "${image##*/}" == *:* ]]; then name="${image%:*}"; tag="${image##*:}"; fi ;;
    esac
    echo "images:"
    echo "- name: localhost/kguard"
    echo "  newName: $name"
    [ -z "$tag" ] || echo "  newTag: \"$tag\""
    [ -z "$digest" ] || echo "  digest: $digest"
  fi
} >"$overlay/kustomization.yaml"

kubectl kustomize "$overlay" >"$overlay/install.yaml"
! grep -Eq '^[[:space:]]*caBundle:[[:space:]]*(""|'"''"'|.*<.*)?[[:space:]]*$' "$overlay/install.yaml" ||
  { log "the rendered webhook configuration still has an empty or placeholder caBundle; not applying it"; exit 1; }
kubectl apply -f "$overlay/install.yaml" >&2

if [ "$wait_s" -gt 0 ]; then
  log "waiting up to ${wait_s}s for the webhook and the agent"
  kubectl -n kguard rollout status deployment/kguard-webhook --timeout="${wait_s}s" >&2
  kubectl -n kguard-system rollout status daemonset/kguard-netpol-agent --timeout="${wait_s}s" >&2
fi
log "kguard installed"
