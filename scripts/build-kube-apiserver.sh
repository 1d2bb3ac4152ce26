#!/usr/bin/env bash
# Builds (once) and prints the path of the cached kube-apiserver; see scripts/build-kube.sh, which does
# the work for every Kubernetes binary kguard's tests use.
exec "$(dirname "$0")/build-kube.sh" kube-apiserver
