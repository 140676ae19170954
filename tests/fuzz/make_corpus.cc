// Writes the payload fuzzer's seed corpus: valid frames of every type list it decodes
// (tests/fuzz/payload_types.hpp), one file each, into the directory given as argv[1].
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/fuzz/payload_types.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  int n = 0;
  for (const std::string& input : daemoniker::fuzz::seed_inputs()) {
    std::ofstream(std::string(argv[1]) + "/seed-" + std::to_string(n++), std::ios::binary)
        << input;
  }
  std::printf("make_corpus: %d seeds in %s\n", n, argv[1]);
  return 0;
}
