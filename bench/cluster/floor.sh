#!/usr/bin/env bash
# What any validating webhook costs a pod creation on this node, against kguard's, in one command (root;
# it owns the machine's one-node cluster for ~10 min: run it when nothing else uses scripts/local-cluster.sh):
#   bench/cluster/floor.sh [ROUNDS]        (default 8; docs/benchmarks.md, "The floor: any webhook's cost")
# scripts/local-cluster.sh up, then cluster_bench.py's creation rounds interleaving no webhook, kguard's pods,
# a static nginx webhook and kguard as a host process, then the webhooks' own round trips and slow-start
# bursts (Go's client, as the API server's), then `down`
# (also on failure). Uses build/kguard (KGUARD_BIN for the image, --kguard for the host process).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${1:-8}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [ROUNDS]" >&2; exit 2; }
trap '"$REPO/scripts/local-cluster.sh" down' EXIT
kubeconfig="$("$REPO/scripts/local-cluster.sh" up | tail -n 1)"
python3 "$REPO/bench/cluster/cluster_bench.py" "$kubeconfig" --only creation --rounds "$rounds" \
  --variants none,pods,static,kguard-host
python3 "$REPO/bench/cluster/cluster_bench.py" "$kubeconfig" --only review-rtt --rounds 20
python3 "$REPO/bench/cluster/cluster_bench.py" "$kubeconfig" --only burst --rounds 60
