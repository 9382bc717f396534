#include "machine/vcpu.h"

#include <sys/mman.h>

#include <chrono>
#include <cstdio>
#include <exception>

#include "machine/asan.h"
#if CAEC_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#include "machine/fatal.h"
#include "machine/stage2.h"

namespace caec::machine {

namespace {
// The realm side's per-PE state while a context runs on this thread (run() swaps it in and out).
thread_local Vcpu* t_current = nullptr;
thread_local int t_fault_depth = 0;

/// A realm's stack: what a host thread's would be.
constexpr std::size_t kStackBytes = 8U << 20U;
constexpr std::size_t kGuardBytes = 4096;
}  // namespace

Vcpu::Vcpu(Pa rec, Stage2& stage2, const RecStart& start, Entry entry, El2Vectors* vectors)
    : rec_(rec), stage2_(stage2), start_(start), entry_(std::move(entry)), vectors_(vectors) {}

Vcpu::~Vcpu() {
  if (started_) {
    terminating_.store(true, std::memory_order_release);
    // A PE may still run it (machine teardown): an IRQ brings it to R-EL2, which makes an exit.
    raise_irq();
    while (running_.load(std::memory_order_acquire)) (void)parked_.wait_for(1'000'000);
    // Parked at an exit: entered once more, its yield() returns false and the context unwinds
    // on this thread.
    if (!finished_.load(std::memory_order_acquire)) run();
  }
  if (stack_ != nullptr) munmap(stack_, kGuardBytes + kStackBytes);
}

Vcpu* Vcpu::current() { return t_current; }

Vcpu::FaultScope::FaultScope() { ++t_fault_depth; }
Vcpu::FaultScope::~FaultScope() { --t_fault_depth; }

void Vcpu::switch_to(StackContext& from, const StackContext& to, bool to_realm) {
#if CAEC_ASAN
  if (to_realm) {
    __sanitizer_start_switch_fiber(&host_fake_stack_, stack_ + kGuardBytes, kStackBytes);
  } else {
    __sanitizer_start_switch_fiber(&realm_fake_stack_, host_stack_bottom_, host_stack_size_);
  }
#endif
  switch_context(from, to);
#if CAEC_ASAN
  // Back in `from`: the host side learns nothing new; the realm side learns which host stack
  // (whichever thread entered it this time) to return to.
  if (to_realm) {
    __sanitizer_finish_switch_fiber(host_fake_stack_, nullptr, nullptr);
  } else {
    __sanitizer_finish_switch_fiber(realm_fake_stack_, &host_stack_bottom_, &host_stack_size_);
  }
#else
  (void)to_realm;
#endif
}

void Vcpu::run() {
  if (finished_.load(std::memory_order_acquire)) return;
  if (!started_) {
    started_ = true;
    void* p = mmap(nullptr, kGuardBytes + kStackBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    MACHINE_CHECK(p != MAP_FAILED, "mmap realm stack");
    stack_ = static_cast<std::byte*>(p);
    MACHINE_CHECK(mprotect(stack_, kGuardBytes, PROT_NONE) == 0, "mprotect realm stack guard");
    make_context(realm_context_, stack_ + kGuardBytes, kStackBytes, &Vcpu::enter_context, this);
  }
  // The realm side's per-PE state is this context's, whatever this thread held before.
  Vcpu* const outer = t_current;
  const int outer_depth = t_fault_depth;
  t_current = this;
  t_fault_depth = fault_depth_;
  const ExceptionState outer_exceptions = exchange_exception_state(exceptions_);
  running_.store(true, std::memory_order_release);
  switch_to(host_context_, realm_context_, true);
  running_.store(false, std::memory_order_release);
  exceptions_ = exchange_exception_state(outer_exceptions);
  fault_depth_ = t_fault_depth;
  t_current = outer;
  t_fault_depth = outer_depth;
  if (terminating_.load(std::memory_order_acquire)) parked_.post();  // the destructor waits
}

bool Vcpu::yield() {
  switch_to(realm_context_, host_context_, false);
  return !terminating_.load(std::memory_order_acquire);
}

void Vcpu::end_context() {
  if (t_fault_depth > 0) unwind_to_start();
  throw VcpuTerminated{};
}

void Vcpu::restart(const RecStart& start) {
  // A restart from a fault handler would leave signal context by an exception: not allowed.
  if (t_fault_depth > 0) fatal(__FILE__, __LINE__, "REC restart requested from a stage-2 abort");
  throw VcpuRestart{start};
}

void Vcpu::enter_context(void* arg) {
  auto* self = static_cast<Vcpu*>(arg);
#if CAEC_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &self->host_stack_bottom_, &self->host_stack_size_);
#endif
  self->body();
  // Ran off its code (or was unwound): back to the PE that entered it, for good.
  self->finished_.store(true, std::memory_order_release);
#if CAEC_ASAN
  __sanitizer_start_switch_fiber(nullptr, self->host_stack_bottom_, self->host_stack_size_);
#endif
  StackContext gone;  // never resumed
  switch_context(gone, self->host_context_);
  fatal(__FILE__, __LINE__, "a finished realm context was resumed");
}

void Vcpu::body() {
  if (sigsetjmp(start_point_, 1) == 0) {
    for (bool again = true; again;) {
      again = false;
      try {
        entry_(*this);
      } catch (const VcpuRestart& r) {
        start_ = r.start;
        again = true;
      } catch (const VcpuTerminated&) {
      } catch (const std::exception& e) {
        // Realm software that fails (realm firmware that trusts a corrupt boot block, say) ends
        // its own context, as a crashed realm would on hardware, not the emulator's process.
        std::fprintf(stderr, "realm: REC 0x%llx ended by an exception: %s\n",
                     static_cast<unsigned long long>(rec_.value()), e.what());
      }
    }
  }
  t_fault_depth = 0;
}

std::uint64_t Vcpu::counter() {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch()).count();
  return static_cast<std::uint64_t>(ns) / (1'000'000'000U / abi::kCounterHz);
}

abi::RealmSysregs Vcpu::sysregs() const {
  abi::RealmSysregs r;
  const std::uint64_t ctl = vtimer_ctl_.load(std::memory_order_acquire);
  r.cntv_cval = vtimer_cval_.load(std::memory_order_relaxed);
  // Read at every REC exit: the counter only matters to an enabled timer.
  r.cntv_ctl = (ctl & abi::timer_ctl::kEnable) != 0 ? abi::timer_ctl_at(ctl, r.cntv_cval, counter()) : ctl;
  r.ich_vmcr = ich_vmcr_.load(std::memory_order_acquire);
  return r;
}

void Vcpu::wait_for_irq() {
  while (!irq_pending()) {
    const std::uint64_t ctl = vtimer_ctl_.load(std::memory_order_acquire);
    const bool armed = (ctl & (abi::timer_ctl::kEnable | abi::timer_ctl::kImask)) == abi::timer_ctl::kEnable;
    if (!armed) {
      irq_event_.wait();
      continue;
    }
    // Sleep until the timer's deadline at most: its interrupt wakes the PE.
    const std::uint64_t now = counter();
    const std::uint64_t cval = vtimer_cval_.load(std::memory_order_relaxed);
    if (cval > now) (void)irq_event_.wait_for((cval - now) * (1'000'000'000U / abi::kCounterHz));
  }
}

abi::AbortResolution Vcpu::translate(Ipa ipa, const abi::MemoryAccess& access) {
  using Kind = abi::AbortResolution::Kind;
  const S2Outcome walk = stage2_.fill(ipa, access.write, access.fetch);
  if (walk.fault == S2Fault::kNone) return {Kind::kRetry};
  if (vectors_ == nullptr) inject_sea(ipa);  // nobody at R-EL2 to take it
  const abi::AbortResolution r = vectors_->stage2_abort(*this, ipa, access, walk);
  if (r.kind == Kind::kSea) inject_sea(ipa);
  return r;
}

void Vcpu::unwind_to_start() { siglongjmp(start_point_, 1); }

void Vcpu::inject_sea(Ipa ipa) {
  // The realm's vector does not return to the fault handler: leave signal context for good.
  t_fault_depth = 0;
  if (sea_vector_ != nullptr) sea_vector_(ipa);
  std::fprintf(stderr, "realm: unhandled synchronous external abort at IPA 0x%llx\n",
               static_cast<unsigned long long>(ipa.value()));
  unwind_to_start();
}

}  // namespace caec::machine
