// --watch-dir: changes are noticed through inotify, and the incremental load (only changed files are
// parsed again) gives the same cluster as reading the whole folder from scratch.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <tuple>

#include "kube/manifest.h"
#include "netpol/agent/dir_source.h"
#include "netpol/agent/ruleset_inputs.h"
#include "runtime/log.h"
#include "tests/netpol/agent/fake_datapath.h"
#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol::agent;
using namespace netpol_test;
using std::chrono::milliseconds;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/kguard-dirsource-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

std::string policyAllowing(const std::string& name, int port) {
  return policy("x", name, "  podSelector: {}\n  ingress:\n  - ports: [{port: " + std::to_string(port) + "}]");
}

// The cluster as comparable text: everything but policies, then each policy's id and spec in order.
std::string summary(const Cluster& c) {
  std::string out = describeWorld(c);
  for (const auto& p : c.policies) out += "\n" + p.id() + " " + p.canonicalSpec;
  return out;
}

std::string fromScratch(const std::string& dir) { return summary(decodeCluster(kube::loadManifests({dir}))); }

// Drains notifications until the source has been quiet for 50 ms.
void settle(ClusterSource& source) {
  while (source.waitForChange(milliseconds(50))) {
  }
}

}  // namespace

TEST_CASE("writing, renaming and deleting files are each noticed; quiet folders are not") {
  TempDir dir;
  write(dir.path + "/pods.yaml", ns("x") + pod("x", "a", "{app: a}", "10.0.0.1"));
  auto source = makeDirSource(dir.path);
  source->load();
  settle(*source);
  CHECK_FALSE(source->waitForChange(milliseconds(100)));

  write(dir.path + "/p1.yaml", policyAllowing("p1", 80));
  CHECK(source->waitForChange(milliseconds(2000)));
  settle(*source);

  write(dir.path + "/.tmp-p2", policyAllowing("p2", 81));
  settle(*source);
  fs::rename(dir.path + "/.tmp-p2", dir.path + "/p2.yaml");  // how editors and kubectl-like tools replace files
  CHECK(source->waitForChange(milliseconds(2000)));
  settle(*source);

  fs::create_directory(dir.path + "/sub");
  CHECK(source->waitForChange(milliseconds(2000)));
  source->load();  // watches the new folder
  settle(*source);
  write(dir.path + "/sub/p3.yaml", policyAllowing("p3", 82));
  CHECK(source->waitForChange(milliseconds(2000)));
  settle(*source);

  fs::remove(dir.path + "/p1.yaml");
  CHECK(source->waitForChange(milliseconds(2000)));
  CHECK(summary(source->load()) == fromScratch(dir.path));
}

TEST_CASE("incremental loads equal loading the whole folder after every kind of change") {
  TempDir dir;
  fs::create_directory(dir.path + "/b");
  write(dir.path + "/00-model.yaml", ns("x") + pod("x", "a", "{app: a}", "10.0.0.1") + pod("x", "b", "{app: b}", "10.0.0.2"));
  for (int i = 0; i < 5; ++i) write(dir.path + "/pol" + std::to_string(i) + ".yaml", policyAllowing("p" + std::to_string(i), 80 + i));
  write(dir.path + "/b/late.json", R"({"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy",)"
                                   R"("metadata":{"name":"j","namespace":"x"},"spec":{"podSelector":{}}})");
  write(dir.path + "/notes.txt", "not a manifest");
  auto source = makeDirSource(dir.path);
  CHECK(summary(source->load()) == fromScratch(dir.path));

  write(dir.path + "/pol2.yaml", policyAllowing("p2", 9000));  // modified
  CHECK(summary(source->load()) == fromScratch(dir.path));
  fs::remove(dir.path + "/pol3.yaml");  // deleted
  CHECK(summary(source->load()) == fromScratch(dir.path));
  write(dir.path + "/b/new.yaml", policyAllowing("p3", 7));  // added in a subfolder, same policy id as before
  CHECK(summary(source->load()) == fromScratch(dir.path));
  write(dir.path + "/00-model.yaml", ns("x") + pod("x", "a", "{app: z}", "10.0.0.1"));  // pods changed
  auto c = source->load();
  CHECK(summary(c) == fromScratch(dir.path));
  CHECK(c.pods.size() == 1);
}

TEST_CASE("a broken file fails the load with its name, and fixing it loads again") {
  TempDir dir;
  write(dir.path + "/00-model.yaml", ns("x") + pod("x", "a", "{app: a}", "10.0.0.1"));
  write(dir.path + "/p.yaml", policyAllowing("p", 80));
  auto source = makeDirSource(dir.path);
  source->load();
  write(dir.path + "/p.yaml", "kind: NetworkPolicy\nmetadata: {name: [\n");
  try {
    source->load();
    FAIL("expected an InputError");
  } catch (const kube::InputError& e) {
    CHECK(std::string(e.what()).find(dir.path + "/p.yaml") != std::string::npos);
  }
  write(dir.path + "/p.yaml", policyAllowing("p", 81));
  CHECK(summary(source->load()) == fromScratch(dir.path));
}

TEST_CASE("a dangling or looping *.yaml link in the folder fails the load naming it, as lint does") {
  TempDir dir;
  write(dir.path + "/00-model.yaml", ns("x") + pod("x", "a", "{app: a}", "10.0.0.1"));
  auto source = makeDirSource(dir.path);
  source->load();
  for (const auto& [link, target, why] :
       {std::tuple<std::string, std::string, std::string>{"gone.yaml", "missing.yaml", "no such file or directory"},
        {"loop.yaml", "loop.yaml", "too many levels of symbolic links"}}) {
    fs::create_symlink(target, dir.path + "/" + link);
    try {
      source->load();
      FAIL("expected an InputError for " + link);
    } catch (const kube::InputError& e) {
      CHECK(std::string(e.what()).find(dir.path + "/" + link) != std::string::npos);
      INFO(e.what());
      CHECK(std::string(e.what()).find(why) != std::string::npos);
    }
    fs::remove(dir.path + "/" + link);
    CHECK(summary(source->load()) == fromScratch(dir.path));
  }
}

// Issue 12: a broken, hostile or half-written file dropped into the watched folder is reported (a log
// line naming it) and skipped: the installed rulesets stay as they were, the agent keeps running.
TEST_CASE("hostile files in the watched folder are reported and skipped; the installed state stays") {
  TempDir dir;
  write(dir.path + "/00-model.yaml", ns("x") + pod("x", "a", "{app: a}", "10.0.0.1"));
  std::string good = policyAllowing("p", 80);
  write(dir.path + "/p.yaml", good);
  std::string bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\n";
  for (char c = 'b', prev = 'a'; c <= 'j'; ++c, ++prev)
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev +
            ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + "]\n";
  const std::vector<std::string> hostile = {
      ",\n", "--- ,\n", "\"Pod\",\n",                                        // hung yaml-cpp
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: \"\xff\"}\n",  // invalid UTF-8
      "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"x\": 1e999}",              // number overflow
      bomb, "a: " + std::string(5000, '['),                                    // alias bomb, deep nesting
      good.substr(0, good.size() / 2) + "\n  - ports: [{port: 8",              // half-written
  };

  FakeDatapath dp;
  dp.present = {netnsWith(1, "10.0.0.1")};
  auto source = makeDirSource(dir.path);
  runtime::LogCapture log;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::this_thread::sleep_for(milliseconds(300));  // the first load and sync
    for (size_t i = 0; i < hostile.size(); ++i) {
      std::string path = dir.path + "/hostile-" + std::to_string(i) + ".yaml";
      write(path, hostile[i]);
      std::this_thread::sleep_for(milliseconds(150));
      fs::remove(path);
    }
    std::this_thread::sleep_for(milliseconds(200));
    stop = true;
  });
  int code = runAgentLoop(*source, scriptedLoopOptions(), dp, stop);
  writer.join();

  CHECK(code == 0);
  CHECK(dp.calls == std::vector<std::string>{"install /var/run/netns/n1"});  // never removed nor reinstalled
  REQUIRE(dp.tables.count(1) == 1);
  auto logged = [lines = splitLines(log.text())](const std::string& message, const std::string& error) {
    for (const auto& line : lines)
      if (line.find("\"msg\":\"" + message + "\"") != std::string::npos &&
          line.find("\"error\":\"" + error) != std::string::npos)
        return true;
    return false;
  };
  for (size_t i = 0; i < hostile.size(); ++i) {
    INFO(log.text());
    CHECK(logged("keeping the previous state", dir.path + "/hostile-" + std::to_string(i) + ".yaml"));
  }
}
