#pragma once
// The registries, images and keys registry_e2e.py prepared, read once from the JSON file it names in
// KGUARD_REGISTRY_FIXTURE; the registry tests fail when they are not run through that script.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>

inline const nlohmann::json& registryFixture() {
  static nlohmann::json doc = [] {
    const char* path = std::getenv("KGUARD_REGISTRY_FIXTURE");
    if (!path) FAIL("KGUARD_REGISTRY_FIXTURE is not set: run this test through tests/images/registry_e2e.py");
    std::ifstream in(path);
    return nlohmann::json::parse(in);
  }();
  return doc;
}
