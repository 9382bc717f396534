#include "machine/fatal.h"

#include <cstdio>
#include <cstdlib>

namespace caec::machine {
void fatal(const char* file, int line, const char* what) {
  std::fprintf(stderr, "machine: fatal: %s (%s:%d)\n", what, file, line);
  std::abort();
}
}  // namespace caec::machine
