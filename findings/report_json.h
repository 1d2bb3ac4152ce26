#pragma once
// The one JSON serialization of kguard's reports (lint, rbac audit, SARIF): what each report holds is its
// own; how it is written is the same everywhere.
#include <string>

#include <nlohmann/json.hpp>

namespace findings {

// Indented by 2, with a final newline; invalid UTF-8 (file names may hold any bytes) is replaced, never thrown on.
std::string jsonDocument(const nlohmann::json& document);

}  // namespace findings
