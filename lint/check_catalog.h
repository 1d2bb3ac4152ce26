#pragma once
// What every check, rule and guardrail kguard reports protects against and how to fix a finding: the
// one source of SARIF rule help (help.text/help.markdown, helpUri) and of docs/rules.md.
#include <string>
#include <vector>

namespace lint {

struct CheckInfo {
  const char* id;        // as in findings: "hostNamespaces", "kguard.imageDigest", "rbac.wildcardGrant"
  const char* family;    // "Pod Security (baseline)", "kguard rule", "RBAC guardrail", "NetworkPolicy lint"
  const char* title;     // one line
  const char* protects;  // what goes wrong when it is ignored
  const char* fix;       // markdown; YAML snippets in ```yaml fences
  const char* helpUri;   // public upstream documentation of what it checks (kubernetes.io)
};

// Every check kguard lint can report, grouped by family.
const std::vector<CheckInfo>& checkCatalog();

// The entry for `id`, or nullptr for an id the catalog does not know.
const CheckInfo* findCheck(const std::string& id);

// docs/rules.md: every entry of the catalog, generated (tests/lint/rules_doc_test compares).
std::string rulesMarkdown();

}  // namespace lint
