#include "rmm/diag.h"

#include <cstdio>
#include <cstdlib>

#include "rmm/rmm_check.h"

namespace caec::rmm {

namespace {
thread_local std::string_view t_last_failure;
}

void diag::record_failure(std::string_view label) { t_last_failure = label; }
std::string_view diag::last_failure() { return t_last_failure; }

void rmm_panic(const char* file, int line, const char* what) {
  std::fprintf(stderr, "RMM panic: %s (%s:%d)\n", what, file, line);
  std::abort();
}

}  // namespace caec::rmm
