// kguard rbac can-i | who-can | audit — RBAC evaluation and analysis, from exported objects
// (`kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml`, -f) or listed from a live
// cluster (--kubeconfig; rbac/live_source.h). See rbac/README.md.
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/repeated_input.h"
#include "kube/api_client.h"
#include "kube/kubeconfig.h"
#include "kube/manifest.h"
#include "kube/server_version.h"
#include "rbac/audit.h"
#include "rbac/audit_report.h"
#include "rbac/builtin_roles.h"
#include "rbac/evaluator.h"
#include "rbac/kubernetes_version.h"
#include "rbac/live_source.h"
#include "rbac/policy_decode.h"
#include "rbac/query_args.h"
#include "rbac/rules_list.h"
#include "rbac/user_info.h"
#include "rbac/who_can_report.h"
#include "cli/non_empty_flag.h"

namespace cli {
namespace {

// Thrown for usage errors inside a command; the message goes to stderr and the exit code is 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct SourceFlags {
  std::vector<std::string> paths;
  std::string kubeconfig;
  std::string aggregation = "auto";
  std::string kubernetesVersion;  // "" = the server's (--kubeconfig), else the newest supported
  bool noBuiltinRoles = false;
  // Set by open(): the version assumed, the live cluster's client (--kubeconfig) and the namespace asked
  // without -n: kubectl's, the kubeconfig context's namespace, else "default" (ToRawKubeConfigLoader().Namespace()).
  int minor = 0;
  std::string defaultNamespace = "default";
  std::shared_ptr<kube::ApiClient> client;

  bool live() const { return !kubeconfig.empty(); }
  int kubernetesMinor() const { return minor; }

  // Checks the source flags, connects to a live cluster and settles the Kubernetes version: the one
  // given, else the server's (GET /version), else the newest supported.
  void open() {
    if (live() && !paths.empty())
      throw UsageError("-f and --kubeconfig cannot be used together: read files or a live cluster");
    if (!live() && paths.empty()) throw UsageError("-f PATH or --kubeconfig FILE is required");
    std::optional<int> given;
    if (!kubernetesVersion.empty()) {
      try {
        given = rbac::parseKubernetesVersion(kubernetesVersion);
      } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--kubernetes-version: ") + e.what());
      }
    }
    minor = given.value_or(rbac::kNewestKubernetesMinor);
    if (!live()) return;
    client = std::make_shared<kube::ApiClient>(kube::loadKubeconfig(kubeconfig));
    if (!client->config().namespace_.empty()) defaultNamespace = client->config().namespace_;
    kube::ServerVersionAnswer server = kube::readServerVersion(*client);
    if (!server.version) {
      if (!given)
        std::cerr << "kguard rbac: warning: cannot tell the cluster's Kubernetes version (" << server.problem
                  << "): assuming " << rbac::kubernetesVersionName(minor) << "; give --kubernetes-version\n";
      return;
    }
    const kube::ServerVersion& v = *server.version;
    if (given) {
      if (v.major != 1 || v.minor != *given)
        std::cerr << "kguard rbac: note: the server reports " << v.gitVersion << "; assuming "
                  << rbac::kubernetesVersionName(*given) << " as --kubernetes-version says\n";
      return;
    }
    std::string note;
    minor = rbac::supportedMinorForServer(v.major, v.minor, v.gitVersion, note);
    if (!note.empty()) std::cerr << "kguard rbac: warning: " << note << "; give --kubernetes-version to choose\n";
  }
};

struct CanIFlags {
  std::vector<std::string> positional;  // VERB [RESOURCE[/SUBRESOURCE] [NAME]]
  std::string nonResourceURL, subresource, as, namespace_;
  std::vector<std::string> asGroups;
  bool allNamespaces = false, groupsExact = false, explain = false, list = false, quiet = false, noHeaders = false;
};

void addSourceOptions(CLI::App* cmd, SourceFlags& f) {
  // One value per flag (-f A -f B), so that positionals after -f are not taken as files.
  cmd->add_option("-f,--filename", f.paths, "RBAC objects: file, folder (recursive) or - for stdin (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--kubeconfig", f.kubeconfig, "Read the RBAC objects from a live cluster instead of files (lists them with the kubeconfig's current context)")->check(nonEmpty());
  cmd->add_option("--aggregation", f.aggregation,
                  "ClusterRole aggregationRule: 'stored' rules (what a cluster evaluates), 'recomputed' from labels, or "
                  "'auto' (default): stored for --kubeconfig; for -f, recomputed for aggregated roles without stored rules (manifests, built-in admin/edit/view)")
      ->check(CLI::IsMember({"auto", "stored", "recomputed"}));
  cmd->add_option("--kubernetes-version", f.kubernetesVersion,
                  "Kubernetes version to assume: its built-in roles and version-dependent authorization (default: with "
                  "--kubeconfig the server's (GET /version), else " + rbac::kubernetesVersionName(rbac::kNewestKubernetesMinor) +
                      ", the newest supported; its built-in roles are upstream development copies, rbac/builtin/SOURCES)");
  cmd->add_flag("--no-builtin-roles", f.noBuiltinRoles,
                "With -f: do not add the API server's built-in roles and bindings (cluster-admin, admin, edit, view, system:*)");
}

void addCanIOptions(CLI::App* cmd, CanIFlags& f) {
  cmd->add_option("args", f.positional, "VERB RESOURCE[.GROUP][/SUBRESOURCE] [NAME]  |  VERB with --non-resource-url");
  cmd->add_option("--non-resource-url", f.nonResourceURL, "A non-resource URL such as /healthz or /logs/*");
  cmd->add_option("--subresource", f.subresource, "Subresource (also accepted as RESOURCE/SUBRESOURCE)");
  cmd->add_option("--as", f.as, "User name; service accounts as system:serviceaccount:NS:NAME")->required();
  cmd->add_option("--as-group", f.asGroups, "Group (repeatable)")->allow_extra_args(false);
  cmd->add_option("-n,--namespace", f.namespace_, "Namespace (default: the kubeconfig context's with --kubeconfig, else default; none for cluster-scoped resources)");
  cmd->add_flag("-A,--all-namespaces", f.allNamespaces, "Ask cluster-wide (namespace \"\")");
  cmd->add_flag("--groups-exact", f.groupsExact,
                "Use exactly the --as-group groups, as a SubjectAccessReview does (no implicit groups)");
  cmd->add_flag("--explain", f.explain, "Print on stderr which binding and rule allowed it, or why not");
  cmd->add_flag("--list", f.list, "Print every action allowed in the namespace (-n, default as for queries), as kubectl auth can-i --list");
  cmd->add_flag("--no-headers", f.noHeaders, "With --list: no header line");
  cmd->add_flag("-q,--quiet", f.quiet, "Print nothing: the exit code answers");
}

rbac::UserInfo userOf(const CanIFlags& flags) {
  return flags.groupsExact ? rbac::UserInfo{flags.as, flags.asGroups} : rbac::impersonatedUser(flags.as, flags.asGroups);
}

// can-i --list: what a SelfSubjectRulesReview in the namespace returns, printed as kubectl prints it;
// the same argument checks as kubectl's CanIOptions.Complete/Validate.
int listRules(const rbac::Evaluator& evaluator, const CanIFlags& flags, const SourceFlags& source) {
  if (!flags.positional.empty() || !flags.nonResourceURL.empty())
    throw UsageError("list option must be specified with no arguments");
  if (flags.quiet || flags.allNamespaces || !flags.subresource.empty())
    throw UsageError("list option can't be specified with neither quiet, all-namespaces nor subresource options");
  std::string namespace_ = flags.namespace_.empty() ? source.defaultNamespace : flags.namespace_;
  std::cout << rbac::formatRulesList(evaluator.rulesFor(userOf(flags), namespace_), !flags.noHeaders);
  return kExitOk;
}

// A binding whose role is found nowhere grants nothing: say so once per role, so that a missing
// built-in role or a typo does not pass silently.
void noteUnresolvedRoles(const rbac::Evaluator& evaluator, const std::string& whereNot) {
  std::set<std::string> noted;
  const auto& bindings = evaluator.policy().bindings;
  for (std::size_t b = 0; b < bindings.size(); ++b) {
    if (evaluator.roleOf(b)) continue;
    const rbac::Binding& binding = bindings[b];
    std::string role = binding.roleRef.kind + " \"" + binding.roleRef.name + "\"";
    if (binding.roleRef.kind == "Role" && !binding.clusterScoped) role += " in namespace " + binding.namespace_;
    if (!noted.insert(role).second) continue;
    std::cerr << "kguard rbac: note: " << binding.describe() << " refers to " << role << ", which is " << whereNot
              << ": it grants nothing\n";
  }
}

// `partialOnForbidden`: a live collection the user may not list (403) is skipped with a note instead of
// failing. Only the audit takes this: it reports risks in what it sees, while can-i and who-can would
// answer wrongly (a "no" that a hidden RoleBinding makes "yes").
// `source` must be open().
rbac::Evaluator loadEvaluator(const SourceFlags& source, bool partialOnForbidden = false) {
  // Both sources give the same manifests (list items with kind/apiVersion set), so everything after
  // this line is one code path.
  const int minor = source.kubernetesMinor();
  const bool live = source.live();
  std::vector<std::string> skipped;
  rbac::LiveListOptions listOptions;
  if (partialOnForbidden) listOptions.skippedForbidden = &skipped;
  auto manifests = live ? rbac::listRbacManifests(*source.client, listOptions)
                        : keepAppliedState(kube::loadManifests(source.paths), "kguard rbac");
  for (const auto& note : skipped)
    std::cerr << "kguard rbac: note: skipped, the audit covers only what was listed: " << note << "\n";
  rbac::Policy policy = rbac::decodePolicy(manifests);
  // Files hold what a project installs, not the API server's own objects: add those (a live cluster
  // has them).
  const bool builtin = !live && !source.noBuiltinRoles;
  // The shipped data may be an older release's (rbac/builtin/README.md): name the one actually used.
  const int data = rbac::builtinRolesVersionFor(minor);
  std::string builtinData = "the built-in roles of " + rbac::builtinRolesName(data);
  if (data != minor) builtinData += " (used for " + rbac::kubernetesVersionName(minor) + ")";
  if (builtin) {
    policy = rbac::withBuiltinRoles(std::move(policy), minor);
    if (data != minor)
      std::cerr << "kguard rbac: note: built-in roles of " << rbac::builtinRolesName(data) << " used for "
                << rbac::kubernetesVersionName(minor) << " (the nearest shipped version before it)\n";
  }
  rbac::EvaluatorOptions options;
  // auto: a live cluster's stored rules are what its authorizer evaluates; files (manifests, the
  // built-in admin/edit/view) hold aggregated roles the controller has not filled yet.
  options.aggregation = source.aggregation == "recomputed"         ? rbac::AggregationMode::Recomputed
                        : source.aggregation == "stored" || live ? rbac::AggregationMode::Stored
                                                                 : rbac::AggregationMode::RecomputedWhenEmpty;
  rbac::Evaluator evaluator(std::move(policy), options);
  noteUnresolvedRoles(evaluator, live      ? "not in the cluster"
                                 : builtin ? "in neither the input nor " + builtinData
                                           : "not in the input (built-in roles not loaded: --no-builtin-roles)");
  return evaluator;
}

rbac::Request requestFrom(const std::vector<std::string>& args, const std::string& nonResourceURL,
                          const std::string& subresource, const std::string& namespace_, bool allNamespaces,
                          const SourceFlags& source) {
  std::vector<std::string> warnings;
  try {
    rbac::Request request =
        rbac::requestFromArgs({args, nonResourceURL, subresource, namespace_, allNamespaces, source.kubernetesMinor(),
                               source.defaultNamespace},
                              warnings);
    for (const auto& w : warnings) std::cerr << "Warning: " << w << "\n";
    return request;
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

// One can-i question, answered; the single code path of `can-i` and `can-i --batch`.
bool answerCanI(const rbac::Evaluator& evaluator, const CanIFlags& flags, const SourceFlags& source) {
  rbac::Request request = requestFrom(flags.positional, flags.nonResourceURL, flags.subresource, flags.namespace_,
                                      flags.allNamespaces, source);
  if (rbac::isIdentityImpersonation(request) && !request.namespace_.empty())
    std::cerr << "kguard rbac can-i: note: this answers a SubjectAccessReview in namespace " << request.namespace_
              << "; the API server's impersonation filter asks for " << request.resource
              << " with no namespace, so a RoleBinding never lets anyone actually impersonate (ask without -n)\n";
  rbac::UserInfo user = userOf(flags);
  if (!flags.explain) return evaluator.allows(user, request);
  rbac::Decision decision = evaluator.decide(user, request);
  std::cerr << request.describe() << ": " << evaluator.reason(decision) << "\n";
  return decision.allowed;
}

// --batch FILE: one query per line, a JSON array of can-i arguments without -f; prints yes/no per line.
int runBatch(const rbac::Evaluator& evaluator, const std::string& path, const SourceFlags& source) {
  std::ifstream in(path);
  if (!in) throw UsageError(path + ": cannot read the batch file");
  std::string line;
  int lineNo = 0, status = kExitOk;
  std::ostringstream out;
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.empty()) continue;
    try {
      auto parsed = nlohmann::json::parse(line, nullptr, false);
      if (parsed.is_discarded() || !parsed.is_array()) throw UsageError("expected a JSON array of arguments");
      std::vector<std::string> args;
      for (const auto& a : parsed) {
        if (!a.is_string()) throw UsageError("arguments must be strings");
        args.push_back(a.get<std::string>());
      }
      CLI::App app{"can-i query", "can-i"};
      CanIFlags flags;
      addCanIOptions(&app, flags);
      std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses a reversed vector
      app.parse(reversed);
      if (flags.list || flags.quiet) throw UsageError("--list and --quiet are not for --batch");
      out << (answerCanI(evaluator, flags, source) ? "yes" : "no") << "\n";
    } catch (const std::exception& e) {
      std::cerr << path << ": line " << lineNo << ": " << e.what() << "\n";
      out << "error\n";
      status = kExitUsage;
    }
  }
  std::cout << out.str();
  return status;
}

template <typename Fn>
int guarded(const char* command, Fn&& fn) {
  try {
    return fn();
  } catch (const kube::InputError& e) {
    std::cerr << "kguard rbac " << command << ": " << e.what() << "\n";
  } catch (const UsageError& e) {
    std::cerr << "kguard rbac " << command << ": " << e.what() << "\n";
  }
  return kExitUsage;
}

void addCanI(CLI::App* rbacCmd, int* exitCode) {
  auto source = std::make_shared<SourceFlags>();
  auto flags = std::make_shared<CanIFlags>();
  auto batch = std::make_shared<std::string>();
  auto* cmd = rbacCmd->add_subcommand("can-i", "Whether a user may do something: prints yes (exit 0) or no (exit 1)");
  addSourceOptions(cmd, *source);
  addCanIOptions(cmd, *flags);
  cmd->get_option("--as")->required(false);
  // Hidden: many queries in one process (the e2e differential test); same code path as a single query.
  cmd->add_option("--batch", *batch)->group("");
  cmd->callback([source, flags, batch, exitCode] {
    *exitCode = guarded("can-i", [&]() -> int {
      if (batch->empty() && flags->as.empty()) throw UsageError("--as USER is required");
      source->open();
      rbac::Evaluator evaluator = loadEvaluator(*source);
      if (!batch->empty()) return runBatch(evaluator, *batch, *source);
      if (flags->list) return listRules(evaluator, *flags, *source);
      if (flags->noHeaders) throw UsageError("--no-headers cannot be set without --list specified");
      bool yes = answerCanI(evaluator, *flags, *source);
      if (!flags->quiet) std::cout << (yes ? "yes" : "no") << "\n";
      return yes ? kExitOk : kExitViolation;
    });
  });
}

struct WhoCanFlags {
  std::vector<std::string> positional;
  std::string nonResourceURL, subresource, namespace_, format = "text";
  bool allNamespaces = false;
};

void addWhoCan(CLI::App* rbacCmd, int* exitCode) {
  auto source = std::make_shared<SourceFlags>();
  auto flags = std::make_shared<WhoCanFlags>();
  auto* cmd = rbacCmd->add_subcommand("who-can", "Every subject allowed to do something, with the binding that allows it");
  addSourceOptions(cmd, *source);
  cmd->add_option("args", flags->positional, "VERB RESOURCE[.GROUP][/SUBRESOURCE] [NAME]");
  cmd->add_option("--non-resource-url", flags->nonResourceURL, "A non-resource URL such as /healthz");
  cmd->add_option("--subresource", flags->subresource, "Subresource (also accepted as RESOURCE/SUBRESOURCE)");
  cmd->add_option("-n,--namespace", flags->namespace_, "Namespace (default: the kubeconfig context's with --kubeconfig, else default; none for cluster-scoped resources)");
  cmd->add_flag("-A,--all-namespaces", flags->allNamespaces, "Ask cluster-wide (ClusterRoleBindings only)");
  cmd->add_option("--format", flags->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  cmd->callback([source, flags, exitCode] {
    *exitCode = guarded("who-can", [&]() -> int {
      source->open();
      rbac::Request request = requestFrom(flags->positional, flags->nonResourceURL, flags->subresource,
                                          flags->namespace_, flags->allNamespaces, *source);
      if (rbac::isIdentityImpersonation(request) && !request.namespace_.empty()) {
        std::cerr << "kguard rbac who-can: note: the API server's impersonation filter asks for " << request.resource
                  << " with no namespace (only ClusterRoleBindings grant it): asking cluster-wide, not in namespace "
                  << request.namespace_ << "\n";
        request.namespace_.clear();
      }
      rbac::Evaluator evaluator = loadEvaluator(*source);
      auto entries = evaluator.whoCan(request);
      auto onlyNamed = evaluator.whoCanOnlyNamed(request);
      std::cout << (flags->format == "json" ? rbac::formatWhoCanJson(evaluator, request, entries, onlyNamed)
                                            : rbac::formatWhoCanText(evaluator, request, entries, onlyNamed));
      return kExitOk;
    });
  });
}

void addAudit(CLI::App* rbacCmd, int* exitCode) {
  auto source = std::make_shared<SourceFlags>();
  auto format = std::make_shared<std::string>("text");
  auto options = std::make_shared<rbac::AuditOptions>();
  auto* cmd = rbacCmd->add_subcommand(
      "audit", "Escalation paths: for every subject, the grants that lead to more privilege; exit 1 when any is found");
  addSourceOptions(cmd, *source);
  cmd->add_option("--format", *format, "Output format")->check(CLI::IsMember({"text", "json", "sarif"}));
  cmd->add_flag("--include-defaults", options->includeDefaults,
                "Also audit the API server's own bindings (label kubernetes.io/bootstrapping=rbac-defaults)");
  cmd->callback([source, format, options, exitCode] {
    *exitCode = guarded("audit", [&]() -> int {
      source->open();
      rbac::Evaluator evaluator = loadEvaluator(*source, /*partialOnForbidden=*/true);
      options->kubernetesMinor = source->kubernetesMinor();
      auto findings = rbac::auditEscalationPaths(evaluator, *options);
      if (*format == "json") std::cout << rbac::formatAuditJson(findings);
      else if (*format == "sarif") std::cout << rbac::formatAuditSarif(findings);
      else std::cout << rbac::formatAuditText(findings);
      return findings.empty() ? kExitOk : kExitViolation;
    });
  });
}

}  // namespace

void addRbacCommand(CLI::App& app, int* exitCode) {
  auto* cmd = app.add_subcommand("rbac", "RBAC evaluation (can-i, who-can) and escalation-path audit, from files or a live cluster");
  cmd->require_subcommand(1);
  addCanI(cmd, exitCode);
  addWhoCan(cmd, exitCode);
  addAudit(cmd, exitCode);
}

}  // namespace cli
