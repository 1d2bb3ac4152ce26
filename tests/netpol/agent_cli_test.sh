#!/usr/bin/env bash
# `kguard netpol agent` refuses bad input up front with exit 2 and a message naming what is wrong.
set -u
KGUARD="$1"
fail=0
expect() {  # expect EXIT PATTERN ARGS...
  local want="$1" pattern="$2"; shift 2
  local out rc
  out="$("$KGUARD" netpol agent "$@" 2>&1)"; rc=$?
  if [ "$rc" -ne "$want" ] || ! grep -qF -- "$pattern" <<<"$out"; then
    echo "FAIL: kguard netpol agent $*: exit $rc (want $want), output: $out"; fail=1
  else
    echo "ok: $* -> exit $rc, $pattern"
  fi
}
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
expect 2 'metrics address "nope": expected HOST:PORT' --watch-dir "$dir" --metrics-bind-address nope
expect 2 'an IPv6 address needs brackets' --watch-dir "$dir" --metrics-bind-address ::1:9090
expect 2 'port 99999 is above 65535' --watch-dir "$dir" --metrics-bind-address 127.0.0.1:99999
expect 2 "$dir/missing: no such file or directory" --watch-dir "$dir/missing" --once
expect 2 '--deny-log needs --nflog-group N' --watch-dir "$dir" --deny-log -
expect 2 "--deny-log $dir/no/such.jsonl: No such file or directory" --watch-dir "$dir" --nflog-group 3 --deny-log "$dir/no/such.jsonl"
printf 'kind: NetworkPolicy\nmetadata: {name: [\n' > "$dir/broken.yaml"
expect 2 "$dir/broken.yaml" --watch-dir "$dir" --once
exit $fail
