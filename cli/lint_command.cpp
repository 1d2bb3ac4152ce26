// kguard lint -f PATH... [--level L] [--version V] [--config FILE] [--format text|json|sarif]
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "config/kguard_config.h"
#include "kube/manifest.h"
#include "lint/linter.h"
#include "lint/report_format.h"

namespace cli {
namespace {

struct LintFlags {
  std::vector<std::string> paths;
  std::string level, version, configPath, format = "text", defaultNamespace = "default";
};

int runLint(const LintFlags& flags) {
  try {
    lint::LintOptions options;
    if (!flags.configPath.empty()) options.config = config::loadConfig(flags.configPath);
    if (!flags.level.empty()) options.level = flags.level;
    if (!flags.version.empty()) options.version = flags.version;
    options.defaultNamespace = flags.defaultNamespace;
    auto manifests = kube::loadManifests(flags.paths);
    auto report = lint::lintManifests(manifests, options);
    if (flags.format == "json") std::cout << lint::formatJson(manifests, report);
    else if (flags.format == "sarif") std::cout << lint::formatSarif(manifests, report);
    else std::cout << lint::formatText(manifests, report);
    return report.hasViolations() ? kExitViolation : kExitOk;
  } catch (const kube::InputError& e) {
    std::cerr << "kguard lint: " << e.what() << "\n";
    return kExitUsage;
  }
}

}  // namespace

void addLintCommand(CLI::App& app, int* exitCode) {
  auto flags = std::make_shared<LintFlags>();
  auto* cmd = app.add_subcommand("lint", "Check manifests against Pod Security Standards, kguard rules, RBAC guardrails "
                                         "and NetworkPolicy lint; exit 0 clean, 1 violations, 2 bad input");
  cmd->add_option("-f,--filename", flags->paths, "File, folder (recursive *.yaml/*.yml/*.json) or - for stdin")
      ->required();
  cmd->add_option("--level", flags->level, "Pod Security level: privileged, baseline or restricted");
  cmd->add_option("--version", flags->version, "Pod Security version: v1.N or latest");
  cmd->add_option("--config", flags->configPath, "kguard configuration file (KguardConfiguration)");
  cmd->add_option("--format", flags->format, "Output format")->check(CLI::IsMember({"text", "json", "sarif"}));
  cmd->add_option("-n,--namespace", flags->defaultNamespace, "Namespace of objects that name none");
  cmd->callback([flags, exitCode] { *exitCode = runLint(*flags); });
}

}  // namespace cli
