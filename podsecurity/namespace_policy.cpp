#include "podsecurity/namespace_policy.h"

namespace podsecurity {
namespace {

using podsecurity::Level;
using podsecurity::Version;

const std::string kPrefix = "pod-security.kubernetes.io/";

int rank(Level level) { return static_cast<int>(level); }  // privileged < baseline < restricted

class LabelReader {
 public:
  LabelReader(const kube::StringMap& labels, std::vector<FieldError>& errors) : labels_(labels), errors_(errors) {}

  const std::string* find(const char* mode) const {
    // One buffer per thread for the key: this runs several times on every admission request.
    thread_local std::string key;
    key.assign(kPrefix).append(mode);
    auto it = labels_.find(key);
    return it == labels_.end() ? nullptr : &it->second;
  }

  // Returns true when the label was valid; `fallback` is what an invalid label means.
  bool readLevel(const char* mode, Level& out, Level fallback) {
    const std::string* value = find(mode);
    if (!value) return false;
    auto level = podsecurity::parseLevel(*value);
    if (!level) {
      invalid(mode, *value, "must be one of privileged, baseline, restricted");
      out = fallback;
      return false;
    }
    out = *level;
    return true;
  }

  void readVersion(const char* mode, Version& out) {
    const std::string* value = find(mode);
    if (!value) return;
    auto version = podsecurity::parseVersion(*value);
    if (!version) {
      invalid(mode, *value, "must be \"latest\" or \"v1.x\"");
      out = Version::latest();
      return;
    }
    out = *version;
  }

 private:
  void invalid(const char* mode, const std::string& value, const char* why) {
    errors_.push_back({"metadata.labels[" + kPrefix + mode + "]", value, why});
  }

  const kube::StringMap& labels_;
  std::vector<FieldError>& errors_;
};

}  // namespace

bool NamespacePolicy::fullyPrivileged() const {
  return enforce.level == Level::Privileged && audit.level == Level::Privileged && warn.level == Level::Privileged;
}

std::string PolicyFromLabels::errorText() const {
  if (errors.size() == 1) return errors[0].toString();
  std::string out = "[";
  for (size_t i = 0; i < errors.size(); ++i) out += (i ? ", " : "") + errors[i].toString();
  return out + "]";
}

PolicyFromLabels policyToEvaluate(const kube::StringMap& labels, const PolicyDefaults& defaults) {
  PolicyFromLabels out{{defaults.enforce, defaults.audit, defaults.warn}, {}};
  LabelReader reader(labels, out.errors);
  auto& p = out.policy;
  bool hasEnforceLevel = reader.readLevel("enforce", p.enforce.level, Level::Restricted);
  reader.readVersion("enforce-version", p.enforce.version);
  reader.readLevel("audit", p.audit.level, Level::Privileged);
  reader.readVersion("audit-version", p.audit.version);
  bool hasWarnLevel = reader.find("warn") != nullptr;
  reader.readLevel("warn", p.warn.level, Level::Privileged);
  reader.readVersion("warn-version", p.warn.version);
  // Warn follows an explicitly set, stricter enforce level (and its version, unless warn-version is set),
  // so that `kubectl apply` shows what enforce will refuse.
  if (!hasWarnLevel && hasEnforceLevel && rank(p.enforce.level) > rank(p.warn.level)) {
    p.warn.level = p.enforce.level;
    if (!reader.find("warn-version")) p.warn.version = p.enforce.version;
  }
  return out;
}

bool equivalent(const podsecurity::LevelVersion& a, const podsecurity::LevelVersion& b) {
  if (a.level != b.level) return false;
  return a.level == Level::Privileged || a.version == b.version;
}

}  // namespace podsecurity
