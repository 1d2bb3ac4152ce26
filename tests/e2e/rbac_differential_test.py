#!/usr/bin/env python3
"""Differential test of kguard's RBAC evaluator against a real kube-apiserver.

For each seeded random RBAC world (Roles, ClusterRoles with and without aggregationRule, both binding
kinds, wildcards, subresources, resourceNames, nonResourceURLs, ServiceAccount subjects with and
without namespace, dangling roleRefs):
  1. create the objects on the API server (tests/e2e/cluster.sh), wait until its RBAC caches have them,
  2. export them with `kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml`,
  3. ask thousands of questions both of the server and of `kguard rbac can-i --batch` (the same code
     path as `kguard rbac can-i`):
       - SubjectAccessReview with explicit user and groups  <->  can-i --groups-exact
       - SelfSubjectAccessReview impersonating the user     <->  can-i --as/--as-group (kubectl's --as)
  4. check `kguard rbac who-can` the same way: for sampled requests, every identity the world can name is
     asked of the server; it must be allowed exactly when who-can lists it, and the binding the server
     names in its reason ("RBAC: allowed by RoleBinding ...") must be among those who-can lists for it;
  5. require 100 % agreement; every disagreement is printed with the world seed and kguard's --explain.

The API server's own objects (its bootstrap policy) are in the export; kguard also ships them
(rbac/builtin/1.20). So every world is answered twice: from the full export, and from the export without
the server's objects plus kguard's built-in 1.20 roles (`--kubernetes-version 1.20`); both must agree
with the server, and a share of the queries is built from the bootstrap bindings. Before the worlds, the
built-in data files are compared object by object with what the server stores. Each world also holds
fixed grants limited by resourceNames on serviceaccounts/token, secrets and impersonation (users,
groups, serviceaccounts). kguard runs with `--aggregation stored`: this server has no controller-manager,
so aggregated ClusterRoles (admin, edit, view included) keep their stored rules.

Usage: rbac_differential_test.py --kguard PATH [--worlds N] [--queries N] [--seed S] [--cluster-dir DIR]
       (without --cluster-dir a throw-away cluster is started and stopped; reproduce a failing world with
        --seed S --worlds 1).
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
RBAC = "rbac.authorization.k8s.io"
NAMESPACES = ["ns-a", "ns-b", "ns-c"]
QUERY_NAMESPACES = NAMESPACES + ["ns-z", ""]  # ns-z has no RoleBindings; "" = cluster-wide

VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "escalate", "bind",
         "impersonate", "approve", "*"]
QUERY_VERBS = [v for v in VERBS if v != "*"] + ["GET", "proxy"]
GROUPS = ["", "", "apps", "batch", "*", RBAC, "example.com"]
RESOURCES = ["pods", "pods/exec", "pods/log", "pods/*", "*", "*/scale", "*/status", "*/*", "deployments",
             "deployments/scale", "secrets", "configmaps", "nodes", "nodes/proxy", "namespaces",
             "serviceaccounts/token", "clusterroles", "widgets"]
QUERY_RESOURCES = ["pods", "deployments", "secrets", "configmaps", "nodes", "namespaces", "serviceaccounts",
                   "clusterroles", "widgets", "*", "users", "groups"]
SUBRESOURCES = ["exec", "log", "scale", "status", "proxy", "token", "*"]
NAMES = ["n1", "n2", ""]
QUERY_NAMES = ["", "", "n1", "n2", "other", "ns-a", "sa1", "sa2", "u2", "g1", "system:masters"]
URLS = ["/healthz", "/healthz/*", "/logs*", "/api", "/metrics", "*", "/version/"]
QUERY_URLS = ["/healthz", "/healthz/ping", "/healthz/", "/logs", "/logs/kube", "/api", "/apis", "/metrics", "/version",
              "/version/", "/x"]
USERS = ["u1", "u2", "u3", "system:anonymous"]
SA_NAMES = ["sa1", "sa2"]
GROUP_NAMES = ["g1", "g2", "g3", "system:serviceaccounts", "system:serviceaccounts:ns-a", "system:authenticated",
               "system:unauthenticated"]


# ----------------------------------------------------------------------------------------------------
# The world


def random_rule(rng, cluster_role):
    if cluster_role and rng.random() < 0.15:
        return {"verbs": rng.sample(["get", "post", "*", "put"], rng.randint(1, 2)),
                "nonResourceURLs": rng.sample(URLS, rng.randint(1, 2))}
    rule = {"verbs": rng.sample(VERBS, rng.randint(1, 3)),
            "apiGroups": rng.sample(GROUPS, rng.randint(1, 2)),
            "resources": rng.sample(RESOURCES, rng.randint(1, 3))}
    if rng.random() < 0.1:
        rule["verbs"] = ["*"]
    if rng.random() < 0.25:
        rule["resourceNames"] = rng.sample(NAMES, rng.randint(1, 2))
    return rule


def random_subject(rng, namespaced):
    kind = rng.choice(["User", "User", "Group", "ServiceAccount", "ServiceAccount"])
    if kind == "User":
        return {"kind": "User", "apiGroup": RBAC, "name": rng.choice(USERS + ["system:serviceaccount:ns-b:sa1"])}
    if kind == "Group":
        # Grants to everyone would drown the other subjects: keep them rare.
        name = rng.choice(GROUP_NAMES) if rng.random() < 0.3 else rng.choice(["g1", "g2", "g3"])
        return {"kind": "Group", "apiGroup": RBAC, "name": name}
    subject = {"kind": "ServiceAccount", "name": rng.choice(SA_NAMES)}
    if not namespaced or rng.random() < 0.6:  # a ClusterRoleBinding needs the namespace
        subject["namespace"] = rng.choice(NAMESPACES)
    return subject


def generate_world(seed):
    rng = random.Random(seed)
    prefix = "w%d-" % seed
    labels = {"kguard-e2e-world": str(seed)}
    objects = []
    cluster_roles = [prefix + "cr%d" % i for i in range(rng.randint(4, 8))]
    roles = {ns: [prefix + "r%d" % i for i in range(rng.randint(1, 3))] for ns in NAMESPACES}
    for name in cluster_roles:
        role_labels = dict(labels)
        if rng.random() < 0.4:
            role_labels["agg"] = rng.choice(["x", "y"])
        obj = {"apiVersion": RBAC + "/v1", "kind": "ClusterRole", "metadata": {"name": name, "labels": role_labels},
               "rules": [random_rule(rng, True) for _ in range(rng.randint(0, 4))]}
        if rng.random() < 0.15:  # stored rules stay as written: no controller-manager runs aggregation
            obj["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {"agg": rng.choice(["x", "y"])}}]}
        objects.append(obj)
    for ns, names in roles.items():
        for name in names:
            objects.append({"apiVersion": RBAC + "/v1", "kind": "Role",
                            "metadata": {"name": name, "namespace": ns, "labels": labels},
                            "rules": [random_rule(rng, False) for _ in range(rng.randint(1, 3))]})
    for i in range(rng.randint(5, 10)):
        ref = rng.choice(cluster_roles + [prefix + "missing"])
        objects.append({"apiVersion": RBAC + "/v1", "kind": "ClusterRoleBinding",
                        "metadata": {"name": prefix + "crb%d" % i, "labels": labels},
                        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": ref},
                        "subjects": [random_subject(rng, False) for _ in range(rng.randint(1, 3))]})
    for i in range(rng.randint(8, 16)):
        ns = rng.choice(NAMESPACES)
        if rng.random() < 0.5:
            # A Role of another namespace (or none) exercises the lookup by the binding's namespace.
            ref = {"apiGroup": RBAC, "kind": "Role", "name": rng.choice(roles[rng.choice(NAMESPACES)] + [prefix + "missing"])}
        else:
            ref = {"apiGroup": RBAC, "kind": "ClusterRole", "name": rng.choice(cluster_roles)}
        objects.append({"apiVersion": RBAC + "/v1", "kind": "RoleBinding",
                        "metadata": {"name": prefix + "rb%d" % i, "namespace": ns, "labels": labels},
                        "roleRef": ref, "subjects": [random_subject(rng, True) for _ in range(rng.randint(1, 3))]})
    objects += resource_name_grants(rng, prefix, labels)
    return objects


def resource_name_grants(rng, prefix, labels):
    """Grants limited by resourceNames on the escalation paths that follow them: minting a token for a
    named service account, reading a named secret, impersonating named users, groups and service
    accounts (issue 13)."""
    def role(kind, name, ns, rules):
        meta = {"name": prefix + name, "labels": labels}
        if ns:
            meta["namespace"] = ns
        return {"apiVersion": RBAC + "/v1", "kind": kind, "metadata": meta, "rules": rules}

    def binding(kind, name, ns, ref_kind, ref):
        meta = {"name": prefix + name, "labels": labels}
        if ns:
            meta["namespace"] = ns
        return {"apiVersion": RBAC + "/v1", "kind": kind, "metadata": meta,
                "roleRef": {"apiGroup": RBAC, "kind": ref_kind, "name": prefix + ref},
                "subjects": [random_subject(rng, bool(ns)) for _ in range(rng.randint(1, 2))]}

    token = [{"verbs": ["create"], "apiGroups": [""], "resources": ["serviceaccounts/token"], "resourceNames": ["sa1"]}]
    secret = [{"verbs": ["get", "update"], "apiGroups": [""], "resources": ["secrets"], "resourceNames": ["n1"]}]
    impersonate = [{"verbs": ["impersonate"], "apiGroups": [""], "resources": ["users"], "resourceNames": ["u2"]},
                   {"verbs": ["impersonate"], "apiGroups": [""], "resources": ["groups"], "resourceNames": ["g1", "system:masters"]},
                   {"verbs": ["impersonate"], "apiGroups": [""], "resources": ["serviceaccounts"], "resourceNames": ["sa2"]}]
    return [role("Role", "token", "ns-a", token), binding("RoleBinding", "token", "ns-a", "Role", "token"),
            role("ClusterRole", "secret", "", secret), binding("RoleBinding", "secret", "ns-b", "ClusterRole", "secret"),
            binding("ClusterRoleBinding", "secret", "", "ClusterRole", "secret"),
            role("ClusterRole", "impersonate", "", impersonate),
            binding("ClusterRoleBinding", "impersonate", "", "ClusterRole", "impersonate"),
            binding("RoleBinding", "impersonate", "ns-c", "ClusterRole", "impersonate")]


RUN_ID = "%06x" % random.SystemRandom().getrandbits(24)  # fresh canary names even on a reused cluster


def canary_name(seed):
    return "w%d-canary-%s" % (seed, RUN_ID)


def canaries(seed):
    """Objects created last: once the server allows the canary users, its RBAC informers have seen every
    earlier object of all four kinds (each informer delivers its kind in resourceVersion order)."""
    name = canary_name(seed)
    labels = {"kguard-e2e-world": str(seed)}
    rule = [{"verbs": ["get"], "apiGroups": [""], "resources": ["canaries"]}]
    return [
        {"apiVersion": RBAC + "/v1", "kind": "ClusterRole", "metadata": {"name": name, "labels": labels}, "rules": rule},
        {"apiVersion": RBAC + "/v1", "kind": "Role", "metadata": {"name": name, "namespace": "ns-a", "labels": labels},
         "rules": rule},
        {"apiVersion": RBAC + "/v1", "kind": "ClusterRoleBinding", "metadata": {"name": name, "labels": labels},
         "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": name},
         "subjects": [{"kind": "User", "apiGroup": RBAC, "name": name + "-c"}]},
        {"apiVersion": RBAC + "/v1", "kind": "RoleBinding",
         "metadata": {"name": name, "namespace": "ns-a", "labels": labels},
         "roleRef": {"apiGroup": RBAC, "kind": "Role", "name": name},
         "subjects": [{"kind": "User", "apiGroup": RBAC, "name": name + "-r"}]},
    ]


# ----------------------------------------------------------------------------------------------------
# Queries


def matching_query(rng, world):
    """A question built from one rule of one binding, sometimes changed in one attribute: mostly allowed
    or just missed, where random questions would almost all be denied."""
    bindings = [o for o in world if o["kind"].endswith("Binding") and o.get("subjects")]
    roles = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in world
             if o["kind"].endswith("Role")}
    b = rng.choice(bindings)
    ns = b["metadata"].get("namespace", "")
    ref = b["roleRef"]
    role = roles.get((ref["kind"], ns if ref["kind"] == "Role" else "", ref["name"]))
    subject = rng.choice(b["subjects"])
    q = random_query(rng)
    if subject["kind"] == "User":
        q["user"] = subject["name"]
    elif subject["kind"] == "Group":
        q["groups"] = sorted(set(q["groups"] + [subject["name"]]))
    else:
        q["user"] = "system:serviceaccount:%s:%s" % (subject.get("namespace") or ns or "ns-a", subject["name"])
    if role and role.get("rules"):
        rule = rng.choice(role["rules"])
        pick = lambda values, fallback: (rng.choice(values) if values and rng.random() < 0.9 else fallback)
        verb = pick([v for v in rule["verbs"] if v != "*"], rng.choice(QUERY_VERBS))
        if "nonResourceURLs" in rule:
            url = pick(rule["nonResourceURLs"], rng.choice(QUERY_URLS)).rstrip("*") + rng.choice(["", "", "x", "/y"])
            q.update({"nonResource": True, "verb": verb, "path": url or "/"})
            return q
        resource = pick([r for r in rule["resources"] if "*" not in r], rng.choice(QUERY_RESOURCES))
        sub = ""
        if "/" in resource:
            resource, sub = resource.split("/", 1)
        elif rng.random() < 0.2:
            sub = rng.choice(SUBRESOURCES)
        group = pick([g for g in rule["apiGroups"] if g != "*"], rng.choice(GROUPS))
        name = pick(rule.get("resourceNames", []), rng.choice(QUERY_NAMES))
        q.update({"nonResource": False, "verb": verb, "group": group, "resource": resource, "subresource": sub,
                  "name": name, "namespace": ns if ns and rng.random() < 0.8 else rng.choice(QUERY_NAMESPACES)})
    return q


def random_query(rng):
    q = {"user": rng.choice(USERS + ["system:serviceaccount:%s:%s" % (rng.choice(NAMESPACES), rng.choice(SA_NAMES)),
                                     "system:serviceaccount:ns-a:sa1:x", "system:serviceaccount:ns-a"]),
         "groups": sorted(rng.sample(["g1", "g2", "g3"] + GROUP_NAMES[3:], rng.randint(0, 2))),
         "impersonate": rng.random() < 0.5}
    if rng.random() < 0.02 and not q["impersonate"]:
        q["groups"].append("system:masters")
    if rng.random() < 0.15:
        q.update({"nonResource": True, "verb": rng.choice(["get", "post", "put", "delete"]), "path": rng.choice(QUERY_URLS)})
    else:
        q.update({"nonResource": False, "verb": rng.choice(QUERY_VERBS), "group": rng.choice(GROUPS[:-2] + [RBAC]),
                  "resource": rng.choice(QUERY_RESOURCES),
                  "subresource": rng.choice(SUBRESOURCES) if rng.random() < 0.25 else "",
                  "name": rng.choice(QUERY_NAMES), "namespace": rng.choice(QUERY_NAMESPACES)})
    return q


# The resources each dotless group serves, from the server's discovery (load_dotless_groups).
SERVED_IN_DOTLESS_GROUP = {}


def load_dotless_groups(api):
    status, groups = api.request("GET", "/apis")
    if status != 200:
        raise RuntimeError("GET /apis: %s" % status)
    for g in groups["groups"]:
        if "." in g["name"]:
            continue
        for v in g["versions"]:
            status, resources = api.request("GET", "/apis/" + v["groupVersion"])
            if status != 200:
                raise RuntimeError("GET /apis/%s: %s" % (v["groupVersion"], status))
            SERVED_IN_DOTLESS_GROUP.setdefault(g["name"], set()).update(
                r["name"] for r in resources["resources"] if "/" not in r["name"])


def as_kubectl_asks(q):
    """kubectl auth can-i (and kguard, which reads RESOURCE as kubectl's resourceFor does) cannot ask for a
    resource that a dotless group does not serve: `widgets.*`, `pods.apps`, `*.batch` are asked as the
    core-group resource written (kubectl/pkg/cmd/auth/cani.go). Such a question goes to both as kubectl
    asks it; `arg` is the argument as written."""
    if q["nonResource"]:
        return q
    dotless = q["group"] and "." not in q["group"]
    if dotless and q["resource"] not in SERVED_IN_DOTLESS_GROUP.get(q["group"], set()):
        written = q["resource"] + "." + q["group"]
        q = dict(q, arg=written, resource=written, group="")
    return q


def kguard_args(q):
    """The same question as `kguard rbac can-i` arguments. RESOURCE is written `resource.group` (`pods.` =
    core group) so that kguard's kubectl-like resource table does not pick the group (as_kubectl_asks)."""
    if q["nonResource"]:
        args = [q["verb"], "--non-resource-url", q["path"]]
    else:
        resource = q.get("arg") or q["resource"] + "." + q["group"]
        if q["subresource"]:
            resource += "/" + q["subresource"]
        args = [q["verb"], resource] + ([q["name"]] if q["name"] else [])
        args += ["-n", q["namespace"]] if q["namespace"] else ["-A"]
    args += ["--as", q["user"]]
    for g in q["groups"]:
        args += ["--as-group", g]
    if not q["impersonate"]:
        args.append("--groups-exact")
    return args


# ----------------------------------------------------------------------------------------------------
# The API server


class Api:
    def __init__(self, url, token):
        parsed = urllib.parse.urlparse(url)
        self.host, self.port, self.token = parsed.hostname, parsed.port, token
        self.ctx = ssl.create_default_context()
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE
        self.local = threading.local()

    def conn(self):
        if getattr(self.local, "conn", None) is None:
            self.local.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=60)
        return self.local.conn

    def request(self, method, path, body=None, headers=()):
        for attempt in range(3):
            c = self.conn()
            try:
                c.putrequest(method, path)
                c.putheader("Authorization", "Bearer " + self.token)
                c.putheader("Content-Type", "application/json")
                c.putheader("Accept", "application/json")
                for k, v in headers:
                    c.putheader(k, v)
                data = json.dumps(body).encode() if body is not None else b""
                c.putheader("Content-Length", str(len(data)))
                c.endheaders(data)
                resp = c.getresponse()
                payload = resp.read()
                return resp.status, json.loads(payload) if payload else {}
            except (http.client.HTTPException, OSError):
                c.close()
                self.local.conn = None
                if attempt == 2:
                    raise

    def create(self, obj):
        kind_path = {"ClusterRole": "clusterroles", "ClusterRoleBinding": "clusterrolebindings", "Role": "roles",
                     "RoleBinding": "rolebindings"}[obj["kind"]]
        ns = obj["metadata"].get("namespace")
        path = "/apis/%s/v1/%s%s" % (RBAC, "namespaces/%s/" % ns if ns else "", kind_path)
        status, out = self.request("POST", path, obj)
        if status not in (200, 201):
            raise RuntimeError("create %s %s: %s %s" % (obj["kind"], obj["metadata"]["name"], status, out.get("message")))

    def delete_world(self, seed):
        selector = urllib.parse.quote("kguard-e2e-world=%d" % seed)
        paths = ["/apis/%s/v1/clusterrolebindings" % RBAC, "/apis/%s/v1/clusterroles" % RBAC]
        for ns in NAMESPACES:
            paths += ["/apis/%s/v1/namespaces/%s/rolebindings" % (RBAC, ns), "/apis/%s/v1/namespaces/%s/roles" % (RBAC, ns)]
        for p in paths:
            status, out = self.request("DELETE", p + "?labelSelector=" + selector)
            if status != 200:
                raise RuntimeError("delete %s: %s %s" % (p, status, out.get("message")))

    def ensure_namespace(self, name):
        status, out = self.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                                  "metadata": {"name": name}})
        if status not in (200, 201, 409):
            raise RuntimeError("namespace %s: %s %s" % (name, status, out.get("message")))

    def allow_self_reviews(self):
        """An impersonated user must itself be allowed to create a SelfSubjectAccessReview: the defaults
        grant it to system:authenticated (system:basic-user); this grants it to system:unauthenticated.
        Exported with the worlds, so kguard sees it too."""
        name = "kguard-e2e-self-review"
        for obj in [{"apiVersion": RBAC + "/v1", "kind": "ClusterRole", "metadata": {"name": name},
                     "rules": [{"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
                                "resources": ["selfsubjectaccessreviews"]}]},
                    {"apiVersion": RBAC + "/v1", "kind": "ClusterRoleBinding", "metadata": {"name": name},
                     "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": name},
                     "subjects": [{"kind": "Group", "apiGroup": RBAC, "name": "system:unauthenticated"}]}]:
            try:
                self.create(obj)
            except RuntimeError as e:
                if "409" not in str(e):
                    raise

    def allowed(self, q):
        return self.review(q)[0]

    def review(self, q):
        """(allowed, reason) of the server's access review for query q."""
        if q["nonResource"]:
            attrs = {"nonResourceAttributes": {"verb": q["verb"], "path": q["path"]}}
        else:
            attrs = {"resourceAttributes": {k: q[k2] for k, k2 in [("namespace", "namespace"), ("verb", "verb"),
                                                                    ("group", "group"), ("resource", "resource"),
                                                                    ("subresource", "subresource"), ("name", "name")]}}
        if q["impersonate"]:
            headers = [("Impersonate-User", q["user"])] + [("Impersonate-Group", g) for g in q["groups"]]
            body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": attrs}
            status, out = self.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body, headers)
        else:
            spec = dict(attrs, user=q["user"], groups=q["groups"])
            body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec}
            status, out = self.request("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", body)
        if status != 201:
            raise RuntimeError("access review for %s: %s %s" % (json.dumps(q), status, out.get("message")))
        status = out.get("status", {})
        return bool(status.get("allowed")), status.get("reason", "")

    def ask_all(self, queries, threads=4, with_reasons=False):
        answers = [None] * len(queries)

        def work(start):
            for i in range(start, len(queries), threads):
                answers[i] = self.review(queries[i]) if with_reasons else self.allowed(queries[i])

        workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        if any(a is None for a in answers):
            raise RuntimeError("some access reviews failed (see above)")
        return answers


# ----------------------------------------------------------------------------------------------------


def run_world(api, env, kguard, seed, n_queries, workdir):
    world = generate_world(seed)
    api.delete_world(seed)  # leftovers of an interrupted run on a reused cluster
    for obj in world + canaries(seed):
        api.create(obj)
    canary = canary_name(seed)
    probes = [{"nonResource": False, "impersonate": False, "user": canary + "-c", "groups": [], "verb": "get", "group": "",
               "resource": "canaries", "subresource": "", "name": "", "namespace": "ns-b"},
              {"nonResource": False, "impersonate": False, "user": canary + "-r", "groups": [], "verb": "get", "group": "",
               "resource": "canaries", "subresource": "", "name": "", "namespace": "ns-a"}]
    deadline = time.time() + 60
    while not all(api.allowed(p) for p in probes):
        if time.time() > deadline:
            raise RuntimeError("world %d: the API server's RBAC caches never showed the canaries" % seed)
        time.sleep(0.2)
    export = os.path.join(workdir, "world-%d.json" % seed)
    with open(export, "w") as out:
        subprocess.run(["kubectl", "get", "clusterroles,clusterrolebindings,roles,rolebindings", "-A", "-o", "json"],
                       stdout=out, env=env, check=True)
    with open(export) as f:
        bootstrap = [o for o in json.load(f)["items"] if is_server_object(o)]
    rng = random.Random(seed * 7919 + 1)

    def query():
        r = rng.random()
        return as_kubectl_asks(matching_query(rng, world) if r < 0.5 else matching_query(rng, bootstrap) if r < 0.65
                               else random_query(rng))
    queries = [query() for _ in range(n_queries)]
    batch = os.path.join(workdir, "queries-%d.jsonl" % seed)
    with open(batch, "w") as out:
        for q in queries:
            out.write(json.dumps(kguard_args(q)) + "\n")
    t0 = time.time()
    t_kguard = time.time() - t0
    without_server_objects = os.path.join(workdir, "world-%d-without-bootstrap.yaml" % seed)
    write_without_bootstrap(export, without_server_objects)
    sources = [("export", [export]), ("export without the server's objects + built-in 1.20", [without_server_objects])]
    answers = [kguard_batch(kguard, files, batch, len(queries)) for _, files in sources]
    t_kguard = time.time() - t0
    t0 = time.time()
    theirs = api.ask_all(queries)
    t_server = time.time() - t0
    disagreements = []
    for (label, files), mine in zip(sources, answers):
        for q, a, b in zip(queries, mine, theirs):
            if (a == "yes") != b:
                disagreements.append((label, files, q, a, b))
    allowed = sum(theirs)
    print("world seed %d: %d objects, %d queries x %d sources (%d allowed, %d denied), kguard %.2fs, server %.2fs, "
          "%d disagreements" % (seed, len(world), len(queries), len(sources), allowed, len(queries) - allowed, t_kguard,
                                t_server, len(disagreements)), flush=True)
    for label, files, q, a, b in disagreements[:30]:
        explain = subprocess.run([kguard, "rbac", "can-i"] + source_args(files) + ["--explain"] + kguard_args(q),
                                 capture_output=True, text=True)
        print("  DISAGREE (world seed %d, %s): kguard=%s server=%s  kguard rbac can-i %s\n    kguard: %s"
              % (seed, label, a, "yes" if b else "no", " ".join(json.dumps(x) for x in kguard_args(q)),
                 explain.stderr.strip()))
    who_total = who_bad = 0
    for label, files in sources:
        n, bad = check_who_can(api, kguard, files, world, seed, label)
        who_total += n
        who_bad += bad
    api.delete_world(seed)
    return len(queries) * len(sources) + who_total, len(disagreements) + who_bad


def source_args(files):
    """kguard's view of the test server: its Kubernetes version, and stored aggregated rules (no
    controller-manager runs, so aggregated ClusterRoles keep what was written)."""
    args = []
    for f in files:
        args += ["-f", f]
    return args + ["--kubernetes-version", "1.20", "--aggregation", "stored"]


def kguard_batch(kguard, files, batch, n):
    result = subprocess.run([kguard, "rbac", "can-i"] + source_args(files) + ["--batch", batch],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError("kguard failed (%d): %s" % (result.returncode, result.stderr[-2000:]))
    mine = result.stdout.split()
    if len(mine) != n:
        raise RuntimeError("kguard answered %d of %d queries" % (len(mine), n))
    return mine


def is_server_object(obj):
    return obj.get("metadata", {}).get("labels", {}).get("kubernetes.io/bootstrapping") == "rbac-defaults"


def write_without_bootstrap(export, out_path):
    """The export without the objects the API server created itself (its bootstrap policy): kguard must
    supply them from its built-in data."""
    with open(export) as f:
        listed = json.load(f)
    listed["items"] = [o for o in listed["items"] if not is_server_object(o)]
    with open(out_path, "w") as f:
        json.dump(listed, f)


def identities():
    """Every identity a world can name: (label, SubjectAccessReview user, groups)."""
    out = [("User " + u, u, []) for u in USERS + ["system:serviceaccount:ns-b:sa1"]]
    out += [("ServiceAccount %s/%s" % (ns, sa), "system:serviceaccount:%s:%s" % (ns, sa), [])
            for ns in NAMESPACES for sa in SA_NAMES if (ns, sa) != ("ns-b", "sa1")]
    out += [("Group " + g, "kguard-e2e-probe", [g]) for g in GROUP_NAMES]  # a user no binding names
    return out


def applies(e, user, groups):
    if groups:
        return e["kind"] == "Group" and e["name"] == groups[0]
    if e["kind"] == "User":
        return e["name"] == user
    return e["kind"] == "ServiceAccount" and "system:serviceaccount:%s:%s" % (e.get("namespace"), e["name"]) == user


REASON = re.compile(r'RBAC: allowed by (ClusterRoleBinding|RoleBinding) "([^"]*)"')


def reason_listed(entries, reason, user, groups):
    """The server names the binding that allowed (`RBAC: allowed by RoleBinding "name/namespace" ...`):
    who-can must list that binding for this identity."""
    m = REASON.search(reason)
    if not m:
        return False
    kind, name = m.group(1), m.group(2)
    namespace = ""
    if kind == "RoleBinding":
        name, namespace = name.rsplit("/", 1)
    return any(e.get("binding", {}).get("kind") == kind and e["binding"]["name"] == name and
               e["binding"].get("namespace", "") == namespace and applies(e, user, groups) for e in entries)


def who_can_lists(entries, label, user, groups):
    for e in entries:
        if groups:
            if e["kind"] == "Group" and e["name"] == groups[0]:
                return True
        elif e["kind"] == "User" and e["name"] == user:
            return True
        elif e["kind"] == "ServiceAccount" and "system:serviceaccount:%s:%s" % (e.get("namespace"), e["name"]) == user:
            return True
    return False


def is_identity_impersonation(q):
    if q["nonResource"] or q["verb"] != "impersonate":
        return False
    if q["group"] == "":
        return q["resource"] in ("users", "groups") and not q["subresource"]
    return q["group"] == "authentication.k8s.io" and q["resource"] in ("uids", "userextras")


def check_who_can(api, kguard, files, world, seed, source, n_requests=30):
    """who-can against the server: every identity it lists is allowed, every other identity is denied."""
    rng = random.Random(seed * 104729 + 3)
    bad = total = listed_count = 0
    for _ in range(n_requests):
        q = as_kubectl_asks(matching_query(rng, world))
        if is_identity_impersonation(q):
            # who-can asks these without a namespace, as the impersonation filter does (and says so when -n
            # is given; check_real_impersonation shows the server asks so): ask the server the same.
            q["namespace"] = ""
        args = kguard_args(q)
        args = args[:args.index("--as")]  # the request part of the can-i arguments
        result = subprocess.run([kguard, "rbac", "who-can"] + source_args(files) + ["--format", "json"] + args,
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError("kguard who-can %s failed: %s" % (args, result.stderr))
        entries = json.loads(result.stdout)["subjects"]
        probes = [dict(q, user=user, groups=groups, impersonate=False) for _, user, groups in identities()]
        answers = api.ask_all(probes, with_reasons=True)
        for (label, user, groups), (allowed, reason) in zip(identities(), answers):
            total += 1
            listed = who_can_lists(entries, label, user, groups)
            listed_count += listed
            if allowed and not reason_listed(entries, reason, user, groups):
                bad += 1
                print("  DISAGREE (world seed %d): kguard rbac who-can %s does not list the binding of the server's "
                      "reason for %s: %s" % (seed, " ".join(json.dumps(a) for a in args), label, reason))
            if listed != allowed:
                bad += 1
                print("  DISAGREE (world seed %d): kguard rbac who-can %s %s %s; server says %s"
                      % (seed, " ".join(json.dumps(a) for a in args), "lists" if listed else "does not list", label,
                         "allowed" if allowed else "denied"))
    print("world seed %d (%s): who-can on %d requests, %d identity checks (%d listed), %d disagreements"
          % (seed, source, n_requests, total, listed_count, bad), flush=True)
    return total, bad


def check_real_impersonation(api, env, kguard, workdir):
    """Impersonation for real, not as an access review: service accounts granted impersonate on users,
    groups and serviceaccounts by a RoleBinding or a ClusterRoleBinding send requests with Impersonate-*
    headers. The API server's impersonation filter asks for users and groups with no namespace (only the
    ClusterRoleBinding counts) and for a service account in its namespace; `kguard rbac who-can` must list
    exactly the service accounts the server lets through. Returns (checks, disagreements)."""
    ns, role = "ns-a", "kguard-e2e-impersonator"
    objects = [{"apiVersion": RBAC + "/v1", "kind": "ClusterRole", "metadata": {"name": role},
                "rules": [{"verbs": ["impersonate"], "apiGroups": [""], "resources": ["users", "groups", "serviceaccounts"]}]},
               {"apiVersion": RBAC + "/v1", "kind": "RoleBinding", "metadata": {"name": role, "namespace": ns},
                "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role},
                "subjects": [{"kind": "ServiceAccount", "name": "imp-rolebinding", "namespace": ns}]},
               {"apiVersion": RBAC + "/v1", "kind": "ClusterRoleBinding", "metadata": {"name": role},
                "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role},
                "subjects": [{"kind": "ServiceAccount", "name": "imp-clusterrolebinding", "namespace": ns}]}]
    for obj in objects:
        try:
            api.create(obj)
        except RuntimeError as e:
            if "409" not in str(e):
                raise
    tokens = {}
    for sa in ["imp-rolebinding", "imp-clusterrolebinding"]:
        status, out = api.request("POST", "/api/v1/namespaces/%s/serviceaccounts" % ns,
                                  {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": sa}})
        if status not in (201, 409):
            raise RuntimeError("service account %s: %s %s" % (sa, status, out.get("message")))
        status, out = api.request("POST", "/api/v1/namespaces/%s/serviceaccounts/%s/token" % (ns, sa),
                                  {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}})
        if status != 201:
            raise RuntimeError("token for %s: %s %s" % (sa, status, out.get("message")))
        tokens[sa] = out["status"]["token"]
    export = os.path.join(workdir, "impersonation.json")
    with open(export, "w") as out:
        subprocess.run(["kubectl", "get", "clusterroles,clusterrolebindings,roles,rolebindings", "-A", "-o", "json"],
                       stdout=out, env=env, check=True)
    cases = [("users", [("Impersonate-User", "u2")]),
             ("groups", [("Impersonate-User", "u2"), ("Impersonate-Group", "g1")]),
             ("serviceaccounts", [("Impersonate-User", "system:serviceaccount:%s:sa1" % ns)])]
    total = bad = 0
    for resource, headers in cases:
        # who-can without -n (users, groups: cluster-scoped) or in the service account's namespace.
        where = ["-n", ns] if resource == "serviceaccounts" else []
        result = subprocess.run([kguard, "rbac", "who-can", "impersonate", resource] + where + source_args([export]) +
                                ["--format", "json"], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError("kguard who-can impersonate %s: %s" % (resource, result.stderr))
        listed = {e["name"] for e in json.loads(result.stdout)["subjects"] if e["kind"] == "ServiceAccount"}
        for sa, token in tokens.items():
            caller = Api("https://%s:%d" % (api.host, api.port), token)
            status, out = caller.request("GET", "/api/v1/namespaces/%s/configmaps" % ns, headers=headers)
            # Refused by the impersonation filter, or let through (then the impersonated user's own RBAC answers).
            allowed = not (status == 403 and "cannot impersonate" in out.get("message", ""))
            # users and groups: only the ClusterRoleBinding; serviceaccounts of ns-a: both bindings.
            expected = sa == "imp-clusterrolebinding" or resource == "serviceaccounts"
            total += 2
            if allowed != expected:
                bad += 1
                print("  UNEXPECTED: the server %s %s impersonating %s (%s)"
                      % ("lets" if allowed else "refuses", sa, resource, out.get("message", status)))
            if allowed != (sa in listed):
                bad += 1
                print("  DISAGREE: %s impersonating %s: server %s, kguard who-can %s it"
                      % (sa, resource, "lets it" if allowed else "refuses", "lists" if sa in listed else "does not list"))
    for path in ["/apis/%s/v1/clusterrolebindings/%s" % (RBAC, role), "/apis/%s/v1/namespaces/%s/rolebindings/%s" % (RBAC, ns, role),
                 "/apis/%s/v1/clusterroles/%s" % (RBAC, role)]:
        api.request("DELETE", path)
    print("real impersonation: %d checks (users and groups only through the ClusterRoleBinding), %d disagreements"
          % (total, bad), flush=True)
    return total, bad


BUILTIN_DIR = os.path.join(HERE, "..", "..", "rbac", "builtin", "1.20")
COMPARED_FIELDS = ["rules", "aggregationRule", "roleRef", "subjects"]


def object_key(o):
    return (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])


def comparable(o):
    out = {f: o.get(f) or None for f in COMPARED_FIELDS}  # null, [] and absent are the same
    out["labels"] = o["metadata"].get("labels") or {}
    out["annotations"] = o["metadata"].get("annotations") or {}
    return out


def check_builtin_data(env, workdir):
    """kguard's built-in 1.20 data (rbac/builtin/1.20, upstream's golden files) against what this 1.20
    API server created: the same objects, with the same rules, subjects, roleRefs, labels and
    annotations. Returns (objects compared, differences)."""
    import yaml  # python3-yaml (scripts/install-deps.sh --test)
    shipped = {}
    for name in sorted(os.listdir(BUILTIN_DIR)):
        if name.endswith(".yaml"):
            with open(os.path.join(BUILTIN_DIR, name)) as f:
                for o in yaml.safe_load(f)["items"]:
                    shipped[object_key(o)] = o
    out = subprocess.run(["kubectl", "get", "clusterroles,clusterrolebindings,roles,rolebindings", "-A", "-o", "json"],
                         capture_output=True, env=env, check=True).stdout
    stored = {object_key(o): o for o in json.loads(out)["items"] if is_server_object(o)}
    bad = 0
    for key in sorted(set(shipped) | set(stored)):
        if key not in stored or key not in shipped:
            bad += 1
            print("  DIFFERENT built-in data: %s %s/%s only %s" % (key + ("in kguard's data" if key in shipped else "on the server",)))
        elif comparable(shipped[key]) != comparable(stored[key]):
            bad += 1
            print("  DIFFERENT built-in data: %s %s/%s\n    kguard: %s\n    server: %s"
                  % (key + (json.dumps(comparable(shipped[key]), sort_keys=True), json.dumps(comparable(stored[key]), sort_keys=True))))
    print("built-in roles: %d objects in kguard's 1.20 data, %d created by the server, %d differences"
          % (len(shipped), len(stored), bad), flush=True)
    return len(set(shipped) | set(stored)), bad


def start_cluster(cluster_dir):
    subprocess.run(["bash", os.path.join(HERE, "cluster.sh"), "start", cluster_dir], check=True)


def cluster_env(cluster_dir):
    out = subprocess.run(["bash", "-c", 'source "$1" && env -0', "_", os.path.join(cluster_dir, "env")],
                         capture_output=True, check=True).stdout
    env = dict(os.environ)
    for item in out.split(b"\0"):
        if b"=" in item:
            k, v = item.split(b"=", 1)
            env[k.decode()] = v.decode()
    for proxy in ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]:
        env.pop(proxy, None)
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kguard", required=True)
    parser.add_argument("--worlds", type=int, default=4)
    parser.add_argument("--queries", type=int, default=2500, help="queries per world")
    parser.add_argument("--seed", type=int, default=None, help="first world seed (default: random, printed)")
    parser.add_argument("--cluster-dir", default=None, help="use a running cluster (tests/e2e/cluster.sh start DIR)")
    args = parser.parse_args()
    if shutil.which("kubectl") is None:
        print("kubectl not found", file=sys.stderr)
        return 2
    first_seed = args.seed if args.seed is not None else random.SystemRandom().randint(1, 10**6)
    print("rbac differential test: worlds %d..%d (reproduce one with --seed S --worlds 1)"
          % (first_seed, first_seed + args.worlds - 1), flush=True)
    own_cluster = args.cluster_dir is None
    cluster_dir = args.cluster_dir or tempfile.mkdtemp(prefix="kguard-rbac-e2e.")
    workdir = tempfile.mkdtemp(prefix="kguard-rbac-diff.")
    total = failures = 0
    try:
        if own_cluster:
            start_cluster(cluster_dir)
        env = cluster_env(cluster_dir)
        api = Api(env["APISERVER_URL"], env["ADMIN_TOKEN"])
        for ns in NAMESPACES + ["ns-z"]:
            api.ensure_namespace(ns)
        api.allow_self_reviews()
        load_dotless_groups(api)
        for check in (lambda: check_builtin_data(env, workdir),
                      lambda: check_real_impersonation(api, env, os.path.abspath(args.kguard), workdir)):
            n, bad = check()
            total += n
            failures += bad
        for seed in range(first_seed, first_seed + args.worlds):
            n, bad = run_world(api, env, os.path.abspath(args.kguard), seed, args.queries, workdir)
            total += n
            failures += bad
    finally:
        if own_cluster:
            subprocess.run(["bash", os.path.join(HERE, "cluster.sh"), "stop", cluster_dir])
            shutil.rmtree(cluster_dir, ignore_errors=True)
    print("%d queries, %d disagreements (%.4f %% agreement)" % (total, failures, 100.0 * (total - failures) / max(total, 1)))
    if failures == 0:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print("world exports and query files kept in " + workdir)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
