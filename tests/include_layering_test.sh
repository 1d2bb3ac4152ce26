#!/usr/bin/env bash
# The layering of kguard's folders, checked on the sources so that it stays true (issue 11): data flows
# bytes -> typed objects -> checks -> findings -> reports, and no lower layer reaches into a higher one.
#   findings/                          includes nothing else of kguard
#   rules/ rbac/ netpol/ podsecurity/  include nothing from lint/ or webhook/
#   lint/                              includes nothing from webhook/
# Usage: include_layering_test.sh SOURCE_DIR. Prints every offending #include; exit 1 when there is one.
set -u
root="${1:?usage: $0 SOURCE_DIR}"
cd "$root" || exit 2
bad=0
# forbid WHY PATTERN FOLDER...: every #include "PATH" in FOLDER's sources whose PATH matches PATTERN
forbid() {
  local why="$1" pattern="$2"
  shift 2
  for folder in "$@"; do
    [ -d "$folder" ] || { echo "no folder $folder under $root"; bad=1; continue; }
    while IFS= read -r hit; do
      echo "$hit: $why"
      bad=1
    done < <(grep -rnE --include='*.h' --include='*.cpp' "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"($pattern)" "$folder")
  done
}
forbid "a checker includes a command (lint/) or the webhook" 'lint/|webhook/' rules rbac netpol podsecurity findings
forbid "lint includes the webhook" 'webhook/' lint
# Every other top-level folder of kguard's sources (those with a CMakeLists.txt).
others="$(for d in */CMakeLists.txt; do d="${d%/CMakeLists.txt}"; [ "$d" != findings ] && printf '%s/|' "$d"; done)"
forbid "findings/ is the bottom layer" "${others%|}" findings
[ "$bad" -eq 0 ] && echo "include layering holds: findings/ < rules/ rbac/ netpol/ podsecurity/ < lint/ < webhook/"
exit "$bad"
