#pragma once
// metav1.LabelSelector: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist), ANDed.
// Used by NetworkPolicy pod/namespace selectors and anything else that selects objects by labels.
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/object_meta.h"

namespace kube {

struct LabelSelectorRequirement {
  enum class Operator { In, NotIn, Exists, DoesNotExist };
  std::string key;
  Operator op = Operator::Exists;
  std::vector<std::string> values;
};

struct LabelSelector {
  StringMap matchLabels;
  std::vector<LabelSelectorRequirement> matchExpressions;

  // An empty selector ({}) selects everything (metav1.LabelSelectorAsSelector maps it to Everything).
  bool selectsEverything() const { return matchLabels.empty() && matchExpressions.empty(); }
  bool matches(const StringMap& labels) const;
  // "pod=a,tier in (db,web),!legacy" — the kubectl spelling, for messages.
  std::string describe() const;
};

// Decodes a LabelSelector at `path`, validating as the API server does (metav1validation.ValidateLabelSelector:
// known operator; values required for In/NotIn and forbidden for Exists/DoesNotExist; keys qualified names,
// values valid label values, in matchLabels and matchExpressions alike). Throws DecodeError with field paths.
LabelSelector decodeLabelSelector(const nlohmann::json& value, const std::string& path);

}  // namespace kube
