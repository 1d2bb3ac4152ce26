#pragma once
// A typed object decoded once where its JSON is read (kube::Manifest's constructor), for every reader.
// A DecodeError is kept and rethrown by get(), so each reader reports it where and how it always did,
// and readers that do not need the object never see it.
#include <optional>
#include <utility>

#include "kube/decode_error.h"

namespace kube {

template <typename T>
class Decoded {
 public:
  Decoded() = default;  // none: get() is nullptr
  // decode() -> T or std::optional<T> (none), run now; its DecodeError is kept.
  template <typename Decode>
  static Decoded of(Decode&& decode) {
    Decoded out;
    try {
      out.value_ = decode();
    } catch (const DecodeError& e) {
      out.error_ = e;
    }
    return out;
  }

  // The object, or nullptr when there is none. Throws the kept DecodeError.
  const T* get() const {
    if (error_) throw *error_;
    return value_ ? &*value_ : nullptr;
  }

 private:
  std::optional<T> value_;
  std::optional<DecodeError> error_;
};

}  // namespace kube
