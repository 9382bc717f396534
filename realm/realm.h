// The realm SDK: what a realm program uses. Typed RSI calls (through the SMC instruction of its
// PE), its IPA space as ordinary pointers, host calls, memory shared with the host through the
// unprotected IPA half, and PSCI. It mirrors what a Linux realm driver would expose.
//
// Memory layout every caec realm uses (the host builds it, the RIM covers what is measured):
//   IPA 0x0             the manifest (realm/manifest.h), measured; REC 0 starts here
//   IPA 0x1000..        optional image payload, measured
//   IPA kRamBase..      RAM, declared with RTT_INIT_RIPAS and populated on first touch;
//                       the first kScratchPages pages are the SDK's per-REC RSI buffers
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "caec/abi/rsi.h"
#include "caec/abi/rsi_commands.h"
#include "caec/abi/smc.h"
#include "caec/abi/types.h"
#include "machine/vcpu.h"
#include "caec/abi/realm_image.h"

namespace caec::realm {

using abi::kEntryIpa;
using abi::kRamBase;
inline constexpr std::uint64_t kScratchPages = 64;  // one per REC, up to 64 RECs

/// An RSI call failed; the message names the command and the status.
class RsiError : public std::runtime_error {
 public:
  RsiError(std::string_view command, abi::RsiStatus status);
  [[nodiscard]] abi::RsiStatus status() const { return status_; }

 private:
  abi::RsiStatus status_;
};

/// An access to realm memory ended in a synchronous external abort (see Realm::guarded).
struct Abort {
  Ipa ipa;
};

using Measurement = std::array<std::uint8_t, 64>;

/// What Realm::guarded and the realm's SEA vector share, one per REC: realm EL1 software finds
/// it through TPIDR_EL1, so it follows the REC to whichever host thread runs it.
struct AbortGuardState {
  void* jump = nullptr;  // the innermost guarded() call's sigjmp_buf, nullptr outside any
  Ipa abort_ipa;
};

class Realm {
 public:
  Realm(machine::Vcpu& vcpu, abi::Manifest manifest, Ipa ram_base, std::uint64_t ram_size,
        std::uint64_t context);
  ~Realm();
  Realm(const Realm&) = delete;
  Realm& operator=(const Realm&) = delete;

  // ---- Identity ----
  [[nodiscard]] std::uint64_t rec_index() const { return vcpu_.start().index; }
  [[nodiscard]] const abi::Manifest& manifest() const { return manifest_; }
  [[nodiscard]] const std::vector<std::string>& args() const { return manifest_.args; }
  /// X0 given to a REC started with start_cpu (0 for REC 0).
  [[nodiscard]] std::uint64_t context() const { return context_; }

  // ---- Memory ----
  /// The host pointer through which this realm reaches `ipa` (accesses go through stage 2).
  [[nodiscard]] std::byte* ptr(Ipa ipa) const;
  template <class T>
  [[nodiscard]] T* as(Ipa ipa) const {
    return reinterpret_cast<T*>(ptr(ipa));
  }
  /// RAM for the program: [ram().first, ram().first + ram().second), after the SDK's scratch.
  [[nodiscard]] std::pair<Ipa, std::uint64_t> ram() const;
  [[nodiscard]] unsigned ipa_width();
  /// The unprotected alias of a protected IPA (the top IPA bit set).
  [[nodiscard]] Ipa unprotected_alias(Ipa ipa);
  // ---- Device MMIO (realm/mmio.cc) ----
  /// One load of a T (std::uint8_t .. std::uint64_t, as a kernel's readb .. readq) from `ipa`
  /// into X0 (W0 below 8 bytes): an access with an instruction syndrome, so that at an
  /// unprotected IPA the host maps nothing at, the host can emulate it as a device would answer
  /// (an emulatable data abort). An unaligned access has no syndrome and cannot be emulated.
  template <class T>
  [[nodiscard]] T mmio_read(Ipa ipa);
  /// One store of `value` from X0 (W0 below 8 bytes) to `ipa`, emulatable like mmio_read.
  template <class T>
  void mmio_write(Ipa ipa, T value);
  /// An instruction fetch of the 4-byte instruction at `ipa`: realm code is native, so nothing
  /// runs from realm memory, but a fetch goes through stage 2 as the PE's would (execute
  /// permission, the realm access table, instruction-abort exits) and returns the word read.
  [[nodiscard]] std::uint32_t fetch(Ipa ipa);
  /// Prints through the host's emulated UART (abi/mmio_console.h), byte by byte, instead of
  /// host calls.
  void uart_print(std::string_view text);

  /// Runs `fn`; if one of its accesses takes a synchronous external abort, returns the abort.
  [[nodiscard]] std::optional<Abort> guarded(const std::function<void()>& fn);

  // ---- RSI ----
  /// A granule of this REC's own RAM the SDK uses for RSI buffers (host calls, configs, CSM
  /// info); its contents change with every such call.
  [[nodiscard]] Ipa rsi_buffer() const { return scratch(); }
  /// A raw SMC (for probes of malformed calls); returns the result registers.
  [[nodiscard]] abi::SmcRegs smc(std::uint32_t fid, std::initializer_list<std::uint64_t> args);
  [[nodiscard]] abi::SmcRegs smc(abi::SmcRegs regs);
  /// Any RSI command, by its view (abi/rsi_commands.h): its status and its results by name.
  template <class Command>
  [[nodiscard]] abi::rsi::Reply<Command> call(const Command& c) {
    const abi::SmcRegs regs = smc(abi::call_regs(c));
    abi::rsi::Reply<Command> reply{abi::decode<typename Command::Out>(regs)};
    reply.ret = static_cast<abi::RsiStatus>(regs.x[0]);
    return reply;
  }
  /// The command's results; throws RsiError naming it unless it succeeded.
  template <class Command>
  typename Command::Out checked(const Command& c) {
    const auto reply = call(c);
    if (reply.ret != abi::RsiStatus::kSuccess) throw RsiError(Command::kName, reply.ret);
    return reply;
  }
  /// A PSCI call, by its view: its X0 (a PSCI return code, or the value asked for).
  template <class Command>
  std::int64_t psci(const Command& c) {
    return static_cast<std::int64_t>(smc(abi::call_regs(c)).x[0]);
  }
  [[nodiscard]] std::uint64_t rsi_version();
  [[nodiscard]] abi::RsiRealmConfig config();
  [[nodiscard]] Rid rid() { return Rid{config().rid}; }
  [[nodiscard]] Measurement measurement(unsigned index);
  void extend_measurement(unsigned index, std::span<const std::uint8_t> value);
  /// Changes RIPAS of [base, top) until done; throws RsiError if the host refuses.
  void set_ripas(Ipa base, Ipa top, abi::Ripas ripas, bool allow_destroyed = false);
  /// RSI_IPA_STATE_GET: the RIPAS at base and how far it extends.
  [[nodiscard]] std::pair<abi::Ripas, Ipa> ripas(Ipa base, Ipa top);
  /// RSI_HOST_CALL with `imm` and up to 31 arguments; returns the host's X0..X30.
  [[nodiscard]] std::array<std::uint64_t, 31> host_call(std::uint16_t imm,
                                                         std::span<const std::uint64_t> args = {});
  /// Prints a line on the host's console.
  void print(std::string_view text);

  // ---- Sharing with the host (the realm shared memory protocol, rmm-1.0.md §8) ----
  /// Gives up [base, base+size) as private memory (RIPAS EMPTY) and returns its unprotected
  /// alias, which the host can back with Non-secure memory.
  [[nodiscard]] std::byte* share_with_host(Ipa base, std::uint64_t size);
  /// Asks the host to map its shared buffer `id` at unprotected IPA `ipa`; returns a pointer.
  [[nodiscard]] std::byte* map_host_buffer(std::uint64_t id, Ipa ipa, std::uint64_t size);

  // ---- CPUs ----
  /// PSCI CPU_ON of REC `index`, which runs this program with context() == `context`.
  [[nodiscard]] std::int64_t start_cpu(std::uint64_t index, std::uint64_t context);
  /// PSCI AFFINITY_INFO: 0 on, 1 off.
  [[nodiscard]] std::int64_t cpu_state(std::uint64_t index);
  [[noreturn]] void cpu_off();
  [[noreturn]] void system_off();
  /// Waits for an interrupt (a REC exit when the host traps WFI).
  void wfi() { vcpu_.wfi(); }
  // ---- The generic timer ----
  /// CNTVCT_EL0: the counter, abi::kCounterHz ticks per second.
  [[nodiscard]] static std::uint64_t counter() { return machine::Vcpu::counter(); }
  /// Arms the EL1 virtual timer to fire when the counter reaches `cval` (CNTV_CVAL_EL0, then
  /// CNTV_CTL_EL0 = ENABLE). Its interrupt ends an untrapped WFI: a REC exit with reason IRQ
  /// that shows the host the timer's state.
  void arm_timer(std::uint64_t cval) { vcpu_.set_virtual_timer(abi::timer_ctl::kEnable, cval); }
  /// CNTV_CTL_EL0 = 0.
  void disarm_timer() { vcpu_.set_virtual_timer(0, 0); }
  /// CNTV_CTL_EL0.ISTATUS: the armed timer's deadline has passed.
  [[nodiscard]] bool timer_fired() const {
    return (vcpu_.sysregs().cntv_ctl & abi::timer_ctl::kIstatus) != 0;
  }
  /// WFE: a REC exit when the host traps WFE; otherwise it returns at once.
  void wfe() { vcpu_.wfe(); }
  /// HVC #0: RMM 1.0 gives realms no hypervisor; returns true when the realm took the Unknown
  /// exception (undefined instruction) the RMM injects for it.
  [[nodiscard]] bool hvc() { return vcpu_.hvc(); }
  /// A spin-loop hint that also lets a pending physical interrupt preempt the REC.
  void cpu_relax();

 private:
  [[nodiscard]] Ipa scratch() const;

  machine::Vcpu& vcpu_;
  abi::Manifest manifest_;
  Ipa ram_base_;
  std::uint64_t ram_size_;
  std::uint64_t context_;
  unsigned ipa_width_ = 0;
  AbortGuardState guard_;
};

}  // namespace caec::realm
