#pragma once
// The registry of every check, rule and guardrail kguard reports: each is described once here (id, what it
// protects against, how to fix a finding, default severity, the risk it addresses). It is the one source of
// SARIF rule help (help.text/help.markdown, helpUri) and of docs/rules.md.
#include <string>
#include <vector>

#include "findings/finding.h"

namespace findings {

// The risks containers pose that kguard's checks address (the classes of issue 15's `kguard audit`).
enum class Risk { HostIsolation, Privilege, ResourceLimits, ImageTrust, NetworkExposure, DataProtection, RuntimeIsolation, Rbac };
const char* riskName(Risk r);  // "host-isolation", "privilege", ..., "rbac"

struct CheckDescriptor {
  const char* id;         // as in findings: "hostNamespaces", "kguard.imageDigest", "rbac.wildcardGrant"
  const char* family;     // "Pod Security (baseline)", "kguard rule", "RBAC guardrail", "NetworkPolicy lint"
  const char* title;      // one line
  const char* protects;   // what goes wrong when it is ignored
  const char* fix;        // markdown; YAML snippets in ```yaml fences
  const char* reference;  // public upstream documentation of what it checks (kubernetes.io)
  Severity severity;      // default severity of its findings
  Risk risk;
};

// Every check kguard can report, grouped by family.
const std::vector<CheckDescriptor>& checkCatalog();

// The entry for `id`, or nullptr for an id the catalog does not know.
const CheckDescriptor* findCheck(const std::string& id);

// A finding's severity: its own when its producer set one, else its check's default (Info when unknown).
Severity severityOf(const Finding& finding);

// docs/rules.md: every entry of the catalog, generated (tests/lint/rules_doc_test compares).
std::string rulesMarkdown();

}  // namespace findings
