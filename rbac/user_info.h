#pragma once
// The user.Info a real request carries, built the way kube-apiserver builds it for
// `kubectl --as USER [--as-group G]...` (impersonation filter, k8s.io/apiserver/pkg/endpoints/filters/
// impersonation.go): that is what `kguard rbac can-i --as` answers for.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rbac/request.h"

namespace rbac {

inline const char* const kServiceAccountUserPrefix = "system:serviceaccount:";
inline const char* const kAuthenticatedGroup = "system:authenticated";
inline const char* const kUnauthenticatedGroup = "system:unauthenticated";
inline const char* const kAnonymousUser = "system:anonymous";
inline const char* const kMastersGroup = "system:masters";
inline const char* const kServiceAccountsGroup = "system:serviceaccounts";  // every service account

// "system:serviceaccount:NS:NAME"
std::string serviceAccountUsername(const std::string& namespace_, const std::string& name);
// {namespace, name} of "system:serviceaccount:NS:NAME" (both non-empty, NS without ':'), else nullopt.
std::optional<std::pair<std::string, std::string>> splitServiceAccountUsername(const std::string& username);
// "system:serviceaccounts", "system:serviceaccounts:NS"
std::vector<std::string> serviceAccountGroups(const std::string& namespace_);

// As the impersonation filter: a service-account username without --as-group gets the service-account
// groups; then system:authenticated is added unless a group already is system:authenticated or
// system:unauthenticated (for system:anonymous: system:unauthenticated is added unless present).
UserInfo impersonatedUser(const std::string& name, const std::vector<std::string>& asGroups);

}  // namespace rbac
