// kguard lint: placeholder until the lint library lands.
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace cli {

void addLintCommand(CLI::App& app, int* exitCode) {
  auto* cmd = app.add_subcommand("lint", "not implemented yet");
  cmd->allow_extras();
  cmd->callback([exitCode] {
    std::cerr << "kguard lint: not implemented yet\n";
    *exitCode = kExitUsage;
  });
}

}  // namespace cli
