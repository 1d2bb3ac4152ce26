// kguard audit (--kubeconfig F [--context NAME] | -f PATH...) [-n NS]... [--config FILE]
//              [--format text|json|sarif|html|policyreport] [-o FILE] [--fail-on SEVERITY]
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <fstream>
#include <iostream>
#include <memory>
#include <system_error>

#include "audit/audit.h"
#include "audit/live_source.h"
#include "audit/report.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/repeated_input.h"
#include "cli/image_verifier.h"
#include "config/kguard_config.h"
#include "kube/api_client.h"
#include "kube/kubeconfig.h"
#include "cli/non_empty_flag.h"

namespace cli {
namespace {

struct AuditFlags {
  std::vector<std::string> paths, namespaces;
  std::string kubeconfig, context, configPath, format = "text", output, failOn = "high";
};

std::optional<findings::Severity> parseSeverity(const std::string& text) {
  for (auto s : {findings::Severity::Critical, findings::Severity::High, findings::Severity::Medium,
                 findings::Severity::Low, findings::Severity::Info})
    if (text == findings::severityName(s)) return s;
  return std::nullopt;
}

// "kguard audit: listed pods, 12000 objects so far" rewritten in place, only for a person watching a terminal.
class Progress {
 public:
  Progress() : enabled_(isatty(STDERR_FILENO) == 1) {}
  ~Progress() { done(); }
  void operator()(const std::string& resource, size_t items) {
    if (!enabled_) return;
    std::cerr << "\r\033[Kkguard audit: listed " << resource << ", " << items << " objects so far" << std::flush;
    shown_ = true;
  }
  void done() {
    if (shown_) std::cerr << "\r\033[K" << std::flush;
    shown_ = false;
  }

 private:
  bool enabled_;
  bool shown_ = false;
};

std::string render(const std::string& format, const audit::ClusterView& view, const audit::AuditReport& report) {
  if (format == "json") return audit::formatJson(view, report);
  if (format == "sarif") return audit::formatSarif(view, report);
  if (format == "html") return audit::formatHtml(view, report);
  if (format == "policyreport") return audit::formatPolicyReport(view, report);
  return audit::formatText(view, report);
}

int runAudit(const AuditFlags& flags) {
  try {
    if (!flags.kubeconfig.empty() && !flags.paths.empty())
      throw kube::InputError("-f and --kubeconfig cannot be used together: audit an export or a live cluster");
    if (flags.kubeconfig.empty() && flags.paths.empty()) throw kube::InputError("-f PATH or --kubeconfig FILE is required");
    if (!flags.context.empty() && flags.kubeconfig.empty()) throw kube::InputError("--context needs --kubeconfig");
    auto threshold = parseSeverity(flags.failOn);
    if (!threshold) throw kube::InputError("--fail-on: expected critical, high, medium, low or info, got \"" + flags.failOn + "\"");
    audit::AuditOptions options;
    if (!flags.configPath.empty()) options.config = config::loadConfig(flags.configPath);
    // rules.imageSignatures: the same verifier as the webhook and `lint --verify-images`, asking the
    // configured registries (a configuration naming signature policies means the audit goes online).
    std::unique_ptr<ConfiguredImageVerifier> verifier;
    if (!options.config.rules.imageSignatures.empty()) {
      verifier = std::make_unique<ConfiguredImageVerifier>(options.config.registries);
      options.imageVerifier = &verifier->cache();
    }

    audit::ClusterViewBuilder builder(flags.namespaces);
    std::vector<std::string> notes, loadErrors;
    if (!flags.kubeconfig.empty()) {
      kube::ApiClient client(kube::loadKubeconfig(flags.kubeconfig, flags.context));
      Progress progress;
      audit::LiveOptions live;
      live.namespaces = flags.namespaces;
      live.progress = [&progress](const std::string& r, size_t n) { progress(r, n); };
      live.consume = [&builder](std::vector<kube::Manifest> collection) { builder.add(std::move(collection)); };
      auto listing = audit::listCluster(client, live);
      progress.done();
      notes = std::move(listing.skipped);
    } else {
      kube::LoadProblems problems;
      builder.add(keepAppliedState(kube::loadManifests(flags.paths, problems), "kguard audit"));
      loadErrors = std::move(problems.errors);
    }
    auto view = builder.finish();
    auto report = audit::runAudit(view, options);
    report.errors.insert(report.errors.begin(), loadErrors.begin(), loadErrors.end());
    for (const auto& ns : audit::namespacesNotFound(view))
      report.errors.push_back("-n " + ns + ": no such namespace " +
                              (flags.kubeconfig.empty() ? "in the input" : "in the cluster") +
                              " (no Namespace object and no object in it): nothing of it was audited");
    report.notes = std::move(notes);

    std::string text = render(flags.format, view, report);
    if (flags.output.empty()) {
      std::cout << text;
    } else {
      std::ofstream file(flags.output, std::ios::binary | std::ios::trunc);
      // Why, from open(2): a missing folder, a folder given as FILE, no permission.
      const int openError = file ? 0 : errno;
      file << text;
      if (!file.flush()) {
        std::string why = openError ? std::generic_category().message(openError) : "write failed";
        why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
        throw kube::InputError("-o " + flags.output + ": cannot write the report: " + why);
      }
    }
    for (const auto& note : report.notes) std::cerr << "kguard audit: note: skipped, the audit covers only what was listed: " << note << "\n";
    for (const auto& e : report.errors) std::cerr << "kguard audit: " << e << "\n";
    if (!report.errors.empty()) return kExitUsage;
    return audit::anyAtOrAbove(report, *threshold) ? kExitViolation : kExitOk;
  } catch (const kube::InputError& e) {
    std::cerr << "kguard audit: " << e.what() << "\n";
    return kExitUsage;
  }
}

}  // namespace

void addAuditCommand(CLI::App& app, int* exitCode) {
  auto flags = std::make_shared<AuditFlags>();
  auto* cmd = app.add_subcommand("audit", "Audit a running cluster (or its export) by risk: Pod Security, kguard rules, "
                                          "NetworkPolicy exposure, RBAC escalation, and each namespace's Pod Security "
                                          "adoption path; exit 0 nothing at or above --fail-on, 1 findings, 2 bad input");
  cmd->add_option("-f,--filename", flags->paths, "An export (kubectl get ... -A -o yaml), manifests, a folder, or - for stdin");
  cmd->add_option("--kubeconfig", flags->kubeconfig, "Audit the live cluster of this kubeconfig")->check(nonEmpty());
  cmd->add_option("--context", flags->context, "The kubeconfig context to use (default: its current-context)")->check(nonEmpty());
  cmd->add_option("-n,--namespace", flags->namespaces, "Report only this namespace (repeatable)");
  cmd->add_option("--config", flags->configPath, "kguard configuration file (allowed registries, storage classes, sandboxed runtimes)")->check(nonEmpty());
  cmd->add_option("--format", flags->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif", "html", "policyreport"}));
  cmd->add_option("-o,--output", flags->output, "Write the report to this file instead of stdout");
  cmd->add_option("--fail-on", flags->failOn, "Exit 1 when a finding is at least this severe: critical, high (default), medium, low, info");
  cmd->callback([flags, exitCode] { *exitCode = runAudit(*flags); });
}

}  // namespace cli
