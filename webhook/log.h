#pragma once
// Structured JSON logs, one object per line on stderr (spdlog underneath): errors always, one line
// per admission decision at debug level.
#include <initializer_list>
#include <string>
#include <utility>

namespace webhook {

enum class LogLevel { Debug, Info, Warn, Error };

using LogField = std::pair<const char*, std::string>;

void setLogLevel(LogLevel level);
bool logEnabled(LogLevel level);
void log(LogLevel level, const std::string& message, std::initializer_list<LogField> fields = {});

}  // namespace webhook
