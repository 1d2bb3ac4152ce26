#!/usr/bin/env bash
# Prints a manifest with every caBundle placeholder ("<no CA yet: ...>", or "") replaced by the base64 of a CA certificate:
#   manifests/webhook/inject-cabundle.sh CA_FILE [FILE]
# FILE defaults to this folder's 60-validatingwebhookconfiguration.yaml; CA_FILE is the ca.crt written
# by certs/gen-certs.sh. Typical use:
#   manifests/webhook/inject-cabundle.sh certs-out/ca.crt | kubectl apply -f -
set -euo pipefail

usage() { echo "usage: $0 CA_FILE [FILE]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
ca="$1"
file="${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/60-validatingwebhookconfiguration.yaml}"

[ -r "$ca" ] || { echo "$0: cannot read CA file $ca" >&2; exit 1; }
[ -r "$file" ] || { echo "$0: cannot read manifest $file" >&2; exit 1; }
grep -q -- '-----BEGIN CERTIFICATE-----' "$ca" || { echo "$0: $ca is not a PEM certificate" >&2; exit 1; }
if command -v openssl >/dev/null; then
  openssl x509 -in "$ca" -noout 2>/dev/null || { echo "$0: $ca is not a valid certificate" >&2; exit 1; }
fi
placeholder='^([[:space:]]*caBundle:)[[:space:]]*(""|'"''"'|"<[^"]*>")[[:space:]]*$'
grep -Eq "$placeholder" "$file" || { echo "$0: no caBundle placeholder in $file" >&2; exit 1; }

bundle="$(base64 -w0 <"$ca")"
# base64 (A-Z a-z 0-9 + / =) has nothing special to sed with # as the delimiter.
sed -E "s#$placeholder#\\1 $bundle#" "$file"
