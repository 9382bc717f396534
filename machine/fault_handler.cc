#include "machine/fault_handler.h"

#include <csetjmp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>

#include <atomic>
#include <unistd.h>

#include "machine/fatal.h"

namespace caec::machine {
namespace {

// volatile: the compiler must not drop the store before memcpy as dead (memcpy is a builtin it
// believes cannot observe it), since the signal handler reads it.
thread_local sigjmp_buf* volatile t_recovery = nullptr;

struct Slot {
  std::atomic<bool> used{false};
  FaultRegion region;
};
Slot g_slots[kMaxFaultRegions];
/// One past the highest slot ever used: the handler looks no further.
std::atomic<std::size_t> g_slots_end{0};
std::mutex g_slots_mutex;

void write_stderr(const char* s) {
  ssize_t ignored = write(STDERR_FILENO, s, std::strlen(s));
  (void)ignored;
}

void on_sigsegv(int sig, siginfo_t* info, void* uctx) {
  if (t_recovery != nullptr) {
    sigjmp_buf* env = t_recovery;
    t_recovery = nullptr;
    siglongjmp(*env, 1);
  }
  const auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
  // x86-64 page-fault error code bit 1: the access was a write.
  auto* uc = static_cast<ucontext_t*>(uctx);
  const bool is_write = (uc->uc_mcontext.gregs[REG_ERR] & 0x2) != 0;
  const std::size_t end = g_slots_end.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < end; ++i) {
    const Slot& slot = g_slots[i];
    if (!slot.used.load(std::memory_order_acquire)) continue;
    const FaultRegion& r = slot.region;
    if (addr >= r.begin && addr < r.end) {
      if (!r.resolve(r.ctx, addr, is_write)) break;
      // The access may have been a REC's that made an exit from here and was entered again
      // from another thread (machine/vcpu.h). The signal return restores the alternate signal
      // stack recorded at delivery, which must be this thread's, not the first one's (which
      // may have exited and freed it; pthread_t values are reused, so this cannot be told).
      stack_t here{};
      if (sigaltstack(nullptr, &here) == 0) uc->uc_stack = here;
      return;
    }
  }
  write_stderr("machine: unhandled memory fault (Granule Protection Fault or stage-2 abort "
               "with no handler)\n");
  signal(sig, SIG_DFL);
}

}  // namespace

void install_fault_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_sigsegv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    MACHINE_CHECK(sigaction(SIGSEGV, &sa, nullptr) == 0, "sigaction(SIGSEGV)");
    MACHINE_CHECK(sigaction(SIGBUS, &sa, nullptr) == 0, "sigaction(SIGBUS)");
  });
}

std::size_t register_fault_region(const FaultRegion& region) {
  std::lock_guard lock(g_slots_mutex);
  for (std::size_t i = 0; i < kMaxFaultRegions; ++i) {
    if (!g_slots[i].used.load(std::memory_order_relaxed)) {
      g_slots[i].region = region;
      g_slots[i].used.store(true, std::memory_order_release);
      if (i >= g_slots_end.load(std::memory_order_relaxed)) g_slots_end.store(i + 1, std::memory_order_release);
      return i;
    }
  }
  fatal(__FILE__, __LINE__, "too many fault regions");
}

void unregister_fault_region(std::size_t slot) {
  std::lock_guard lock(g_slots_mutex);
  g_slots[slot].used.store(false, std::memory_order_release);
}

bool recoverable_copy(void* dst, const void* src, std::size_t n) {
  if (n == 0) return true;  // an empty span's data() may be null: memcpy would be undefined
  sigjmp_buf env;
  // No signal mask to save (a system call each time): the handler runs with SA_NODEFER, so the
  // mask in it is the mask here.
  if (sigsetjmp(env, 0) != 0) return false;
  t_recovery = &env;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  std::memcpy(dst, src, n);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_recovery = nullptr;
  return true;
}

}  // namespace caec::machine
