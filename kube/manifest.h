#pragma once
// Manifests as kguard reads them: every Kubernetes object found in files, folders or stdin, each with
// where it came from so that every message can name the file, the document and the line.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/decoded.h"
#include "kube/namespace_object.h"
#include "kube/node_object.h"
#include "kube/service_account.h"
#include "kube/pod_decode.h"
#include "kube/volume_claims.h"
#include "kube/yaml_tree.h"

namespace kube {

// Bad input: the message already names the file, document and (where known) line and field.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SourceText;  // the raw text of one input, kept so that lines can be looked up on demand

struct Location {
  std::string file;   // path as given, or "<stdin>"
  int document = 0;   // 1-based index of the YAML document (a JSON file is document 1)
  int line = 0;       // 1-based line where the object starts, 0 when unknown
  std::string item;   // "items[3]" for an object unwrapped from a List, else empty
  std::shared_ptr<const SourceText> source;

  // "file: document 2 (line 14)" / "file: document 1, items[3] (line 9)"
  std::string describe() const;
  // The line of a field inside this object ("spec.containers[1].image"), or 0 when not found.
  int lineOf(const std::string& fieldPath) const;
  // Its line and column (1-based; the key's for a mapping field); the nearest existing parent's when
  // the field is absent, {0, 0} when unknown.
  YamlMark markOf(const std::string& fieldPath) const;
  // The line the object starts at: `line`, or for an item of a JSON List (kubectl get -o json), which has
  // none until its text is looked up, the item's line in the text; 0 when unknown.
  int startLine() const;
  // Where a report points for a finding on `fieldPath` (empty: the object): markOf, or when the text is
  // unknown the object's start line with column 0. Every report of lint and audit points through this.
  YamlMark pointAt(const std::string& fieldPath) const;
};

struct Manifest {
  Manifest() = default;
  // Decodes the pod the object carries (a Pod, a workload's template), or the Namespace or Node it is,
  // once, for every checker.
  Manifest(Location where, nlohmann::json object);

  Location where;
  nlohmann::json object;  // set through the constructor: pod() and namespaceObject() are decoded from it there

  // The typed Pod or pod template (kube::podTemplatePath), decoded when the object was read; get() is
  // nullptr for kinds that carry none and throws the object's DecodeError.
  const DecodedPod& pod() const { return pod_; }
  // The typed Namespace (v1), decoded when the object was read; get() is nullptr for other kinds.
  const Decoded<NamespaceObject>& namespaceObject() const { return namespaceObject_; }
  // The typed Node (core group), decoded when the object was read; get() is nullptr for other kinds.
  const Decoded<NodeObject>& node() const { return node_; }
  // The typed ServiceAccount (v1), decoded when the object was read; get() is nullptr for other kinds.
  const Decoded<ServiceAccountObject>& serviceAccount() const { return serviceAccount_; }
  // The object's own metadata (a workload's, not its template's), decoded when the object was read;
  // get() is nullptr when it has none.
  const Decoded<ObjectMeta>& metadata() const { return metadata_; }
  // The claims a PersistentVolumeClaim or a StatefulSet's volumeClaimTemplates make (kube::decodeObjectVolumeClaims),
  // decoded when the object was read; get() is empty for other kinds.
  const DecodedClaims& volumeClaims() const { return volumeClaims_; }

  // Replaces the object by `identity` (the fields reports still name it by) and drops its typed objects:
  // for a reader that keeps many manifests after taking their typed objects (the audit).
  void keepOnly(nlohmann::json identity);

  const std::string& kind() const;
  const std::string& apiVersion() const;
  std::string name() const;
  std::string namespace_() const;
  // "file: document 2 (line 14): spec.hostPID: expected a boolean" — the one way errors are worded.
  std::string errorAt(const std::string& fieldPath, const std::string& problem) const;

 private:
  DecodedPod pod_;
  Decoded<NamespaceObject> namespaceObject_;
  Decoded<NodeObject> node_;
  Decoded<ServiceAccountObject> serviceAccount_;
  Decoded<ObjectMeta> metadata_;
  DecodedClaims volumeClaims_;
};

// Reads every path (a file, a folder read recursively for *.yaml, *.yml, *.json, or "-" for stdin).
// Empty documents are skipped; `kind: List` and `*List` objects are unwrapped into their items.
// Throws InputError on anything unreadable or malformed.
std::vector<Manifest> loadManifests(const std::vector<std::string>& paths);

// What a load that keeps going could not use.
struct LoadProblems {
  std::vector<std::string> errors;   // one message per unreadable file or malformed document
  // Documents in folders that are no Kubernetes object, each with why: "file: document 1 (line 1): no
  // apiVersion and kind, ...", "dir/kustomization.yaml: a kustomization, ...", "dir/p.yaml: a patch named in ...".
  std::vector<std::string> skipped;
};

// Like loadManifests, but never throws for bad input: each unreadable file or malformed document is
// recorded in `problems` and the rest is still read. Documents found in a folder that carry neither
// apiVersion nor kind (a CI workflow, an application config) are not manifests, nor are the kustomization
// files of a kustomize source folder and the patches they name (kube/kustomization.h): they are listed in
// `problems.skipped` rather than reported as errors.
std::vector<Manifest> loadManifests(const std::vector<std::string>& paths, LoadProblems& problems);

// The contents of one manifest file, refusing (InputError) a file past the loader's size limit.
std::string readManifestFile(const std::string& path);

// Parses one text (YAML stream or JSON) as if it were the file `name`.
std::vector<Manifest> parseManifests(const std::string& text, const std::string& name);

}  // namespace kube
