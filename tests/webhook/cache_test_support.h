#pragma once
// What the namespace and role cache tests share: an API client for the fake API server
// (tests/kube/fake_api_server.h), and waiting for what the caches' watches make true.
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "kube/api_client.h"
#include "tests/kube/fake_api_server.h"

namespace cache_test {

inline std::shared_ptr<const kube::ApiClient> clientFor(const kube_test::FakeApiServer& server) {
  kube::KubeConfig config;
  config.server = server.url();
  return std::make_shared<const kube::ApiClient>(config);
}

inline bool eventually(const std::function<bool()>& condition, int timeoutMs = 5000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return condition();
}

}  // namespace cache_test
