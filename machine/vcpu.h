// A REC's realm-world execution context: its own stack and registers, run on the PE (host
// thread) that entered it.
//
// The world switch is a context switch on the calling thread, as on hardware, where REC_ENTER
// is an ERET on the same core: the R-EL2 side (the RMM handling RMI_REC_ENTER) calls run(),
// which switches this thread to the realm's stack until R-EL2 code running there (an RSI
// handler, a stage-2 abort, even from inside the fault handler) calls yield() to make a REC
// exit, which switches back. No other thread is involved, so a round trip costs two context
// switches rather than two cross-thread wake-ups, and a machine has no thread per REC. A REC
// may be entered from a different host thread each time (its context follows it); what the
// realm side keeps per PE lives in the context (TPIDR_EL1, the current Vcpu), never in the
// host thread's storage. Physical IRQs aimed at the PE are a flag the realm side polls at RSI
// calls, WFI and cpu_relax().
#pragma once

#include <array>
#include <atomic>
#include <csetjmp>
#include <cstdint>
#include <functional>

#include "caec/abi/pe_state.h"
#include "caec/abi/smc.h"
#include "caec/abi/types.h"
#include "machine/context_switch.h"
#include "machine/el2_vectors.h"
#include "machine/event.h"
#include "machine/exception_state.h"

namespace caec::machine {

class Stage2;

/// Register state a REC starts with (from RmiRecParams, or from PSCI CPU_ON).
using abi::RecStart;

/// Thrown on the realm's stack when its context is torn down while it waits at a REC exit.
struct VcpuTerminated {};
/// Thrown on the realm's stack to start it over (PSCI CPU_ON after CPU_OFF).
struct VcpuRestart {
  RecStart start;
};

class Vcpu {
 public:
  using Entry = std::function<void(Vcpu&)>;

  /// `vectors`: where the realm's traps go (none installed: they do nothing).
  Vcpu(Pa rec, Stage2& stage2, const RecStart& start, Entry entry, El2Vectors* vectors);
  ~Vcpu();  // unwinds the realm's context if it is still parked at an exit
  Vcpu(const Vcpu&) = delete;
  Vcpu& operator=(const Vcpu&) = delete;

  [[nodiscard]] Pa rec() const { return rec_; }

  // ---- The realm's instructions that trap to R-EL2 ----
  /// SMC #0 from realm EL1 (RSI, PSCI).
  void smc(abi::SmcRegs& regs) {
    if (vectors_ != nullptr) vectors_->realm_smc(*this, regs);
  }
  /// WFI: traps to the RMM (which waits for an interrupt, or exits to the host).
  void wfi() {
    if (vectors_ != nullptr) vectors_->realm_wfx(*this, false);
  }
  /// WFE: traps to the RMM if the host asked; otherwise completes (no event is modelled, and
  /// a WFE may complete at any time).
  void wfe() {
    if (vectors_ != nullptr) vectors_->realm_wfx(*this, true);
  }
  /// HVC: true if it is undefined for the realm (an Unknown exception at realm EL1).
  [[nodiscard]] bool hvc() { return vectors_ == nullptr || vectors_->realm_hvc(*this); }
  /// The PE's stage-2 translation of an access it describes itself (the realm SDK's MMIO accessors, whose load or store
  /// could not complete natively at `ipa`, and its instruction fetches): the PE walks stage 2
  /// and, if the walk fails, takes the abort to R-EL2. kRetry: do the access (again);
  /// kEmulated: the host emulated it (a load's register value is in the result). An SEA goes
  /// to the realm's vector instead.
  [[nodiscard]] abi::AbortResolution translate(Ipa ipa, const abi::MemoryAccess& access);
  [[nodiscard]] Stage2& stage2() const { return stage2_; }
  [[nodiscard]] const RecStart& start() const { return start_; }

  /// R-EL2 side: switch this PE (the calling thread) to the realm until it exits. Creates the
  /// realm's context on first use. Returns at once if the realm ran off its code.
  void run();
  /// Realm side (R-EL2 code on the realm's stack): make the REC exit; returns true on the next
  /// run(), false if the context is being destroyed meanwhile. R-EL2 code then returns to its
  /// trap vector, which calls end_context(): no exception or jump crosses R-EL2's frames.
  [[nodiscard]] bool yield();

  /// Realm side, from a trap vector once R-EL2 code has returned: drop the realm's context
  /// (throws VcpuTerminated through the realm's own frames or, inside a fault handler, jumps
  /// to the thread's start).
  [[noreturn]] void end_context();
  /// Realm side, from a trap vector: abandon the current code and start over at `start`.
  [[noreturn]] void restart(const RecStart& start);
  /// The realm ran off its code (or died of an unhandled abort).
  [[nodiscard]] bool ended() const { return finished_.load(std::memory_order_acquire); }

  /// A physical interrupt for the PE running this REC.
  void raise_irq() {
    irq_.store(true, std::memory_order_release);
    irq_event_.post();
  }
  /// Consumes a raised IRQ; an asserted EL1 timer interrupt (level-sensitive) stays pending
  /// until the realm disables, masks or reprograms its timer.
  [[nodiscard]] bool take_irq() { return irq_.exchange(false, std::memory_order_acq_rel) || timer_asserted(); }
  [[nodiscard]] bool irq_pending() const { return irq_.load(std::memory_order_acquire) || timer_asserted(); }
  /// Realm side: sleep until an IRQ is raised or the realm's timer fires (an untrapped WFI).
  void wait_for_irq();

  // ---- The generic timer (machine/vcpu.cc) ----
  /// CNTVCT_EL0 (= CNTPCT_EL0): abi::kCounterHz ticks since an arbitrary start, monotonic.
  [[nodiscard]] static std::uint64_t counter();
  /// Realm side: MSR CNTV_CTL_EL0 / CNTV_CVAL_EL0 (ISTATUS is read-only and ignored here).
  void set_virtual_timer(std::uint64_t ctl, std::uint64_t cval) {
    vtimer_cval_.store(cval, std::memory_order_relaxed);
    vtimer_ctl_.store(ctl, std::memory_order_release);
  }
  /// Realm side: the ICC_* writes of realm EL1 that land in ICH_VMCR_EL2 (priority mask,
  /// binary points, group enables).
  void set_gic_vmcr(std::uint64_t vmcr) { ich_vmcr_.store(vmcr, std::memory_order_release); }
  /// The registers R-EL2 saves at an exit, as they read now (timer ISTATUS included).
  [[nodiscard]] abi::RealmSysregs sysregs() const;

  /// The Vcpu whose realm code runs on the calling thread, or nullptr.
  [[nodiscard]] static Vcpu* current();

  /// TPIDR_EL1: the register realm EL1 software keeps its per-PE pointer in (the realm SDK's
  /// abort guard). Part of the REC's context, so it follows the REC from thread to thread.
  void set_tpidr_el1(std::uintptr_t value) { tpidr_el1_ = value; }
  [[nodiscard]] std::uintptr_t tpidr_el1() const { return tpidr_el1_; }

  /// Marks that the realm is inside the stage-2 fault handler (signal context), where a
  /// termination must unwind with a jump rather than an exception.
  struct FaultScope {
    FaultScope();
    ~FaultScope();
  };

  /// Realm EL1's synchronous exception entry for an injected SEA (set by the realm SDK). It
  /// never returns; without one the realm's context is unwound to its start.
  using SeaVector = void (*)(Ipa ipa);
  void set_sea_vector(SeaVector v) { sea_vector_ = v; }
  [[noreturn]] void inject_sea(Ipa ipa);

 private:
  void body();
  static void enter_context(void* self);
  /// Switches from `from` to `to`, telling the address sanitizer about the stacks.
  void switch_to(StackContext& from, const StackContext& to, bool to_realm);
  [[noreturn]] void unwind_to_start();

  Pa rec_;
  Stage2& stage2_;
  RecStart start_;
  Entry entry_;
  El2Vectors* vectors_;
  /// The realm's stack (with a guard page below it) and the two contexts of the switch.
  std::byte* stack_ = nullptr;
  StackContext realm_context_;
  StackContext host_context_;
  /// The host side's fiber bookkeeping for the sanitizer (unused without it).
  void* host_fake_stack_ = nullptr;
  void* realm_fake_stack_ = nullptr;
  const void* host_stack_bottom_ = nullptr;
  std::size_t host_stack_size_ = 0;
  /// Realm-side state that must follow the context, saved while it is switched out.
  int fault_depth_ = 0;
  std::uintptr_t tpidr_el1_ = 0;
  ExceptionState exceptions_;  // the C++ runtime's, per thread (machine/exception_state.h)
  /// A PE runs it now (between run()'s switch in and yield()'s switch out).
  std::atomic<bool> running_{false};
  Event parked_;
  Event irq_event_;
  std::atomic<bool> terminating_{false};
  std::atomic<bool> irq_{false};
  bool started_ = false;
  std::atomic<bool> finished_{false};
  SeaVector sea_vector_ = nullptr;
  /// The EL1 virtual timer (the physical one stays disabled: the realm SDK never uses it).
  std::atomic<std::uint64_t> vtimer_ctl_{0};
  std::atomic<std::uint64_t> vtimer_cval_{0};
  std::atomic<std::uint64_t> ich_vmcr_{0};
  [[nodiscard]] bool timer_asserted() const {
    // Polled by every cpu_relax(): the counter is read only when the timer is armed.
    const std::uint64_t ctl = vtimer_ctl_.load(std::memory_order_acquire);
    if ((ctl & (abi::timer_ctl::kEnable | abi::timer_ctl::kImask)) != abi::timer_ctl::kEnable) return false;
    return abi::timer_asserted(ctl, vtimer_cval_.load(std::memory_order_relaxed), counter());
  }
  sigjmp_buf start_point_{};
};

}  // namespace caec::machine
