#pragma once
// The one JSON serialization of kguard's reports (lint, rbac audit, SARIF): what each report holds is its
// own; how it is written is the same everywhere.
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace findings {

// Indented by 2, with a final newline; invalid UTF-8 (file names may hold any bytes) is replaced, never thrown on.
std::string jsonDocument(const nlohmann::json& document);

// A document of the keys of `document` plus one array `arrayKey` written element by element, laid out
// byte for byte as jsonDocument would lay out the whole: a report of many thousand findings is never one
// tree in memory. `element(i)` gives element i of `count`.
std::string jsonDocumentWithArray(const nlohmann::json& document, const std::string& arrayKey, size_t count,
                                  const std::function<nlohmann::json(size_t)>& element);

}  // namespace findings
