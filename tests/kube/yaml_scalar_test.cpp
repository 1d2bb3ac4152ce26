#include <catch2/catch.hpp>

#include "kube/yaml_scalar.h"

using kube::resolvePlainScalar;
using kube::resolveTaggedScalar;

TEST_CASE("plain scalars resolve like kubectl's YAML 1.1 reader") {
  CHECK(resolvePlainScalar("") == nullptr);
  CHECK(resolvePlainScalar("~") == nullptr);
  CHECK(resolvePlainScalar("null") == nullptr);
  CHECK(resolvePlainScalar("true") == true);
  CHECK(resolvePlainScalar("yes") == true);
  CHECK(resolvePlainScalar("On") == true);
  CHECK(resolvePlainScalar("NO") == false);
  CHECK(resolvePlainScalar("off") == false);
  CHECK(resolvePlainScalar("80") == 80);
  CHECK(resolvePlainScalar("-1") == -1);
  CHECK(resolvePlainScalar("+7") == 7);
  CHECK(resolvePlainScalar("0x1F") == 31);
  CHECK(resolvePlainScalar("0755") == 493);
  CHECK(resolvePlainScalar("1_000") == 1000);
  CHECK(resolvePlainScalar("1.5") == 1.5);
  CHECK(resolvePlainScalar("1e3") == 1000.0);
  CHECK(resolvePlainScalar("v1") == "v1");
  CHECK(resolvePlainScalar("1.2.3") == "1.2.3");
  // go-yaml v2: not a valid octal integer, but it matches the float pattern.
  CHECK(resolvePlainScalar("08") == 8.0);
  CHECK(resolvePlainScalar("99999999999999999999999") == 1e23);
  CHECK(resolvePlainScalar("0x") == "0x");
  CHECK(resolvePlainScalar(".") == ".");
}

TEST_CASE("explicit tags win over plain resolution") {
  CHECK(resolveTaggedScalar("true", "tag:yaml.org,2002:str") == "true");
  CHECK(resolveTaggedScalar("12", "tag:yaml.org,2002:int") == 12);
  CHECK(resolveTaggedScalar("x", "!custom") == "x");
}
