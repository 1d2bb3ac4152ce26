#!/usr/bin/env bash
# Installs what kguard needs on Debian 12 (run as root).
#   scripts/install-deps.sh          build + run dependencies
#   scripts/install-deps.sh --test   also what the test suite and benchmarks need
#                                    (etcd, kubectl, Go + kubernetes source for kube-apiserver, nginx, wrk;
#                                    containerd, runc, CNI plugins, buildah, skopeo, busybox for the
#                                    one-node cluster of scripts/local-cluster.sh and tests/cluster;
#                                    docker-registry for the image signature tests;
#                                    clang + libFuzzer for tests/fuzz, yaml-cpp as lint_bench's old reference)
#                                    valgrind for bench/webhook/instructions.sh, strace for cpu_split.sh
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

build_pkgs=(
  build-essential cmake ccache pkg-config git openssl ca-certificates
  libssl-dev libcpp-httplib-dev nlohmann-json3-dev libsimdjson-dev libmimalloc-dev libyaml-dev
  libnftnl-dev libmnl-dev libcli11-dev libspdlog-dev libfmt-dev
  catch2 libbenchmark-dev nftables iproute2
)
test_pkgs=(
  etcd-server golang-go rsync jq curl wrk nginx-light procps
  python3 python3-yaml dpkg-dev
  containerd runc containernetworking-plugins buildah skopeo busybox-static
  docker-registry
  clang libclang-rt-14-dev llvm libyaml-cpp-dev
  valgrind strace
  chromium
)

pkgs=("${build_pkgs[@]}")
[ "$want_test" = 1 ] && pkgs+=("${test_pkgs[@]}")
# kubectl: Debian's kubernetes-client unless the machine already has one (some images ship another
# package owning /usr/bin/kubectl, which kubernetes-client would collide with).
if [ "$want_test" = 1 ] && ! command -v kubectl >/dev/null 2>&1; then
  pkgs+=(kubernetes-client)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The Debian etcd package starts a system etcd on 2379; our tests run their own on other ports.
if [ "$want_test" = 1 ] && systemctl is-active --quiet etcd 2>/dev/null; then
  systemctl stop etcd || true
fi
# Likewise the docker-registry package's system registry on :5000; tests/images starts its own.
if [ "$want_test" = 1 ] && systemctl is-active --quiet docker-registry 2>/dev/null; then
  systemctl stop docker-registry || true
fi

# The end-to-end tests need a real kube-apiserver, and the cluster tests (scripts/local-cluster.sh) a
# kubelet, scheduler and controller-manager too, built once (one make) from Debian's kubernetes source
# package and cached under /var/cache/kguard (a fresh machine pays ~15-20 minutes, later runs nothing).
if [ "$want_test" = 1 ]; then
  "$(dirname "$0")/build-kube.sh" kube-apiserver kubelet kube-scheduler kube-controller-manager >/dev/null
fi
exit 0
