#!/usr/bin/env bash
# The HTML report laid out by a real browser (headless Chromium) at 1,280 px, a laptop screen: no part of
# the page may be wider than the window (the namespace table, with long namespace names and refusal
# reasons, was: its last columns were off screen). Usage: html_layout_test.sh KGUARD
set -euo pipefail
kguard="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
long=payments-processing-production-eu-west-1
cat > "$work/cluster.yaml" <<YAML
apiVersion: v1
kind: Namespace
metadata: {name: $long, labels: {pod-security.kubernetes.io/enforce: restricted, pod-security.kubernetes.io/warn: Restricted}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: payment-gateway-api-server-with-a-rather-long-name, namespace: $long}
spec:
  selector: {matchLabels: {app: pg}}
  template:
    metadata: {labels: {app: pg}}
    spec:
      hostNetwork: true
      initContainers: [{name: init-database-schema-migrations, image: x, securityContext: {privileged: true}}]
      containers:
      - {name: payment-gateway-api-server-container, image: x, securityContext: {capabilities: {add: [NET_ADMIN]}}}
      volumes: [{name: host, hostPath: {path: /var/run/docker.sock}}]
---
apiVersion: v1
kind: Pod
metadata: {name: tool, namespace: ops}
spec:
  hostPID: true
  containers: [{name: c, image: x, securityContext: {runAsUser: 0}}]
YAML
rc=0
"$kguard" audit -f "$work/cluster.yaml" --format html -o "$work/report.html" || rc=$?
[ "$rc" = 1 ] || { echo "FAIL: audit exit $rc (want 1: findings)"; exit 1; }
# The page's own width once laid out, and the widest element's id, read back through the title.
cp "$work/report.html" "$work/measured.html"
cat >> "$work/measured.html" <<'HTML'
<script>
let widest = document.documentElement, width = document.documentElement.scrollWidth;
for (const e of document.querySelectorAll("[id]")) {
  const right = e.getBoundingClientRect().right;
  if (right > window.innerWidth && right > (widest.right || 0)) widest = {id: e.id, right};
}
document.title = "width=" + width + " window=" + window.innerWidth + " widest=" + (widest.id || "-");
</script>
HTML
timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --window-size=1280,900 \
  --dump-dom "file://$work/measured.html" >"$work/dom.html" 2>"$work/chromium.err" ||
  { echo "FAIL: chromium: $(tail -n 5 "$work/chromium.err")"; exit 1; }
title="$(sed -n 's:.*<title>\(width=[^<]*\)</title>.*:\1:p' "$work/dom.html")"
[ -n "$title" ] || { echo "FAIL: the page was not measured: $(head -c 300 "$work/dom.html")"; exit 1; }
read -r width window widest <<<"$(sed 's/width=\([0-9]*\) window=\([0-9]*\) widest=\(.*\)/\1 \2 \3/' <<<"$title")"
if [ "$width" -gt "$window" ]; then
  echo "FAIL: the page is $width px wide in a $window px window (widest: $widest)"
  exit 1
fi
echo "ok: the page fits: $width px in a $window px window"
