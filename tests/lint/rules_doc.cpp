// Prints docs/rules.md from the check catalog; with --check FILE, exits 1 when FILE differs (stale docs).
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "findings/check_catalog.h"

int main(int argc, char** argv) {
  std::string doc = findings::rulesMarkdown();
  if (argc == 3 && std::string(argv[1]) == "--check") {
    std::ifstream in(argv[2]);
    std::ostringstream current;
    current << in.rdbuf();
    if (current.str() == doc) return 0;
    std::cerr << argv[2] << " is out of date: regenerate it with `build/tests/lint/rules_doc > docs/rules.md`\n";
    return 1;
  }
  std::cout << doc;
  return 0;
}
