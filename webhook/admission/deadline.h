#pragma once
// When the webhook's own waits (namespace and role lookups, a namespace update's pod checks) must end: the
// request's arrival plus the API server's ?timeout=, less a margin (webhook/server.cpp). kNoDeadline when the
// API server did not say.
#include <chrono>

namespace admission {

using Deadline = std::chrono::steady_clock::time_point;
inline constexpr Deadline kNoDeadline = Deadline::max();

}  // namespace admission
