#pragma once
// What admission needs to know about the cluster beyond the request: namespace labels, the role a
// binding refers to and, when a namespace's policy is tightened, its existing pods. Implemented over
// the API server in production (webhook/namespace_cache.h, webhook/role_cache.h) and by fakes in tests.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kube/pod.h"
#include "rbac/policy.h"
#include "webhook/admission/deadline.h"

namespace admission {

struct NamespaceLookup {
  bool ok = false;
  kube::StringMap labels;
  std::string error;  // why the lookup failed, when !ok
};

class NamespaceGetter {
 public:
  virtual ~NamespaceGetter() = default;
  virtual NamespaceLookup getNamespace(const std::string& name, Deadline deadline) = 0;
  // True when getNamespace(name) answers from memory, without waiting on the API server.
  virtual bool hasCached(const std::string& /*name*/) const { return false; }
};

// The namespace of one request, looked up when first asked and then shared by Pod Security and kguard's
// rules (a lookup copies the namespace's labels). A failed lookup is not kept: the next reader asks again.
class RequestNamespace {
 public:
  RequestNamespace(NamespaceGetter& getter, const std::string& name, Deadline deadline = kNoDeadline)
      : getter_(getter), name_(name), deadline_(deadline) {}
  const NamespaceLookup& get() {
    if (!lookup_.ok) lookup_ = getter_.getNamespace(name_, deadline_);
    return lookup_;
  }

 private:
  NamespaceGetter& getter_;
  const std::string& name_;
  Deadline deadline_;
  NamespaceLookup lookup_;
};

// The role a RoleBinding or ClusterRoleBinding refers to, read from the API server for the RBAC guardrails.
struct RoleLookup {
  enum class Status { Found, NotFound, Failed };
  Status status = Status::Failed;
  rbac::Role role;    // Found: with the rules it grants (an aggregated ClusterRole's resolved)
  std::string error;  // Failed: why
};

class RoleGetter {
 public:
  virtual ~RoleGetter() = default;
  // roleRef kind "ClusterRole", or "Role" in `namespace_`.
  virtual RoleLookup getRole(const std::string& kind, const std::string& namespace_, const std::string& name,
                             Deadline deadline) = 0;
  // Every ClusterRole as stored (the aggregation controller's input), from memory: what an aggregationRule
  // being written would select. Empty until known.
  virtual rbac::Policy storedClusterRoles() const = 0;
};

struct PodList {
  bool ok = false;
  std::vector<kube::PodTemplate> pods;  // metadata.name set
  std::string error;
  // The uid of each pod's controller (ownerReferences[controller=true]), by index into `pods`; empty, or
  // missing past the end, for a pod without one. Upstream checks one pod per controller first.
  std::vector<std::string> controllerUids;
};

class PodLister {
 public:
  virtual ~PodLister() = default;
  // Gives up (ok false) after `timeout`.
  virtual PodList listPods(const std::string& namespace_, std::chrono::milliseconds timeout) = 0;
};

}  // namespace admission
