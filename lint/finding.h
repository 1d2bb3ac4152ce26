#pragma once
// One problem found in one object, by any of kguard's checkers (Pod Security, kguard rules, RBAC
// guardrails, NetworkPolicy lint). Output formats (text, JSON, SARIF) add where the object came from.
#include <string>

namespace lint {

enum class Severity { Error, Warning };

struct Finding {
  std::string check;    // upstream check id ("hostNamespaces") or kguard rule id ("kguard.imageDigest")
  std::string level;    // what it was judged against: "restricted:v1.30", "kguard", "rbac", "netpol"
  std::string message;  // full sentence, e.g. `host namespaces (hostPID=true)`
  Severity severity = Severity::Error;  // warnings are reported but do not fail lint
  std::string field;    // optional field path inside the object, for the SARIF/text line
};

}  // namespace lint
