// kguard netpol: placeholder until its issue lands; exits 2 so that no script mistakes it for success.
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace cli {

void addNetpolCommand(CLI::App& app, int* exitCode) {
  auto* cmd = app.add_subcommand("netpol", "not implemented yet");
  cmd->allow_extras();
  cmd->callback([exitCode] {
    std::cerr << "kguard netpol: not implemented yet\n";
    *exitCode = kExitUsage;
  });
}

}  // namespace cli
