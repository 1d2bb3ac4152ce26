#pragma once
// The escalation audit as text (for people), JSON (for scripts) and SARIF 2.1.0 (for code scanning).
#include <string>
#include <vector>

#include "rbac/audit.h"

namespace rbac {

std::string formatAuditText(const std::vector<EscalationFinding>& findings);
std::string formatAuditJson(const std::vector<EscalationFinding>& findings);
std::string formatAuditSarif(const std::vector<EscalationFinding>& findings);

}  // namespace rbac
