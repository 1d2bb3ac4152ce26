#include "runtime/log.h"

#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace runtime {
namespace {

// %v is the rest of a JSON object rendered by log() below.
constexpr const char* kPattern = R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})";

spdlog::logger& logger() {
  static auto instance = [] {
    auto l = spdlog::stderr_logger_mt("kguard");
    l->set_pattern(kPattern, spdlog::pattern_time_type::utc);
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

std::optional<LogLevel> parseLogLevel(const std::string& name) {
  if (name == "debug") return LogLevel::Debug;
  if (name == "info") return LogLevel::Info;
  if (name == "warn") return LogLevel::Warn;
  if (name == "error") return LogLevel::Error;
  return std::nullopt;
}

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

struct LogCapture::Impl {
  std::ostringstream buffer;
  std::vector<spdlog::sink_ptr> saved;
};

LogCapture::LogCapture() : impl_(new Impl) {
  auto& sinks = logger().sinks();
  impl_->saved = sinks;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(impl_->buffer, true);
  sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(kPattern, spdlog::pattern_time_type::utc));
  sinks = {sink};
}

LogCapture::~LogCapture() {
  logger().sinks() = impl_->saved;
  delete impl_;
}

std::string LogCapture::text() const {
  logger().flush();
  return impl_->buffer.str();
}

}  // namespace runtime
