// kguard lint -f PATH... [--level L] [--version V] [--config FILE] [--format text|json|sarif] [--verify-images]
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/repeated_input.h"
#include "cli/image_verifier.h"
#include "config/kguard_config.h"
#include "kube/manifest.h"
#include "lint/linter.h"
#include "lint/report_format.h"

namespace cli {
namespace {

struct LintFlags {
  std::vector<std::string> paths;
  std::string level, version, configPath, format = "text", defaultNamespace = "default";
  bool namespaceGiven = false;
  std::vector<std::string> emptyFlags;  // --level, --version or --config given an empty value
  bool verifyImages = false;
};

std::string format(const std::string& format, const std::vector<kube::Manifest>& manifests,
                   const lint::LintReport& report) {
  if (format == "json") return lint::formatJson(manifests, report);
  if (format == "sarif") return lint::formatSarif(manifests, report);
  return lint::formatText(manifests, report);
}

// Problems go to stderr after the report; JSON and SARIF stay well-formed on stdout whatever happens
// (SARIF also carries them as tool notifications), so a CI upload never gets an empty file.
void printProblems(const lint::LintReport& report) {
  for (const auto& e : report.errors) std::cerr << "kguard lint: " << e << "\n";
  if (!report.skipped.empty()) {
    std::cerr << "kguard lint: note: skipped " << report.skipped.size()
              << (report.skipped.size() == 1 ? " document" : " documents")
              << " that are not complete Kubernetes objects:\n";
    for (const auto& s : report.skipped) std::cerr << "  " << s << "\n";
  }
}

int runLint(const LintFlags& flags) {
  std::vector<kube::Manifest> manifests;
  lint::LintReport report;
  try {
    lint::LintOptions options;
    // `--config "$UNSET"` read as no flag would run without the configuration (no rules, no exemptions).
    for (const auto& name : flags.emptyFlags) throw kube::InputError(name + ": empty value (an unset variable?)");
    if (!flags.configPath.empty()) options.config = config::loadConfig(flags.configPath);
    if (!flags.level.empty()) options.level = flags.level;
    if (!flags.version.empty()) options.version = flags.version;
    options.defaultNamespace = flags.defaultNamespace;
    options.namespaceFromFlag = flags.namespaceGiven;
    // rules.imageSignatures needs the registries: only with --verify-images, offline lint makes no call.
    std::unique_ptr<ConfiguredImageVerifier> verifier;
    if (flags.verifyImages) {
      verifier = std::make_unique<ConfiguredImageVerifier>(options.config.registries);
      options.imageVerifier = &verifier->cache();
    } else if (!options.config.rules.imageSignatures.empty()) {
      std::cerr << "kguard lint: note: rules.imageSignatures is not checked offline; --verify-images asks the registries\n";
    }
    kube::LoadProblems problems;
    manifests = kube::loadManifests(flags.paths, problems);
    warnRepeatedObjects(manifests, flags.defaultNamespace);
    report = lint::lintManifests(manifests, options);
    report.errors.insert(report.errors.begin(), problems.errors.begin(), problems.errors.end());
    report.skipped = std::move(problems.skipped);
  } catch (const kube::InputError& e) {  // a bad flag or config: nothing was judged
    manifests.clear();
    report = {};
    report.errors.push_back(e.what());
    if (flags.format != "text") std::cout << format(flags.format, manifests, report);
    printProblems(report);
    return kExitUsage;
  }
  std::cout << format(flags.format, manifests, report);
  printProblems(report);
  if (!report.errors.empty()) return kExitUsage;
  return report.hasViolations() ? kExitViolation : kExitOk;
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
  cmd->add_flag("--verify-images", flags->verifyImages,
                "Check rules.imageSignatures: verify cosign signatures at the registries (network); without it lint is offline");
  auto* ns = cmd->add_option("-n,--namespace", flags->defaultNamespace, "Namespace of objects that name none");
  cmd->callback([flags, exitCode, ns, cmd] {
    flags->namespaceGiven = ns->count() > 0;
    for (const char* name : {"--level", "--version", "--config"})
      if (cmd->count(name) > 0 && cmd->get_option(name)->as<std::string>().empty()) flags->emptyFlags.push_back(name);
    *exitCode = runLint(*flags);
  });
}

}  // namespace cli
