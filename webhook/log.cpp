#include "webhook/log.h"

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace webhook {
namespace {

spdlog::logger& logger() {
  static auto instance = [] {
    auto l = spdlog::stderr_logger_mt("kguard");
    // %v is the rest of a JSON object rendered by log() below.
    l->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
    l->set_level(spdlog::level::info);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return *instance;
}

spdlog::level::level_enum toSpd(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return spdlog::level::debug;
    case LogLevel::Info: return spdlog::level::info;
    case LogLevel::Warn: return spdlog::level::warn;
    case LogLevel::Error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

void setLogLevel(LogLevel level) { logger().set_level(toSpd(level)); }
bool logEnabled(LogLevel level) { return logger().should_log(toSpd(level)); }

void log(LogLevel level, const std::string& message, std::initializer_list<LogField> fields) {
  if (!logEnabled(level)) return;
  nlohmann::json rest = {{"msg", message}};
  for (const auto& [key, value] : fields) rest[key] = value;
  std::string body = rest.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Drop the braces: the pattern supplies the enclosing object.
  logger().log(toSpd(level), "{}", body.substr(1, body.size() - 2));
}

}  // namespace webhook
