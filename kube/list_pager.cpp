// Mirrors k8s.io/client-go/tools/pager/pager.go (List with FullListIfExpired).
#include "kube/list_pager.h"

#include "kube/json_depth.h"
#include "kube/object_meta_fields.h"

namespace kube {
namespace {

// Lists deeper than any Kubernetes object are refused before parsing, as the manifest loader does.
constexpr int kMaxJsonDepth = 1000;

std::string excerpt(const std::string& text) { return text.size() > 200 ? text.substr(0, 200) + "..." : text; }

}  // namespace

ListResult listCollection(const ApiClient& client, const std::string& collectionPath, const ListOptions& options) {
  ListResult result;
  auto stopped = [&] { return options.stop && options.stop->load(); };
  auto fail = [&](std::string error) {
    result.items.clear();
    result.error = std::move(error);
    return std::move(result);
  };
  std::string continueToken;
  int pageSize = options.pageSize;
  for (;;) {
    std::string query;
    if (pageSize > 0) {
      query = "limit=" + std::to_string(pageSize);
      if (!continueToken.empty()) query += "&continue=" + urlEncode(continueToken);
    }
    const std::string path = withQuery(collectionPath, query);
    result.response = options.stop ? client.get(path, *options.stop) : client.get(path);
    if (stopped()) return fail("stopped");
    if (result.response.status == 410 && !continueToken.empty()) {
      if (options.onNote) options.onNote("continue token expired, listing without pagination");
      result.items.clear();
      continueToken.clear();
      pageSize = 0;
      continue;
    }
    if (!result.response.ok()) return fail(result.response.describe());
    nlohmann::json page = jsonNestsDeeperThan(result.response.body, kMaxJsonDepth)
                              ? nlohmann::json(nlohmann::json::value_t::discarded)
                              : nlohmann::json::parse(result.response.body, nullptr, false);
    if (!page.is_object()) return fail("the response is not a JSON object: " + excerpt(result.response.body));
    auto found = page.find("items");
    if (found != page.end() && !found->is_null()) {
      if (!found->is_array()) return fail("items is not a list");
      for (auto& item : *found) {
        if (!item.is_object()) return fail("items[" + std::to_string(result.items.size()) + "] is not an object");
        result.items.push_back(std::move(item));
      }
    }
    result.resourceVersion = metadataString(page, "resourceVersion");
    const std::string& next = metadataString(page, "continue");
    if (next.empty()) return result;
    // A server repeating itself would keep us listing forever.
    if (next == continueToken) return fail("the server returned the same continue token twice");
    continueToken = next;
  }
}

}  // namespace kube
