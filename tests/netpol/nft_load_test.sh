#!/bin/sh
# Loads the compiled ruleset of every pod of every conformance case into a throwaway network namespace
# with `nft -f`, proving the kernel accepts the text. Needs root, ip and nft: ctest runs it through
# tests/needs.sh, which checks them first (skipped without them, failed under CI=true).
# Usage: nft_load_test.sh KGUARD CONFORMANCE_DIR [MODEL_FILE "PODS..."]
set -u
KGUARD=$1
DIR=$2
MODEL=${3:-model.yaml}
PODS=${4:-x/a x/b x/c y/a y/b y/c z/a z/b z/c}
NS=kguard-nftload-$$
TMP=$(mktemp -d)
cleanup() { ip netns delete "$NS" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
ip netns add "$NS" || { echo "FAIL: cannot create a network namespace"; exit 1; }
fail=0
loaded=0
for policies in $(find "$DIR" -name policies.yaml | sort); do
  step=$(dirname "$policies")
  setup=""
  [ -f "$step/setup.yaml" ] && setup="-f $step/setup.yaml"
  for pod in $PODS; do
    # shellcheck disable=SC2086
    if ! "$KGUARD" netpol compile -f "$DIR/$MODEL" $setup -f "$policies" --pod "$pod" --nflog-group 1 >"$TMP/rules.nft"; then
      echo "FAIL: compile $step $pod"; fail=1; continue
    fi
    if ! ip netns exec "$NS" nft -f "$TMP/rules.nft"; then
      echo "FAIL: nft rejected the ruleset of $pod in $step"; fail=1; continue
    fi
    # Loading twice must also work: the file replaces the table it finds.
    ip netns exec "$NS" nft -f "$TMP/rules.nft" || { echo "FAIL: reload of $pod in $step"; fail=1; }
    loaded=$((loaded + 1))
  done
done
ip netns exec "$NS" nft list table inet kguard >/dev/null || fail=1
echo "loaded $loaded rulesets"
exit $fail
