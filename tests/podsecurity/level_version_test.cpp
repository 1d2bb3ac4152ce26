#include <catch2/catch.hpp>

#include "podsecurity/level_version.h"

using namespace podsecurity;

TEST_CASE("levels parse only as upstream's exact lower-case names") {
  CHECK(parseLevel("privileged") == Level::Privileged);
  CHECK(parseLevel("baseline") == Level::Baseline);
  CHECK(parseLevel("restricted") == Level::Restricted);
  for (const char* bad : {"", "Restricted", "restricted ", "strict", "RESTRICTED"}) {
    INFO(bad);
    CHECK_FALSE(parseLevel(bad).has_value());
  }
  CHECK(std::string(toString(Level::Baseline)) == "baseline");
}

TEST_CASE("versions parse as latest or v1.<minor> without leading zeros") {
  CHECK(parseVersion("latest")->isLatest());
  CHECK(parseVersion("v1.0") == Version::v1(0));
  CHECK(parseVersion("v1.30") == Version::v1(30));
  CHECK(parseVersion("v1.999") == Version::v1(999));
  for (const char* bad : {"", "Latest", "v1", "v1.", "1.30", "v2.0", "v1.01", "v1.3a", "v1.-1", " v1.3", "v1.3 ",
                          "v1.99999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(parseVersion(bad).has_value());
  }
  CHECK_THROWS_AS(Version::v1(-1), std::invalid_argument);
}

TEST_CASE("versions order with latest newest of all, and print as in labels") {
  CHECK(Version::v1(9).olderThan(Version::v1(10)));
  CHECK_FALSE(Version::v1(10).olderThan(Version::v1(10)));
  CHECK(Version::v1(1000).olderThan(Version::latest()));
  CHECK_FALSE(Version::latest().olderThan(Version::v1(1000)));
  CHECK(Version::v1(30).toString() == "v1.30");
  CHECK(Version::latest().toString() == "latest");
  CHECK(LevelVersion{Level::Restricted, Version::v1(30)}.toString() == "restricted:v1.30");
  CHECK(LevelVersion{Level::Baseline, Version::latest()}.toString() == "baseline:latest");
}
