#pragma once
// One paginated LIST of an API collection, as client-go's tools/pager does: `limit` + `continue` pages
// collected into one list; when the continue token expires mid-list (410 Gone) the whole collection is
// listed again in one request (ListPager.FullListIfExpired). Used by the reflector and the RBAC live
// source.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/api_client.h"

namespace kube {

struct ListOptions {
  int pageSize = 500;                     // `limit`; 0 lists everything in one request
  const std::atomic<bool>* stop = nullptr;  // abandons the list (result "stopped") once true
  // Told about what the pager recovered from (an expired continue token), for logs.
  std::function<void(const std::string& note)> onNote;
};

struct ListResult {
  std::vector<nlohmann::json> items;  // the collection's items (no kind/apiVersion on them)
  std::string resourceVersion;        // the list's metadata.resourceVersion, "" if absent
  ApiResponse response;               // the last answer: a failed one when the server or transport failed
  std::string error;                  // "" on success; else what went wrong (response.describe() for HTTP)

  bool ok() const { return error.empty(); }
  // The server answered with an error status, or did not answer: `response` says which.
  bool requestFailed() const { return !ok() && !response.ok(); }
};

// `collectionPath` may carry its own query ("/api/v1/pods?fieldSelector=...").
ListResult listCollection(const ApiClient& client, const std::string& collectionPath, const ListOptions& options = {});

}  // namespace kube
