#include <catch2/catch.hpp>

#include "podsecurity/checks/helpers.h"

using namespace podsecurity::checks;

TEST_CASE("helpers word lists as upstream's joinQuote and pluralize do") {
  CHECK(joinQuote(std::vector<std::string>{}).empty());
  CHECK(joinQuote(std::vector<std::string>{"a"}) == "\"a\"");
  CHECK(joinQuote(std::vector<std::string>{"b", "a"}) == "\"b\", \"a\"");  // order kept
  SortedSet<std::string> set;
  for (const char* item : {"b", "a", "b"}) set.insert(item);
  CHECK(set.size() == 2);
  CHECK(joinQuote(set) == "\"a\", \"b\"");  // sets come sorted and unique
  CHECK(std::string(pluralize("volume", "volumes", 1)) == "volume");
  CHECK(std::string(pluralize("volume", "volumes", 0)) == "volumes");
  CHECK(std::string(pluralize("volume", "volumes", 2)) == "volumes");
  CHECK(concat(containers(NameList{"x"})) == "container \"x\"");
  CHECK(concat(containers(NameList{"x", "y"})) == "containers \"x\", \"y\"");
  CHECK(join(NameList{"a", "b", "c"}, " and ") == "a and b and c");
  CHECK(join(NameList{"", "b"}, ", ") == ", b");
  CHECK(concat("a", std::string("b"), std::string_view("c")) == "abc");
}

TEST_CASE("goQuote escapes like Go's %q") {
  CHECK(goQuote("unconfined") == "\"unconfined\"");
  CHECK(goQuote("") == "\"\"");
  CHECK(goQuote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(goQuote("line\nnext\ttab") == "\"line\\nnext\\ttab\"");
  CHECK(goQuote(std::string("\x01\x7f", 2)) == "\"\\x01\\x7f\"");
  CHECK(goQuote("h\xC3\xA9") == "\"h\xC3\xA9\"");  // printable UTF-8 stays
}

TEST_CASE("pod predicates: Windows pods and user namespaces") {
  kube::PodSpec spec;
  CHECK_FALSE(isWindowsPod(spec));
  spec.osName = "linux";
  CHECK_FALSE(isWindowsPod(spec));
  spec.osName = "windows";
  CHECK(isWindowsPod(spec));
  CHECK_FALSE(inUserNamespace(spec));
  spec.hostUsers = true;
  CHECK_FALSE(inUserNamespace(spec));
  spec.hostUsers = false;
  CHECK(inUserNamespace(spec));
}
