#pragma once
// The exit codes of ../docs/cli-contract.md, in one place.
namespace cli {
enum ExitCode : int {
  kExitOk = 0,          // no violation / allowed / yes
  kExitViolation = 1,   // violations found / denied / no
  kExitUsage = 2,       // bad input or usage
};
}  // namespace cli
