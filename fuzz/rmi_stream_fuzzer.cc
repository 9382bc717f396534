// A command-stream fuzzer for the RMM (docs/hardening.md): the input is a script of RMI calls by
// a hostile host and RSI calls by two realms, with arguments drawn from a small grammar, against
// a freshly booted platform::System. After every call the CSM invariants (csm-abi.md §6, the
// inspect/ checker) must hold; a violation aborts with the script so far.
//
// Grammar (one selector byte per step, then its arguments):
//  * RMI: a command of the RMM's own table (rmm/rmi_command.h), or a FID next to the table's;
//    every argument register is a granule PA from a pool (fresh NS and delegated granules, the
//    realms' RDs, RECs, AUX granules, RTTs, DATA, APTs and run pages, PAs outside DRAM, in the
//    Secure carve-out, unaligned), an IPA from a set of interesting values, an RTT level, a
//    small integer, a stage-2 descriptor or raw bits;
//  * RSI: a command of the RMM's RSI table (RSI, CAEC and PSCI) issued by one of two running
//    realms (the
//    "csm-remote" test program, tests/programs/csm_remote.cc), with IPAs, RIDs, CSM ids, sizes
//    and small integers as arguments; or a read or write of one of the interesting IPAs;
//  * host memory: arbitrary bytes written into one of the host's NS granules (the pages that
//    RMI calls read parameters from);
//  * connect: one realm shares a region with the other (create, share, reserve, attach), so
//    that scripts reach ATTACHED sharings quickly.
//
// The fuzzer is the host's only thread: it enters the realms' RECs itself and serves their exits
// with the reference VMM's handlers (host/vmm.h), so a run depends only on its input.
#include <fuzzer/FuzzedDataProvider.h>
#include <sanitizer/common_interface_defs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "caec/abi/csm.h"
#include "caec/abi/esr.h"
#include "caec/abi/realm_image.h"
#include "caec/abi/rsi.h"
#include "caec/abi/s2tt.h"
#include "fuzz/fuzz_support.h"
#include "host/vmm.h"
#include "inspect/csm_invariants.h"
#include "machine/fault_handler.h"
#include "platform/emulated_platform.h"
#include "realm/boot.h"
#include "rmm/introspect.h"

namespace caec::fuzz {
namespace {

/// csm-remote's protocol: it asks for a command with this host call, passing the last result.
constexpr std::uint16_t kNextCommand = 0x310;
constexpr std::uint64_t kRamSize = 4ULL << 20U;  // RAM [1 MiB, 5 MiB): the CSM IPAs below are in it
/// REC entries one step may take to serve a realm's exits before the fuzzer gives up on it.
constexpr int kMaxEntries = 64;
constexpr std::size_t kMaxSteps = 48;

/// The reference VMM's exit handlers, callable by the fuzzer's own (single-threaded) vCPU loop.
class ExitHandlers : public host::Vmm {
 public:
  using Vmm::Next;
  using Vmm::on_csm_consumer;
  using Vmm::on_csm_provider;
  using Vmm::on_data_abort;
  using Vmm::on_host_call;
  using Vmm::on_ripas_change;
  using Vmm::Vmm;
};

using Next = ExitHandlers::Next;

struct RemoteRealm {
  host::VmRealm* vm = nullptr;
  Rid rid{};
  bool parked = false;   // waiting at kNextCommand
  bool stopped = false;  // the VMM gave up on it (as host::Vmm would stop its vCPU loop)
  abi::RmiRecExit last_exit{};
};

class Script {
 public:
  explicit Script(FuzzedDataProvider& in)
      : in_(in),
        system_(machine_config(), realm::boot),
        host_(system_.machine()),
        vmm_(host_, [this](Pa rec) { system_.platform().interrupt(rec); }),
        introspect_(system_.rmm()) {
    for (std::size_t i = 0; i < realms_.size(); ++i) launch(i);
    fill_pools();
    check("boot");
  }

  void step() {
    switch (in_.ConsumeIntegralInRange(0, 9)) {
      case 0:
      case 1:
      case 2:
      case 3: rmi(); break;
      case 4:
      case 5:
      case 6: rsi(); break;
      case 7: access(); break;
      case 8: write_host_page(); break;
      default: connect(); break;
    }
  }

 private:
  static machine::MachineConfig machine_config() {
    machine::MachineConfig c;
    c.dram_bytes =
        16ULL << 20U;  // small: the invariant checker visits every granule after each step
    c.stage2_half_window = 4ULL << 30U;
    return c;
  }

  void launch(std::size_t i) {
    host::LaunchSpec spec;
    spec.name = "r" + std::to_string(i);
    spec.realm.vmid = static_cast<std::uint16_t>(i + 1);
    spec.manifest = {"csm-remote", 1, {}};
    spec.ram_size = kRamSize;
    RemoteRealm& r = realms_[i];
    r.vm = &vmm_.launch(spec);
    r.rid = introspect_.realm(r.vm->built.rd)->rid;
    (void)resume(r, abi::RmiRecEnter{});
  }

  void fill_pools() {
    for (const RemoteRealm& r : realms_) {
      const host::HostRealm& b = r.vm->built;
      granules_.insert(granules_.end(),
                       {b.rd, b.rtt_base, b.recs[0].rec, b.recs[0].aux, r.vm->run_pages[0]});
      granules_.insert(granules_.end(), b.apts.begin(), b.apts.end());
    }
    const Pa rtt_base = host_.delegate_new();
    granules_.push_back(rtt_base);
    for (int i = 0; i < 3; ++i) granules_.push_back(host_.delegate_new());
    for (int i = 0; i < 3; ++i) {
      ns_pages_.push_back(*host_.pool().allocate());
      granules_.push_back(ns_pages_.back());
    }
    const auto& mem = system_.machine().memory();
    granules_.insert(granules_.end(),
                     {mem.end() + 16 * kGranuleSize, Pa{mem.end().value() - kGranuleSize},
                      granules_.front() + 8, Pa{0}});
    // Parameters an RMI call may read: a realm and a REC that would be accepted.
    abi::RmiRealmParams realm{};
    realm.s2sz = 40;
    realm.num_bps = 1;
    realm.num_wps = 1;
    realm.vmid = 7;
    realm.rtt_base = rtt_base.value();
    realm.rtt_level_start = 1;
    realm.rtt_num_start = 2;
    (void)host_.memory().write(ns_pages_[0], std::as_bytes(std::span(&realm, 1)));
    abi::RmiRecParams rec{};
    rec.flags = abi::rec_flags::kRunnable;
    (void)host_.memory().write(ns_pages_[1], std::as_bytes(std::span(&rec, 1)));
  }

  // ---- Arguments -------------------------------------------------------------------------

  /// A granule of the fixed pool, or one of a realm's RTTs or DATA granules as they are now
  /// (the VMM adds both as it serves the realms' exits).
  Pa granule() {
    if (in_.ConsumeBool()) {
      return granules_[in_.ConsumeIntegralInRange<std::size_t>(0, granules_.size() - 1)];
    }
    const host::HostRealm& b = realms_[in_.ConsumeIntegralInRange<std::size_t>(0, 1)].vm->built;
    if (b.tables.empty() && b.data.empty()) return granules_.front();
    auto k = in_.ConsumeIntegralInRange<std::size_t>(0, b.tables.size() + b.data.size() - 1);
    if (k < b.tables.size()) return b.tables[k].pa;
    auto it = b.data.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(k - b.tables.size()));
    return it->second;
  }

  std::uint64_t ipa() {
    static constexpr std::uint64_t kIpas[] = {0,
                                              abi::kRamBase.value(),
                                              abi::kRamBase.value() + 0x1000,
                                              abi::kRamBase.value() + 0x41000,
                                              0x200000,
                                              0x201000,
                                              0x210000,
                                              0x300000,
                                              0x301000,
                                              0x310000,
                                              0x400000,
                                              0x100010,
                                              1ULL << 30U,
                                              (1ULL << 39U),
                                              (1ULL << 39U) + 0x1000,
                                              (1ULL << 40U) - 0x1000,
                                              1ULL << 40U};
    return kIpas[in_.ConsumeIntegralInRange<std::size_t>(0, std::size(kIpas) - 1)];
  }

  std::uint64_t value() {
    switch (in_.ConsumeIntegralInRange(0, 5)) {
      case 0: return granule().value();
      case 1: return ipa();
      case 2:
        return static_cast<std::uint64_t>(
            in_.ConsumeIntegralInRange<std::int64_t>(-1, 4));  // level
      case 3: return in_.ConsumeIntegralInRange<std::uint64_t>(0, 4);
      case 4:  // a stage-2 descriptor for an NS granule
        return ns_pages_[in_.ConsumeIntegralInRange<std::size_t>(0, ns_pages_.size() - 1)].value() |
               abi::s2tt::kMemAttrNormalWb |
               (in_.ConsumeBool() ? abi::s2tt::kS2apRo : abi::s2tt::kS2apRw);
      default: return in_.ConsumeIntegral<std::uint64_t>();
    }
  }

  /// What realm `i` would pass to an RSI call: IPAs, RIDs, CSM ids, sizes, small integers.
  std::uint64_t rsi_value(std::size_t i) {
    switch (in_.ConsumeIntegralInRange(0, 5)) {
      case 0: return ipa();
      case 1:
        return static_cast<std::uint64_t>(
            realms_[in_.ConsumeIntegralInRange<std::size_t>(0, 1)].rid);
      case 2: {
        const auto apt = introspect_.apt(realms_[i].vm->built.rd);
        if (apt.empty()) return 1;
        return static_cast<std::uint64_t>(
            apt[in_.ConsumeIntegralInRange<std::size_t>(0, apt.size() - 1)].csm_id);
      }
      case 3: return kGranuleSize * in_.ConsumeIntegralInRange<std::uint64_t>(0, 3);
      case 4: return in_.ConsumeIntegralInRange<std::uint64_t>(0, 3);
      default: return in_.ConsumeIntegral<std::uint64_t>();
    }
  }

  // ---- Steps -----------------------------------------------------------------------------

  void rmi() {
    const auto commands = introspect_.rmi_commands();
    std::uint32_t fid = 0;
    if (in_.ConsumeIntegralInRange(0, 15) == 0) {
      fid = static_cast<std::uint32_t>(abi::RmiFid::kVersion) +
            in_.ConsumeIntegralInRange<std::uint32_t>(0, 0x1f);
    } else {
      fid = commands[in_.ConsumeIntegralInRange<std::size_t>(0, commands.size() - 1)].fid;
    }
    std::array<std::uint64_t, 5> a{};
    for (auto& v : a) v = value();
    const auto out = host_.rmi().smc(fid, {a[0], a[1], a[2], a[3], a[4]});
    if (fid == static_cast<std::uint32_t>(abi::RmiFid::kRecEnter) && out.x[0] == 0)
      note_entry(Pa{a[0]}, Pa{a[1]});
    check("RMI " + hex(fid) + " " + hex(a[0]) + " " + hex(a[1]) + " " + hex(a[2]) + " " +
          hex(a[3]) + " " + hex(a[4]) + " -> " + hex(out.x[0]));
  }

  void rsi() {
    const auto commands = introspect_.rsi_commands();
    const std::size_t i = in_.ConsumeIntegralInRange<std::size_t>(0, realms_.size() - 1);
    const std::uint32_t fid =
        commands[in_.ConsumeIntegralInRange<std::size_t>(0, commands.size() - 1)].fid;
    std::array<std::uint64_t, 5> a{};
    for (auto& v : a) v = rsi_value(i);
    const auto result = command(i, {1, fid, a[0], a[1], a[2], a[3], a[4]});
    check("realm " + std::to_string(i) + " RSI " + hex(fid) + " " + hex(a[0]) + " " + hex(a[1]) +
          " " + hex(a[2]) + " " + hex(a[3]) + " " + hex(a[4]) + " -> " +
          (result ? hex(*result) : "(no answer)"));
  }

  void access() {
    const std::size_t i = in_.ConsumeIntegralInRange<std::size_t>(0, realms_.size() - 1);
    const bool write = in_.ConsumeBool();
    const std::uint64_t at = ipa();
    (void)command(i, {write ? 3U : 2U, at, 0xfeed});
    check("realm " + std::to_string(i) + (write ? " writes " : " reads ") + hex(at));
  }

  void write_host_page() {
    const Pa page = ns_pages_[in_.ConsumeIntegralInRange<std::size_t>(0, ns_pages_.size() - 1)];
    const auto offset = in_.ConsumeIntegralInRange<std::uint64_t>(0, kGranuleSize / 8 - 1) * 8;
    const auto bytes = in_.ConsumeBytes<std::byte>(in_.ConsumeIntegralInRange<std::size_t>(1, 64));
    (void)host_.memory().write(page + offset, std::span(bytes).first(std::min<std::size_t>(
                                                  bytes.size(), kGranuleSize - offset)));
    check("host writes " + std::to_string(bytes.size()) + " bytes at " +
          hex((page + offset).value()));
  }

  /// Realm `p` shares a region with realm `c`, which reserves IPA space and attaches.
  void connect() {
    const std::size_t p = in_.ConsumeIntegralInRange<std::size_t>(0, 1);
    const std::size_t c = 1 - p;
    const std::uint64_t base = 0x200000 + 0x10000 * in_.ConsumeIntegralInRange<std::uint64_t>(0, 2);
    const std::uint64_t size = kGranuleSize * in_.ConsumeIntegralInRange<std::uint64_t>(1, 2);
    const std::uint64_t perm = in_.ConsumeBool() ? 1 : 2;
    const auto csm = [](abi::CaecRsiFid f) { return static_cast<std::uint64_t>(f); };
    if (command(p, {1, csm(abi::CaecRsiFid::kCsmCreate), base, size}) != 0)
      return check("connect: create refused");
    std::optional<rmm::AptEntry> region;
    for (const auto& e : introspect_.apt(realms_[p].vm->built.rd)) {
      if (e.kind == rmm::AptKind::kRegion && e.base == Ipa{base}) region = e;
    }
    if (!region) return check("connect: no region");
    const auto provider = static_cast<std::uint64_t>(realms_[p].rid);
    const auto consumer = static_cast<std::uint64_t>(realms_[c].rid);
    (void)command(p, {1, csm(abi::CaecRsiFid::kCsmShare),
                      static_cast<std::uint64_t>(region->csm_id), consumer, perm});
    std::uint64_t k = 0;
    for (const auto& e : introspect_.apt(realms_[p].vm->built.rd)) {
      if (e.kind == rmm::AptKind::kSharing && e.csm_id == region->csm_id) k = e.k;
    }
    check("connect: shared");
    const std::uint64_t at = 0x300000 + 0x10000 * in_.ConsumeIntegralInRange<std::uint64_t>(0, 2);
    if (command(c, {1, csm(abi::CaecRsiFid::kCsmReserve), provider, k, at, size}) != 0)
      return check("connect: reserve refused");
    (void)command(c, {1, csm(abi::CaecRsiFid::kCsmAttach), provider, k});
    check("connect " + std::to_string(p) + " -> " + std::to_string(c) + " at " + hex(at));
  }

  // ---- Running the realms ----------------------------------------------------------------

  /// Runs one csm-remote command on realm `i`; its result, unless the realm did not come back.
  std::optional<std::uint64_t> command(std::size_t i, std::initializer_list<std::uint64_t> cmd) {
    RemoteRealm& r = realms_[i];
    if (r.stopped) return std::nullopt;
    if (!r.parked) {
      // Stopped elsewhere (a REC_ENTER of the script's): serve that exit first.
      abi::RmiRecEnter enter{};
      if (!serve(r, r.last_exit, enter) || !resume(r, enter)) return std::nullopt;
    }
    abi::RmiRecEnter enter{};
    std::copy(cmd.begin(), cmd.end(), enter.gprs.begin());
    if (!resume(r, enter)) return std::nullopt;
    return r.last_exit.gprs[0];
  }

  /// Enters the realm's REC until it asks for its next command (true), the VMM stops it, or it
  /// used up its entries (false).
  bool resume(RemoteRealm& r, abi::RmiRecEnter enter) {
    r.parked = false;
    const Pa rec = r.vm->built.recs[0].rec;
    const Pa run = r.vm->run_pages[0];
    for (int n = 0; n < kMaxEntries; ++n) {
      if (host_.memory().write(run, std::as_bytes(std::span(&enter, 1))) != machine::Access::kOk)
        return false;
      if (!host_.rmi().rec_enter(rec, run).ok()) return false;
      if (!note_entry(rec, run)) return true;
      enter = abi::RmiRecEnter{};
      enter.gicv3_lrs = r.last_exit.gicv3_lrs;
      if (!serve(r, r.last_exit, enter)) {
        r.stopped = true;
        return false;
      }
    }
    return false;
  }

  /// After a successful REC_ENTER of `rec` with `run`: records the exit of the realm that owns
  /// `rec`. Returns false when that realm is now parked at kNextCommand.
  bool note_entry(Pa rec, Pa run) {
    for (RemoteRealm& r : realms_) {
      if (r.vm->built.recs[0].rec != rec) continue;
      abi::RmiRecRun state{};
      if (host_.memory().read(run, std::as_writable_bytes(std::span(&state, 1))) !=
          machine::Access::kOk)
        return true;
      r.last_exit = state.exit;
      r.parked = static_cast<abi::RmiRecExitReason>(state.exit.exit_reason) ==
                     abi::RmiRecExitReason::kHostCall &&
                 state.exit.imm == kNextCommand;
      return !r.parked;
    }
    return true;
  }

  /// Serves one exit as host::Vmm does; false when the VMM would stop the realm.
  bool serve(RemoteRealm& r, const abi::RmiRecExit& exit, abi::RmiRecEnter& enter) {
    host::VmRealm& vm = *r.vm;
    Next next = Next::kStopRealm;
    try {
      switch (static_cast<abi::RmiRecExitReason>(exit.exit_reason)) {
        case abi::RmiRecExitReason::kSync:
          if (abi::esr::ec(exit.esr) == abi::esr::kEcWfx) next = Next::kEnter;
          if (abi::esr::ec(exit.esr) == abi::esr::kEcDataAbortLower)
            next = vmm_.on_data_abort(vm, 0, exit, enter);
          break;
        case abi::RmiRecExitReason::kIrq:
        case abi::RmiRecExitReason::kFiq:
        case abi::RmiRecExitReason::kCsmRemove: next = Next::kEnter; break;
        case abi::RmiRecExitReason::kHostCall: next = vmm_.on_host_call(vm, 0, exit, enter); break;
        case abi::RmiRecExitReason::kRipasChange:
          next = vmm_.on_ripas_change(vm, 0, exit, enter);
          break;
        case abi::RmiRecExitReason::kCsmProvider:
          next = vmm_.on_csm_provider(vm, 0, exit, enter);
          break;
        case abi::RmiRecExitReason::kCsmConsumer:
          next = vmm_.on_csm_consumer(vm, 0, exit, enter);
          break;
        default: break;  // PSCI (one REC: nothing to start) and anything else
      }
    } catch (const host::HostError&) {
      next = Next::kStopRealm;
    }
    return next == Next::kEnter;
  }

  // ---- The oracle ------------------------------------------------------------------------

  static std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
  }

  void check(const std::string& step) {
    log_.push_back(step);
    const auto bad = inspect::csm_invariant_violations(introspect_, system_.machine());
    if (bad.empty()) return;
    std::string what = "CSM invariants violated after the last of these steps:\n";
    for (const auto& s : log_) what += "  " + s + "\n";
    for (const auto& b : bad) what += "  violation: " + b + "\n";
    fail("rmi_stream_fuzzer", what);
  }

  FuzzedDataProvider& in_;
  platform::System system_;
  host::Host host_;
  ExitHandlers vmm_;
  rmm::RmmIntrospection introspect_;
  std::array<RemoteRealm, 2> realms_{};
  std::vector<Pa> granules_;
  std::vector<Pa> ns_pages_;
  std::vector<std::string> log_;
};

// The emulator's SIGSEGV handler resolves stage-2 faults and GPFs; on a fault it cannot resolve
// (a wild access by the RMM, say) it restores the default action, and the process would die
// without libFuzzer saving the input. This wrapper turns that case into an abort, which
// libFuzzer reports with the input.
struct sigaction g_emulator_handler {};

void on_fault(int sig, siginfo_t* info, void* context) {
  g_emulator_handler.sa_sigaction(sig, info, context);
  struct sigaction now {};
  if (sigaction(sig, nullptr, &now) == 0 && now.sa_handler == SIG_DFL) {
    static constexpr char kMessage[] =
        "rmi_stream_fuzzer: a memory fault the emulator cannot resolve\n";
    (void)!write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    __sanitizer_print_stack_trace();
    std::abort();
  }
}

void wrap_fault_handler() {
  machine::install_fault_handler();
  struct sigaction wrapper {};
  if (sigaction(SIGSEGV, nullptr, &g_emulator_handler) != 0) std::abort();
  wrapper = g_emulator_handler;
  wrapper.sa_sigaction = on_fault;
  if (sigaction(SIGSEGV, &wrapper, nullptr) != 0) std::abort();
}

}  // namespace
}  // namespace caec::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  caec::fuzz::wrap_fault_handler();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  caec::fuzz::run_steps<caec::fuzz::Script>(data, size, caec::fuzz::kMaxSteps);
  return 0;
}
