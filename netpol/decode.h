#pragma once
// Manifests -> the netpol Cluster: Namespaces, Pods, Nodes, NetworkPolicies and ClusterNetworkPolicies
// (cluster_policy_decode.h); every other kind is ignored. A later object with the same kind, namespace and name replaces an earlier one, so that a
// step's setup file can relabel an object of the base model.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/manifest.h"
#include "kube/pod.h"
#include "netpol/model.h"

namespace netpol {

// An ipBlock except that is not a strict subset of its cidr (outside it, equal to it, another family):
// the API server refuses the policy ("must be a strict subset of `cidr`", ValidateIPBlock). The
// compiler, agent and audit refuse it too; lint keeps it for its own finding, netpol.exceptOutsideCidr.
enum class ExceptOutsideCidr { Refuse, Keep };

// One networking.k8s.io/v1 NetworkPolicy, validated as the API server would. Throws kube::DecodeError
// with the field path ("spec.ingress[0].from[1].ipBlock.cidr"). With `collected`, every field error is
// added there instead, as ValidateNetworkPolicy returns its whole field.ErrorList (only an unserved
// apiVersion or a missing spec still throws); the policy returned is then of use only if none was.
NetworkPolicy decodeNetworkPolicy(const nlohmann::json& object, ExceptOutsideCidr excepts = ExceptOutsideCidr::Refuse,
                                  std::vector<kube::DecodeError>* collected = nullptr);

bool isNetworkPolicy(const kube::Manifest& m);

// Throws kube::InputError naming file, document, line and field.
Cluster decodeCluster(const std::vector<kube::Manifest>& manifests);

// The same in two steps, so that a caller re-reading mostly unchanged files (the agent's --watch-dir)
// can keep each file's decoded objects and decode only what changed: decodeObject for each manifest
// (none for kinds the compiler ignores), then assembleCluster over all of them in input order.
struct DecodedObject {
  std::optional<Namespace> namespace_;
  std::optional<Pod> pod;
  std::optional<Node> node;
  std::optional<NetworkPolicy> policy;
  std::optional<ClusterNetworkPolicy> clusterPolicy;
};
std::optional<DecodedObject> decodeObject(const kube::Manifest& manifest);  // throws kube::InputError

// The pods a workload (Deployment, Job, ...) will create, as one stand-in named "KIND:NAME" (no Pod can
// be: names hold no ':'): the template's labels, hostNetwork and named container ports, no address.
// It takes part in what selectors decide (netpol lint, the audit's reachability), never in probes.
Pod templatePod(const std::string& namespace_, const std::string& kind, const std::string& name,
                const kube::PodTemplate& pod);
Cluster assembleCluster(const std::vector<const DecodedObject*>& objects);

}  // namespace netpol
