#pragma once
// who-can answers as text (a table) and JSON: the subjects allowed the request, then those allowed it
// only on named objects (Evaluator::whoCanOnlyNamed).
#include <string>
#include <vector>

#include "rbac/evaluator.h"

namespace rbac {

std::string formatWhoCanText(const Evaluator& evaluator, const Request& request, const std::vector<WhoCanEntry>& entries,
                             const std::vector<NamedOnlyEntry>& onlyNamed = {});
// {"request", "subjects": [...], "onlyNamedObjects": [... with "resourceNames"]}
std::string formatWhoCanJson(const Evaluator& evaluator, const Request& request, const std::vector<WhoCanEntry>& entries,
                             const std::vector<NamedOnlyEntry>& onlyNamed = {});

}  // namespace rbac
