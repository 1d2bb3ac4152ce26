#pragma once
// The API server's `?timeout=` on each admission call: how long it waits for the webhook's answer (the
// webhook configuration's timeoutSeconds, less what its earlier webhooks took), written as a Go
// duration ("10s"; rest.Request.Timeout). Read as upstream's pod-security webhook reads it
// (cmd/webhook/server parseTimeout, time.ParseDuration); an unreadable value is ignored, as there.
#include <chrono>
#include <optional>
#include <string_view>

namespace webhook {

// A Go duration ("10s", "1.5s", "1m30s", "250ms"), nullopt when malformed or negative; "0" is zero.
std::optional<std::chrono::nanoseconds> parseGoDuration(std::string_view text);

// The `timeout` parameter of a request's query ("timeout=10s&x=y"), nullopt when absent or unreadable.
std::optional<std::chrono::nanoseconds> requestTimeout(std::string_view query);

}  // namespace webhook
