#pragma once
// who-can answers as text (a table) and JSON.
#include <string>
#include <vector>

#include "rbac/evaluator.h"

namespace rbac {

std::string formatWhoCanText(const Evaluator& evaluator, const Request& request, const std::vector<WhoCanEntry>& entries);
std::string formatWhoCanJson(const Evaluator& evaluator, const Request& request, const std::vector<WhoCanEntry>& entries);

}  // namespace rbac
