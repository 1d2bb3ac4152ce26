// kguard: one binary, one subcommand per concern (see docs/cli-contract.md).
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "version/version.h"

namespace {

// CLI11 reports a word that names no subcommand as "A subcommand is required": say which word, what was
// expected, and where that command lives when it is another level's (`kguard netpol lint` -> `kguard lint`).
std::string unknownSubcommand(CLI::App& app, int argc, char** argv) {
  CLI::App* current = &app;
  std::string path = "kguard";
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') return "";  // an option: CLI11's own message fits
    auto named = [&word](CLI::App* sub) { return sub->get_name() == word; };
    auto found = current->get_subcommands(named);
    if (!found.empty()) {
      current = found.front();
      path += " " + word;
      continue;
    }
    auto all = current->get_subcommands([](CLI::App*) { return true; });
    if (all.empty()) return "";
    std::string expected;
    for (const CLI::App* sub : all) expected += (expected.empty() ? "" : ", ") + sub->get_name();
    std::string message = path + ": unknown command \"" + word + "\" (expected one of: " + expected + ")";
    if (current != &app && !app.get_subcommands(named).empty()) message += "; did you mean `kguard " + word + "`?";
    return message;
  }
  return "";
}

// "kguard lint", "kguard netpol matrix": the deepest command parsed when an error stopped the parse, so
// that its errors read as every other error of that command (`kguard lint: --format: ...`).
std::string commandPath(const CLI::App& app) {
  std::string path = "kguard";
  const CLI::App* current = &app;
  while (true) {
    auto parsed = current->get_subcommands();
    if (parsed.empty()) return path;
    current = parsed.front();
    path += " " + current->get_name();
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kguard: Kubernetes security toolkit (Pod Security, NetworkPolicy, RBAC)", "kguard"};
  app.require_subcommand(1);
  // A single-value flag given twice: the last one wins, as with kubectl (pflag's Set overwrites), so that
  // `$DEFAULT_FLAGS --format json` overrides. Set before the commands add their options, which copy it.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
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
    auto unknown = unknownSubcommand(app, argc, argv);
    if (!unknown.empty()) {
      std::cerr << unknown << "\n";
      return cli::kExitUsage;
    }
    std::cerr << commandPath(app) << ": " << e.what() << "\n";
    return cli::kExitUsage;
  }
  return exitCode;
}
