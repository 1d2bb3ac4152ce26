#pragma once
// One problem found in one object, by any of kguard's checkers (Pod Security, kguard rules, RBAC
// guardrails and escalation paths, NetworkPolicy lint). Output formats (text, JSON, SARIF) add where the
// object came from. This folder sits below every producer and every report: it includes nothing of kguard.
#include <optional>
#include <string>

namespace findings {

// How much a finding matters (kguard audit, RBAC escalation paths, the catalog's defaults). Ordered: a
// smaller value is more severe.
enum class Severity { Critical, High, Medium, Low, Info };
const char* severityName(Severity s);  // "critical", "high", "medium", "low", "info"

// What a finding does to the run that found it, decided by the mode its checker ran in (enforce or warn),
// not by how dangerous it is: an Error fails `kguard lint` (exit 1) and denies at admission, a Warning is
// reported only.
enum class Enforcement { Error, Warning };

// The object a finding is about, when its producer knows it apart from where it was read (kguard audit
// reports live objects; lint's reports name the manifest instead).
struct ObjectRef {
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string container;  // the container inside a pod or pod template, when the finding is about one
};

struct Finding {
  std::string check;    // upstream check id ("hostNamespaces") or kguard's ("kguard.imageDigest")
  std::string level;    // what it was judged against: "restricted:v1.30", "kguard", "rbac", "netpol"
  std::string message;  // full sentence, e.g. `host namespaces (hostPID=true)`
  Enforcement enforcement = Enforcement::Error;
  std::string field;    // optional field path inside the object, for the SARIF/text line
  ObjectRef object;     // optional, see ObjectRef
  std::optional<Severity> severity;  // unset: the default of the check's descriptor (check_catalog.h)
  // Why the finding has its severity when a join moved it from the default (kguard audit: "critical: high
  // for hostNamespaces, raised because pods of other namespaces may connect to it (a, b)").
  std::string severityReason;
};

}  // namespace findings
