# Sourced by the CLI test scripts: `check` runs kguard ($kguard) once and counts the result in $pass/$fail.
pass=0 fail=0

check() {  # check NAME EXPECTED_EXIT PATTERN -- ARGS...   (PATTERN is grepped in stdout+stderr)
  local name="$1" want="$2" pattern="$3"; shift 4
  local out code
  out="$(timeout 20 "$kguard" "$@" 2>&1)"; code=$?
  if [ "$code" -eq "$want" ] && { [ -z "$pattern" ] || grep -qE -- "$pattern" <<<"$out"; }; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: exit $code (want $want), pattern '$pattern'"; echo "$out" | head -20 | sed 's/^/    /'
  fi
}
