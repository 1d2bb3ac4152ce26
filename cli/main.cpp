// kguard: one binary, one subcommand per concern (see docs/cli-contract.md).
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "version/version.h"

int main(int argc, char** argv) {
  CLI::App app{"kguard: Kubernetes security toolkit (Pod Security, NetworkPolicy, RBAC)", "kguard"};
  app.require_subcommand(1);
  const std::string version = std::string("kguard ") + kguard::kVersion + " (commit " + kguard::kGitCommit + ")";
  app.set_version_flag("--version", version, "Print kguard's version and git commit");
  app.add_subcommand("version", "Print kguard's version and git commit")->callback([&version] { std::cout << version << "\n"; });
  int exitCode = cli::kExitOk;
  cli::addLintCommand(app, &exitCode);
  cli::addWebhookCommand(app, &exitCode);
  cli::addNetpolCommand(app, &exitCode);
  cli::addRbacCommand(app, &exitCode);
  cli::addAuditCommand(app, &exitCode);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return cli::kExitUsage;
  }
  return exitCode;
}
