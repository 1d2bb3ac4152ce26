// kguard: one binary, one subcommand per concern (see docs/cli-contract.md).
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"

int main(int argc, char** argv) {
  CLI::App app{"kguard: Kubernetes security toolkit (Pod Security, NetworkPolicy, RBAC)", "kguard"};
  app.require_subcommand(1);
  int exitCode = cli::kExitOk;
  cli::addLintCommand(app, &exitCode);
  cli::addWebhookCommand(app, &exitCode);
  cli::addNetpolCommand(app, &exitCode);
  cli::addRbacCommand(app, &exitCode);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return cli::kExitUsage;
  }
  return exitCode;
}
