#include "machine/vcpu.h"

#include <chrono>
#include <cstdio>
#include <exception>

#include "machine/fatal.h"
#include "machine/stage2.h"

namespace caec::machine {

namespace {
thread_local Vcpu* t_current = nullptr;
thread_local int t_fault_depth = 0;
}  // namespace

Vcpu::Vcpu(Pa rec, Stage2& stage2, const RecStart& start, Entry entry, El2Vectors* vectors)
    : rec_(rec), stage2_(stage2), start_(start), entry_(std::move(entry)), vectors_(vectors) {}

Vcpu::~Vcpu() {
  if (!started_) return;
  terminating_.store(true, std::memory_order_release);
  if (!finished_.load()) to_realm_.post();
  raise_irq();
  thread_.join();
}

Vcpu* Vcpu::current() { return t_current; }

Vcpu::FaultScope::FaultScope() { ++t_fault_depth; }
Vcpu::FaultScope::~FaultScope() { --t_fault_depth; }

void Vcpu::run() {
  if (!started_) {
    started_ = true;
    thread_ = std::thread([this] { body(); });
  } else {
    to_realm_.post();
  }
  to_rmm_.wait();
}

bool Vcpu::yield() {
  to_rmm_.post();
  to_realm_.wait();
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

void Vcpu::body() {
  t_current = this;
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
  t_current = nullptr;
  if (!terminating_.load(std::memory_order_acquire)) {
    // The realm ran off its code (or died of an unhandled abort): hand the PE back for good.
    finished_.store(true, std::memory_order_release);
    to_rmm_.post();
  }
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
