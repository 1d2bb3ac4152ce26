# Sourced by run.sh and instructions.sh: the benchmark's AdmissionReview, built from pod.json.
# Needs NAMESPACE and HERE (this directory).

# review UID POD_JSON_FILTER: the pod's CREATE review on stdout, the pod changed by the jq filter first.
review() {
  jq -c --arg ns "$NAMESPACE" --arg uid "$1" '
    (.metadata.namespace = $ns | .metadata.name = "checkout-api-6d5f7c9b8d-x7k2p" | '"$2"') as $pod |
    {kind: "AdmissionReview", apiVersion: "admission.k8s.io/v1",
     request: {uid: $uid,
               kind: {group: "", version: "v1", kind: "Pod"},
               resource: {group: "", version: "v1", resource: "pods"},
               requestKind: {group: "", version: "v1", kind: "Pod"},
               requestResource: {group: "", version: "v1", resource: "pods"},
               name: $pod.metadata.name, namespace: $ns, operation: "CREATE",
               userInfo: {username: "system:serviceaccount:kube-system:replicaset-controller",
                          uid: "2d6a3a51-8b0e-4f3c-a1d7-9c4e5b6f7a80",
                          groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"]},
               object: $pod, oldObject: null, dryRun: false,
               options: {kind: "CreateOptions", apiVersion: "meta.k8s.io/v1"}}}' "$HERE/pod.json"
}
