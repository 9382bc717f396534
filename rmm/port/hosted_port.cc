// The RMM's link-time ports (rmm/port/rmm_check.h, rmm/runtime/diag.h) for the hosted build, where each PE
// is a thread of the emulator's process. The firmware build leaves them to its own port.
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "rmm/runtime/diag.h"
#include "rmm/port/rmm_check.h"

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

// More threads than cores run PEs here: a spinning PE gives its core to the lock's holder.
void cpu_relax() { std::this_thread::yield(); }

}  // namespace caec::rmm
