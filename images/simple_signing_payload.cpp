// Go's encoding/json decoding into sigstore's payload.SimpleContainerImage, on nlohmann's SAX events so
// that key order and repeated keys are seen as Go sees them (a DOM would merge or reorder them).
#include "images/simple_signing_payload.h"

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace images {
namespace {

// The Go type a JSON value decodes into.
enum class Target {
  Payload,   // SimpleContainerImage
  Critical,  // Critical
  Identity,  // Identity
  Image,     // Image
  Digest,    // Image.DockerManifestDigest (string)
  String,    // Critical.Type, Identity.DockerReference (strings cosign does not look at)
  Map,       // Optional (map[string]interface{})
  Any,       // an unknown field's value, an element of Optional: anything goes
};

struct Field {
  const char* name;
  Target target;
};

std::vector<Field> fieldsOf(Target t) {
  switch (t) {
    case Target::Payload: return {{"critical", Target::Critical}, {"optional", Target::Map}};
    case Target::Critical: return {{"identity", Target::Identity}, {"image", Target::Image}, {"type", Target::String}};
    case Target::Identity: return {{"docker-reference", Target::String}};
    case Target::Image: return {{"docker-manifest-digest", Target::Digest}};
    default: return {};
  }
}

bool isStruct(Target t) {
  return t == Target::Payload || t == Target::Critical || t == Target::Identity || t == Target::Image;
}

// Go's foldName (encoding/json fold.go): ASCII letters to upper case, and the two non-ASCII runes whose
// case-fold set holds an ASCII letter (U+212A KELVIN SIGN -> K, U+017F LATIN SMALL LETTER LONG S -> S).
// Every other non-ASCII rune folds to a non-ASCII one, so it can never match kguard's ASCII field names:
// it is kept as a byte that is no ASCII letter.
std::string goFold(std::string_view key) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(key[i]);
    if (c < 0x80) {
      out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    } else if (key.substr(i, 3) == "\xE2\x84\xAA") {
      out += 'K';
      i += 2;
    } else if (key.substr(i, 2) == "\xC5\xBF") {
      out += 'S';
      i += 1;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

class GoDecoder : public nlohmann::json_sax<nlohmann::json> {
 public:
  SignedDigest result;

  bool null() override { return check(target(), "null"); }
  bool boolean(bool) override { return check(target(), "a boolean"); }
  bool number_integer(number_integer_t) override { return check(target(), "a number"); }
  bool number_unsigned(number_unsigned_t) override { return check(target(), "a number"); }
  bool number_float(number_float_t, const string_t&) override { return check(target(), "a number"); }
  bool binary(binary_t&) override { return check(target(), "binary"); }
  bool string(string_t& s) override {
    const Target t = target();
    if (t == Target::Digest) result.digest = s;  // a repeated key replaces the value
    return check(t, "a string");
  }
  bool start_object(std::size_t) override {
    const Target t = target();
    check(t, "an object");
    // A struct's fields are decoded (a repeated struct is merged into); a map's values, or a value of
    // the wrong type, are only read through.
    frames_.push_back({isStruct(t) ? t : Target::Any, path_, false});
    return true;
  }
  bool key(string_t& key) override {
    const Frame& f = frames_.back();
    next_ = Target::Any;
    nextPath_ = f.path + "." + key;
    if (!isStruct(f.target)) return true;
    // An exact match first, then Go's case-insensitive one (encoding/json decode.go object()).
    const std::vector<Field> fields = fieldsOf(f.target);
    for (const auto& field : fields)
      if (key == field.name) {
        next_ = field.target;
        return true;
      }
    const std::string folded = goFold(key);
    for (const auto& field : fields)
      if (folded == goFold(field.name)) {
        next_ = field.target;
        return true;
      }
    return true;
  }
  bool end_object() override {
    frames_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    check(target(), "an array");
    frames_.push_back({Target::Any, path_, true});
    return true;
  }
  bool end_array() override {
    frames_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    result.problem = std::string("payload is not JSON: ") + e.what();
    return false;
  }

 private:
  struct Frame {
    Target target;  // Any inside a map, an unknown field or a value of the wrong type
    std::string path;
    bool array;
  };

  // The target of the value about to be read, with its path in path_ (an array's elements are no field).
  Target target() {
    if (frames_.empty()) {
      path_ = "payload";
      return Target::Payload;
    }
    if (frames_.back().array) {
      path_ = frames_.back().path + "[]";
      return Target::Any;
    }
    path_ = nextPath_;
    return next_;
  }

  // Go records the first value of the wrong type for its field and reads on; Unmarshal then fails, and
  // so does SimpleClaimVerifier. A null leaves any Go value as it was.
  bool check(Target t, std::string_view kind) {
    if (kind == "null" || t == Target::Any) return true;
    const char* wanted = t == Target::Digest || t == Target::String ? "a string" : "an object";
    if (kind != wanted && result.problem.empty())
      result.problem = path_ + " is " + std::string(kind) + ", not " + wanted + " (cosign refuses such a payload)";
    return true;
  }

  std::vector<Frame> frames_;
  Target next_ = Target::Any;
  std::string nextPath_, path_;
};

}  // namespace

SignedDigest signedDigestOf(const std::string& payload) {
  SignedDigest out;
  if (payload.compare(0, 3, "\xEF\xBB\xBF") == 0) {
    out.problem = "payload is not JSON: it starts with a byte-order mark";
    return out;
  }
  GoDecoder decoder;
  const bool parsed = nlohmann::json::sax_parse(payload, &decoder);
  out = decoder.result;
  if (!parsed && out.problem.empty()) out.problem = "payload is not JSON";
  out.ok = parsed && out.problem.empty();
  return out;
}

}  // namespace images
