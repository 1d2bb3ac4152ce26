#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "kube/manifest.h"
#include "kube/yaml_tree.h"

using kube::InputError;
using kube::parseManifests;

namespace {

std::string errorOf(const std::string& text, const std::string& name = "in.yaml") {
  try {
    parseManifests(text, name);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("multi-document YAML with comments and empty documents") {
  auto docs = parseManifests(
      "# leading comment\n"
      "---\n"
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"
      "---\n"
      "# only a comment\n"
      "---\n"
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: a\n",
      "x.yaml");
  REQUIRE(docs.size() == 2);
  CHECK(docs[0].kind() == "Namespace");
  CHECK(docs[1].kind() == "Pod");
  CHECK(docs[1].name() == "p");
  CHECK(docs[1].namespace_() == "a");
  CHECK(docs[1].where.file == "x.yaml");
  CHECK(docs[1].where.document == 3);  // the comment before the first `---` is no document
  CHECK(docs[1].where.line == 9);
}

TEST_CASE("List and *List objects are unwrapped with item locations") {
  auto docs = parseManifests(
      "apiVersion: v1\nkind: List\nitems:\n"
      "- apiVersion: v1\n  kind: Pod\n  metadata: {name: one}\n"
      "- apiVersion: v1\n  kind: Pod\n  metadata: {name: two}\n",
      "l.yaml");
  REQUIRE(docs.size() == 2);
  CHECK(docs[1].name() == "two");
  CHECK(docs[1].where.item == "items[1]");
  CHECK(docs[1].where.line == 7);
  auto pods = parseManifests(R"({"apiVersion":"v1","kind":"PodList","items":[{"apiVersion":"v1","kind":"Pod"}]})",
                             "p.json");
  REQUIRE(pods.size() == 1);
  CHECK(pods[0].kind() == "Pod");
}

TEST_CASE("items of a typed list from the API, which name no type, are objects of the list's type") {
  // `kubectl get --raw /apis/apps/v1/deployments` gives items without apiVersion and kind.
  auto docs = parseManifests(
      R"({"apiVersion":"apps/v1","kind":"DeploymentList","items":[{"metadata":{"name":"d"}},)"
      R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"e"}}]})",
      "raw.json");
  REQUIRE(docs.size() == 2);
  CHECK(docs[0].kind() == "Deployment");
  CHECK(docs[0].apiVersion() == "apps/v1");
  CHECK(docs[0].name() == "d");
  // The generic List holds objects of any type: each must name its own.
  CHECK(errorOf("apiVersion: v1\nkind: List\nitems:\n- metadata: {name: p}\n") ==
        "in.yaml: document 1, items[0] (line 4): apiVersion: required string field is missing");
}

TEST_CASE("JSON files are read as one object") {
  auto docs = parseManifests("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"j\"}}", "j.json");
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].name() == "j");
}

TEST_CASE("a stream of JSON objects is one document per object, as kubectl reads it") {
  // `jq -c '.items[]'` output: before, "invalid JSON ... expected end of input".
  auto docs = parseManifests("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"a}{\"}}\n"
                             "  {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"b\"}}\n\n",
                             "s.json");
  REQUIRE(docs.size() == 2);
  CHECK(docs[0].name() == "a}{");
  CHECK(docs[1].name() == "b");
  CHECK(docs[1].where.document == 2);
  CHECK(docs[1].where.line == 2);
  CHECK(errorOf("{\"kind\": \"Pod\", \"apiVersion\": \"v1\"}\n\n{\"kind\": ", "x.json")
            .find("x.json: document 2 (line 3): invalid JSON: ") == 0);
  CHECK(errorOf("{\"kind\": \"Pod\", \"apiVersion\": \"v1\"} trailing", "x.json")
            .find("x.json: document 2 (line 1): invalid JSON: ") == 0);
}

TEST_CASE("errors name the file, document and line") {
  CHECK(errorOf("apiVersion: v1\nkind: Pod\n---\nkind: [unclosed\n") ==
        "in.yaml: document 2: line 5, column 1: invalid YAML: did not find expected ',' or ']' while parsing a "
        "flow sequence at line 4, column 7");
  auto missingKind = errorOf("apiVersion: v1\nmetadata: {}\n");
  CHECK(missingKind == "in.yaml: document 1 (line 1): kind: required string field is missing");
  CHECK(errorOf("- a\n- b\n").find("in.yaml: document 1 (line 1): expected a Kubernetes object") == 0);
  CHECK(errorOf("{\"kind\": ", "x.json").find("x.json: document 1: invalid JSON: ") == 0);
}

TEST_CASE("hostile input ends in a clear error, not a crash") {
  SECTION("deep flow nesting") {
    std::string deep(20000, '[');
    CHECK(errorOf("a: " + deep) == "in.yaml: document 1: line 1, column 1003: nesting deeper than 1000");
  }
  SECTION("deep block nesting") {
    std::string deep;
    for (int i = 0; i < 20000; ++i) deep += "- ";
    CHECK(errorOf(deep + "x\n").find("in.yaml:") == 0);
  }
  SECTION("deep JSON") {
    std::string deep(20000, '[');
    CHECK(errorOf(deep, "d.json") == "d.json: document 1: nesting deeper than 1000");
  }
  SECTION("alias bomb") {
    std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    char prev = 'a';
    for (char c = 'b'; c <= 'k'; ++c, ++prev) {
      bomb += std::string(1, c) + ": &" + c + " [";
      for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
      bomb += "]\n";
    }
    CHECK(errorOf(bomb).find("alias bomb") != std::string::npos);
  }
  SECTION("binary garbage") {
    std::string garbage("\x7f" "ELF\x02\x01\x01\0\0\0", 10);
    CHECK(errorOf(garbage).find("binary data") != std::string::npos);
    CHECK(errorOf("\xff\xfe\x01\x02 ::: {{{").find("in.yaml: document 1") == 0);
  }
  SECTION("a scalar document") {
    CHECK(errorOf("just text\n").find("expected a Kubernetes object") != std::string::npos);
  }
}

// Issue 12: yaml-cpp 0.7 never returned from these (and allocated without bound); kubectl rejects them.
TEST_CASE("a comma at document level is an error at once") {
  CHECK(errorOf(",\n") == "in.yaml: document 1: line 1, column 1: invalid YAML: did not find expected node content "
                          "while parsing a block node");
  CHECK(errorOf("--- ,\n").find("in.yaml: document 1: line 1, column 5: invalid YAML: ") == 0);
  CHECK(errorOf("\"Pod\",\napiVersion: v1\n") ==
        "in.yaml: document 2: line 1, column 6: invalid YAML: did not find expected <document start>");
  CHECK(errorOf("apiVersion: v1\nkind: Pod\n---\n,\n").find("in.yaml: document 2: line 4") == 0);
}

TEST_CASE("invalid UTF-8 and control characters are refused with their position") {
  CHECK(errorOf("apiVersion: v1\nkind: Pod\nmetadata: {name: \"a\xff\"}\n") ==
        "in.yaml: document 1: line 3, column 20: invalid YAML: invalid leading UTF-8 octet (0xff)");
  CHECK(errorOf("a: \"\\ud800\"\n").find("invalid YAML: found invalid Unicode character escape code") !=
        std::string::npos);
  CHECK(errorOf("a: b\x01\n").find("in.yaml: document 1: line 1, column 5: invalid YAML: control characters") == 0);
  CHECK(errorOf("{\"apiVersion\": \"v1\", \"kind\": \"P\xc3\x28\"}", "u.json").find("u.json: document 1: invalid JSON: ") == 0);
}

TEST_CASE("JSON numbers past double range are an input error, not an abort") {
  CHECK(errorOf("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"x\": 1e999}", "n.json") ==
        "n.json: document 1: invalid JSON: number overflow parsing '1e999'");
}

TEST_CASE("a field set twice in one mapping is an error naming it, as strict field validation does") {
  CHECK(errorOf("apiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: true\n  hostNetwork: false\n") ==
        "in.yaml: document 1: line 5, column 3: hostNetwork: duplicate field (already set on line 4)");
  // Merge keys (go-yaml v2 `<<`) set fields without duplicating them; explicit keys win.
  auto docs = parseManifests(
      "base: &b {name: app, image: nginx}\napiVersion: v1\nkind: Pod\nmetadata: {name: m}\n"
      "spec:\n  containers:\n  - <<: *b\n    image: busybox\n  - <<: [{name: x}, {name: y, image: z}]\n",
      "m.yaml");
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].object["spec"]["containers"][0] == nlohmann::json({{"name", "app"}, {"image", "busybox"}}));
  CHECK(docs[0].object["spec"]["containers"][1] == nlohmann::json({{"name", "x"}, {"image", "z"}}));
}

TEST_CASE("anchors: unknown or self-referencing ones are errors, expansion is bounded") {
  CHECK(errorOf("a: *nope\n") == "in.yaml: document 1: line 1, column 4: unknown anchor 'nope' referenced");
  CHECK(errorOf("a: &a [*a]\n") == "in.yaml: document 1: line 1, column 8: anchor 'a' value contains itself");
  auto docs = parseManifests("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: &n cm, labels: {app: *n}}\n", "a.yaml");
  CHECK(docs[0].object["metadata"]["labels"]["app"] == "cm");
}

TEST_CASE("what one input may cost is bounded, and the error names the file") {
  kube::YamlLimits small;
  small.maxBytes = 200;
  small.maxDocuments = 3;
  small.maxNodes = 50;
  auto limitOf = [&small](const std::string& text) {
    try {
      kube::parseYamlStream(text, "l.yaml", small);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(limitOf(std::string(201, '#')) == "l.yaml: larger than 200 bytes; kguard reads at most that per file");
  CHECK(limitOf("a\n---\nb\n---\nc\n---\nd\n") == "l.yaml: document 4: line 6, column 1: more than 3 documents");
  CHECK(limitOf("[1,2,3,4,5,6,7,8,9,0,1,2,3,4,5,6,7,8,9,0,1,2,3,4,5,6,7,8,9,0,1,2,3,4,5,6,7,8,9,0,1,2,3,4,5,6,7,8,9,0]")
            .find("l.yaml: document 1: line 1, column 100: more than 50 nodes") == 0);
  CHECK(errorOf(std::string((32u << 20) + 1, ' ')) == "in.yaml: larger than 32 MiB; kguard reads at most that per file");
}

TEST_CASE("every node keeps its line and column") {
  auto docs = parseManifests("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: x\n", "c.yaml");
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].where.markOf("spec.containers[0].image").line == 6);
  CHECK(docs[0].where.markOf("spec.containers[0].image").column == 5);
  CHECK(docs[0].where.markOf("spec.containers[0]").column == 5);  // the element's first key
  auto json = parseManifests("{\"apiVersion\": \"v1\", \"kind\": \"Pod\",\n \"spec\": {\"hostPID\": true}}", "c.json");
  CHECK(json[0].where.markOf("spec.hostPID").line == 2);
  CHECK(json[0].where.markOf("spec.hostPID").column == 11);
}

TEST_CASE("field lines are found on demand") {
  auto docs = parseManifests(
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    a.b/c: x\nspec:\n"
      "  containers:\n  - name: a\n    image: nginx\n  - name: b\n    image: busybox\n",
      "f.yaml");
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].where.lineOf("spec.containers[1].image") == 12);
  CHECK(docs[0].where.lineOf("metadata.annotations[\"a.b/c\"]") == 6);
  CHECK(docs[0].where.lineOf("spec.nothing") == 7);  // nearest existing parent
  CHECK(docs[0].errorAt("spec.containers[1]", "bad") == "f.yaml: document 1: line 11: spec.containers[1]: bad");
}

TEST_CASE("a lenient load of a folder skips foreign YAML, names every unreadable file and keeps the rest") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("kguard-load-" + std::to_string(::getpid()));
  fs::create_directories(dir / "sub");
  auto write = [&](const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; };
  write("a.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nname: ci\non: [push]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n");
  write("sub/helm.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n");
  write("sub/broken.yaml", "apiVersion: v1\nkind: Pod\nspec: [unclosed\n");
  write("sub/half.yaml", "kind: Pod\nmetadata: {name: c}\n");
  write("sub/package.json", "{\"name\": \"x\"}");
  kube::LoadProblems problems;
  auto manifests = kube::loadManifests({dir.string()}, problems);
  REQUIRE(manifests.size() == 2);
  CHECK(manifests[1].name() == "b");
  const std::string why = ": no apiVersion and kind, not a Kubernetes object";
  CHECK(problems.skipped == std::vector<std::string>{(dir / "a.yaml").string() + ": document 2 (line 5)" + why,
                                                     (dir / "sub/package.json").string() + ": document 1 (line 1)" + why});
  REQUIRE(problems.errors.size() == 3);  // broken, half (a kind without apiVersion is a broken manifest), helm
  CHECK(problems.errors[0].find("broken.yaml: document 1: line") != std::string::npos);
  CHECK(problems.errors[1].find("half.yaml: document 1 (line 1): apiVersion: required") != std::string::npos);
  CHECK(problems.errors[2].find("helm.yaml") != std::string::npos);
  // The strict load still stops at the first problem.
  CHECK_THROWS_AS(kube::loadManifests({dir.string()}), kube::InputError);
  // A missing path is one more error, not the end.
  kube::LoadProblems missing;
  CHECK(kube::loadManifests({(dir / "nope").string(), (dir / "a.yaml").string()}, missing).size() == 2);
  CHECK(missing.errors.size() == 2);  // nope, and a.yaml's document 2: a file named explicitly skips nothing
  CHECK(missing.skipped.empty());
  fs::remove_all(dir);
}

// A kustomize source folder (`kubectl kustomize DIR` renders it): the kustomization and the patches it names
// are skipped with a note saying what they are; the resources, complete objects, are read.
TEST_CASE("a lenient load of a kustomize folder skips the kustomization and its patches, naming them") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("kguard-kustomize-" + std::to_string(::getpid()));
  fs::create_directories(dir / "base");
  fs::create_directories(dir / "overlay/patches");
  auto write = [&](const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; };
  write("base/kustomization.yaml", "resources: [deploy.yaml]\n");  // no apiVersion/kind: allowed by kustomize
  write("base/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n"
                            "    spec: {containers: [{name: web, image: nginx}]}\n");
  write("overlay/kustomization.yml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../base]\n"
        "patchesStrategicMerge: [patches/limits.yaml, \"apiVersion: v1\\nkind: Pod\\n\"]\n"
        "patches: [{path: ./patches/replicas.yaml, target: {kind: Deployment}}, {patch: inline}]\n");
  write("overlay/patches/limits.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n"
                                       "    spec: {containers: [{name: web, resources: {limits: {cpu: 1}}}]}\n");
  write("overlay/patches/replicas.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 3}\n");
  kube::LoadProblems problems;
  auto manifests = kube::loadManifests({dir.string()}, problems);
  REQUIRE(manifests.size() == 1);
  CHECK(manifests[0].name() == "web");
  CHECK(problems.errors.empty());
  const std::string overlay = (dir / "overlay").string();
  CHECK(problems.skipped ==
        std::vector<std::string>{(dir / "base/kustomization.yaml").string() +
                                     ": a kustomization, not a Kubernetes object (render the folder: kubectl kustomize " +
                                     (dir / "base").string() + ")",
                                 overlay + "/kustomization.yml: a kustomization, not a Kubernetes object (render the "
                                           "folder: kubectl kustomize " + overlay + ")",
                                 overlay + "/patches/limits.yaml: a patch named in " + overlay +
                                     "/kustomization.yml, not a complete object",
                                 overlay + "/patches/replicas.yaml: a patch named in " + overlay +
                                     "/kustomization.yml, not a complete object"});
  // A file named explicitly is read as given: the patch is an object there (which then fails to decode).
  kube::LoadProblems explicitFile;
  CHECK(kube::loadManifests({overlay + "/patches/limits.yaml"}, explicitFile).size() == 1);
  CHECK(explicitFile.skipped.empty());
  fs::remove_all(dir);
}

TEST_CASE("symbolic links in a folder that loop or dangle are named as unreadable, neither skipped nor a crash") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("kguard-links-" + std::to_string(::getpid()));
  fs::create_directories(dir / "sub");
  std::ofstream(dir / "pod.yaml") << "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n";
  fs::create_directory_symlink("..", dir / "sub/up");  // a folder loop: not followed
  fs::create_symlink("b.yaml", dir / "a.yaml");         // a.yaml -> b.yaml -> a.yaml
  fs::create_symlink("a.yaml", dir / "b.yaml");
  fs::create_symlink("gone.yaml", dir / "sub/dangling.yaml");
  kube::LoadProblems problems;
  auto manifests = kube::loadManifests({dir.string()}, problems);
  CHECK(manifests.size() == 1);
  CHECK(problems.errors == std::vector<std::string>{(dir / "a.yaml").string() + ": too many levels of symbolic links",
                                                    (dir / "b.yaml").string() + ": too many levels of symbolic links",
                                                    (dir / "sub/dangling.yaml").string() + ": no such file or directory"});
  CHECK_THROWS_AS(kube::loadManifests({dir.string()}), kube::InputError);
  kube::LoadProblems named;
  kube::loadManifests({(dir / "a.yaml").string()}, named);
  CHECK(named.errors == std::vector<std::string>{(dir / "a.yaml").string() + ": too many levels of symbolic links"});
  fs::remove_all(dir);
}

// kubectl reads files and stdin through unicode.BOMOverride (cli-runtime's FileVisitor): a UTF-16 manifest
// with its byte order mark, as Windows PowerShell 5 writes `kubectl get -o yaml > f.yaml`, is its text.
TEST_CASE("UTF-16 with a byte order mark is read as kubectl reads it") {
  auto utf16 = [](const std::u16string& text, bool bigEndian) {
    std::string out = bigEndian ? "\xFE\xFF" : "\xFF\xFE";
    for (char16_t c : text) {
      char hi = static_cast<char>(c >> 8), lo = static_cast<char>(c & 0xFF);
      out += bigEndian ? std::string{hi, lo} : std::string{lo, hi};
    }
    return out;
  };
  // U+1F600 (a surrogate pair) and U+00E9 in a label value's place: annotations carry any text.
  const std::u16string text = u"apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: c\r\n  annotations: {note: \"caf\u00e9 \U0001F600\"}\r\n";
  for (bool bigEndian : {false, true}) {
    auto docs = parseManifests(utf16(text, bigEndian), "win.yaml");
    REQUIRE(docs.size() == 1);
    CHECK(docs[0].name() == "c");
    CHECK(docs[0].object["metadata"]["annotations"]["note"] == "caf\xC3\xA9 \xF0\x9F\x98\x80");
    CHECK(docs[0].where.line == 1);
  }
  // An unpaired surrogate is U+FFFD, as Go's decoder writes it; no BOM and NULs stay binary data.
  auto lone = parseManifests(utf16(u"{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"x\", \"annotations\": {\"a\": \"\xD800\"}}}", false), "lone.json");
  CHECK(lone[0].object["metadata"]["annotations"]["a"] == "\xEF\xBF\xBD");
  CHECK(errorOf(std::string("a\0b", 3)).find("binary data") != std::string::npos);
}

// The API server's strict field validation refuses a field given twice in JSON as in YAML; nlohmann kept the
// last one silently ("name": "a", "name": "b" was Pod b).
TEST_CASE("a JSON field given twice is malformed input, named by its path") {
  CHECK(errorOf(R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "name": "b"}})", "p.json") ==
        "p.json: document 1: metadata.name: duplicate field");
  CHECK(errorOf(R"({"apiVersion": "v1", "kind": "List", "items": [{"kind": "Pod"}, {"a": [1, {"x": 1}, {"x": 1, "x": 2}]}]})",
                "l.json") == "l.json: document 1: items[1].a[2].x: duplicate field");
  CHECK(errorOf("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"a\"}}\n{\"kind\": \"Pod\", \"kind\": \"Pod\"}\n",
                "s.json") == "s.json: document 2 (line 2): kind: duplicate field");
  // The same key in sibling objects is no repeat.
  CHECK(parseManifests(R"({"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}]})", "ok.json").size() == 2);
}
