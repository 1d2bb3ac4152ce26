#include <catch2/catch.hpp>

#include "kube/dns_names.h"

using kube::isDns1123Label;
using kube::isDns1123Subdomain;

// The cases of apimachinery's validation_test.go TestIsDNS1123Label / TestIsDNS1123Subdomain, in kind.
TEST_CASE("RFC 1123 labels: lowercase alphanumerics and '-', alphanumeric at both ends, at most 63") {
  for (const char* good : {"a", "ab", "a-b", "0", "a0", "0a", "a--b"}) CHECK(isDns1123Label(good));
  for (const char* bad : {"", "A", "-a", "a-", "a.b", "a_b", "a b", "é"}) CHECK_FALSE(isDns1123Label(bad));
  CHECK(isDns1123Label(std::string(63, 'a')));
  CHECK_FALSE(isDns1123Label(std::string(64, 'a')));
}

TEST_CASE("RFC 1123 subdomains: dot-separated labels, at most 253 in all") {
  for (const char* good : {"a", "a.b", "a-b.c-d", "example.com", "0.0"}) CHECK(isDns1123Subdomain(good));
  for (const char* bad : {"", ".", "a.", ".a", "a..b", "A.b", "a.-b", "a_b.c"}) CHECK_FALSE(isDns1123Subdomain(bad));
  std::string longLabel(100, 'a');  // a subdomain's labels have no 63 limit of their own
  CHECK(isDns1123Subdomain(longLabel));
  CHECK(isDns1123Subdomain(std::string(253, 'a')));
  CHECK_FALSE(isDns1123Subdomain(std::string(254, 'a')));
}
