// The API server's ?timeout= (a Go duration), read as upstream's pod-security webhook reads it.
#include <catch2/catch.hpp>

#include "webhook/request_timeout.h"

using namespace std::chrono_literals;
using webhook::parseGoDuration;
using webhook::requestTimeout;

TEST_CASE("request timeout: Go durations as time.ParseDuration reads them") {
  CHECK(parseGoDuration("10s") == 10s);
  CHECK(parseGoDuration("1.5s") == 1500ms);
  CHECK(parseGoDuration("1m30s") == 90s);
  CHECK(parseGoDuration("250ms") == 250ms);
  CHECK(parseGoDuration("2h") == 2h);
  CHECK(parseGoDuration("500us") == 500us);
  CHECK(parseGoDuration("0") == 0s);
  CHECK(parseGoDuration("+3s") == 3s);
  CHECK(parseGoDuration(".5s") == 500ms);
  for (const char* bad : {"", "10", "s", "10x", "1.s.", "-1s", "1e3s", "abc", "99999999999h"})
    CHECK_FALSE(parseGoDuration(bad).has_value());
}

TEST_CASE("request timeout: the timeout parameter of the query, ignored when unreadable") {
  CHECK(requestTimeout("timeout=10s") == 10s);
  CHECK(requestTimeout("a=1&timeout=5s&b=2") == 5s);
  CHECK_FALSE(requestTimeout("").has_value());
  CHECK_FALSE(requestTimeout("mytimeout=5s").has_value());
  CHECK_FALSE(requestTimeout("timeout=soon").has_value());
}
