// Each audit check, on the smallest cluster that shows it (and one that does not).
#include <catch2/catch.hpp>

#include "audit_test_support.h"

using namespace audit_test;

namespace {

// A container that passes restricted and every default audit rule.
const std::string kSafe =
    "    securityContext: {allowPrivilegeEscalation: false, runAsNonRoot: true, readOnlyRootFilesystem: true,"
    " capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}\n"
    "    resources: {limits: {cpu: '1', memory: 1Gi}}\n";

const std::string kDefaultDeny =
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: NS}\n"
    "spec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n---\n";

std::string defaultDeny(const std::string& ns) {
  std::string s = kDefaultDeny;
  s.replace(s.find("NS"), 2, ns);
  return s;
}

std::string quotaAndLimits(const std::string& ns) {
  return "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q, namespace: " + ns + "}\nspec: {}\n---\n"
         "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: " + ns + "}\nspec: {limits: []}\n---\n";
}

}  // namespace

TEST_CASE("a pod that passes restricted, in a namespace with quota, limits and default deny, has no finding") {
  auto a = auditYaml(namespace_("ok") + quotaAndLimits("ok") + defaultDeny("ok") + pod("ok", "web", "", "{app: web}", kSafe));
  for (const auto& r : a.report.results) FAIL_CHECK(r.finding.check + ": " + r.finding.message);
  CHECK(a.report.results.empty());
  CHECK(a.report.errors.empty());
}

TEST_CASE("Pod Security checks: baseline failures once, restricted ones they do not cover") {
  auto a = auditYaml(namespace_("ns") +
                     pod("ns", "p", "  hostPID: true\n  volumes: [{name: h, hostPath: {path: /}}]\n", "{app: web}",
                         "    securityContext: {privileged: true}\n    volumeMounts: [{name: h, mountPath: /h}]\n"));
  auto host = findingsOf(a.report, "hostNamespaces", "Pod", "ns", "p");
  REQUIRE(host.size() == 1);
  CHECK(host[0].message == "host namespaces (hostPID=true)");
  CHECK(host[0].level == "baseline:latest");
  CHECK(findingsOf(a.report, "hostPathVolumes", "Pod", "ns", "p").size() == 1);
  CHECK(findingsOf(a.report, "privileged", "Pod", "ns", "p").size() == 1);
  // restrictedVolumes would report the same hostPath volume again
  CHECK(findingsOf(a.report, "restrictedVolumes", "Pod", "ns", "p").empty());
  auto nonRoot = findingsOf(a.report, "runAsNonRoot", "Pod", "ns", "p");
  REQUIRE(nonRoot.size() == 1);
  CHECK(nonRoot[0].level == "restricted:latest");
}

TEST_CASE("image trust, limits and root filesystem are checked without configuration") {
  auto a = auditYaml(namespace_("ns") + "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: ns}\n"
                     "spec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n"
                     "    spec:\n      containers:\n      - {name: web, image: 'nginx:latest'}\n"
                     "      - {name: pinned, image: 'nginx@sha256:" + std::string(64, 'b') + "', resources: {limits: {cpu: '1', memory: 1G}},"
                     " securityContext: {readOnlyRootFilesystem: true}}\n");
  auto latest = findingsOf(a.report, "kguard.imageLatestTag", "Deployment", "ns", "d");
  REQUIRE(latest.size() == 1);
  CHECK(latest[0].object.container == "web");
  CHECK(latest[0].field == "spec.template.spec.containers[0].image");
  auto digest = findingsOf(a.report, "kguard.imageDigest", "Deployment", "ns", "d");
  REQUIRE(digest.size() == 1);
  CHECK(digest[0].object.container == "web");
  auto limits = findingsOf(a.report, "kguard.resourceLimits", "Deployment", "ns", "d");
  REQUIRE(limits.size() == 1);
  CHECK(limits[0].object.container == "web");
  CHECK(findingsOf(a.report, "kguard.readOnlyRootFilesystem", "Deployment", "ns", "d").size() == 1);
}

TEST_CASE("configured rules: registries and storage classes from --config") {
  audit::AuditOptions options;
  options.config.rules.allowedRegistries = {"registry.example"};
  options.config.rules.allowedStorageClasses = {"encrypted"};
  auto a = auditYaml(namespace_("ns") + pod("ns", "ok", "", "{app: web}", kSafe) +
                         "apiVersion: v1\nkind: Pod\nmetadata: {name: other, namespace: ns}\nspec:\n  containers:\n"
                         "  - {name: c, image: 'docker.io/library/nginx@sha256:" + std::string(64, 'c') + "'}\n---\n"
                         "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: ns}\n"
                         "spec: {storageClassName: standard}\n",
                     {}, options);
  CHECK(findingsOf(a.report, "kguard.allowedRegistries", "Pod", "ns", "ok").empty());
  CHECK(findingsOf(a.report, "kguard.allowedRegistries", "Pod", "ns", "other").size() == 1);
  auto pvc = findingsOf(a.report, "kguard.storageClass", "PersistentVolumeClaim", "ns", "data");
  REQUIRE(pvc.size() == 1);
  CHECK(audit::riskOf(pvc[0]) == "data-protection");
}

TEST_CASE("Secrets in environment variables") {
  auto a = auditYaml(namespace_("ns") + pod("ns", "p", "", "{app: web}",
                                            "    env:\n    - {name: PLAIN, value: x}\n"
                                            "    - name: DB_PASSWORD\n      valueFrom: {secretKeyRef: {name: db, key: password}}\n"
                                            "    envFrom: [{configMapRef: {name: cfg}}, {secretRef: {name: api}}]\n"));
  auto found = findingsOf(a.report, "audit.secretInEnv", "Pod", "ns", "p");
  REQUIRE(found.size() == 2);
  CHECK(found[0].object.container == "c");
  CHECK(found[0].message.find("Secret \"db\" into environment variable DB_PASSWORD") != std::string::npos);
  CHECK(found[1].message.find("every key of Secret \"api\"") != std::string::npos);
  CHECK(audit::riskOf(found[0]) == "data-protection");
}

namespace {

std::string serviceAccount(const std::string& ns, const std::string& name, const std::string& metadataExtra,
                           const std::string& body = "") {
  return "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: " + name + ", namespace: " + ns + metadataExtra + "}\n" +
         body + "---\n";
}

const std::string kMountsDbAndCert =
    "  serviceAccountName: app\n"
    "  volumes:\n  - {name: db, secret: {secretName: db}}\n"
    "  - name: both\n    projected: {sources: [{configMap: {name: cfg}}, {secret: {name: tls}}]}\n";

}  // namespace

TEST_CASE("mounted Secrets the pod's service account neither lists nor may read") {
  // db is mounted as a secret volume, tls through a projected volume; the account lists neither.
  auto a = auditYaml(namespace_("ns") + serviceAccount("ns", "app", "") + pod("ns", "p", kMountsDbAndCert));
  auto found = findingsOf(a.report, "audit.secretBeyondServiceAccount", "Pod", "ns", "p");
  REQUIRE(found.size() == 2);
  CHECK(found[0].field == "spec.volumes[0].secret");
  CHECK(found[0].message.find("mounts Secret \"db\", which ServiceAccount ns/app neither lists") != std::string::npos);
  CHECK(found[1].field == "spec.volumes[1].projected.sources[1].secret");
  CHECK(found[1].message.find("Secret \"tls\" (projected volume)") != std::string::npos);
  CHECK(findings::severityOf(found[0]) == findings::Severity::Low);
  CHECK(audit::riskOf(found[0]) == "data-protection");
  CHECK(countCheck(a.report, "audit.secretInEnv") == 0);  // mounted, not in the environment
}

TEST_CASE("a Secret the service account lists, or may get through RBAC, is no finding") {
  const std::string rbac =
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: read-tls, namespace: ns}\n"
      "rules: [{apiGroups: [''], resources: [secrets], resourceNames: [tls], verbs: [get]}]\n---\n"
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: app-tls, namespace: ns}\n"
      "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-tls}\n"
      "subjects: [{kind: ServiceAccount, name: app, namespace: ns}]\n---\n";
  auto a = auditYaml(namespace_("ns") + serviceAccount("ns", "app", "", "secrets: [{name: db}]\n") + rbac +
                     pod("ns", "p", kMountsDbAndCert));
  CHECK(countCheck(a.report, "audit.secretBeyondServiceAccount") == 0);
  // The same grant to another account, or `list` instead of `get`, does not count.
  auto other = auditYaml(namespace_("ns") + serviceAccount("ns", "app", "") +
                         std::string(rbac).replace(rbac.find("name: app,"), 9, "name: web") + pod("ns", "p", kMountsDbAndCert));
  CHECK(findingsOf(other.report, "audit.secretBeyondServiceAccount", "Pod", "ns", "p").size() == 2);
  auto listOnly = auditYaml(namespace_("ns") + serviceAccount("ns", "app", "") +
                            std::string(rbac).replace(rbac.find("verbs: [get]"), 12, "verbs: [list]") +
                            pod("ns", "p", kMountsDbAndCert));
  CHECK(findingsOf(listOnly.report, "audit.secretBeyondServiceAccount", "Pod", "ns", "p").size() == 2);
}

TEST_CASE("an account that enforces mountable secrets makes an unlisted mount high, on pods and templates") {
  const std::string account =
      serviceAccount("ns", "app", ", annotations: {kubernetes.io/enforce-mountable-secrets: 'true'}", "secrets: [{name: db}]\n");
  auto a = auditYaml(namespace_("ns") + account + pod("ns", "p", kMountsDbAndCert) +
                     "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: ns}\n"
                     "spec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n"
                     "    spec:\n      serviceAccountName: app\n      volumes: [{name: k, secret: {secretName: keys}}]\n"
                     "      containers: [{name: c, image: x}]\n");
  auto found = findingsOf(a.report, "audit.secretBeyondServiceAccount", "Pod", "ns", "p");
  REQUIRE(found.size() == 1);  // db is listed
  CHECK(found[0].message.find("\"tls\"") != std::string::npos);
  CHECK(findings::severityOf(found[0]) == findings::Severity::High);
  CHECK(found[0].severityReason.find("admission refuses this pod now") != std::string::npos);
  auto tmpl = findingsOf(a.report, "audit.secretBeyondServiceAccount", "Deployment", "ns", "d");
  REQUIRE(tmpl.size() == 1);
  CHECK(tmpl[0].field == "spec.template.spec.volumes[0].secret");
  CHECK(findings::severityOf(tmpl[0]) == findings::Severity::High);
  // strconv.ParseBool: "1" enforces too, "yes" does not
  auto one = auditYaml(namespace_("ns") + std::string(account).replace(account.find("'true'"), 6, "'1'") + pod("ns", "p", kMountsDbAndCert));
  CHECK(findings::severityOf(findingsOf(one.report, "audit.secretBeyondServiceAccount", "Pod", "ns", "p").at(0)) ==
        findings::Severity::High);
  auto yes = auditYaml(namespace_("ns") + std::string(account).replace(account.find("'true'"), 6, "'yes'") + pod("ns", "p", kMountsDbAndCert));
  CHECK(findings::severityOf(findingsOf(yes.report, "audit.secretBeyondServiceAccount", "Pod", "ns", "p").at(0)) ==
        findings::Severity::Low);
}

TEST_CASE("namespaces without ResourceQuota or LimitRange") {
  auto a = auditYaml(namespace_("bare") + namespace_("limited") + quotaAndLimits("limited"));
  CHECK(findingsOf(a.report, "audit.namespaceWithoutResourceQuota", "Namespace", "", "bare").size() == 1);
  CHECK(findingsOf(a.report, "audit.namespaceWithoutLimitRange", "Namespace", "", "bare").size() == 1);
  CHECK(findingsOf(a.report, "audit.namespaceWithoutResourceQuota", "Namespace", "", "limited").empty());
  CHECK(findingsOf(a.report, "audit.namespaceWithoutLimitRange", "Namespace", "", "limited").empty());
}

TEST_CASE("network exposure: isolation, default deny, every-namespace policies, ipBlock 0.0.0.0/0") {
  auto a = auditYaml(
      namespace_("open") + namespace_("closed") + namespace_("shared") + namespace_("client") +
      pod("open", "web", "") + pod("closed", "db", "") + defaultDeny("closed") + pod("shared", "api", "") +
      pod("client", "c", "") +
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-all, namespace: shared}\n"
      "spec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress: [{from: [{namespaceSelector: {}}]}]\n"
      "  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]\n");
  auto open = findingsOf(a.report, "audit.podNotIsolated", "Pod", "open", "web");
  REQUIRE(open.size() == 1);
  CHECK(open[0].message.find("ingress or egress") != std::string::npos);
  CHECK(findings::severityOf(open[0]) == findings::Severity::Medium);
  CHECK(findingsOf(a.report, "audit.podNotIsolated", "Pod", "closed", "db").empty());
  CHECK(findingsOf(a.report, "audit.namespaceWithoutDefaultDeny", "Namespace", "", "closed").empty());
  CHECK(findingsOf(a.report, "audit.namespaceWithoutDefaultDeny", "Namespace", "", "open").size() == 1);
  // isolated both ways, but every namespace may connect to it
  CHECK(findingsOf(a.report, "audit.podNotIsolated", "Pod", "shared", "api").empty());
  // every namespace's pods may connect to it, except closed's, whose egress is denied
  CHECK(findingsOf(a.report, "audit.reachableFromAllNamespaces", "Pod", "shared", "api").empty());
  auto any = findingsOf(a.report, "audit.ipBlockAnywhere", "NetworkPolicy", "shared", "from-all");
  REQUIRE(any.size() == 1);
  CHECK(any[0].field == "spec.egress[0].to[0].ipBlock");
  // closed's egress is denied, so it reaches nothing; the others reach open and shared
  const auto& r = a.report.reachability;
  REQUIRE(r.namespaces == std::vector<std::string>{"client", "closed", "open", "shared"});
  CHECK(r.reachable[1] == std::vector<size_t>{0, 0, 0, 0});
  CHECK(r.reachable[0] == std::vector<size_t>{1, 0, 1, 1});
  CHECK(r.reachable[2][1] == 0);  // nobody reaches closed
}

TEST_CASE("a pod every other namespace may connect to") {
  const std::string fromAll =
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-all, namespace: shared}\n"
      "spec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress: [{from: [{namespaceSelector: {}}]}]\n---\n";
  auto a = auditYaml(pod("shared", "api", "") + pod("a", "ay", "") + pod("b", "bee", "") + fromAll);
  auto all = findingsOf(a.report, "audit.reachableFromAllNamespaces", "Pod", "shared", "api");
  REQUIRE(all.size() == 1);
  CHECK(all[0].message == "NetworkPolicies let pods of every other namespace connect to this pod (a, b)");
  // the same policy admitting one namespace only
  std::string fromA = fromAll;
  fromA.replace(fromA.find("namespaceSelector: {}"), 21, "namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: a}}");
  auto b = auditYaml(pod("shared", "api", "") + pod("a", "ay", "") + pod("b", "bee", "") + fromA);
  CHECK(findingsOf(b.report, "audit.reachableFromAllNamespaces", "Pod", "shared", "api").empty());
  CHECK(b.report.reachability.reachable[1][2] == 0);  // b -> shared blocked
  CHECK(b.report.reachability.reachable[0][2] == 1);  // a -> shared allowed
}

TEST_CASE("-n reports only the namespaces asked for") {
  auto a = auditYaml(namespace_("a") + namespace_("b") + pod("a", "p", "  hostPID: true\n") + pod("b", "q", "  hostPID: true\n"),
                     {"b"});
  for (const auto& r : a.report.results) CHECK((r.finding.object.namespace_ == "b" || r.finding.object.name == "b"));
  CHECK(findingsOf(a.report, "hostNamespaces", "Pod", "b", "q").size() == 1);
  REQUIRE(a.report.namespaces.size() == 1);
  CHECK(a.report.namespaces[0].name == "b");
}

TEST_CASE("objects that do not decode are errors; the others are still audited") {
  auto a = auditYaml(namespace_("ns") + "apiVersion: v1\nkind: Pod\nmetadata: {name: bad, namespace: ns}\nspec: {hostPID: maybe, containers: []}\n---\n" +
                     pod("ns", "good", "  hostPID: true\n"));
  REQUIRE(a.report.errors.size() == 1);
  CHECK(a.report.errors[0].find("spec.hostPID") != std::string::npos);
  CHECK(findingsOf(a.report, "hostNamespaces", "Pod", "ns", "good").size() == 1);
}

TEST_CASE("every malformed RBAC object is an error; the well-formed ones are still evaluated") {
  auto a = auditYaml(namespace_("ns") +
                     "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: bad}\nrules: [{verbs: get}]\n---\n"
                     "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: bad-too, namespace: ns}\nsubjects: [3]\n---\n"
                     "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\n"
                     "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n"
                     "subjects: [{kind: ServiceAccount, name: default, namespace: ns}]\n");
  REQUIRE(a.report.errors.size() == 2);
  CHECK(a.report.errors[0].find("rules[0].verbs") != std::string::npos);
  CHECK(a.report.errors[1].find("subjects[0]") != std::string::npos);
  REQUIRE(a.view.rbac.bindings.size() == 1);
  CHECK(a.view.rbac.bindings[0].name == "b");
  CHECK(a.view.rbac.roles.empty());
}

TEST_CASE("every check the audit emits is described in the catalog or is an escalation path") {
  auto a = auditYaml(namespace_("ns") + pod("ns", "p", "  hostNetwork: true\n", "{app: web}",
                                            "    env: [{name: X, valueFrom: {secretKeyRef: {name: s, key: k}}}]\n") +
                     "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\n"
                     "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n"
                     "subjects: [{kind: ServiceAccount, name: default, namespace: ns}]\n---\n"
                     "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: cluster-admin}\n"
                     "rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n");
  CHECK(a.report.results.size() > 10);
  for (const auto& r : a.report.results) {
    INFO(r.finding.check);
    CHECK(!audit::riskOf(r.finding).empty());
    CHECK(!r.finding.severityReason.empty());
  }
}

TEST_CASE("a view built collection by collection gives the same report and keeps only each object's identity") {
  // The binding's role and the policy's pods arrive in later batches, as a live listing hands them over.
  const std::string pods = namespace_("ns") + pod("ns", "web", "  serviceAccountName: app\n  volumes: [{name: s, secret: {secretName: db}}]\n");
  const std::string policies = defaultDeny("ns");
  const std::string rbac =
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: ns}\n"
      "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}\n"
      "subjects: [{kind: ServiceAccount, name: app, namespace: ns}]\n---\n"
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\n"
      "rules: [{apiGroups: [''], resources: [secrets, pods/exec], verbs: [get, create]}]\n";
  auto whole = auditYaml(pods + policies + rbac);
  audit::ClusterViewBuilder builder({});
  for (const auto& text : {pods, policies, rbac}) builder.add(kube::parseManifests(text, "cluster.yaml"));
  auto view = builder.finish();
  auto report = audit::runAudit(view, {});
  CHECK(audit::formatJson(view, report) == audit::formatJson(whole.view, whole.report));
  CHECK(countCheck(report, "audit.serviceAccountEscalation") == 1);   // the role arrived after the binding
  CHECK(countCheck(report, "audit.secretBeyondServiceAccount") == 0);  // the account may get secrets
  CHECK(countCheck(report, "audit.podNotIsolated") == 0);  // the default deny of the second batch isolates it
  for (const auto& m : view.manifests) {
    INFO(m.where.describe());
    CHECK(m.object.size() == 3);  // apiVersion, kind, metadata
    CHECK(m.object.at("metadata").contains("name"));
    CHECK(!m.object.contains("spec"));
  }
}

TEST_CASE("a workload none of whose pods were listed is in the network model; one with a listed pod is not") {
  auto deployment = [](const std::string& name, const std::string& uid) {
    return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name + ", namespace: ns, uid: " + uid + "}\n"
           "spec:\n  selector: {matchLabels: {app: " + name + "}}\n  template:\n    metadata: {labels: {app: " + name +
           "}}\n    spec:\n      containers: [{name: c, image: x}]\n---\n";
  };
  // rolled: Deployment d-1 -> ReplicaSet rs-1 -> Pod p, by controller uids.
  const std::string rolled = deployment("rolled", "d-1") +
      "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rolled-x, namespace: ns, uid: rs-1, ownerReferences: "
      "[{apiVersion: apps/v1, kind: Deployment, name: rolled, uid: d-1, controller: true}]}\n"
      "spec:\n  selector: {matchLabels: {app: rolled}}\n  template:\n    metadata: {labels: {app: rolled}}\n"
      "    spec:\n      containers: [{name: c, image: x}]\n---\n"
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns, uid: p-1, labels: {app: rolled}, ownerReferences: "
      "[{apiVersion: apps/v1, kind: ReplicaSet, name: rolled-x, uid: rs-1, controller: true}]}\n"
      "spec:\n  containers: [{name: c, image: x}]\n---\n";
  auto a = auditYaml(namespace_("ns") + deployment("pending", "d-2") + rolled);
  auto pending = findingsOf(a.report, "audit.podNotIsolated", "Deployment", "ns", "pending");
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].field == "spec.template.metadata.labels");
  CHECK(pending[0].message.find("selects its pods") != std::string::npos);
  CHECK(findingsOf(a.report, "audit.podNotIsolated", "Deployment", "ns", "rolled").empty());  // its Pod stands for it
  CHECK(findingsOf(a.report, "audit.podNotIsolated", "Pod", "ns", "p").size() == 1);
  // A policy selecting the template's labels isolates the pods to be.
  auto isolated = auditYaml(namespace_("ns") + deployment("pending", "d-2") +
                            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: d, namespace: ns}\n"
                            "spec: {podSelector: {matchLabels: {app: pending}}, policyTypes: [Ingress, Egress]}\n");
  CHECK(findingsOf(isolated.report, "audit.podNotIsolated", "Deployment", "ns", "pending").empty());
}

TEST_CASE("a malformed ServiceAccount or owner reference is an error naming the object and field") {
  // New: these fields were read leniently (a wrong type skipped), now as the typed objects the loader decodes.
  auto errorsOf = [](const std::string& yaml) {
    std::string all;
    for (const auto& e : auditYaml(namespace_("ns") + yaml).view.errors) all += e + "\n";
    return all;
  };
  CHECK(errorsOf(serviceAccount("ns", "app", "", "secrets: [{name: db}, {name: 7}]\n"))
            .find("cluster.yaml: document 2") != std::string::npos);
  CHECK(errorsOf(serviceAccount("ns", "app", "", "secrets: [{name: 7}]\n")).find("secrets[0].name: expected a string") !=
        std::string::npos);
  CHECK(errorsOf(serviceAccount("ns", "app", ", annotations: {kubernetes.io/enforce-mountable-secrets: [true]}"))
            .find("metadata.annotations[\"kubernetes.io/enforce-mountable-secrets\"]: expected a string") !=
        std::string::npos);
  CHECK(errorsOf("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: r, namespace: ns, uid: rs-1, ownerReferences: "
                 "[{uid: d-1, controller: 'yes'}]}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: x}]\n")
            .find("metadata.ownerReferences[0].controller: expected a boolean") != std::string::npos);
  // Well-formed: no error.
  CHECK(errorsOf(serviceAccount("ns", "app", ", annotations: {kubernetes.io/enforce-mountable-secrets: 'true'}",
                                "secrets: [{name: db}, {}]\n")) == "");
}

// The ServiceAccount admission plugin mounts no token into a pod that leaves automountServiceAccountToken
// unset when its ServiceAccount sets it false (shouldAutomount); the pod's own field wins when set.
TEST_CASE("kguard.automountServiceAccountToken reads the pod's ServiceAccount when it was listed") {
  audit::AuditOptions options;
  options.config.rules.requireNoServiceAccountToken = true;
  auto a = auditYaml(namespace_("ns") + serviceAccount("ns", "quiet", "", "automountServiceAccountToken: false\n") +
                         serviceAccount("ns", "loud", "", "automountServiceAccountToken: true\n") +
                         pod("ns", "quiet", "  serviceAccountName: quiet\n") + pod("ns", "loud", "  serviceAccountName: loud\n") +
                         pod("ns", "unlisted", "  serviceAccountName: missing\n") +
                         pod("ns", "forced", "  serviceAccountName: quiet\n  automountServiceAccountToken: true\n"),
                     {}, options);
  const char* check = "kguard.automountServiceAccountToken";
  CHECK(findingsOf(a.report, check, "Pod", "ns", "quiet").empty());
  CHECK(findingsOf(a.report, check, "Pod", "ns", "loud").size() == 1);
  CHECK(findingsOf(a.report, check, "Pod", "ns", "unlisted").size() == 1);
  CHECK(findingsOf(a.report, check, "Pod", "ns", "forced").size() == 1);
}

TEST_CASE("a ReplicaSet or Job whose controller is not in the export is judged itself") {
  auto replicaSet = [](const std::string& owner) {
    return "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web-1, namespace: ns, uid: rs-1, ownerReferences: "
           "[" + owner + "]}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
           "    spec:\n      hostPID: true\n      containers: [{name: c, image: x}]\n---\n";
  };
  const std::string deployment =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ns, uid: d-1}\n"
      "spec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
      "    spec:\n      hostPID: true\n      containers: [{name: c, image: x}]\n---\n";
  const std::string byDeployment = "{apiVersion: apps/v1, kind: Deployment, name: web, uid: d-1, controller: true}";
  // The Deployment is read: it stands for its ReplicaSet (one finding, not two).
  auto both = auditYaml(namespace_("ns") + deployment + replicaSet(byDeployment));
  CHECK(findingsOf(both.report, "hostNamespaces", "Deployment", "ns", "web").size() == 1);
  CHECK(findingsOf(both.report, "hostNamespaces", "ReplicaSet", "ns", "web-1").empty());
  // Without it (an export of replicasets only) the ReplicaSet is judged: it was silently skipped.
  auto alone = auditYaml(namespace_("ns") + replicaSet(byDeployment));
  CHECK(findingsOf(alone.report, "hostNamespaces", "ReplicaSet", "ns", "web-1").size() == 1);
  // Owned by a kind kguard does not judge (an Argo Rollout in the export): judged too.
  auto rollout = auditYaml(namespace_("ns") +
                           "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web, namespace: ns, uid: r-1}\n---\n" +
                           replicaSet("{apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: web, uid: r-1, controller: true}"));
  CHECK(findingsOf(rollout.report, "hostNamespaces", "ReplicaSet", "ns", "web-1").size() == 1);
  // An export without uids (stripped by a cleanup tool): the owner is found by kind and name.
  auto noUids = auditYaml(namespace_("ns") + deployment + replicaSet("{kind: Deployment, name: web, controller: true}"));
  CHECK(findingsOf(noUids.report, "hostNamespaces", "ReplicaSet", "ns", "web-1").empty());
  // A Job whose CronJob is missing, and a Pod whose ReplicaSet is missing, are judged.
  auto job = auditYaml(namespace_("ns") +
                       "apiVersion: batch/v1\nkind: Job\nmetadata: {name: nightly-1, namespace: ns, uid: j-1, ownerReferences: "
                       "[{apiVersion: batch/v1, kind: CronJob, name: nightly, uid: cj-1, controller: true}]}\n"
                       "spec:\n  template:\n    spec:\n      restartPolicy: Never\n      hostPID: true\n"
                       "      containers: [{name: c, image: x}]\n---\n"
                       "apiVersion: v1\nkind: Pod\nmetadata: {name: web-1-a, namespace: ns, ownerReferences: "
                       "[{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: rs-1, controller: true}]}\n"
                       "spec:\n  hostPID: true\n  containers: [{name: c, image: x}]\n");
  CHECK(findingsOf(job.report, "hostNamespaces", "Job", "ns", "nightly-1").size() == 1);
  CHECK(findingsOf(job.report, "hostNamespaces", "Pod", "ns", "web-1-a").size() == 1);
}
