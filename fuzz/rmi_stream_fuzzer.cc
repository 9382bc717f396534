// A command-stream fuzzer for the RMM (docs/hardening.md): the input is a script of RMI calls by
// a hostile host and RSI calls by two realms, with arguments drawn from a grammar, against one
// booted platform::System that is put back as it was after every input (testing/
// system_snapshot.h). After every step the CSM invariants (csm-abi.md §6, inspect/) and the CSM
// permission oracle (fuzz/csm_write_oracle.h) must hold; a violation aborts with the steps so
// far. After every input the RMM's registry, its VMIDs and its PAS accounting must be exact.
//
// Grammar (one selector per step, then its arguments):
//  * rmi: a command of the RMM's own table (rmm/rmi/rmi_command.h), or a FID next to the table's;
//    every argument register is a granule PA from a pool (fresh NS and delegated granules, the
//    realms' RDs, RECs, AUX granules, RTTs, DATA, APTs and run pages, PAs outside DRAM, in the
//    Secure carve-out, unaligned), an IPA (interesting values, or one of the CSM targets below),
//    an RTT level, a small integer, a stage-2 descriptor or raw bits;
//  * rsi: a command of the RMM's RSI table issued by a REC of one of the two realms (the
//    "fuzz-remote" program, fuzz/fuzz_remote.cc), arguments as above plus RIDs, CSM ids, sizes;
//  * access: a REC reads or writes 8 bytes at an IPA or a CSM target;
//  * host memory: bytes written into one of the host's NS pages (RMI parameters);
//  * connect: one realm shares a region with the other (create, share RO or RW, reserve, and
//    attach or not);
//  * csm: one CSM command with arguments taken from the realms' APTs (regions, sharings, k,
//    reservations), or slightly off them;
//  * rsi buffer: RSI_REALM_CONFIG, RSI_HOST_CALL (its structure and the host's write-back),
//    RSI_ATTESTATION_TOKEN_INIT/CONTINUE, RSI_CSM_INFO or RSI_REALM_MEASUREMENTS with the output
//    at a CSM target: the realm's own region, a reservation attached RO or RW, one not attached
//    (reserved, revoked, dead), the peer's region IPA, an unmapped IPA (RAM never populated,
//    RIPAS EMPTY, unprotected, outside the IPA space), a private page;
//  * region data: the host destroys or creates DATA in a region or reservation (provider or
//    consumer side), or reads its RTT entry;
//  * lifecycle: teardown in every order (a realm turns off and its host destroys its APTs, or
//    destroys its RECs first; the peer's CSM calls come after as later steps), a torn-down
//    realm's REC that is still running makes CSM calls (REC 1 of the realm waits at a mailbox,
//    inside REC_ENTER on a second host thread, while REC 0 turns the realm off and the host
//    destroys its APTs; then it runs its calls), a realm destroyed and a new one created and
//    activated at the same RD, and attempts to re-activate a torn-down realm (APT_CREATE,
//    REALM_ACTIVATE, REC entry).
//
// The fuzzer is the host: it enters the RECs itself and serves their exits with the reference
// VMM's handlers (host/vmm.h) or its own (PSCI, and the CSM exits a block at a time), so a run
// depends on its input alone and every finding replays. Only the lifecycle step that tears a
// realm down under a running REC uses a second host thread, and it orders the two with the
// mailbox. fuzz/README.md has the design, the figures and the environment variables
// (CAEC_FUZZ_TRACE, CAEC_FUZZ_PROFILE, CAEC_FUZZ_SLOW) that help debug and measure it.
#include <fuzzer/FuzzedDataProvider.h>
#include <sanitizer/common_interface_defs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "caec/abi/hex.h"
#include "caec/abi/csm.h"
#include "caec/abi/esr.h"
#include "caec/abi/realm_image.h"
#include "caec/abi/rsi.h"
#include "caec/abi/rsi_commands.h"
#include "caec/abi/s2tt.h"
#include "fuzz/coverage_counters.h"
#include "fuzz/csm_write_oracle.h"
#include "fuzz/fuzz_support.h"
#include "host/vmm.h"
#include "inspect/csm_invariants.h"
#include "inspect/granule_accounting.h"
#include "machine/fault_handler.h"
#include "platform/emulated_platform.h"
#include "realm/boot.h"
#include "rmm/introspect/introspect.h"
#include "testing/system_snapshot.h"

namespace caec::fuzz {
namespace {

/// fuzz-remote's protocol: it asks for a command with this host call, passing its results
/// (X0..X3) and the tag of the command they answer (X4; the host puts a command's tag in X30).
/// A REC can aim a host call's structure at another REC's scratch page, so a host call with
/// imm kNextCommand is that REC's answer to a command only if it carries the command's tag.
constexpr std::uint16_t kNextCommand = 0x310;
constexpr std::size_t kTagRegister = 30;
constexpr std::uint64_t kRamSize = 3ULL << 20U;  // RAM [1 MiB, 4 MiB): the CSM IPAs below are in it
constexpr std::size_t kRecs = 2;                 // REC 0 runs; REC 1 after a CPU_ON
/// Each realm's mailbox: an unprotected IPA mapped to a page of host memory (fuzz_remote.cc).
constexpr Ipa kMailbox{(1ULL << 39U) + 0x200000};
/// REC entries one step may take to serve a realm's exits before the fuzzer gives up on it.
constexpr int kMaxEntries = 64;
constexpr std::size_t kMaxSteps = 48;
/// The REC that waits at the mailbox must get there within this (else the fuzzer aborts: hang).
constexpr auto kMailboxTimeout = std::chrono::seconds(20);

using rmm::AptEntry;
using rmm::AptKind;
using rmm::ResState;

std::uint64_t fid(abi::PsciFid f) { return static_cast<std::uint64_t>(f); }

/// An RSI call as fuzz-remote passes it on: the FID, then X1..X5 (abi/rsi_commands.h gives the
/// layout; fuzz-remote forwards five arguments, so a view's later registers must be zero).
template <class View>
std::array<std::uint64_t, 6> regs_of(const View& v) {
  const abi::SmcRegs r = abi::call_regs(v);
  return {r.x[0], r.x[1], r.x[2], r.x[3], r.x[4], r.x[5]};
}

/// The reference VMM's exit handlers, callable by the fuzzer's own (single-threaded) vCPU loop.
class ExitHandlers : public host::Vmm {
 public:
  using Vmm::Next;
  using Vmm::on_data_abort;
  using Vmm::on_host_call;
  using Vmm::on_ripas_change;
  using Vmm::populate;
  using Vmm::Vmm;
};
using Next = ExitHandlers::Next;

struct RemoteRec {
  Pa rec;
  Pa run;
  bool entered = false;  // its realm thread exists (a REC_ENTER succeeded since the reset)
  bool parked = false;   // waiting at kNextCommand
  bool stopped = false;  // the host gave up on it (as host::Vmm would stop its vCPU loop)
  abi::RmiRecExit last_exit{};
  /// A PSCI_CPU_ON completed for it with this context: its next entry starts it over there.
  std::optional<std::uint64_t> restart{};
  /// The tag of the last command given to it through command() (0: none since its boot).
  std::uint64_t tag = 0;
  /// The arguments of the calls it was given and has not finished (it exited to the host in
  /// the middle): any later entry, whatever step makes it, may finish them, and the RMM may
  /// then write their outputs.
  std::vector<std::vector<std::uint64_t>> pending;
};

struct RemoteRealm {
  host::VmRealm* vm = nullptr;
  Rid rid{};
  std::uint16_t vmid = 0;
  Pa mailbox;  // host page behind kMailbox
  std::array<RemoteRec, kRecs> recs{};
};

/// Realm IPAs the grammar aims at.
namespace ipas {
constexpr std::uint64_t kRegionBase = 0x200000;       // connect's regions: 0x200000 + 0x10000 n
constexpr std::uint64_t kReservationBase = 0x300000;  // connect's reservations
constexpr std::uint64_t kRamTop = abi::kRamBase.value() + kRamSize;
}  // namespace ipas

/// While it lives, coverage the fuzzer's own inspection causes is not counted: the invariant
/// checker, the oracle, the end-of-input checks and the reset call into the RMM (its granule
/// locks, RTT decoding, transitions), and their edges would otherwise reach libFuzzer as if the
/// input had made the RMM take them, in hit-count buckets that measure the size of the state.
class UncountedCoverage {
 public:
  UncountedCoverage() : counters_(coverage_counters()), saved_(counters_.begin(), counters_.end()) {}
  ~UncountedCoverage() { std::copy(saved_.begin(), saved_.end(), counters_.begin()); }
  UncountedCoverage(const UncountedCoverage&) = delete;
  UncountedCoverage& operator=(const UncountedCoverage&) = delete;

 private:
  std::span<std::uint8_t> counters_;
  std::vector<std::uint8_t> saved_;
};

/// Where an input's time goes (CAEC_FUZZ_PROFILE=N in the environment: a line on stderr every N
/// inputs, with the averages so far). The steps include the realms' boots, the invariant checks and the oracle.
class Profile {
 public:
  enum Phase : std::uint8_t { kSteps, kBoot, kInvariants, kOracle, kFinish, kReset, kPhases };
  static constexpr std::array<const char*, kPhases> kNames{"steps", "of which boot", "of which invariants",
                                                           "of which oracle", "end checks", "reset"};
  Profile() {
    if (const char* every = std::getenv("CAEC_FUZZ_PROFILE")) every_ = std::max(1UL, std::strtoul(every, nullptr, 10));
  }

  class Scope {
   public:
    Scope(Profile& p, Phase ph) : p_(p), ph_(ph), start_(std::chrono::steady_clock::now()) {}
    ~Scope() { p_.total_[ph_] += std::chrono::steady_clock::now() - start_; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Profile& p_;
    Phase ph_;
    std::chrono::steady_clock::time_point start_;
  };
  /// Time of one step of kind `kind` (a short name).
  void step_done(const char* kind, std::chrono::steady_clock::duration d) {
    if (every_ == 0) return;
    auto& [n, t] = kinds_[kind];
    ++n;
    t += d;
  }
  [[nodiscard]] bool on() const { return every_ != 0; }

  void input_done(std::size_t steps, const testing::SystemSnapshot::Stats& reset) {
    steps_ += steps;
    copied_ += reset.granules_copied;
    moved_ += reset.granules_moved;
    if (every_ == 0 || ++inputs_ % every_ != 0) return;
    std::string line = "rmi_stream profile: " + std::to_string(inputs_) + " inputs, " +
                       std::to_string(steps_ / inputs_) + " steps each; per input (us):";
    for (std::size_t i = 0; i < kPhases; ++i) {
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(total_[i]).count();
      line += std::string(" ") + kNames[i] + " " + std::to_string(us / static_cast<long>(inputs_));
    }
    line += "; the reset copies " + std::to_string(copied_ / inputs_) + " granules and rewinds " +
            std::to_string(moved_ / inputs_) + " granule states";
    line += "\n  steps (count, us each):";
    for (const auto& [kind, nt] : kinds_) {
      line += std::string(" ") + kind + " " + std::to_string(nt.first) + " " +
              std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(nt.second).count() /
                             static_cast<long>(nt.first));
    }
    std::fprintf(stderr, "%s\n", line.c_str());
  }

 private:
  std::uint64_t every_ = 0;  // print every this many inputs (0: never)
  std::uint64_t inputs_ = 0;
  std::uint64_t steps_ = 0;
  std::uint64_t copied_ = 0;
  std::uint64_t moved_ = 0;
  std::array<std::chrono::steady_clock::duration, kPhases> total_{};
  std::map<std::string, std::pair<std::uint64_t, std::chrono::steady_clock::duration>> kinds_;
};

class Harness {
 public:
  Harness()
      : system_(machine_config(), realm::boot),
        host_(system_.machine()),
        vmm_(host_, [this](Pa rec) { system_.platform().interrupt(rec); }),
        introspect_(system_.rmm()) {
    for (std::size_t i = 0; i < realms_.size(); ++i) launch(i, std::nullopt);
    fill_pools();
    introspect_.enumerate_realms_by_rid(true);
    if (const auto bad = invariants_.violations(introspect_, system_.machine()); !bad.empty()) {
      fail("rmi_stream_fuzzer", "invariants violated after boot: " + bad.front());
    }
    booted_ = realms_;
    snapshot_ = std::make_unique<testing::SystemSnapshot>(system_, host_, vmm_);
    oracle_ = std::make_unique<CsmWriteOracle>(system_.machine(), snapshot_->machine(), introspect_);
  }

  /// One input: the steps, the checks at the end, then the reset.
  void run(FuzzedDataProvider& in) {
    in_ = &in;
    next_tag_ = 0;  // (tags reach realm memory: the same input must write the same bytes)
    std::size_t steps = 0;
    {
      const Profile::Scope t(profile_, Profile::kSteps);
      {
        const UncountedCoverage quiet;
        for (std::size_t i = 0; i < realms_.size(); ++i) {
          scratch_[i].clear();
          for (std::size_t k = 0; k < kRecs; ++k) scratch_[i].insert((abi::kRamBase + k * kGranuleSize).value());
          oracle_->set_scratch(i, {scratch_[i].begin(), scratch_[i].end()});
        }
        views_ = views();
        oracle_->reset(views_);
      }
      for (; steps < kMaxSteps && in.remaining_bytes() > 0; ++steps) step();
    }
    if (trace_) std::fprintf(stderr, "rmi_stream input:\n%s  state %016llx\n", this->steps().c_str(), fingerprint());
    {
      const UncountedCoverage quiet;
      {
        const Profile::Scope t(profile_, Profile::kFinish);
        finish();
      }
      const Profile::Scope t(profile_, Profile::kReset);
      reset();
    }
    profile_.input_done(steps, snapshot_->last_restore());
  }

 private:
  static machine::MachineConfig machine_config() {
    machine::MachineConfig c;
    // Small: the invariant checker visits every granule after every step, and the end-of-input
    // checks and the reset every granule's GPT entry.
    c.dram_bytes = 8ULL << 20U;
    c.stage2_half_window = 4ULL << 30U;
    return c;
  }

  FuzzedDataProvider& in() { return *in_; }

  // ---- Setup -----------------------------------------------------------------------------

  /// Builds realm `i` (at RD `rd` if given) and maps its mailbox; it does not run yet.
  void launch(std::size_t i, std::optional<Pa> rd) {
    RemoteRealm& r = realms_[i];
    host::LaunchSpec spec;
    spec.name = "r" + std::to_string(i);
    spec.realm.vmid = static_cast<std::uint16_t>(i + 1);
    spec.realm.rd = rd;
    spec.manifest = {"fuzz-remote", 1, {}};
    spec.ram_size = kRamSize;
    spec.num_recs = kRecs;
    if (snapshot_) snapshot_->note_vmid(spec.realm.vmid);
    r.vm = &vmm_.launch(spec);
    r.rid = introspect_.realm(r.vm->built.rd)->rid;
    r.vmid = spec.realm.vmid;
    for (std::size_t k = 0; k < kRecs; ++k) {
      r.recs[k] = RemoteRec{};
      r.recs[k].rec = r.vm->built.recs[k].rec;
      r.recs[k].run = r.vm->run_pages[k];
    }
    // The pages each REC's SDK writes first (its RSI scratch page) are backed before the snapshot:
    // otherwise every input would begin with the same exits to populate them.
    for (std::size_t k = 0; k < kRecs; ++k) vmm_.populate(*r.vm, abi::kRamBase + k * kGranuleSize);
    if (!rd) {
      const auto page = host_.allocate();
      if (!page) fail("rmi_stream_fuzzer", "no host page for a mailbox");
      r.mailbox = *page;
    }
    vmm_.builder().ensure_tables(r.vm->built, kMailbox, abi::s2tt::kMaxLevel);
    const std::uint64_t desc = r.mailbox.value() | abi::s2tt::kMemAttrNormalWb | abi::s2tt::kS2apRw;
    host::expect_ok(host_.rmi().rtt_map_unprotected(r.vm->built.rd, kMailbox, abi::s2tt::kMaxLevel, desc),
                    "RMI_RTT_MAP_UNPROTECTED (mailbox)");
  }

  void fill_pools() {
    for (const RemoteRealm& r : realms_) {
      const host::HostRealm& b = r.vm->built;
      granules_.insert(granules_.end(), {b.rd, b.rtt_base, b.recs[0].rec, b.recs[0].aux, b.recs[1].rec,
                                         r.vm->run_pages[0], r.vm->run_pages[1]});
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
    granules_.insert(granules_.end(), {mem.end() + 16 * kGranuleSize, Pa{mem.end().value() - kGranuleSize},
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

  std::size_t pick(std::size_t n) { return in().ConsumeIntegralInRange<std::size_t>(0, n - 1); }
  std::size_t realm_index() { return pick(2); }

  /// A granule of the fixed pool, or one of a realm's RTTs or DATA granules as they are now
  /// (the VMM adds both as it serves the realms' exits).
  Pa granule() {
    if (in().ConsumeBool()) return granules_[pick(granules_.size())];
    const host::HostRealm& b = realms_[realm_index()].vm->built;
    if (b.tables.empty() && b.data.empty()) return granules_.front();
    const std::size_t k = pick(b.tables.size() + b.data.size());
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
    return kIpas[pick(std::size(kIpas))];
  }

  /// Entries of realm `i`'s APT (as of the last step) that `pred` selects.
  template <class Pred>
  std::vector<AptEntry> entries(std::size_t i, Pred pred) const {
    std::vector<AptEntry> out;
    for (const auto& e : views_[i].apt) {
      if (pred(e)) out.push_back(e);
    }
    return out;
  }

  /// An IPA of one of `e`'s granules (a region or reservation), at an offset in it.
  std::uint64_t inside(const AptEntry& e, std::uint64_t align) {
    const std::uint64_t granules = std::max<std::uint64_t>(1, std::min<std::uint64_t>(e.size / kGranuleSize, 4096));
    const std::uint64_t g = in().ConsumeIntegralInRange<std::uint64_t>(0, granules - 1);
    const std::uint64_t off = align >= kGranuleSize ? 0 : align * in().ConsumeIntegralInRange<std::uint64_t>(0, 3);
    return e.base.value() + g * kGranuleSize + off;
  }

  /// Where realm `i` might put an RSI output or make an access: a CSM target (its own region, a
  /// reservation attached RO or RW, one not attached, the peer's region IPA), an unmapped IPA
  /// or a private one. `align`: the granularity of the offset inside a granule.
  std::uint64_t target(std::size_t i, std::uint64_t align = kGranuleSize) {
    const auto pick_entry = [&](auto pred) -> std::optional<std::uint64_t> {
      const auto e = entries(i, pred);
      if (e.empty()) return std::nullopt;
      return inside(e[pick(e.size())], align);
    };
    const auto res = [](auto state_pred) {
      return [=](const AptEntry& e) { return e.kind == AptKind::kReservation && state_pred(e); };
    };
    std::optional<std::uint64_t> at;
    switch (in().ConsumeIntegralInRange(0, 10)) {
      case 0: at = pick_entry([](const AptEntry& e) { return e.kind == AptKind::kRegion; }); break;
      case 1: at = pick_entry(res([](const AptEntry& e) { return e.is(ResState::kAttached) && e.read_only(); })); break;
      case 2: at = pick_entry(res([](const AptEntry& e) { return e.is(ResState::kAttached) && !e.read_only(); })); break;
      case 3: at = pick_entry(res([](const AptEntry& e) { return !e.is(ResState::kAttached); })); break;
      case 4: at = pick_entry(res([](const AptEntry&) { return true; })); break;
      case 5: {  // the peer's region: an IPA of this realm's that is no region of its own
        const auto e = entries(1 - i, [](const AptEntry& x) { return x.kind == AptKind::kRegion; });
        if (!e.empty()) at = inside(e[pick(e.size())], align);
        break;
      }
      case 6: at = ipas::kRamTop - kGranuleSize * (1 + pick(4)); break;  // RAM never populated
      case 7: at = ipas::kRamTop + kGranuleSize * pick(4); break;         // RIPAS EMPTY
      case 8: at = (1ULL << 39U) + kGranuleSize * (1 + pick(4)); break;    // unprotected, unmapped
      case 9: at = abi::kRamBase.value() + 0x41000 + kGranuleSize * pick(4); break;  // private RAM
      default: break;
    }
    return at ? *at : ipa();
  }

  std::uint64_t value() {
    switch (in().ConsumeIntegralInRange(0, 6)) {
      case 0: return granule().value();
      case 1: return ipa();
      case 2: return static_cast<std::uint64_t>(in().ConsumeIntegralInRange<std::int64_t>(-1, 4));  // level
      case 3: return in().ConsumeIntegralInRange<std::uint64_t>(0, 4);
      case 4:  // a stage-2 descriptor for an NS granule
        return ns_pages_[pick(ns_pages_.size())].value() | abi::s2tt::kMemAttrNormalWb |
               (in().ConsumeBool() ? abi::s2tt::kS2apRo : abi::s2tt::kS2apRw);
      case 5: return target(realm_index());
      default: return in().ConsumeIntegral<std::uint64_t>();
    }
  }

  /// What realm `i` would pass to an RSI call: IPAs, RIDs, CSM ids, sizes, small integers.
  std::uint64_t rsi_value(std::size_t i) {
    switch (in().ConsumeIntegralInRange(0, 6)) {
      case 0: return ipa();
      case 1: return static_cast<std::uint64_t>(realms_[realm_index()].rid);
      case 2: {
        const auto& apt = views_[i].apt;
        if (apt.empty()) return 1;
        return static_cast<std::uint64_t>(apt[pick(apt.size())].csm_id);
      }
      case 3: return kGranuleSize * in().ConsumeIntegralInRange<std::uint64_t>(0, 3);
      case 4: return in().ConsumeIntegralInRange<std::uint64_t>(0, 3);
      case 5: return target(i);
      default: return in().ConsumeIntegral<std::uint64_t>();
    }
  }

  /// A RID realm `i` might name: the peer's, its own, a dead one, none.
  std::uint64_t rid_arg(std::size_t i) {
    switch (in().ConsumeIntegralInRange(0, 7)) {
      case 0: return static_cast<std::uint64_t>(realms_[i].rid);
      case 1: return static_cast<std::uint64_t>(booted_[1 - i].rid);  // dead once the peer was reborn
      case 2: return 0;
      case 3: return static_cast<std::uint64_t>(realms_[1 - i].rid) + 1;
      default: return static_cast<std::uint64_t>(realms_[1 - i].rid);
    }
  }

  // ---- Steps -----------------------------------------------------------------------------

  void step() {
    step_ = StepWrites{};
    const auto start = std::chrono::steady_clock::now();
    kind_ = "?";
    switch (in().ConsumeIntegralInRange(0, 15)) {
      case 0:
      case 1:
      case 2:
      case 3: kind_ = "rmi"; rmi(); break;
      case 4:
      case 5: kind_ = "rsi"; rsi(); break;
      case 6:
      case 7: kind_ = "access"; access(); break;
      case 8: kind_ = "host-memory"; write_host_page(); break;
      case 9: kind_ = "connect"; connect(); break;
      case 10:
      case 11: kind_ = "csm"; csm(); break;
      case 12: kind_ = "rsi-buffer"; rsi_buffer(); break;
      case 13: kind_ = "region-data"; region_data(); break;
      default: lifecycle(); break;
    }
    const auto took = std::chrono::steady_clock::now() - start;
    profile_.step_done(kind_, took);
    if (slow_ && took > std::chrono::milliseconds(5) && !log_.empty()) {
      std::fprintf(stderr, "slow step (%lld us): %s\n",
                   static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(took).count()),
                   log_.back().c_str());
    }
  }

  void rmi() {
    const auto commands = introspect_.rmi_commands();
    std::uint32_t f = 0;
    if (in().ConsumeIntegralInRange(0, 15) == 0) {
      f = static_cast<std::uint32_t>(abi::RmiFid::kVersion) + in().ConsumeIntegralInRange<std::uint32_t>(0, 0x1f);
    } else {
      f = commands[pick(commands.size())].fid;
    }
    std::array<std::uint64_t, 5> a{};
    for (auto& v : a) v = value();
    if (f == static_cast<std::uint32_t>(abi::RmiFid::kRealmCreate)) note_realm_params(Pa{a[1]});
    if (f == static_cast<std::uint32_t>(abi::RmiFid::kRealmCreate) || f == static_cast<std::uint32_t>(abi::RmiFid::kRealmDestroy)) {
      registry_touched_ = true;
    }
    if (f == static_cast<std::uint32_t>(abi::RmiFid::kRecEnter)) {
      for (std::size_t i = 0; i < realms_.size(); ++i) {
        for (std::size_t k = 0; k < kRecs; ++k) {
          if (realms_[i].recs[k].rec == Pa{a[0]}) will_enter(i, k);
        }
      }
    }
    const auto out = host_.rmi().smc(f, {a[0], a[1], a[2], a[3], a[4]});
    if (f == static_cast<std::uint32_t>(abi::RmiFid::kDataDestroy) && out.x[0] == 0) step_.destroyed.push_back(Pa{out.x[1]});
    if (f == static_cast<std::uint32_t>(abi::RmiFid::kRecEnter) && out.x[0] == 0) note_entry(Pa{a[0]}, Pa{a[1]});
    check("RMI " + hex_number(f) + " " + hex_number(a[0]) + " " + hex_number(a[1]) + " " + hex_number(a[2]) + " " + hex_number(a[3]) + " " +
          hex_number(a[4]) + " -> " + hex_number(out.x[0]));
  }

  /// REALM_CREATE reads its parameters from `params`: the VMID it names must be restored.
  void note_realm_params(Pa params) {
    abi::RmiRealmParams p{};
    if (host_.memory().read(params, std::as_writable_bytes(std::span(&p, 1))) == machine::Access::kOk) {
      snapshot_->note_vmid(p.vmid);
    }
  }

  void rsi() {
    const auto commands = introspect_.rsi_commands();
    const std::size_t i = realm_index();
    const std::size_t rec = rec_index();
    std::array<std::uint64_t, 6> regs{commands[pick(commands.size())].fid};
    for (std::size_t k = 1; k < regs.size(); ++k) regs[k] = rsi_value(i);
    call(i, rec, regs, "RSI");
  }

  /// Realm `i`'s REC `rec` makes the SMC `regs` (the FID, then X1..X5); logs it and checks.
  void call(std::size_t i, std::size_t rec, const std::array<std::uint64_t, 6>& regs, const std::string& what) {
    const std::uint64_t f = regs[0];
    std::array<std::uint64_t, 5> a{regs[1], regs[2], regs[3], regs[4], regs[5]};
    // PSCI_CPU_ON's context is where the started REC's SDK firmware reads its boot block, with a
    // plain load through the emulator's window: keep it inside the window (an address outside
    // would fault in the emulator's process, not in the realm).
    if ((f | 0x40000000U) == fid(abi::PsciFid::kCpuOn)) {
      const std::uint64_t ctx = a[2];
      const std::uint64_t window = machine_config().stage2_half_window - 64;
      const bool inside = ctx < window || (ctx >= (1ULL << 39U) && ctx - (1ULL << 39U) < window);
      if (!inside) a[2] = abi::kRamBase.value() + kGranuleSize;
    }
    note_rsi_buffers(i, a);
    const auto result = command(i, rec, {1, f, a[0], a[1], a[2], a[3], a[4]});
    note_rsi_buffers(i, a);
    check("realm " + std::to_string(i) + " REC " + std::to_string(rec) + " " + what + " " + hex_number(f) + " " +
          hex_number(a[0]) + " " + hex_number(a[1]) + " " + hex_number(a[2]) + " " + hex_number(a[3]) + " " + hex_number(a[4]) + " -> " +
          (result ? hex_number((*result)[0]) : "(no answer)"));
  }

  /// The RMM may write realm `i`'s own granules at the IPAs an RSI call names (its outputs).
  void note_rsi_buffers(std::size_t i, std::span<const std::uint64_t> args) {
    const UncountedCoverage quiet;
    for (const std::uint64_t v : args) {
      if (const auto own = oracle_->reach(views_[i], Ipa{v}).own) step_.rsi_buffers.push_back(*own);
    }
  }

  /// What realm `i` reaches at `ipa` now (for the oracle).
  Reach reach(std::size_t i, Ipa ipa) {
    const UncountedCoverage quiet;
    return oracle_->reach(views_[i], ipa);
  }

  std::size_t rec_index() { return in().ConsumeIntegralInRange(0, 3) == 0 ? 1 : 0; }

  void access() {
    const std::size_t i = realm_index();
    const std::size_t rec = rec_index();
    const bool write = in().ConsumeBool();
    const std::uint64_t at = in().ConsumeBool() ? ipa() : target(i, 8);
    const std::uint64_t v = 0xfeed0000ULL + in().ConsumeIntegral<std::uint8_t>();
    const Reach before = reach(i, Ipa{at});
    const auto result = command(i, rec, {write ? 3U : 2U, at, v});
    if (result) step_.accesses.push_back({i, Ipa{at}, write, v, (*result)[0] == 0, before});
    check("realm " + std::to_string(i) + " REC " + std::to_string(rec) + (write ? " writes " : " reads ") + hex_number(at) +
          " -> " + (result ? hex_number((*result)[0]) : "(no answer)"));
  }

  void write_host_page() {
    const Pa page = ns_pages_[pick(ns_pages_.size())];
    const auto offset = in().ConsumeIntegralInRange<std::uint64_t>(0, kGranuleSize / 8 - 1) * 8;
    const auto bytes = in().ConsumeBytes<std::byte>(in().ConsumeIntegralInRange<std::size_t>(1, 64));
    (void)host_.memory().write(page + offset,
                               std::span(bytes).first(std::min<std::size_t>(bytes.size(), kGranuleSize - offset)));
    check("host writes " + std::to_string(bytes.size()) + " bytes at " + hex_number((page + offset).value()));
  }

  /// Realm `p` shares a region with realm `c`, which reserves IPA space and (usually) attaches.
  void connect() {
    const std::size_t p = realm_index();
    const std::size_t c = 1 - p;
    const std::uint64_t base = ipas::kRegionBase + 0x10000 * in().ConsumeIntegralInRange<std::uint64_t>(0, 2);
    const std::uint64_t size = kGranuleSize * in().ConsumeIntegralInRange<std::uint64_t>(1, 2);
    const std::uint64_t perm = in().ConsumeBool() ? 1 : 2;
    const bool attach = in().ConsumeIntegralInRange(0, 3) != 0;
    const auto done = rsi_command(p, 0, abi::rsi::CsmCreate{Ipa{base}, size});
    if (!done || (*done)[0] != 0) return check("connect: create refused");
    const auto csm_id = (*done)[1];
    const auto provider = static_cast<std::uint64_t>(realms_[p].rid);
    const auto consumer = static_cast<std::uint64_t>(realms_[c].rid);
    const auto shared = rsi_command(p, 0, abi::rsi::CsmShare{CsmId{csm_id}, Rid{consumer}, perm});
    check("connect: share " + std::to_string(csm_id) + " -> " + (shared ? hex_number((*shared)[0]) : "(no answer)"));
    if (!shared || (*shared)[0] != 0) return;
    const std::uint64_t k = (*shared)[1];
    const std::uint64_t at = ipas::kReservationBase + 0x10000 * in().ConsumeIntegralInRange<std::uint64_t>(0, 2);
    const auto reserved = rsi_command(c, 0, abi::rsi::CsmReserve{Rid{provider}, k, Ipa{at}, size});
    if (!reserved || (*reserved)[0] != 0) return check("connect: reserve refused");
    if (attach) (void)rsi_command(c, 0, abi::rsi::CsmAttach{Rid{provider}, k});
    check("connect " + std::to_string(p) + " -> " + std::to_string(c) + " k " + std::to_string(k) + " perm " +
          std::to_string(perm) + " at " + hex_number(at) + (attach ? " attached" : " reserved"));
  }

  /// A CSM command realm `i` might make, with arguments taken from the APTs (or off them).
  std::array<std::uint64_t, 6> csm_call(std::size_t i) {
    const std::size_t peer = 1 - i;
    const auto own = [&](AptKind kind) { return entries(i, [=](const AptEntry& e) { return e.kind == kind; }); };
    const auto any_of = [&](const std::vector<AptEntry>& v) -> std::optional<AptEntry> {
      if (v.empty()) return std::nullopt;
      return v[pick(v.size())];
    };
    const auto id = [](const std::optional<AptEntry>& e) {
      return e ? static_cast<std::uint64_t>(e->csm_id) : 1;
    };
    switch (in().ConsumeIntegralInRange(0, 9)) {
      case 0: {
        std::uint64_t base = ipas::kRegionBase + 0x10000 * pick(3);
        switch (in().ConsumeIntegralInRange(0, 3)) {
          case 0: base = target(i); break;
          case 1: base = 0x200000 - kGranuleSize * (1 + pick(2)); break;  // across a 2 MiB boundary
          default: break;
        }
        // Mostly a few granules (a region across a 2 MiB boundary already spans two level-3
        // tables); now and then any size (the host backs every RAM granule of a region).
        const std::uint64_t size = in().ConsumeIntegralInRange(0, 7) != 0 ? kGranuleSize * (1 + pick(3)) : rsi_value(i);
        return regs_of(abi::rsi::CsmCreate{Ipa{base}, size});
      }
      case 1: {
        const std::uint64_t perm = in().ConsumeIntegralInRange<std::uint64_t>(0, 3);
        return regs_of(abi::rsi::CsmShare{CsmId{id(any_of(own(AptKind::kRegion)))}, Rid{rid_arg(i)}, perm});
      }
      case 2: {
        const auto s = any_of(own(AptKind::kSharing));
        return regs_of(abi::rsi::CsmRevoke{s ? s->peer : Rid{rid_arg(i)}, s ? s->k : pick(3)});
      }
      case 3: return regs_of(abi::rsi::CsmDestroy{CsmId{id(any_of(own(AptKind::kRegion)))}});
      case 4: {
        // A sharing the peer made to this realm: (peer RID, k) and the region's size.
        const auto s = any_of(entries(peer, [&](const AptEntry& e) {
          return e.kind == AptKind::kSharing && e.peer == realms_[i].rid;
        }));
        std::uint64_t size = kGranuleSize;
        if (s) {
          for (const auto& e : views_[peer].apt) {
            if (e.kind == AptKind::kRegion && e.csm_id == s->csm_id) size = e.size;
          }
        }
        if (in().ConsumeIntegralInRange(0, 3) == 0) size = kGranuleSize * pick(4);
        const std::uint64_t at = in().ConsumeBool() ? ipas::kReservationBase + 0x10000 * pick(3) : target(i);
        return regs_of(abi::rsi::CsmReserve{s ? realms_[peer].rid : Rid{rid_arg(i)}, s ? s->k : pick(3), Ipa{at}, size});
      }
      case 5:
      case 6: {
        const auto r = any_of(own(AptKind::kReservation));
        const bool attach = in().ConsumeBool();
        const Rid provider = r ? r->peer : Rid{rid_arg(i)};
        const std::uint64_t k = r ? r->k : pick(3);
        return attach ? regs_of(abi::rsi::CsmAttach{provider, k}) : regs_of(abi::rsi::CsmDetachAndFree{provider, k});
      }
      case 7: {
        const bool by_sharing = in().ConsumeBool();
        const auto r = any_of(own(AptKind::kReservation));
        const std::uint64_t name = by_sharing ? (r ? static_cast<std::uint64_t>(r->peer) : rid_arg(i))
                                              : id(any_of(entries(i, [](const AptEntry&) { return true; })));
        return regs_of(abi::rsi::CsmInfo{
            name, Ipa{target(i)},
            by_sharing ? abi::csm_info_flags::kBySharing : in().ConsumeIntegralInRange<std::uint64_t>(0, 2),
            r ? r->k : pick(3), pick(3)});
      }
      case 8: return regs_of(abi::rsi::RealmMeasurements{Rid{rid_arg(i)}, Ipa{target(i)}});
      default: {
        // RSI_IPA_STATE_SET over a CSM range (refused) or next to one.
        const std::uint64_t base = target(i);
        return regs_of(abi::rsi::IpaStateSet{Ipa{base}, Ipa{base + kGranuleSize * (1 + pick(2))},
                                             in().ConsumeIntegralInRange<std::uint64_t>(0, 2), pick(2)});
      }
    }
  }

  void csm() {
    const std::size_t i = realm_index();
    const std::size_t rec = rec_index();
    call(i, rec, csm_call(i), "CSM");
  }

  /// An RSI command with an output buffer, aimed at a CSM target.
  void rsi_buffer() {
    const std::size_t i = realm_index();
    const std::size_t rec = rec_index();
    switch (in().ConsumeIntegralInRange(0, 8)) {
      case 0:
      case 1: return call(i, rec, regs_of(abi::rsi::RealmConfig{Ipa{target(i)}}), "REALM_CONFIG");
      case 2:
      case 3: {
        // The structure is read, shown to the host, then written back: make it one the host
        // answers (imm 0xfeed: "unknown call") first, through the realm's own write.
        const std::uint64_t at = target(i, abi::kHostCallAlign);
        if (in().ConsumeBool()) {
          const Reach before = reach(i, Ipa{at});
          const auto wrote = command(i, rec, {3, at, 0xfeed});
          if (wrote) step_.accesses.push_back({i, Ipa{at}, true, 0xfeed, (*wrote)[0] == 0, before});
        }
        return call(i, rec, regs_of(abi::rsi::HostCall{Ipa{at}}), "HOST_CALL");
      }
      case 4:
      case 5: return call(i, rec, regs_of(abi::rsi::CsmInfo{.id = rsi_value(i), .addr = Ipa{target(i)}}), "CSM_INFO");
      case 6:
      case 7: return call(i, rec, regs_of(abi::rsi::RealmMeasurements{Rid{rid_arg(i)}, Ipa{target(i)}}), "REALM_MEASUREMENTS");
      default: {
        // Rarer than the others: a token costs a signature (milliseconds), and its first chunks
        // reach every path of CONTINUE's buffer handling.
        const auto init = rsi_command(i, rec, abi::rsi::AttestationTokenInit{{0x1122, 0x3344, 0x5566, 0x7788}});
        check("realm " + std::to_string(i) + " ATTESTATION_TOKEN_INIT -> " + (init ? hex_number((*init)[0]) : "(no answer)"));
        if (!init || (*init)[0] != 0) return;
        const std::uint64_t at = target(i);
        std::uint64_t offset = 0;
        const std::uint64_t size = in().ConsumeBool() ? kGranuleSize : 0x200;
        for (int n = 0; n < 3; ++n) {
          note_rsi_buffers(i, std::array{at});
          const auto out = rsi_command(i, rec, abi::rsi::AttestationTokenContinue{Ipa{at}, offset, size});
          note_rsi_buffers(i, std::array{at});
          check("realm " + std::to_string(i) + " ATTESTATION_TOKEN_CONTINUE " + hex_number(at) + " " + hex_number(offset) + " -> " +
                (out ? hex_number((*out)[0]) + " " + hex_number((*out)[1]) : "(no answer)"));
          if (!out || (*out)[0] != static_cast<std::uint64_t>(abi::RsiStatus::kIncomplete)) return;
          offset = (offset + (*out)[1]) % kGranuleSize;
        }
      }
    }
  }

  /// The host destroys or creates DATA in a CSM range of either side, or reads its entry.
  void region_data() {
    const std::size_t j = realm_index();
    RemoteRealm& r = realms_[j];
    const auto ranges = entries(j, [](const AptEntry& e) {
      return e.kind == AptKind::kRegion || e.kind == AptKind::kReservation;
    });
    const Ipa at{ranges.empty() ? ipa() : inside(ranges[pick(ranges.size())], kGranuleSize)};
    const Pa rd = r.vm->built.rd;
    std::string what = "host on realm " + std::to_string(j) + " at " + hex_number(at.value()) + ":";
    const auto destroy = [&] {
      const auto out = host_.rmi().data_destroy(rd, at);
      what += " DATA_DESTROY -> " + hex_number(static_cast<std::uint64_t>(out.ret.status)) + " " + hex_number(out.data.value());
      if (!out.ret.ok()) return;
      step_.destroyed.push_back(out.data);
      const auto it = r.vm->built.data.find(at.value());
      if (it != r.vm->built.data.end() && it->second == out.data) {  // its own granule
        r.vm->built.data.erase(it);
        host_.undelegate_and_free(out.data);
      }
    };
    // A fresh delegated granule given to `rmi` (a DATA_CREATE of some kind): kept as the realm's
    // DATA at `at` if the RMM took it, given back otherwise.
    const auto give_data = [&](const char* name, auto rmi) {
      try {
        const Pa data = host_.delegate_new();
        const auto ret = rmi(data);
        what += std::string(" ") + name + " " + hex_number(data.value()) + " -> " + hex_number(static_cast<std::uint64_t>(ret.status));
        if (ret.ok()) {
          r.vm->built.data[at.value()] = data;
        } else {
          host_.undelegate_and_free(data);
        }
      } catch (const host::HostError& e) {
        what += std::string(" (host: ") + e.what() + ")";
      }
    };
    const auto create = [&] {
      try {
        vmm_.builder().ensure_tables(r.vm->built, at, abi::s2tt::kMaxLevel);
      } catch (const host::HostError& e) {
        what += std::string(" (host: ") + e.what() + ")";
        return;
      }
      give_data("DATA_CREATE_UNKNOWN", [&](Pa data) { return host_.rmi().data_create_unknown(rd, data, at); });
    };
    switch (in().ConsumeIntegralInRange(0, 4)) {
      case 0: destroy(); break;
      case 1: create(); break;
      case 2:
        destroy();
        create();
        break;
      case 3: {
        const auto e = host_.rmi().rtt_read_entry(rd, at, abi::s2tt::kMaxLevel);
        what += " RTT_READ_ENTRY -> " + hex_number(static_cast<std::uint64_t>(e.ret.status)) + " state " +
                hex_number(static_cast<std::uint64_t>(e.state)) + " desc " + hex_number(e.desc);
        break;
      }
      default: {
        const Pa src = ns_pages_[pick(ns_pages_.size())];
        const std::uint64_t flags = pick(2);
        give_data("DATA_CREATE", [&](Pa data) { return host_.rmi().data_create(rd, data, at, src, flags); });
      }
    }
    check(what);
  }

  void lifecycle() {
    const std::size_t i = realm_index();
    switch (in().ConsumeIntegralInRange(0, 6)) {
      case 0:
      case 1: kind_ = "teardown"; return turn_off_and_tear_down(i, in().ConsumeBool());
      case 2: kind_ = "teardown-no-recs"; return tear_down_without_recs(i);
      case 3:
      case 4: kind_ = "teardown-running-rec"; return tear_down_under_running_rec(i);
      case 5: kind_ = "rebirth"; return rebirth(i);
      default: kind_ = "reactivate"; return reactivate(i);
    }
  }

  /// REC 0 turns the realm off (or not, if `off` is false); the host destroys its APTs (the
  /// first destroy tears its CSM relations down).
  void turn_off_and_tear_down(std::size_t i, bool off) {
    if (off) {
      const auto r = command(i, 0, {1, fid(abi::PsciFid::kSystemOff)});
      check("realm " + std::to_string(i) + " SYSTEM_OFF" + (r ? " (came back)" : ""));
    }
    destroy_apts(i);
  }

  void destroy_apts(std::size_t i) {
    host::HostRealm& b = realms_[i].vm->built;
    std::string what = "host destroys the APTs of realm " + std::to_string(i) + ":";
    for (auto it = b.apts.begin(); it != b.apts.end();) {
      const auto ret = host_.rmi().apt_destroy(b.rd, *it);
      what += " " + hex_number(it->value()) + " -> " + hex_number(static_cast<std::uint64_t>(ret.status));
      if (ret.ok()) {
        host_.undelegate_and_free(*it);
        it = b.apts.erase(it);
      } else {
        ++it;
      }
    }
    check(what);
  }

  /// The host destroys the realm's RECs (their realm threads end), then its APTs: the teardown
  /// of a realm that is still ACTIVE.
  void tear_down_without_recs(std::size_t i) {
    std::string what = "host destroys the RECs of realm " + std::to_string(i) + ":";
    for (RemoteRec& rec : realms_[i].recs) {
      const auto ret = host_.rmi().rec_destroy(rec.rec);
      what += " " + hex_number(static_cast<std::uint64_t>(ret.status));
      if (ret.ok()) rec.stopped = true;  // (its granules stay delegated: the host keeps them)
    }
    check(what);
    destroy_apts(i);
  }

  /// REC 1 of realm `i` runs (inside REC_ENTER on a second host thread) and waits at the
  /// mailbox; REC 0 turns the realm off and the host destroys its APTs; then REC 1 makes CSM
  /// calls, as a REC still running on another PE would.
  void tear_down_under_running_rec(std::size_t i) {
    RemoteRealm& r = realms_[i];
    if (!start_rec1(i)) return check("realm " + std::to_string(i) + ": REC 1 cannot run");
    const std::size_t n = 1 + pick(4);
    std::array<std::uint64_t, 31> cmd{5, kMailbox.value(), n};
    std::vector<std::array<std::uint64_t, 6>> calls;
    for (std::size_t k = 0; k < n; ++k) {
      calls.push_back(csm_call(i));
      std::copy(calls.back().begin(), calls.back().end(), cmd.begin() + 3 + 6 * static_cast<std::ptrdiff_t>(k));
    }
    // What the calls may have the RMM write for the realm (its own granules at the IPAs they
    // name), noted just before REC 1 makes them and after: the checks of the teardown in
    // between start a step record of their own.
    const auto note_calls = [&] {
      step_.ran[i] = true;
      for (const auto& c : calls) note_rsi_buffers(i, std::span(c).subspan(1));
    };
    const bool peer_first = in().ConsumeBool();  // the peer tears down too, first
    const Pa waiting = r.mailbox + 16 * 1;
    const Pa go = waiting + 8;
    const std::uint64_t zero = 0;
    (void)host_.memory().write(waiting, std::as_bytes(std::span(&zero, 1)));
    (void)host_.memory().write(go, std::as_bytes(std::span(&zero, 1)));
    RemoteRec& rec1 = r.recs[1];
    abi::RmiRecEnter enter{};
    std::copy(cmd.begin(), cmd.end(), enter.gprs.begin());
    if (host_.memory().write(rec1.run, std::as_bytes(std::span(&enter, 1))) != machine::Access::kOk) {
      return check("realm " + std::to_string(i) + ": REC 1's run page is not host memory");
    }
    rec1.parked = false;
    rec1.pending.clear();
    for (const auto& c : calls) rec1.pending.emplace_back(c.begin(), c.end());
    step_.ran[i] = true;
    will_enter(i, 1);
    std::atomic<bool> returned{false};
    abi::RmiReturn entered{};
    std::thread pe([&] {
      entered = host_.rmi().rec_enter(rec1.rec, rec1.run);
      returned.store(true);
    });
    const auto deadline = std::chrono::steady_clock::now() + kMailboxTimeout;
    std::uint64_t flag = 0;
    while (!returned.load()) {
      (void)host_.memory().read(waiting, std::as_writable_bytes(std::span(&flag, 1)));
      if (flag != 0) break;
      if (std::chrono::steady_clock::now() > deadline) fail("rmi_stream_fuzzer", "REC 1 never reached the mailbox\n" + steps());
      std::this_thread::yield();
    }
    std::string what = "realm " + std::to_string(i) + " REC 1 " + (flag != 0 ? "waits at the mailbox" : "did not wait");
    what += " to make";
    for (const auto& c : calls) what += " " + hex_number(c[0]) + "(" + hex_number(c[1]) + " " + hex_number(c[2]) + " " + hex_number(c[3]) + ")";
    if (flag != 0) {
      if (peer_first) {
        (void)command(1 - i, 0, {1, fid(abi::PsciFid::kSystemOff)});
        destroy_apts(1 - i);
      }
      (void)command(i, 0, {1, fid(abi::PsciFid::kSystemOff)});
      destroy_apts(i);
      note_calls();
      const std::uint64_t one = 1;
      (void)host_.memory().write(go, std::as_bytes(std::span(&one, 1)));
    }
    pe.join();
    note_calls();
    if (entered.ok()) note_entry(rec1.rec, rec1.run);
    what += ", REC_ENTER -> " + hex_number(static_cast<std::uint64_t>(entered.status));
    if (rec1.parked) {
      what += ", results";
      abi::RmiRecRun state{};
      (void)host_.memory().read(rec1.run, std::as_writable_bytes(std::span(&state, 1)));
      for (std::size_t k = 0; k < n; ++k) what += " " + hex_number(state.exit.gprs[k]);
    }
    check(what);
  }

  /// REC 1 of realm `i` has a context: REC 0 turns it on (PSCI CPU_ON) and it boots.
  bool start_rec1(std::size_t i) {
    RemoteRealm& r = realms_[i];
    RemoteRec& rec1 = r.recs[1];
    if (rec1.stopped) return false;
    if (rec1.entered) return ensure_parked(i, 1);
    if (!command(i, 0, {4, 1})) return false;  // PSCI CPU_ON from REC 0
    const Profile::Scope t(profile_, Profile::kBoot);
    return resume(i, 1, abi::RmiRecEnter{});
  }

  /// Realm `i` is destroyed (tolerating a host that lost track of parts of it) and a new realm
  /// is created and activated at the same RD: a new RID, the old one dead for good.
  void rebirth(std::size_t i) {
    // One per input: a launch costs as much as a hundred other steps, and a second rebirth
    // reaches no state the first does not.
    if (reborn_) return check("(a second rebirth: skipped)");
    reborn_ = true;
    registry_touched_ = true;
    RemoteRealm& r = realms_[i];
    host::HostRealm& b = r.vm->built;
    std::string what = "realm " + std::to_string(i) + " destroyed:";
    for (RemoteRec& rec : r.recs) {
      what += " REC " + hex_number(static_cast<std::uint64_t>(host_.rmi().rec_destroy(rec.rec).status));
      rec.stopped = true;
    }
    for (Pa apt : b.apts) {
      const auto ret = host_.rmi().apt_destroy(b.rd, apt);
      what += " APT " + hex_number(static_cast<std::uint64_t>(ret.status));
      if (ret.ok()) host_.undelegate_and_free(apt);
    }
    b.apts.clear();
    // Every ASSIGNED entry: private DATA (undelegated) and consumer mappings (only unmapped).
    for (const auto& m : introspect_.mappings(b.rd)) {
      const auto out = host_.rmi().data_destroy(b.rd, m.ipa);
      if (!out.ret.ok()) continue;
      step_.destroyed.push_back(out.data);
      if (!m.foreign) host_.undelegate_and_free(out.data);
    }
    b.data.clear();
    for (auto it = b.tables.rbegin(); it != b.tables.rend(); ++it) {
      const auto out = host_.rmi().rtt_destroy(b.rd, it->ipa, it->level);
      if (out.ret.ok()) host_.undelegate_and_free(it->pa);
    }
    b.tables.clear();
    const auto ret = host_.rmi().realm_destroy(b.rd);
    what += " REALM_DESTROY " + hex_number(static_cast<std::uint64_t>(ret.status));
    if (!ret.ok()) return check(what);
    for (const auto& rec : b.recs) {
      host_.undelegate_and_free(rec.rec);
      host_.undelegate_and_free(rec.aux, rec.aux_count);
    }
    b.recs.clear();
    const Pa rd = b.rd;
    host_.undelegate_and_free(rd);
    host_.undelegate_and_free(b.rtt_base, b.num_start);
    host_.ram_backing().release(rd);
    for (Pa run : r.vm->run_pages) host_.pool().free(run);
    r.vm->run_pages.clear();
    check(what);
    try {
      launch(i, rd);
      check("realm " + std::to_string(i) + " reborn at " + hex_number(rd.value()) + " as RID " +
            std::to_string(static_cast<std::uint64_t>(r.rid)));
    } catch (const host::HostError& e) {
      check(std::string("realm ") + std::to_string(i) + " not reborn: " + e.what());
    }
  }

  /// A torn-down (or turned-off) realm asked to come back: a new APT, REALM_ACTIVATE, a REC
  /// entry.
  void reactivate(std::size_t i) {
    RemoteRealm& r = realms_[i];
    std::string what = "realm " + std::to_string(i) + " re-activation:";
    try {
      const Pa apt = host_.delegate_new();
      const auto ret = host_.rmi().apt_create(r.vm->built.rd, apt);
      what += " APT_CREATE " + hex_number(static_cast<std::uint64_t>(ret.status));
      if (ret.ok()) {
        r.vm->built.apts.push_back(apt);
      } else {
        host_.undelegate_and_free(apt);
      }
    } catch (const host::HostError& e) {
      what += std::string(" (host: ") + e.what() + ")";
    }
    what += " REALM_ACTIVATE " + hex_number(static_cast<std::uint64_t>(host_.rmi().realm_activate(r.vm->built.rd).status));
    // REC 0 entered again, whatever the host thought of it.
    RemoteRec& rec0 = r.recs[0];
    abi::RmiRecEnter enter{};
    if (rec0.parked) {
      const auto version = regs_of(abi::rsi::CaecVersion{abi::kCaecAbiVersion});
      enter.gprs = {1, version[0], version[1]};
    }
    (void)host_.memory().write(rec0.run, std::as_bytes(std::span(&enter, 1)));
    will_enter(i, 0);
    const auto ret = host_.rmi().rec_enter(rec0.rec, rec0.run);
    what += " REC_ENTER " + hex_number(static_cast<std::uint64_t>(ret.status));
    if (ret.ok()) {
      step_.ran[i] = true;
      rec0.stopped = false;
      rec0.parked = false;
      (void)note_entry(rec0.rec, rec0.run);
    }
    check(what);
  }

  // ---- Running the realms ----------------------------------------------------------------

  using Results = std::array<std::uint64_t, 4>;

  /// Realm `i`'s REC `rec` makes the RSI call `v` (fuzz-remote's command 1).
  template <class View>
  std::optional<Results> rsi_command(std::size_t i, std::size_t rec, const View& v) {
    const auto r = regs_of(v);
    constexpr std::size_t kArgs = std::min<std::size_t>(abi::kNumRegs<View>, 5);
    std::vector<std::uint64_t> cmd{1};
    cmd.insert(cmd.end(), r.begin(), r.begin() + 1 + kArgs);
    return command(i, rec, std::span<const std::uint64_t>(cmd));
  }

  /// Runs one fuzz-remote command on realm `i`'s REC `rec`; its results, unless the REC did
  /// not come back to ask for the next one.
  std::optional<Results> command(std::size_t i, std::size_t rec, std::initializer_list<std::uint64_t> cmd) {
    return command(i, rec, std::span(cmd.begin(), cmd.size()));
  }
  std::optional<Results> command(std::size_t i, std::size_t rec, std::span<const std::uint64_t> cmd) {
    RemoteRec& r = realms_[i].recs[rec];
    if (r.stopped) return std::nullopt;
    if (!ensure_parked(i, rec)) return std::nullopt;
    r.pending = {std::vector<std::uint64_t>(cmd.begin(), cmd.end())};
    abi::RmiRecEnter enter{};
    std::copy(cmd.begin(), cmd.end(), enter.gprs.begin());
    r.tag = ++next_tag_;
    enter.gprs[kTagRegister] = r.tag;
    if (!resume(i, rec, enter)) return std::nullopt;
    // A request for a command that does not carry this one's tag is not its answer (see
    // kNextCommand): the REC did not finish the command as far as the host can tell.
    if (r.last_exit.gprs[4] != r.tag) return std::nullopt;
    return Results{r.last_exit.gprs[0], r.last_exit.gprs[1], r.last_exit.gprs[2], r.last_exit.gprs[3]};
  }

  /// The REC waits at kNextCommand: boots it if it never ran, or serves the exit it stopped at.
  bool ensure_parked(std::size_t i, std::size_t rec) {
    RemoteRec& r = realms_[i].recs[rec];
    if (r.parked) return true;
    if (!r.entered) {
      if (rec != 0) return start_rec1(i);
      const Profile::Scope t(profile_, Profile::kBoot);
      return resume(i, rec, abi::RmiRecEnter{});
    }
    abi::RmiRecEnter enter{};
    enter.gicv3_lrs = r.last_exit.gicv3_lrs;
    if (!serve(i, rec, r.last_exit, enter)) return false;
    return resume(i, rec, enter);
  }

  /// Before REC `k` of realm `i` is entered: if a CPU_ON restarts it, its SDK boots again and
  /// takes its RAM base from its start (REC 0: X0, the context; another REC: the boot block at
  /// the context), and puts its RSI scratch page and the boot blocks it writes for other RECs
  /// there: the oracle must know where the realm's code may write. And the calls the REC has
  /// not finished may now finish: the RMM may write their outputs.
  void will_enter(std::size_t i, std::size_t k) {
    RemoteRec& r = realms_[i].recs[k];
    for (const auto& p : r.pending) note_rsi_buffers(i, p);
    if (!r.restart) return;
    const std::uint64_t context = *r.restart;
    r.restart.reset();
    std::optional<std::uint64_t> base;
    if (k == 0) {
      base = context;
    } else if (context % kGranuleSize <= kGranuleSize - 8) {
      const UncountedCoverage quiet;
      if (const auto m = introspect_.mapping(realms_[i].vm->built.rd, Ipa{context})) {
        const Pa pa = m->pa + (Ipa{context}.align_down(kGranuleSize) - m->ipa);
        std::uint64_t word = 0;
        std::memcpy(&word, system_.machine().memory().bus(pa) + context % kGranuleSize, sizeof word);
        base = word;
      }
    }
    if (!base) return;
    // Its own scratch page, and the boot blocks it writes for the others (Realm::start_cpu).
    for (std::size_t other = 0; other < kRecs; ++other) {
      scratch_[i].insert((*base + other * kGranuleSize) & ~(kGranuleSize - 1));
    }
    oracle_->set_scratch(i, {scratch_[i].begin(), scratch_[i].end()});
  }

  /// Enters the REC until it asks for its next command (true), the host stops it, or it used
  /// up its entries (false).
  bool resume(std::size_t i, std::size_t rec, abi::RmiRecEnter enter) {
    RemoteRec& r = realms_[i].recs[rec];
    r.parked = false;
    step_.ran[i] = true;
    for (int n = 0; n < kMaxEntries; ++n) {
      if (host_.memory().write(r.run, std::as_bytes(std::span(&enter, 1))) != machine::Access::kOk) return false;
      will_enter(i, rec);
      if (!host_.rmi().rec_enter(r.rec, r.run).ok()) return false;
      if (!note_entry(r.rec, r.run)) return true;
      enter = abi::RmiRecEnter{};
      enter.gicv3_lrs = r.last_exit.gicv3_lrs;
      if (!serve(i, rec, r.last_exit, enter)) return false;
    }
    return false;
  }

  /// After a successful REC_ENTER of `rec` with `run`: records the exit of the REC. Returns
  /// false when that REC now waits at kNextCommand.
  bool note_entry(Pa rec, Pa run) {
    for (std::size_t i = 0; i < realms_.size(); ++i) {
      for (RemoteRec& r : realms_[i].recs) {
        if (r.rec != rec) continue;
        abi::RmiRecRun state{};
        if (host_.memory().read(run, std::as_writable_bytes(std::span(&state, 1))) != machine::Access::kOk) return true;
        r.entered = true;
        step_.ran[i] = true;
        r.last_exit = state.exit;
        r.parked = static_cast<abi::RmiRecExitReason>(state.exit.exit_reason) == abi::RmiRecExitReason::kHostCall &&
                   state.exit.imm == kNextCommand;
        // Outputs into a region one of the calls created during this entry.
        for (const auto& p : r.pending) note_rsi_buffers(i, p);
        if (r.parked) r.pending.clear();
        return !r.parked;
      }
    }
    return true;
  }

  /// Serves one exit as host::Vmm does; false when the host would stop the REC.
  bool serve(std::size_t i, std::size_t rec, const abi::RmiRecExit& exit, abi::RmiRecEnter& enter) {
    RemoteRealm& r = realms_[i];
    host::VmRealm& vm = *r.vm;
    Next next = Next::kStopRealm;
    try {
      switch (static_cast<abi::RmiRecExitReason>(exit.exit_reason)) {
        case abi::RmiRecExitReason::kSync:
          if (abi::esr::ec(exit.esr) == abi::esr::kEcWfx) next = Next::kEnter;
          if (abi::esr::ec(exit.esr) == abi::esr::kEcDataAbortLower) next = vmm_.on_data_abort(vm, rec, exit, enter);
          break;
        case abi::RmiRecExitReason::kIrq:
        case abi::RmiRecExitReason::kFiq:
        case abi::RmiRecExitReason::kCsmRemove: next = Next::kEnter; break;
        case abi::RmiRecExitReason::kHostCall: next = vmm_.on_host_call(vm, rec, exit, enter); break;
        case abi::RmiRecExitReason::kRipasChange: next = vmm_.on_ripas_change(vm, rec, exit, enter); break;
        case abi::RmiRecExitReason::kCsmProvider: next = provide(vm, exit); break;
        case abi::RmiRecExitReason::kCsmConsumer: next = prepare_reservation(vm, exit); break;
        case abi::RmiRecExitReason::kPsci: next = psci(i, rec, exit); break;
        default: break;
      }
    } catch (const host::HostError&) {
      next = Next::kStopRealm;
    }
    if (next == Next::kStopVcpu) r.recs[rec].stopped = true;
    if (next == Next::kStopRealm) {
      for (RemoteRec& x : r.recs) x.stopped = true;
    }
    return next == Next::kEnter;
  }

  /// RMI_EXIT_CSM_PROVIDER, as host::Vmm::on_csm_provider serves it (back every RAM granule of
  /// the region that has none), but a block at a time where the RTTs have no table: a region
  /// may be as large as the IPA space, and the reference host reads every granule's entry.
  Next provide(host::VmRealm& vm, const abi::RmiRecExit& exit) {
    const Ipa top{exit.csm_top};
    bool split = false;  // the last entry read was a block the host made a table for
    for (Ipa ipa{exit.csm_base}; ipa < top;) {
      const auto e = host_.rmi().rtt_read_entry(vm.built.rd, ipa, abi::s2tt::kMaxLevel);
      if (!e.ret.ok()) break;
      const bool ram = e.state == abi::RmiRttEntryState::kUnassigned && e.ripas == abi::Ripas::kRam;
      if (ram && e.walk_level == abi::s2tt::kMaxLevel) {
        vmm_.populate(vm, ipa);
        ipa = ipa + kGranuleSize;
        split = false;
        continue;
      }
      if (ram && !split) {
        vmm_.builder().ensure_tables(vm.built, ipa, abi::s2tt::kMaxLevel);
        split = true;
        continue;
      }
      split = false;
      const std::uint64_t size = abi::s2tt::entry_size(e.walk_level);
      const Ipa next = ipa.align_down(size) + size;
      if (next <= ipa) break;  // the top of the IPA space
      ipa = next;
    }
    return Next::kEnter;
  }

  /// RMI_EXIT_CSM_CONSUMER, as host::Vmm::on_csm_consumer serves it (remove private DATA, make
  /// the level-3 tables), a table at a time; a host with little memory refuses reservations
  /// larger than 16 MiB (it stops the REC).
  Next prepare_reservation(host::VmRealm& vm, const abi::RmiRecExit& exit) {
    const Ipa base{exit.csm_base};
    const Ipa top{exit.csm_top};
    if (top <= base || top - base > (16ULL << 20U)) return Next::kStopRealm;
    for (Ipa ipa = base; ipa < top; ipa = ipa.align_down(abi::s2tt::kLeafTableSpan) + abi::s2tt::kLeafTableSpan) {
      vmm_.builder().ensure_tables(vm.built, ipa, abi::s2tt::kMaxLevel);
    }
    auto& data = vm.built.data;
    for (auto it = data.lower_bound(base.value()); it != data.end() && it->first < top.value();) {
      const auto out = host_.rmi().data_destroy(vm.built.rd, Ipa{it->first});
      if (!out.ret.ok()) throw host::HostError("RMI_DATA_DESTROY " + hex_number(it->first));
      host_.undelegate_and_free(it->second);
      it = data.erase(it);
    }
    return Next::kEnter;
  }

  /// PSCI exits, as host::Vmm::on_psci serves them but without vCPU threads of its own.
  Next psci(std::size_t i, std::size_t rec, const abi::RmiRecExit& exit) {
    RemoteRealm& r = realms_[i];
    const auto f = static_cast<std::uint32_t>(exit.gprs[0]) | 0x40000000U;
    const auto is = [&](abi::PsciFid p) { return f == (static_cast<std::uint32_t>(p) | 0x40000000U); };
    if (is(abi::PsciFid::kCpuOn) || is(abi::PsciFid::kAffinityInfo)) {
      const std::uint64_t target = abi::rec_index_from_mpidr(exit.gprs[1]);
      if (target >= kRecs) return Next::kStopRealm;
      if (!host_.rmi().psci_complete(r.recs[rec].rec, r.recs[target].rec, 0).ok()) return Next::kStopRealm;
      if (is(abi::PsciFid::kCpuOn)) r.recs[target].restart = exit.gprs[3];
      return Next::kEnter;
    }
    if (is(abi::PsciFid::kCpuOff)) return Next::kStopVcpu;
    if (is(abi::PsciFid::kSystemOff) || is(abi::PsciFid::kSystemReset)) return Next::kStopRealm;
    return Next::kEnter;
  }

  // ---- The oracles -----------------------------------------------------------------------

  Views views() {
    Views v;
    for (std::size_t i = 0; i < realms_.size(); ++i) {
      const Pa rd = realms_[i].vm->built.rd;
      const auto d = introspect_.realm(rd);
      v[i].live = d && d->rid == realms_[i].rid;
      if (!v[i].live) continue;
      v[i].rid = realms_[i].rid;
      v[i].rd = rd;
      v[i].apt = introspect_.apt(rd);
    }
    return v;
  }

  std::string steps() const {
    std::string s;
    for (const auto& l : log_) s += "  " + l + "\n";
    return s;
  }

  /// After every step: the CSM invariants, then the permission oracle.
  void check(const std::string& what) {
    log_.push_back(what);
    const UncountedCoverage quiet;
    std::vector<std::string> bad;
    {
      const Profile::Scope t(profile_, Profile::kInvariants);
      bad = inspect::csm_invariant_violations(introspect_, system_.machine());
    }
    {
      const Profile::Scope t(profile_, Profile::kOracle);
      Views now = views();
      for (auto& b : oracle_->check(now, step_)) bad.push_back("permission: " + b);
      views_ = std::move(now);
    }
    step_.accesses.clear();
    step_.rsi_buffers.clear();
    step_.destroyed.clear();
    step_.ran = {};
    if (bad.empty()) return;
    std::string msg = "violated after the last of these steps:\n" + steps();
    for (const auto& b : bad) msg += "  violation: " + b + "\n";
    fail("rmi_stream_fuzzer", msg);
  }

  /// A hash of the machine's state (every granule's RMM state and count, its GPT entry, and the
  /// contents of the granules written since the reset): CAEC_FUZZ_TRACE prints it, so that runs
  /// of the same input after different histories can be compared.
  unsigned long long fingerprint() {
    std::uint64_t h = 1469598103934665603ULL;
    const auto mix = [&](const void* p, std::size_t n) {
      const auto* b = static_cast<const unsigned char*>(p);
      for (std::size_t k = 0; k < n; ++k) h = (h ^ b[k]) * 1099511628211ULL;
    };
    const machine::Machine& m = system_.machine();
    for (machine::GranuleIndex i; i < m.memory().end_index(); ++i) {
      const Pa pa = m.memory().granule_pa(i);
      const auto g = introspect_.granule(pa);
      const auto e = m.gpt().entry(i);
      mix(&g.state, sizeof g.state);
      mix(&g.refcount, sizeof g.refcount);
      mix(&e.pas, sizeof e.pas);
      mix(&e.generation, sizeof e.generation);
      // (Not a REC's contents: its struct padding holds whatever the RMM's stack held.)
      if (snapshot_->machine().written(pa) && g.state != rmm::GranuleState::kRec) mix(m.memory().bus(pa), kGranuleSize);
      if (trace_granules_) {
        std::uint64_t c = 0;
        for (std::size_t k = 0; k < kGranuleSize; ++k) c = (c ^ static_cast<unsigned char>(m.memory().bus(pa)[k])) * 1099511628211ULL;
        std::fprintf(stderr, "  granule %llx state %d refs %u pas %d gen %u written %d contents %016llx\n",
                     static_cast<unsigned long long>(pa.value()), static_cast<int>(g.state), g.refcount,
                     static_cast<int>(e.pas), e.generation, snapshot_->machine().written(pa) ? 1 : 0,
                     static_cast<unsigned long long>(c));
      }
    }
    return h;
  }

  /// After the input: what only a whole input can get wrong.
  void finish() {
    std::vector<std::string> bad;
    // Only REALM_CREATE and REALM_DESTROY change the registry (a scan costs a 2 MiB read).
    if (registry_touched_) {
      if (auto r = introspect_.registry_consistent(); !r.empty()) bad.push_back("realm registry: " + r);
    }
    for (const auto& b : inspect::pas_violations(introspect_, system_.machine())) bad.push_back("PAS: " + b);
    // Every VMID a REALM_CREATE named is in use exactly while a live realm has it.
    std::set<std::uint16_t> live;
    for (const auto& [rid, rd] : introspect_.realms()) {
      if (const auto d = introspect_.realm(rd)) live.insert(static_cast<std::uint16_t>(d->vmid));
    }
    for (const std::uint16_t v : snapshot_->noted_vmids()) {
      if (introspect_.vmid_in_use(v) != live.contains(v)) {
        bad.push_back("VMID " + std::to_string(v) + (live.contains(v) ? " free but a live realm has it" : " in use by no live realm"));
      }
    }
    if (bad.empty()) return;
    std::string msg = "violated at the end of the input:\n" + steps();
    for (const auto& b : bad) msg += "  violation: " + b + "\n";
    fail("rmi_stream_fuzzer", msg);
  }

  /// Puts the system back as it was after boot.
  void reset() {
    snapshot_->restore();
    realms_ = booted_;
    reborn_ = false;
    registry_touched_ = false;
    // Free what this input allocated, so that libFuzzer's malloc/free balance (its cue to look
    // for leaks) holds for every input that leaks nothing.
    log_ = {};
    views_ = {};
    invariants_ = {};  // the next input restores the snapshot: its reservations are new
    step_ = {};
    oracle_->reset(views_);
  }

  FuzzedDataProvider* in_ = nullptr;
  platform::System system_;
  host::Host host_;
  ExitHandlers vmm_;
  rmm::RmmIntrospection introspect_;
  inspect::CsmInvariantChecker invariants_;  // after every step, with what it saw before
  std::array<RemoteRealm, 2> realms_{};
  std::array<RemoteRealm, 2> booted_{};
  std::vector<Pa> granules_;
  std::vector<Pa> ns_pages_;
  std::unique_ptr<testing::SystemSnapshot> snapshot_;
  std::unique_ptr<CsmWriteOracle> oracle_;
  std::uint64_t next_tag_ = 0;
  /// Per realm, every IPA its RECs' SDK may have used as RSI scratch page in this input.
  std::array<std::set<std::uint64_t>, 2> scratch_;
  Views views_;
  StepWrites step_;
  std::vector<std::string> log_;
  bool reborn_ = false;
  bool registry_touched_ = false;
  const char* kind_ = "?";  // the kind of the step running (for the profile)
  bool slow_ = std::getenv("CAEC_FUZZ_SLOW") != nullptr;
  /// CAEC_FUZZ_TRACE in the environment: print every input's steps (to compare runs).
  bool trace_ = std::getenv("CAEC_FUZZ_TRACE") != nullptr;
  /// CAEC_FUZZ_TRACE_GRANULES too: every granule's part of the fingerprint (to find what differs).
  bool trace_granules_ = std::getenv("CAEC_FUZZ_TRACE_GRANULES") != nullptr;
  Profile profile_;
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
    static constexpr char kMessage[] = "rmi_stream_fuzzer: a memory fault the emulator cannot resolve\n";
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

/// The one booted system, for the life of the process (deliberately never destroyed).
Harness* g_harness = nullptr;

}  // namespace
}  // namespace caec::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  caec::fuzz::wrap_fault_handler();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (caec::fuzz::g_harness == nullptr) {
    const caec::fuzz::UncountedCoverage quiet;  // the boot is no input's doing
    caec::fuzz::g_harness = new caec::fuzz::Harness();
  }
  FuzzedDataProvider in(data, size);
  caec::fuzz::g_harness->run(in);
  return 0;
}
