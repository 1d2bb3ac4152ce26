#include "findings/report_json.h"

namespace findings {

std::string jsonDocument(const nlohmann::json& document) {
  return document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace findings
