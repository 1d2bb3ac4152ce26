#pragma once
// Structured JSON logs of kguard's daemons (webhook, netpol agent): one object per line on stderr,
// {"ts":"2026-12-04T23:00:00.000000Z","level":"info","msg":"...",<fields>} (spdlog underneath).
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

namespace runtime {

enum class LogLevel { Debug, Info, Warn, Error };

using LogField = std::pair<const char*, std::string>;

// "debug", "info", "warn", "error"; nullopt for anything else.
std::optional<LogLevel> parseLogLevel(const std::string& name);
void setLogLevel(LogLevel level);  // default Info
bool logEnabled(LogLevel level);
void log(LogLevel level, const std::string& message, std::initializer_list<LogField> fields = {});

// For tests: while alive, log lines go to a buffer instead of stderr. Create it before the threads
// that log start; one at a time.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::string text() const;  // every line logged so far

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace runtime
