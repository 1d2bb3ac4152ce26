#pragma once
// A point in time by which a whole operation (all its registry round trips) must be done.
#include <chrono>

namespace images {

struct Deadline {
  std::chrono::steady_clock::time_point at;

  static Deadline in(std::chrono::milliseconds budget) { return {std::chrono::steady_clock::now() + budget}; }
  std::chrono::milliseconds remaining() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at - std::chrono::steady_clock::now());
    return left.count() > 0 ? left : std::chrono::milliseconds(0);
  }
  bool expired() const { return std::chrono::steady_clock::now() >= at; }
};

}  // namespace images
