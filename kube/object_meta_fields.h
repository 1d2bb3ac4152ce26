#pragma once
// Lenient reads of one `metadata` field of an object as JSON, for code that needs a name or a
// resourceVersion and must not fail on odd input (list pages, watch events, report locations). Strict
// decoding with errors naming the field is decodeObjectMeta (kube/pod_decode.h).
#include <string>

#include <nlohmann/json.hpp>

namespace kube {

// metadata.<field>, or nullptr when the object, its metadata or the field is missing or not an object.
const nlohmann::json* metadataField(const nlohmann::json& object, const char* field);

// metadata.<field> as a string; "" when it is missing or not a string.
const std::string& metadataString(const nlohmann::json& object, const char* field);

}  // namespace kube
