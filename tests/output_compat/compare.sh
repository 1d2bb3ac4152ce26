#!/usr/bin/env bash
# Before/after proof that a refactoring changed no output a user or script sees (issue 11): runs the kguard
# of a baseline commit and the current one over examples/ and the data under tests/ (Pod Security and
# NetworkPolicy conformance, RBAC fixtures, fuzz corpora), for lint, rbac, netpol and audit (-f), in text, JSON and SARIF,
# and compares stdout, stderr and exit code byte for byte. The only differences allowed are in SARIF:
# `helpUri` of the rules (the help link now points at docs/rules.md) and the driver's `gitCommit` (the commit
# each binary was built from); both are removed from SARIF output before comparing.
#
#   tests/output_compat/compare.sh [BASE_COMMIT [NEW_KGUARD]]
#
# BASE_COMMIT (default 7897074, main before the findings core) is checked out with `git worktree add` and its
# kguard built in <worktree>/build under ${KGUARD_COMPAT_DIR:-/tmp/kguard-compat}/<commit> (same layout as a
# checkout, so ccache hits; kept, so a rerun only runs); NEW_KGUARD
# defaults to build/kguard of this checkout. Exit 0 when every output matches, 1 with the diffs otherwise.
# It builds an old commit, so it is not a CTest test; run it after changes to findings/, lint/, rbac/, netpol/.
# The baseline stays registered as a worktree of this repository: `git worktree remove --force <dir>/src` drops it.
# Other people's commits between BASE and now may change outputs on purpose: compare against the commit your
# change was built on (e.g. `main` before landing), not an old one.
set -uo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
base="${1:-7897074}"
new="${2:-$repo/build/kguard}"
base="$(git -C "$repo" rev-parse --short=12 "$base^{commit}")" || { echo "no such commit: ${1:-}" >&2; exit 2; }
[ -x "$new" ] || { echo "no kguard at $new: build it first" >&2; exit 2; }
top="${KGUARD_COMPAT_DIR:-/tmp/kguard-compat}/$base"
old="$top/src/build/kguard"
if [ ! -x "$old" ]; then
  mkdir -p "$top"
  [ -d "$top/src" ] || git -C "$repo" worktree add --quiet --detach "$top/src" "$base" || exit 2
  cmake -S "$top/src" -B "$top/src/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKGUARD_BUILD_TESTS=OFF -DKGUARD_BUILD_BENCH=OFF >"$top/build.log" 2>&1 &&
    cmake --build "$top/src/build" -j2 --target kguard >>"$top/build.log" 2>&1 || { tail -20 "$top/build.log" >&2; echo "building $base failed" >&2; exit 2; }
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/old" "$out/new"
n=0
# run NAME ARGS...: both binaries, from the repository root (paths in outputs are relative), into old/ and new/
run() {
  local name="$1"; shift
  n=$((n + 1))
  for side in old new; do
    local bin="$old"; [ "$side" = new ] && bin="$new"
    (cd "$repo" && "$bin" "$@" >"$out/$side/$name.out" 2>"$out/$side/$name.err"; echo $? >"$out/$side/$name.rc")
    if [[ " $* " == *" sarif "* ]]; then  # the allowed differences, removed from both sides
      python3 - "$out/$side/$name.out" <<'PY'
import json, sys
path = sys.argv[1]
text = open(path, encoding="utf-8", errors="surrogateescape").read()
try:
    doc = json.loads(text)
except ValueError:
    sys.exit(0)  # not JSON: compared as is
for r in doc.get("runs", []):
    driver = r.get("tool", {}).get("driver", {})
    driver.get("properties", {}).pop("gitCommit", None)
    for rule in driver.get("rules", []):
        rule.pop("helpUri", None)
open(path, "w", encoding="utf-8", errors="surrogateescape").write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
PY
    fi
  done
}

for fmt in text json sarif; do
  run "lint-examples-$fmt" lint --format "$fmt" -f examples/
  for f in examples/*.yaml; do run "lint-$(basename "$f" .yaml)-$fmt" lint --format "$fmt" -f "$f"; done
  run "lint-examples-config-$fmt" lint --format "$fmt" --config docs/kguard-config.yaml -f examples/
  run "lint-examples-baseline-v1.25-$fmt" lint --format "$fmt" --level baseline --version v1.25 -f examples/
  run "lint-examples-n-$fmt" lint --format "$fmt" -n team -f examples/
  for level in baseline restricted; do
    for version in v1.0 v1.25 latest; do
      run "lint-pss-$level-$version-$fmt" lint --format "$fmt" --level "$level" --version "$version" -f tests/conformance/pod-security/
    done
  done
  run "lint-pss-labels-$fmt" lint --format "$fmt" -f tests/conformance/pod-security/ -f examples/namespaces.yaml
  run "lint-netpol-conformance-$fmt" lint --format "$fmt" -f tests/conformance/netpol/
  run "lint-rbac-data-$fmt" lint --format "$fmt" -f tests/rbac/data/
  run "lint-tests-$fmt" lint --format "$fmt" --config docs/kguard-config.yaml -f tests/
  run "rbac-audit-examples-$fmt" rbac audit --format "$fmt" -f examples/rbac.yaml
  run "rbac-audit-examples-defaults-$fmt" rbac audit --format "$fmt" --include-defaults -f examples/rbac.yaml
  run "rbac-audit-data-$fmt" rbac audit --format "$fmt" -f tests/rbac/data/
  run "rbac-audit-data-1.30-$fmt" rbac audit --format "$fmt" --kubernetes-version 1.30 -f tests/rbac/data/
  # kguard audit on exports/manifests (offline); the live cluster's is the same report
  run "audit-examples-$fmt" audit --format "$fmt" -f examples/
  run "audit-rbac-data-$fmt" audit --format "$fmt" -f tests/rbac/data/ -f examples/
done
for fmt in text json; do
  run "rbac-who-can-pods-$fmt" rbac who-can --format "$fmt" create pods -n shop -f examples/rbac.yaml
  run "rbac-who-can-secrets-$fmt" rbac who-can --format "$fmt" get secrets -A -f tests/rbac/data/
done
run rbac-can-i rbac can-i create pods --as system:serviceaccount:ci:deployer -n shop -f examples/rbac.yaml
run rbac-can-i-explain rbac can-i get secrets --as system:serviceaccount:ci:deployer -n shop --explain -f examples/rbac.yaml
for case in tests/conformance/netpol/should-*; do
  for step in "$case" "$case"/step*; do
    [ -f "$step/policies.yaml" ] || continue
    name="netpol-$(basename "$case")$( [ "$step" != "$case" ] && echo "-$(basename "$step")")"
    for proto in tcp udp; do
      run "$name-matrix-$proto" netpol matrix --protocol "$proto" --port 80 -f tests/conformance/netpol/model.yaml -f "$step/policies.yaml"
    done
    run "$name-explain" netpol explain --from x/a --to y/b --port 80 -f tests/conformance/netpol/model.yaml -f "$step/policies.yaml"
    run "$name-compile" netpol compile --pod x/a -f tests/conformance/netpol/model.yaml -f "$step/policies.yaml"
  done
done
run netpol-examples-matrix netpol matrix -f examples/
run netpol-examples-compile netpol compile --pod shop/web -f examples/

if diff -r "$out/old" "$out/new" >"$out/diff"; then
  echo "compare.sh: $n commands, stdout, stderr and exit code identical between $base and $new (SARIF helpUri and gitCommit aside)"
  exit 0
fi
cat "$out/diff"
echo "compare.sh: outputs differ between $base and $new ($(grep -c '^diff ' "$out/diff") files)" >&2
exit 1
