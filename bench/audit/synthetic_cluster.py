#!/usr/bin/env python3
"""Writes issue 15's synthetic cluster as one v1 List (JSON): 10,000 pods, 2,000 NetworkPolicies and
5,000 RoleBindings over 50 namespaces (sizes as arguments). Pods carry 10 app labels per namespace, so
the NetworkPolicy evaluator sees realistic replica sets rather than 10,000 distinct label sets.

    synthetic_cluster.py [PODS NETPOLS BINDINGS NAMESPACES] > cluster.json
"""
import json
import sys

pods, netpols, bindings, namespaces = (int(a) for a in (sys.argv[1:5] or (10000, 2000, 5000, 50)))
items = []
for n in range(namespaces):
    ns = "ns-%03d" % n
    labels = {"team": "t%d" % (n % 5)}
    if n % 3 == 0:
        labels["pod-security.kubernetes.io/enforce"] = "baseline"
    items.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": labels}})
    items.append({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "app", "namespace": ns}})
for i in range(pods):
    ns = "ns-%03d" % (i % namespaces)
    app = "app-%d" % (i // namespaces % 10)
    container = {"name": "c", "image": "registry.example/%s:1.%d" % (app, i % 7), "ports": [{"name": "http", "containerPort": 8080}]}
    if i % 4:
        container["resources"] = {"limits": {"cpu": "100m", "memory": "64Mi"}}
    spec = {"serviceAccountName": "app", "containers": [container]}
    if i % 97 == 0:
        spec["hostPID"] = True
    items.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod-%05d" % i, "namespace": ns, "labels": {"app": app}}, "spec": spec})
for i in range(netpols):
    ns = "ns-%03d" % (i % namespaces)
    k = i // namespaces
    if k == 0:
        spec = {"podSelector": {}, "policyTypes": ["Ingress"]}
    else:
        spec = {"podSelector": {"matchLabels": {"app": "app-%d" % (k % 10)}},
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "t%d" % (k % 5)}}, "podSelector": {"matchLabels": {"app": "app-%d" % ((k + 1) % 10)}}}],
                             "ports": [{"port": "http"}]}]}
    items.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "np-%04d" % i, "namespace": ns}, "spec": spec})
roles = ["view", "edit", "admin"]
for i in range(bindings):
    ns = "ns-%03d" % (i % namespaces)
    items.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                  "metadata": {"name": "rb-%05d" % i, "namespace": ns},
                  "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": roles[i % 3]},
                  "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "user-%d" % (i % 400)}]
                  + ([{"kind": "ServiceAccount", "name": "app", "namespace": ns}] if i % 50 == 0 else [])})
json.dump({"apiVersion": "v1", "kind": "List", "items": items}, sys.stdout)
