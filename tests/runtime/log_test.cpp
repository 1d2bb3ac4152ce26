// runtime::log: one JSON object per line with ts, level, msg and the fields; levels filter.
#include <catch2/catch.hpp>

#include <sstream>

#include <nlohmann/json.hpp>

#include "runtime/log.h"

using runtime::LogLevel;

TEST_CASE("log lines are JSON objects with ts, level, msg and the fields, escaped") {
  runtime::LogCapture capture;
  runtime::setLogLevel(LogLevel::Info);
  runtime::log(LogLevel::Info, "say \"hi\"\n", {{"path", "/tmp/a b"}, {"n", "3"}});
  runtime::log(LogLevel::Debug, "hidden at info");
  runtime::log(LogLevel::Error, "bad");
  std::istringstream lines(capture.text());
  std::string line;
  REQUIRE(std::getline(lines, line));
  auto first = nlohmann::json::parse(line);
  CHECK(first["msg"] == "say \"hi\"\n");
  CHECK(first["level"] == "info");
  CHECK(first["path"] == "/tmp/a b");
  CHECK(first["n"] == "3");
  CHECK(first["ts"].get<std::string>().size() == std::string("2026-12-04T23:00:00.000000Z").size());
  REQUIRE(std::getline(lines, line));
  auto second = nlohmann::json::parse(line);
  CHECK(second["msg"] == "bad");
  CHECK(second["level"] == "error");
  CHECK_FALSE(std::getline(lines, line));
}

TEST_CASE("debug lines appear at debug level; invalid UTF-8 does not break the line") {
  runtime::LogCapture capture;
  runtime::setLogLevel(LogLevel::Debug);
  CHECK(runtime::logEnabled(LogLevel::Debug));
  runtime::log(LogLevel::Debug, "decision", {{"name", std::string("bad \xff byte")}});
  runtime::setLogLevel(LogLevel::Info);
  CHECK_FALSE(runtime::logEnabled(LogLevel::Debug));
  auto line = nlohmann::json::parse(capture.text());
  CHECK(line["level"] == "debug");
  CHECK(line["name"].is_string());
}

TEST_CASE("log level names") {
  CHECK(runtime::parseLogLevel("debug") == LogLevel::Debug);
  CHECK(runtime::parseLogLevel("info") == LogLevel::Info);
  CHECK(runtime::parseLogLevel("warn") == LogLevel::Warn);
  CHECK(runtime::parseLogLevel("error") == LogLevel::Error);
  CHECK_FALSE(runtime::parseLogLevel("verbose").has_value());
}
