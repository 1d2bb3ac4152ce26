#pragma once
// The error of every decoder: a field of the wrong type or an invalid value, with its field path.
#include <stdexcept>
#include <string>

namespace kube {

// `path` is "spec.containers[0].securityContext".
class DecodeError : public std::runtime_error {
 public:
  DecodeError(std::string path, const std::string& problem)
      : std::runtime_error(path.empty() ? problem : path + ": " + problem),  // the root: no ": " before
        path_(std::move(path)),
        problem_(problem) {}
  const std::string& path() const { return path_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string path_;
  std::string problem_;
};

}  // namespace kube
