#pragma once
// `--watch-dir DIR`: Namespaces, Pods, Nodes and NetworkPolicies from the YAML/JSON files under DIR
// (recursively, the files `kguard lint` would read, in the same order). Changes are noticed through
// inotify as soon as a file is closed after writing, renamed, created or deleted; each load parses
// only the files whose size, times or inode changed since the previous load.
#include <memory>
#include <string>

#include "netpol/agent/event_loop.h"

namespace netpol::agent {

std::unique_ptr<ClusterSource> makeDirSource(const std::string& dir);

}  // namespace netpol::agent
