#!/usr/bin/env bash
# Certificates for the kguard webhook (docs/cli-contract.md):
#   certs/gen-certs.sh --out DIR --san DNS:NAME[,DNS:NAME|IP:ADDR...] [--days N]
# Writes DIR/ca.crt, DIR/ca.key (a CA, made once) and DIR/tls.crt, DIR/tls.key (the serving certificate
# signed by that CA, with the given subject alternative names). Running it again reuses the CA and only
# renews the serving certificate, so the caBundle registered with the API server stays valid; the
# webhook picks the new files up without a restart.
set -euo pipefail

usage() { echo "usage: $0 --out DIR --san DNS:NAME[,DNS:NAME|IP:ADDR...] [--days N]" >&2; exit 2; }

out="" san="" days=365
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="${2:-}"; shift 2 ;;
    --san) san="${2:-}"; shift 2 ;;
    --days) days="${2:-}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "$0: unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$out" ] && [ -n "$san" ] || usage
[[ "$days" =~ ^[0-9]+$ ]] && [ "$days" -gt 0 ] || { echo "$0: --days must be a positive number" >&2; exit 2; }
IFS=',' read -ra entries <<< "$san"
for e in "${entries[@]}"; do
  [[ "$e" =~ ^(DNS|IP):[^[:space:]]+$ ]] || { echo "$0: bad SAN entry '$e' (want DNS:name or IP:addr)" >&2; exit 2; }
done
command -v openssl >/dev/null || { echo "$0: openssl is required" >&2; exit 1; }

mkdir -p "$out"
umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The CA: made once, reused ever after (its certificate is the caBundle in the cluster).
if [ ! -s "$out/ca.crt" ] || [ ! -s "$out/ca.key" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -subj "/CN=kguard-webhook-ca" -keyout "$work/ca.key" -out "$work/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  mv "$work/ca.key" "$out/ca.key"
  mv "$work/ca.crt" "$out/ca.crt"
fi

# The serving certificate: CN is the first SAN's name; the SANs are what clients verify. Its key is
# ECDSA P-256: the webhook signs every new TLS handshake with it (~20 us, against ~250 us for RSA-2048
# on this project's machine, `openssl speed rsa2048 ecdsap256`), and the API server's webhook client
# opens a new connection, without session resumption, whenever a burst exceeds its 25 idle ones.
first="${entries[0]#*:}"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -subj "/CN=$first" \
  -keyout "$work/tls.key" -out "$work/tls.csr" 2>/dev/null
cat > "$work/ext.cnf" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san
EXT
openssl x509 -req -in "$work/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
  -CAserial "$work/ca.srl" -days "$days" -sha256 -extfile "$work/ext.cnf" -out "$work/tls.crt" 2>/dev/null

# Each file is replaced by a rename, so a reader never sees half a file; the webhook ignores the
# moment where the new key sits next to the old certificate.
chmod 644 "$work/tls.crt"
mv "$work/tls.key" "$out/tls.key"
mv "$work/tls.crt" "$out/tls.crt"
chmod 644 "$out/ca.crt"
echo "wrote $out/tls.crt (SAN $san, $days days), CA $out/ca.crt"
