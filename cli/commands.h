#pragma once
// Each subcommand lives in its own file: addXCommand registers its flags and, when chosen, sets
// `*exitCode` from its run function. main() stays a few lines.
#include <CLI/CLI.hpp>

namespace cli {
void addLintCommand(CLI::App& app, int* exitCode);
void addWebhookCommand(CLI::App& app, int* exitCode);
void addNetpolCommand(CLI::App& app, int* exitCode);
void addRbacCommand(CLI::App& app, int* exitCode);
void addAuditCommand(CLI::App& app, int* exitCode);
}  // namespace cli
