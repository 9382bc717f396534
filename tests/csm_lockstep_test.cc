// Property tests (RapidCheck) that run the RMM in lock-step with the reference model of CSM
// (tests/csm_model.h, written from csm-abi.md and docs/csm.md). Three "csm-remote" realms, driven
// one command at a time (testing/remote_vmm.h), take random RSI CSM commands, memory accesses,
// host RMI calls (DATA_DESTROY, DATA_CREATE_UNKNOWN, APT_CREATE, APT_DESTROY) and realm
// lifecycle steps (SYSTEM_OFF with a REC still running, destruction, a new realm in the slot).
// After every step the RMM's observable state must be the model's:
//   - the command's status, its failure label (the REC's last RSI failure, or the RMI one) and X1;
//   - RSI_CSM_INFO of every region, asked by its provider (size, provider, sharings: consumer,
//     k, perm, state);
//   - RMI_RTT_READ_ENTRY of every page the steps name, in every live realm: ASSIGNED (private,
//     or foreign with the provider's PA and permission) or UNASSIGNED, and RIPAS;
//   - how a read and a write by each realm at those pages end (data, an abort from the RMM, or a
//     data-abort exit), and the word read (so a consumer sees what its provider wrote);
//   - the refcount of every granule (its foreign mappings) through rmm/introspect/introspect.h;
//   - the invariants of csm-abi.md §6 (inspect/csm_invariants.h).
// A second property runs two realms' commands at the same time (two host threads) and accepts
// any outcome of one of the two orders (commutation), under a watchdog.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <thread>

#include "caec/abi/hex.h"
#include "caec/abi/csm.h"
#include "caec/abi/esr.h"
#include "caec/abi/rsi.h"
#include "caec/abi/s2tt.h"
#include "host/vmm.h"
#include "inspect/csm_invariants.h"
#include "platform/emulated_platform.h"
#include "realm/boot.h"
#include "rmm/introspect/introspect.h"
#include "tests/csm_model.h"
#include "tests/rc_check.h"
#include "testing/remote_vmm.h"
#include "testing/rmm_fixture.h"
#include "testing/watchdog.h"

namespace caec::testing {
namespace {

namespace m = csm_model;
namespace s2 = abi::s2tt;
using Fid = abi::CaecRsiFid;

constexpr std::size_t kSlots = 3;
// Region and reservation bases the steps name (RAM is [0x100000, 0x900000)); ranges are one or
// two granules, so they overlap now and then, and the last base of each list makes a two-granule
// range straddle a 2 MiB boundary: two level-3 tables, which ATTACH and the unmapping passes
// handle under separate lock holds (docs/csm.md, "Bounded work under one lock").
constexpr std::uint64_t kRamMib = 8;
constexpr std::array<std::uint64_t, 4> kRegionBases{0x200000, 0x201000, 0x210000, 0x3FF000};
constexpr std::array<std::uint64_t, 3> kReserveBases{0x300000, 0x310000, 0x5FF000};
/// Every page a step can name: what the test compares after each step.
constexpr std::array<std::uint64_t, 13> kPages{0x200000, 0x201000, 0x202000, 0x210000, 0x211000,
                                               0x3FF000, 0x400000, 0x300000, 0x301000, 0x310000,
                                               0x311000, 0x5FF000, 0x600000};
/// The 2 MiB blocks of those pages (the test builds their level-3 tables at launch).
constexpr std::array<std::uint64_t, 3> kBlocks{0x200000, 0x400000, 0x600000};
constexpr std::uint64_t kInfoPage = 0x180000;  // RSI_CSM_INFO's output, a private page
constexpr std::uint64_t kFillBase = 0x700000;  // one-granule regions that fill an APT
constexpr std::uint64_t kBogusRid = 999;

enum class Kind : std::uint8_t {
  kCreate, kShare, kRevoke, kDestroy, kReserve, kAttach, kDetach, kInfo, kAccess,
  kDataDestroy, kDataCreate, kAptCreate, kAptDestroy, kSystemOff, kKill, kRelaunch,
  kConnect,   // create + share + reserve + attach from `realm` (provider) to `peer`
  kFill,      // one-granule regions until the APT is full
  kBothWays,  // connect `realm` to `peer` and `peer` to `realm`
  kReattach,  // end one of `realm`'s relations and make it again (detach + reserve + attach as
              // a consumer; revoke + share + reserve + attach as a provider)
  kCount
};
constexpr std::array<const char*, static_cast<std::size_t>(Kind::kCount)> kKindNames{
    "create", "share", "revoke", "destroy", "reserve", "attach", "detach", "info", "access",
    "data_destroy", "data_create", "apt_create", "apt_destroy", "system_off", "kill", "relaunch",
    "connect", "fill", "both_ways", "reattach"};

/// One generated step; its operands are resolved against the model when it runs (so a step names
/// real regions, sharings and RIDs most of the time, and shrinking keeps its meaning).
struct Step {
  Kind kind = Kind::kCreate;
  std::uint8_t realm = 0;
  std::uint8_t peer = 0;
  std::uint8_t a = 0;
  std::uint8_t b = 0;
  std::uint8_t c = 0;
  bool flag = false;
};

std::ostream& operator<<(std::ostream& os, const Step& s) {
  return os << kKindNames.at(static_cast<std::size_t>(s.kind)) << "(r" << int{s.realm} << " p"
            << int{s.peer} << " " << int{s.a} << "," << int{s.b} << "," << int{s.c}
            << (s.flag ? ",f" : "") << ")";
}

/// Two steps the test runs at the same time, on two host threads.
struct Pair {
  Step first;
  Step second;
};
std::ostream& operator<<(std::ostream& os, const Pair& p) {
  return os << "[" << p.first << " || " << p.second << "]";
}

}  // namespace
}  // namespace caec::testing

namespace rc {
template <>
struct Arbitrary<caec::testing::Step> {
  static Gen<caec::testing::Step> arbitrary() {
    using caec::testing::Kind;
    using caec::testing::Step;
    // Weighted towards building relations (connect, reserve, attach), then ending them in every
    // order: revoke, destroy, detach, the host's teardown of either side (system_off + the first
    // APT_DESTROY, kill) and new relations afterwards (relaunch, connect again).
    const auto kind = gen::weightedElement<Kind>({
        {5, Kind::kCreate}, {5, Kind::kShare}, {2, Kind::kRevoke}, {2, Kind::kDestroy},
        {5, Kind::kReserve}, {5, Kind::kAttach}, {2, Kind::kDetach}, {2, Kind::kInfo},
        {4, Kind::kAccess}, {2, Kind::kDataDestroy}, {2, Kind::kDataCreate}, {1, Kind::kAptCreate},
        {1, Kind::kAptDestroy}, {3, Kind::kSystemOff}, {3, Kind::kKill}, {4, Kind::kRelaunch},
        {5, Kind::kConnect}, {1, Kind::kFill}, {3, Kind::kBothWays}, {3, Kind::kReattach}});
    const auto small = gen::inRange<std::uint8_t>(0, 8);
    const auto slot = gen::inRange<std::uint8_t>(0, caec::testing::kSlots);
    return gen::build<Step>(gen::set(&Step::kind, kind), gen::set(&Step::realm, slot),
                            gen::set(&Step::peer, slot), gen::set(&Step::a, small),
                            gen::set(&Step::b, small), gen::set(&Step::c, small),
                            gen::set(&Step::flag, gen::arbitrary<bool>()));
  }
};

template <>
struct Arbitrary<caec::testing::Pair> {
  static Gen<caec::testing::Pair> arbitrary() {
    using caec::testing::Kind;
    using caec::testing::Step;
    // Concurrent steps: realm commands and accesses; the host's DATA commands, the teardown
    // (APT_DESTROY of a realm that turned itself off, whose REC 1 runs on) and destroying a
    // realm. Steps that are not a single command (connect, system_off, relaunch) run in order.
    const auto kind = gen::weightedElement<Kind>({
        {3, Kind::kCreate}, {4, Kind::kShare}, {3, Kind::kRevoke}, {2, Kind::kDestroy},
        {4, Kind::kReserve}, {4, Kind::kAttach}, {3, Kind::kDetach}, {2, Kind::kInfo},
        {4, Kind::kAccess}, {1, Kind::kKill}, {4, Kind::kConnect}, {2, Kind::kDataDestroy},
        {1, Kind::kDataCreate}, {2, Kind::kSystemOff}, {2, Kind::kAptDestroy}, {2, Kind::kRelaunch}});
    const auto step = [kind] {
      const auto small = gen::inRange<std::uint8_t>(0, 8);
      const auto slot = gen::inRange<std::uint8_t>(0, caec::testing::kSlots);
      return gen::build<Step>(gen::set(&Step::kind, kind), gen::set(&Step::realm, slot),
                              gen::set(&Step::peer, slot), gen::set(&Step::a, small),
                              gen::set(&Step::b, small), gen::set(&Step::c, small),
                              gen::set(&Step::flag, gen::arbitrary<bool>()));
    };
    return gen::build<caec::testing::Pair>(gen::set(&caec::testing::Pair::first, step()),
                                           gen::set(&caec::testing::Pair::second, step()));
  }
};
}  // namespace rc

namespace caec::testing {
namespace {

/// The host for these tests: the reference VMM (an access it cannot back stops the realm: the
/// RMM injects an abort only for unprotected IPAs, rmm-1.0.md), except that it counts data-abort
/// exits, may leave a new region unpopulated, and when a realm turns itself off it begins
/// nothing itself (REC 1 runs on; the test decides).
class LockstepVmm : public RemoteVmm {
 public:
  using RemoteVmm::RemoteVmm;
  /// The next CSM_PROVIDER exits are not served (a lazy host: the region stays unpopulated).
  std::atomic<bool> lazy{false};
  /// Data-abort exits of realm `r` so far.
  unsigned data_aborts(const host::VmRealm& r) {
    std::lock_guard lock(aborts_mutex_);
    return aborts_[&r];
  }
  void forget(const host::VmRealm& r) {
    std::lock_guard lock(aborts_mutex_);
    aborts_.erase(&r);
  }

 protected:
  Next on_data_abort(host::VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                     abi::RmiRecEnter& enter) override {
    {
      std::lock_guard lock(aborts_mutex_);
      ++aborts_[&r];
    }
    return RemoteVmm::on_data_abort(r, rec, exit, enter);
  }
  Next on_csm_provider(host::VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                       abi::RmiRecEnter& enter) override {
    if (lazy) return Next::kEnter;
    return RemoteVmm::on_csm_provider(r, rec, exit, enter);
  }
  Next on_psci(host::VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
               abi::RmiRecEnter& enter) override {
    if (static_cast<std::uint32_t>(exit.gprs[0]) != static_cast<std::uint32_t>(abi::PsciFid::kSystemOff)) {
      return RemoteVmm::on_psci(r, rec, exit, enter);
    }
    release(index_of(r));
    return Next::kStopVcpu;  // REC 1 (if started) runs on
  }

 private:
  std::mutex aborts_mutex_;
  std::map<const host::VmRealm*, unsigned> aborts_;
};

/// What a realm command is: an RSI call (fid, X1..X5) or an access (ipa, write, value).
struct Call {
  std::size_t slot = 0;
  bool rsi = true;
  Fid fid = Fid::kCsmCreate;
  std::array<std::uint64_t, 5> x{};
  bool lazy_host = false;  // CREATE: the host leaves the region unpopulated
  /// Not a realm command: the host acts on the realm (RMI), or destroys it.
  enum class Host : std::uint8_t { kNone, kKill, kAptDestroy, kDataDestroy, kDataCreate };
  Host host = Host::kNone;
  Pa apt{};  // kAptDestroy: which granule
  // access
  std::uint64_t ipa = 0;
  bool write = false;
  std::uint64_t value = 0;
};

/// What the RMM answered.
struct Observed {
  std::uint64_t x0 = 0;
  std::uint64_t x1 = 0;
  std::string label;        // the REC's last RSI failure
  bool exited = false;      // a data-abort exit happened
  std::optional<abi::RsiCsmInfo> info;  // RSI_CSM_INFO's output, when it succeeded
};

Observed answer(std::uint64_t x0, std::uint64_t x1 = 0, std::string label = "") {
  Observed o;
  o.x0 = x0;
  o.x1 = x1;
  o.label = std::move(label);
  return o;
}

/// What one sequence reached, for RC_CLASSIFY.
struct Coverage {
  bool attached = false;
  bool teardown_provider = false;   // a realm torn down while a consumer was attached to it
  bool teardown_consumer = false;   // a realm torn down while attached to a provider
  bool teardown_both = false;       // ... while it was both
  bool closing_activity = false;    // a CSM command by a closing realm, or naming one
  bool reactivated = false;         // a pair attached again after an earlier relation ended
  bool new_realm_attached = false;  // a realm launched in a freed slot took part in an ATTACH
  bool capacity = false;            // RSI_ERROR_CAPACITY
  bool aborts = false;              // an access took an abort (revoked, RO, unmapped, ...)
  bool concurrent_attach_revoke = false;
};

struct Totals {
  std::atomic<std::uint64_t> sequences{0};
  std::atomic<std::uint64_t> steps{0};
  std::atomic<std::uint64_t> commands{0};  // every RSI/RMI command and access compared
  std::map<std::string, std::uint64_t> reached;  // sequences per RC_CLASSIFY label
};
Totals g_lockstep;
Totals g_concurrent;

/// How often each outcome was compared (command, status, deciding condition), printed after
/// each property: what the generated sequences reach.
class Tally {
 public:
  void add(const std::string& key) {
    std::lock_guard lock(mutex_);
    ++counts_[key];
  }
  void print(const char* title) {
    std::lock_guard lock(mutex_);
    std::printf("%s outcomes compared:\n", title);
    for (const auto& [k, n] : counts_) std::printf("  %8llu  %s\n", static_cast<unsigned long long>(n), k.c_str());
    counts_.clear();
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::uint64_t> counts_;
};
Tally g_tally;

const char* command_name(abi::CaecRsiFid fid) {
  switch (fid) {
    case abi::CaecRsiFid::kCsmCreate: return "RSI_CSM_CREATE";
    case abi::CaecRsiFid::kCsmShare: return "RSI_CSM_SHARE";
    case abi::CaecRsiFid::kCsmRevoke: return "RSI_CSM_REVOKE";
    case abi::CaecRsiFid::kCsmDestroy: return "RSI_CSM_DESTROY";
    case abi::CaecRsiFid::kCsmReserve: return "RSI_CSM_RESERVE";
    case abi::CaecRsiFid::kCsmAttach: return "RSI_CSM_ATTACH";
    case abi::CaecRsiFid::kCsmDetachAndFree: return "RSI_CSM_DETACH_AND_FREE";
    case abi::CaecRsiFid::kCsmInfo: return "RSI_CSM_INFO";
    default: return "RSI ?";
  }
}

class Lockstep {
 public:
  Lockstep()
      : system_(small_machine(), realm::boot),
        host_(system_.machine()),
        introspect_(system_.rmm()),
        vmm_(host_, [this](Pa rec) { system_.platform().interrupt(rec); }) {}
  ~Lockstep() {
    for (auto& s : slots_) {
      if (s.alive) vmm_.drop(s.remote);
    }
  }
  Lockstep(const Lockstep&) = delete;
  Lockstep& operator=(const Lockstep&) = delete;

  void boot(Totals& totals, bool concurrent = false) {
    totals_ = &totals;
    concurrent_ = concurrent;
    for (std::size_t i = 0; i < kSlots; ++i) launch(i);
    check_state("boot");
  }

  /// Runs one step and compares everything; RC_FAILs on the first difference.
  void run(const Step& step) {
    ++totals_->steps;
    run_step(step);
  }

  /// Runs two steps at the same time; the outcome must be that of one of their two orders.
  void run_concurrently(const Pair& pair) {
    ++totals_->steps;
    run_pair(pair);
  }

  /// Destroys every realm (the teardown in slot order) and checks the invariants once more.
  void finish() {
    finishing_ = true;  // not counted as teardown during the sequence
    for (std::size_t i = 0; i < kSlots; ++i) kill(i);
    expect_invariants("final teardown");
  }

  [[nodiscard]] const Coverage& coverage() const { return coverage_; }
  [[nodiscard]] m::Model& model() { return model_; }

 private:
  void run_step(const Step& step) {
    log_ << step << "; ";
    if (trace_) std::fprintf(stderr, "step %s\n", log_.str().c_str());
    switch (step.kind) {
      case Kind::kDataDestroy:
      case Kind::kDataCreate:
        if (auto c = host_call(step.realm, step.kind == Kind::kDataDestroy ? Call::Host::kDataDestroy : Call::Host::kDataCreate, step)) {
          host_command(*c);
        }
        break;
      case Kind::kAptCreate: host_apt_create(step.realm); break;
      case Kind::kAptDestroy: host_apt_destroy(step.realm, step.a); break;
      case Kind::kSystemOff:
        // Sequences of concurrent pairs mostly leave the teardown to a later APT_DESTROY, which
        // may then race the realm's REC 1.
        system_off(step.realm, concurrent_ ? step.c % 4 == 3 : step.c % 4 != 3);
        break;
      case Kind::kKill: kill(step.realm); break;
      case Kind::kRelaunch:
        if (!slots_[step.realm].alive) launch(step.realm);
        break;
      case Kind::kConnect: connect(step); break;
      case Kind::kFill: fill(step.realm); break;
      case Kind::kBothWays: {
        connect(step);
        Step back = step;
        std::swap(back.realm, back.peer);
        back.a = static_cast<std::uint8_t>(step.a + 1);  // other bases
        back.b = static_cast<std::uint8_t>(step.b + 1);
        connect(back);
        break;
      }
      case Kind::kReattach: reattach(step); break;
      default:
        if (auto call = resolve(step)) command(*call);
        break;
    }
    check_state(kKindNames.at(static_cast<std::size_t>(step.kind)));
  }

  void run_pair(const Pair& pair) {
    log_ << pair << "; ";
    auto a = prepare(pair.first);
    auto b = prepare(pair.second);
    // Two commands of one realm run in order, and so does a realm's command with the host's
    // DATA commands on it or its destruction: a command that exits lets the host act in the
    // middle of it (an access that exits, the host populates, the test's DATA_DESTROY takes the
    // granule, the access exits again; a CSM_PROVIDER exit populating a page the test's
    // DATA_CREATE just filled), which is no order of the two. The one host command that runs
    // beside its own realm is APT_DESTROY, with an RSI command: the teardown racing REC 1 of a
    // realm that turned itself off (an access there could exit, and REC 1 would never return).
    const auto clash = [&](const Call& x, const Call& y) {
      if (x.slot != y.slot) return false;
      if (x.host == Call::Host::kNone && y.host == Call::Host::kNone) return true;
      const Call& h = x.host != Call::Host::kNone ? x : y;
      const Call& r = x.host != Call::Host::kNone ? y : x;
      return h.host != Call::Host::kAptDestroy || !r.rsi;
    };
    // For the same reason REC 1 is given only commands that exit in no order: a RESERVE that
    // would fail may succeed (and exit) once another realm's SHARE came first.
    const auto exits_somehow = [&](const Call& x) {
      return x.host == Call::Host::kNone && x.rsi && !slots_[x.slot].rec0 &&
             (x.fid == Fid::kCsmCreate || x.fid == Fid::kCsmReserve || x.fid == Fid::kCsmDestroy ||
              x.fid == Fid::kCsmDetachAndFree);
    };
    if (!a || !b || clash(*a, *b) || exits_somehow(*a) || exits_somehow(*b) ||
        (a->host != Call::Host::kNone && b->host != Call::Host::kNone)) {
      run_step(pair.first);
      run_step(pair.second);
      return;
    }
    a->lazy_host = b->lazy_host = false;  // the host's one `lazy` switch would race
    for (const Call* k : {&*a, &*b}) {
      note_teardown(*k);
    }
    Observed oa;
    Observed ob;
    {
      std::thread t([&] { oa = execute(*a); });
      ob = execute(*b);
      t.join();
    }
    totals_->commands += 2;
    host_effects(*a, oa);
    host_effects(*b, ob);
    std::string why;
    for (const bool a_first : {true, false}) {
      m::Model candidate = model_;
      auto pa_of = pa_of_;
      std::string e = a_first ? judge(candidate, *a, oa, pa_of) : judge(candidate, *b, ob, pa_of);
      if (e.empty()) e = a_first ? judge(candidate, *b, ob, pa_of) : judge(candidate, *a, oa, pa_of);
      if (e.empty()) e = compare_entries(candidate, pa_of);
      if (e.empty()) {
        note_outcome(*a, oa);
        note_outcome(*b, ob);
        tally(*a, oa, "concurrent ");
        tally(*b, ob, "concurrent ");
        note_events(*a, candidate);
        note_events(*b, candidate);
        if (((a->fid == Fid::kCsmAttach && oa.x0 == 0) || (b->fid == Fid::kCsmAttach && ob.x0 == 0)) &&
            (a->fid == Fid::kCsmRevoke || b->fid == Fid::kCsmRevoke)) {
          coverage_.concurrent_attach_revoke = true;
        }
        model_ = std::move(candidate);
        pa_of_ = std::move(pa_of);
        // An access the host could not resolve stopped its realm: the host destroys it.
        for (const auto& [call, seen] : {std::pair{&*a, &oa}, std::pair{&*b, &ob}}) {
          if (call->host == Call::Host::kNone && !call->rsi && seen->x0 == RemoteVmm::kNoAnswer) kill(call->slot);
        }
        check_state("concurrent pair");
        return;
      }
      why += std::string(a_first ? "\n  in order (first, second): " : "\n  in order (second, first): ") + e;
    }
    const std::string message = "no order of the concurrent steps explains the RMM's outcome:" + why + "\n  after: " + log_.str();
    if (trace_) std::fprintf(stderr, "%s\n", message.c_str());
    RC_FAIL(message);
  }

  struct Slot {
    std::size_t remote = 0;
    host::VmRealm* vm = nullptr;
    Rid rid{};
    bool alive = false;
    bool rec0 = false;      // REC 0 takes commands (the realm is not off)
    bool relaunched = false;
  };

  // ---- Realms ------------------------------------------------------------------------------

  void launch(std::size_t i) {
    Slot& s = slots_[i];
    s.relaunched = s.rid != Rid{};
    s.remote = vmm_.launch_remote("r" + std::to_string(next_vmid_), next_vmid_, kRamMib, 2);
    ++next_vmid_;
    s.vm = &vmm_.realm(s.remote);
    s.rid = introspect_.realm(s.vm->built.rd)->rid;
    s.alive = true;
    s.rec0 = true;
    const Rid want = model_.launch();
    if (s.rid != want) RC_FAIL("realm launched with RID " + std::to_string(static_cast<std::uint64_t>(s.rid)) +
                               ", the model expects " + std::to_string(static_cast<std::uint64_t>(want)) +
                               " (a counter from 1)");
    // Level-3 tables for every page the steps name, and the INFO output page populated.
    for (const std::uint64_t block : kBlocks) vmm_.builder().ensure_tables(s.vm->built, Ipa{block}, s2::kMaxLevel);
    Call touch{i, false};
    touch.ipa = kInfoPage;
    touch.write = true;
    command(touch);
  }

  void kill(std::size_t i) {
    if (!slots_[i].alive) return;
    Call c{i, false};
    c.host = Call::Host::kKill;
    host_command(c);
  }

  /// REC 1 starts polling its mailbox, REC 0 turns the realm off; with `teardown`, the host
  /// begins the CSM teardown at once (the first RMI_APT_DESTROY) while REC 1 still runs.
  void system_off(std::size_t i, bool teardown) {
    Slot& s = slots_[i];
    if (!s.alive || !s.rec0) return;
    if (!vmm_.has_mailbox(s.remote) && !vmm_.start_mailbox(s.remote)) {
      RC_FAIL("REC 1 of r" + std::to_string(i) + " did not start polling its mailbox");
    }
    const auto r = vmm_.call(s.remote, {1, static_cast<std::uint64_t>(abi::PsciFid::kSystemOff)});
    if (r[0] != RemoteVmm::kNoAnswer) RC_FAIL("PSCI SYSTEM_OFF returned to the realm");
    s.rec0 = false;
    model_.system_off(s.rid);
    if (teardown) host_apt_destroy(i, std::uint8_t{0});
  }

  // ---- Host commands ----------------------------------------------------------------------

  template <class Ret>
  void expect_rmi(const std::string& what, Ret got, const m::RmiOutcome& want) {
    ++totals_->commands;
    const std::string_view label = rmm::RmmIntrospection::last_failure();
    g_tally.add(what.substr(0, what.find(' ')) + " " + host::describe(got) +
                (got.ok() ? "" : " (" + std::string(label) + ")"));
    if (got != want.ret || (!want.ret.ok() && !want.label.empty() && label != want.label)) {
      RC_FAIL(what + ": RMM " + host::describe(got) + " (" + std::string(label) + "), model " +
              host::describe(want.ret) + " (" + std::string(want.label) + ")\n  after: " + log_.str());
    }
  }

  /// A host command on realm `i` (for a step, or for one side of a concurrent pair).
  [[nodiscard]] std::optional<Call> host_call(std::size_t i, Call::Host op, const Step& st) const {
    const Slot& s = slots_[i];
    if (!s.alive) return std::nullopt;
    Call c{i, false};
    c.host = op;
    if (op == Call::Host::kAptDestroy) {
      if (s.vm->built.apts.empty()) return std::nullopt;
      c.apt = s.vm->built.apts[st.a % s.vm->built.apts.size()];
    }
    if (op == Call::Host::kDataDestroy || op == Call::Host::kDataCreate) c.ipa = page_for(st);
    return c;
  }

  void host_apt_destroy(std::size_t i, std::uint8_t which) {
    Step st;
    st.a = which;
    if (auto c = host_call(i, Call::Host::kAptDestroy, st)) host_command(*c);
  }

  /// Runs a host command in lock-step with the model.
  void host_command(const Call& c) {
    note_teardown(c);
    const Observed o = execute(c);
    host_effects(c, o);
    ++totals_->commands;
    m::Model next = model_;
    const std::string e = judge(next, c, o, pa_of_);
    if (!e.empty()) RC_FAIL(e + "\n  after: " + log_.str());
    tally(c, o, "");
    note_events(c, next);
    model_ = std::move(next);
  }

  /// What a host command did to the host's own records (whatever the model says).
  void host_effects(const Call& c, const Observed& o) {
    Slot& s = slots_[c.slot];
    const auto ret = abi::RmiReturn::unpack(o.x0);
    switch (c.host) {
      case Call::Host::kKill:
        vmm_.forget(*s.vm);
        s.vm = nullptr;
        s.alive = false;
        s.rec0 = false;
        break;
      case Call::Host::kAptDestroy:
        if (ret.ok()) {
          std::erase(s.vm->built.apts, c.apt);
          host_.undelegate_and_free(c.apt);
        }
        break;
      case Call::Host::kDataDestroy:
        // The realm's own granule comes back to the host; a consumer's mapping of a provider's
        // granule does not (it stays DATA).
        if (const auto it = s.vm->built.data.find(c.ipa); ret.ok() && it != s.vm->built.data.end() && it->second == Pa{o.x1}) {
          s.vm->built.data.erase(it);
          host_.undelegate_and_free(Pa{o.x1});
        }
        break;
      case Call::Host::kDataCreate:
        if (ret.ok()) {
          s.vm->built.data[c.ipa] = Pa{o.x1};
        } else {
          host_.undelegate_and_free(Pa{o.x1});
        }
        break;
      case Call::Host::kNone: break;
    }
  }

  /// Counts what a command did to the consumers' mappings (`next`: the model after it).
  void note_events(const Call& c, const m::Model& next) const {
    const std::size_t before = model_.foreign_mappings();
    const std::size_t after = next.foreign_mappings();
    if (c.host == Call::Host::kDataDestroy && after < before) {
      const bool foreign = model_.page(slots_[c.slot].rid, c.ipa).kind == m::Page::Kind::kForeign;
      g_tally.add(foreign ? "event: DATA_DESTROY of a consumer's mapping"
                          : "event: DATA_DESTROY of a provider granule consumers mapped");
    }
    if (c.host == Call::Host::kDataCreate && after > before) g_tally.add("event: DATA_CREATE_UNKNOWN mapped into attached consumers");
    if (c.host == Call::Host::kNone && !c.rsi && after > before) {
      g_tally.add("event: a provider's access populated a page mapped into attached consumers");
    }
  }

  void host_apt_create(std::size_t i) {
    Slot& s = slots_[i];
    if (!s.alive) return;
    const auto want = model_.apt_create(s.rid);
    const Pa g = host_.delegate_new();
    const auto ret = host_.rmi().apt_create(s.vm->built.rd, g);
    expect_rmi("RMI_APT_CREATE r" + std::to_string(i), ret, want);
    if (ret.ok()) {
      s.vm->built.apts.push_back(g);
    } else {
      host_.undelegate_and_free(g);
    }
  }

  // ---- Realm commands -----------------------------------------------------------------------

  /// A page for an access or a host DATA command: mostly one of the realm's CSM pages (in a
  /// region it shares or a reservation it holds), else any page the steps name.
  [[nodiscard]] std::uint64_t page_for(const Step& st) const {
    const Rid me = slots_[st.realm].rid;
    std::vector<std::uint64_t> csm;
    for (const std::uint64_t ipa : kPages) {
      const bool reserved = std::any_of(model_.reservations().begin(), model_.reservations().end(), [&](const auto& v) {
        return v.consumer == me && ipa >= v.base.value() && ipa - v.base.value() < v.size;
      });
      const bool shared = std::any_of(model_.regions().begin(), model_.regions().end(), [&](const m::Region& g) {
        return g.provider == me && ipa >= g.base.value() && ipa - g.base.value() < g.size &&
               std::any_of(model_.sharings().begin(), model_.sharings().end(), [&](const m::Sharing& sh) { return sh.id == g.id; });
      });
      if (reserved || shared) csm.push_back(ipa);
    }
    if (st.c % 4 == 3 || csm.empty()) return kPages[st.a % kPages.size()];
    return csm[st.a % csm.size()];
  }

  [[nodiscard]] std::uint64_t rid(std::size_t slot) const {
    return static_cast<std::uint64_t>(slots_[slot % kSlots].rid);
  }
  [[nodiscard]] std::uint64_t peer_rid(const Step& st) const {
    return st.c == 7 ? kBogusRid : rid(st.peer);
  }
  /// The `sel`-th region of realm `r` (sel 7: one of another realm's, or an id never used).
  [[nodiscard]] std::uint64_t region_id(Rid r, std::uint8_t sel) const {
    std::vector<std::uint64_t> mine;
    std::vector<std::uint64_t> others;
    for (const auto& g : model_.regions()) {
      // The regions kFill made only when sel is 6 (they would crowd out the others).
      if (g.base.value() >= kFillBase && sel != 6) continue;
      (g.provider == r ? mine : others).push_back(static_cast<std::uint64_t>(g.id));
    }
    if (sel == 7 || mine.empty()) return others.empty() ? 0x7777 : others[sel % others.size()];
    return mine[sel % mine.size()];
  }
  /// A k for the pair (provider, consumer): one of its sharings or reservations, or a raw small k.
  [[nodiscard]] std::uint64_t k_for(std::uint64_t provider, std::uint64_t consumer, std::uint8_t sel) const {
    std::vector<std::uint64_t> ks;
    for (const auto& v : model_.reservations()) {
      if (v.provider == Rid{provider} && v.consumer == Rid{consumer}) ks.push_back(v.k);
    }
    for (const auto& s : model_.sharings()) {
      if (s.provider == Rid{provider} && s.consumer == Rid{consumer}) ks.push_back(s.k);
    }
    if (sel % 4 == 3 || ks.empty()) return sel % 3;
    return ks[sel % ks.size()];
  }
  [[nodiscard]] std::uint64_t size_of(std::uint64_t provider, std::uint64_t consumer, std::uint64_t k) const {
    for (const auto& s : model_.sharings()) {
      if (s.provider == Rid{provider} && s.consumer == Rid{consumer} && s.k == k) {
        for (const auto& g : model_.regions()) {
          if (g.id == s.id) return g.size;
        }
      }
    }
    return kGranuleSize;
  }

  /// The realm command a step means, with its operands drawn from the model.
  std::optional<Call> resolve(const Step& st) const {
    const Slot& s = slots_[st.realm];
    if (!s.alive) return std::nullopt;
    Call c{st.realm};
    const std::uint64_t me = rid(st.realm);
    switch (st.kind) {
      case Kind::kCreate: {
        c.fid = Fid::kCsmCreate;
        std::uint64_t base = kRegionBases[st.a % kRegionBases.size()];
        std::uint64_t size = (st.b % 2 + 1) * kGranuleSize;
        if (st.c == 6) base = kReserveBases[st.a % kReserveBases.size()];
        if (st.c == 7) {
          switch (st.a % 3) {
            case 0: base += 0x800; break;                               // range_align
            case 1: size = 0; break;                                    // range_align
            default: base = m::Model::kProtectedTop - kGranuleSize; break;  // range_bound
          }
          size = st.a % 3 == 2 ? 2 * kGranuleSize : size;
        }
        c.x = {base, size};
        c.lazy_host = st.flag && st.c < 3;
        return c;
      }
      case Kind::kShare: {
        static constexpr std::array<std::uint64_t, 8> kPerm{1, 1, 1, 2, 2, 2, 0, 3};
        c.fid = Fid::kCsmShare;
        c.x = {region_id(s.rid, st.a), peer_rid(st), kPerm[st.b % 8]};
        return c;
      }
      case Kind::kRevoke: {
        c.fid = Fid::kCsmRevoke;
        c.x = {peer_rid(st), k_for(me, peer_rid(st), st.a)};
        std::vector<const m::Sharing*> mine;
        for (const auto& sh : model_.sharings()) {
          if (sh.provider == s.rid) mine.push_back(&sh);
        }
        if (st.c % 4 != 3 && !mine.empty()) {  // mostly one of its sharings
          const auto* sh = mine[st.a % mine.size()];
          c.x = {static_cast<std::uint64_t>(sh->consumer), sh->k};
        }
        return c;
      }
      case Kind::kDestroy:
        c.fid = Fid::kCsmDestroy;
        c.x = {region_id(s.rid, st.a)};
        return c;
      case Kind::kReserve: {
        c.fid = Fid::kCsmReserve;
        std::uint64_t p = peer_rid(st);
        std::uint64_t k = k_for(p, me, st.a);
        std::vector<const m::Sharing*> offered;
        for (const auto& sh : model_.sharings()) {
          if (sh.consumer == s.rid) offered.push_back(&sh);
        }
        if (st.c < 4 && !offered.empty()) {  // mostly a sharing offered to it
          p = static_cast<std::uint64_t>(offered[st.a % offered.size()]->provider);
          k = offered[st.a % offered.size()]->k;
        }
        std::uint64_t base = kReserveBases[st.b % kReserveBases.size()];
        std::uint64_t size = size_of(p, me, k);
        if (st.c == 5) size = size == kGranuleSize ? 2 * kGranuleSize : kGranuleSize;  // size
        if (st.c == 6) base = kRegionBases[st.b % kRegionBases.size()];             // overlaps?
        if (st.c == 7) base += 0x800;                                               // range_align
        c.x = {p, k, base, size};
        return c;
      }
      case Kind::kAttach:
      case Kind::kDetach: {
        c.fid = st.kind == Kind::kAttach ? Fid::kCsmAttach : Fid::kCsmDetachAndFree;
        const std::uint64_t p = peer_rid(st);
        c.x = {p, k_for(p, me, st.a)};
        std::vector<const m::Reservation*> held;
        for (const auto& v : model_.reservations()) {
          if (v.consumer == s.rid) held.push_back(&v);
        }
        if (st.c % 4 != 3 && !held.empty()) {  // mostly one of its reservations
          const auto* v = held[st.a % held.size()];
          c.x = {static_cast<std::uint64_t>(v->provider), v->k};
        }
        return c;
      }
      case Kind::kInfo: {
        c.fid = Fid::kCsmInfo;
        std::uint64_t out = kInfoPage;
        if (st.c % 4 == 3) {
          // The gateway: an own region page is fine, a reservation page is not; pages that
          // would exit to the host are left alone.
          const std::uint64_t page = kPages[st.a % kPages.size()];
          const m::Page p = model_.page(s.rid, page);
          const bool reserved = std::any_of(model_.reservations().begin(), model_.reservations().end(), [&](const auto& v) {
            return v.consumer == s.rid && page >= v.base.value() && page - v.base.value() < v.size;
          });
          const bool exits = !reserved && p.kind != m::Page::Kind::kForeign &&
                             !(p.kind == m::Page::Kind::kPrivate && p.ripas == m::ripas_bit(abi::Ripas::kRam)) &&
                             (p.ripas & m::ripas_bit(abi::Ripas::kEmpty)) == 0;
          if (!exits) out = page;
        }
        switch (st.b % 4) {
          case 0:
          case 1: {
            // A region of the caller, or of a reservation it holds.
            std::vector<std::uint64_t> ids;
            for (const auto& v : model_.reservations()) {
              if (v.consumer == s.rid) ids.push_back(static_cast<std::uint64_t>(v.id));
            }
            const std::uint64_t id = st.b % 4 == 1 && !ids.empty() ? ids[st.a % ids.size()] : region_id(s.rid, st.a);
            c.x = {id, out, 0, 0, 0};
            break;
          }
          case 2: {
            const std::uint64_t p = peer_rid(st);
            c.x = {p, out, abi::csm_info_flags::kBySharing, k_for(p, me, st.a), 0};
            break;
          }
          default:
            c.x = {region_id(s.rid, st.a), st.flag ? out + 0x800 : out, st.flag ? 0U : 2U, 0, 0};
            break;
        }
        return c;
      }
      case Kind::kAccess:
        c.rsi = false;
        c.ipa = page_for(st);
        c.write = st.flag;
        c.value = ++write_counter_;
        return c;
      default: return std::nullopt;
    }
  }

  /// A call that may run now: its realm has a REC that takes commands, and a realm that is off
  /// is not asked anything that would exit (its REC could never be entered again).
  std::optional<Call> prepare(const Step& st) {
    switch (st.kind) {
      case Kind::kKill: return host_call(st.realm, Call::Host::kKill, st);
      case Kind::kAptDestroy: return host_call(st.realm, Call::Host::kAptDestroy, st);
      case Kind::kDataDestroy: return host_call(st.realm, Call::Host::kDataDestroy, st);
      case Kind::kDataCreate: return host_call(st.realm, Call::Host::kDataCreate, st);
      default: break;
    }
    auto c = resolve(st);
    if (!c) return std::nullopt;
    const Slot& s = slots_[c->slot];
    if (!s.alive || (!s.rec0 && !vmm_.has_mailbox(s.remote))) return std::nullopt;
    if (!s.rec0 && exits(*c)) return std::nullopt;
    if (!c->rsi && stops(*c)) return std::nullopt;  // run in order: the host destroys the realm
    return c;
  }

  /// An access the host cannot resolve: the realm is stopped.
  [[nodiscard]] bool stops(const Call& c) const {
    m::Model trial = model_;
    return trial.access(slots_[c.slot].rid, c.ipa, c.write, c.value).kind == m::AccessKind::kExitAbort;
  }

  [[nodiscard]] bool exits(const Call& c) const {
    m::Model trial = model_;
    const Rid r = slots_[c.slot].rid;
    if (!c.rsi) {
      const auto k = trial.access(r, c.ipa, c.write, c.value).kind;
      return k == m::AccessKind::kExitPopulate || k == m::AccessKind::kExitAbort;
    }
    m::InfoView view;
    return expect(trial, c, ~0ULL, &view).exits;
  }

  /// What the model expects of RSI call `c` (applied to `model`); `assigned` is the id the RMM
  /// gave a new region.
  m::RsiOutcome expect(m::Model& model, const Call& c, std::uint64_t assigned, m::InfoView* view) const {
    const Rid r = slots_[c.slot].rid;
    const auto& x = c.x;
    switch (c.fid) {
      case Fid::kCsmCreate: return model.create(r, x[0], x[1], CsmId{assigned}, !c.lazy_host);
      case Fid::kCsmShare: return model.share(r, x[0], x[1], x[2]);
      case Fid::kCsmRevoke: return model.revoke(r, x[0], x[1]);
      case Fid::kCsmDestroy: return model.destroy(r, x[0]);
      case Fid::kCsmReserve: return model.reserve(r, x[0], x[1], x[2], x[3]);
      case Fid::kCsmAttach: return model.attach(r, x[0], x[1]);
      case Fid::kCsmDetachAndFree: return model.detach(r, x[0], x[1]);
      case Fid::kCsmInfo: return model.info(r, x[0], x[1], x[2], x[3], view);
      default: return {};
    }
  }

  /// Runs call `c` on its realm (REC 0, or REC 1 through the mailbox once the realm is off).
  Observed execute(const Call& c) {
    const Slot& s = slots_[c.slot];
    if (trace_) std::fprintf(stderr, "  %s\n", describe_call(c).c_str());
    const Pa rd = s.alive ? s.vm->built.rd : Pa{};
    switch (c.host) {
      case Call::Host::kKill:
        vmm_.drop(s.remote);
        try {
          vmm_.destroy(*s.vm);
        } catch (const std::exception& e) {
          return answer(RemoteVmm::kNoAnswer, 0, e.what());
        }
        return {};
      case Call::Host::kAptDestroy: {
        const auto ret = host_.rmi().apt_destroy(rd, c.apt);
        return answer(ret.pack(), 0, std::string(rmm::RmmIntrospection::last_failure()));
      }
      case Call::Host::kDataDestroy: {
        const auto out = host_.rmi().data_destroy(rd, Ipa{c.ipa});
        return answer(out.ret.pack(), out.data.value(), std::string(rmm::RmmIntrospection::last_failure()));
      }
      case Call::Host::kDataCreate: {
        const Pa g = host_.delegate_new();
        const auto ret = host_.rmi().data_create_unknown(rd, g, Ipa{c.ipa});
        return answer(ret.pack(), g.value(), std::string(rmm::RmmIntrospection::last_failure()));
      }
      case Call::Host::kNone: break;
    }
    const unsigned aborts_before = vmm_.data_aborts(*s.vm);
    std::array<std::uint64_t, 8> cmd{};
    if (c.rsi) {
      cmd = {1, static_cast<std::uint64_t>(c.fid), c.x[0], c.x[1], c.x[2], c.x[3], c.x[4]};
    } else {
      cmd = {c.write ? 3U : 2U, c.ipa, c.value};
    }
    if (c.rsi && c.fid == Fid::kCsmCreate) vmm_.lazy = c.lazy_host;
    const auto r = s.rec0 ? vmm_.call(s.remote, cmd) : vmm_.mailbox_call(s.remote, cmd);
    vmm_.lazy = false;
    Observed o = answer(r[0], r[1]);
    o.exited = vmm_.data_aborts(*s.vm) != aborts_before;
    const Pa rec = s.vm->built.recs.at(s.rec0 ? 0 : 1).rec;
    if (c.rsi && o.x0 != 0) o.label = std::string(introspect_.last_rsi_failure(rec));
    if (c.rsi && c.fid == Fid::kCsmInfo && o.x0 == 0) {
      const auto it = s.vm->built.data.find(c.x[1]);
      if (it != s.vm->built.data.end()) {
        abi::RsiCsmInfo info{};
        std::memcpy(&info, system_.machine().realm_pas_granule(it->second), sizeof info);
        o.info = info;
      }
    }
    return o;
  }

  static std::string status_name(std::uint64_t x0) {
    switch (x0) {
      case 0: return "SUCCESS";
      case 1: return "ERROR_INPUT";
      case 2: return "ERROR_STATE";
      case 0x40: return "ERROR_CAPACITY";
      case RemoteVmm::kNoAnswer: return "no answer";
      default: return hex_number(x0);
    }
  }

  [[nodiscard]] std::string describe_call(const Call& c) const {
    std::ostringstream os;
    os << "r" << c.slot << " ";
    switch (c.host) {
      case Call::Host::kKill: return os.str() + "destroyed by the host";
      case Call::Host::kAptDestroy: return os.str() + "RMI_APT_DESTROY " + hex_number(c.apt.value());
      case Call::Host::kDataDestroy: return os.str() + "RMI_DATA_DESTROY " + hex_number(c.ipa);
      case Call::Host::kDataCreate: return os.str() + "RMI_DATA_CREATE_UNKNOWN " + hex_number(c.ipa);
      case Call::Host::kNone: break;
    }
    if (!c.rsi) {
      os << (c.write ? "write " : "read ") << hex_number(c.ipa);
      return os.str();
    }
    os << hex_number(static_cast<std::uint64_t>(c.fid)) << "(";
    for (std::size_t i = 0; i < c.x.size(); ++i) os << (i ? ", " : "") << hex_number(c.x[i]);
    os << ")";
    return os.str();
  }

  /// Applies call `c` to `model` and compares with what the RMM answered; "" if they agree.
  /// `pa_of`: the PAs of the model's granules known so far.
  std::string judge(m::Model& model, const Call& c, const Observed& o, std::map<m::GranuleId, Pa>& pa_of) const {
    const std::string what = describe_call(c);
    const Rid r = slots_[c.slot].rid;
    if (c.host == Call::Host::kKill) {
      if (o.x0 == RemoteVmm::kNoAnswer) return what + ": the host could not destroy the realm: " + o.label;
      model.destroy_realm(r);
      return "";
    }
    if (c.host != Call::Host::kNone) {
      const m::RmiOutcome want = c.host == Call::Host::kAptDestroy    ? model.apt_destroy(r)
                                 : c.host == Call::Host::kDataDestroy ? model.data_destroy(r, c.ipa)
                                                                      : model.data_create_unknown(r, c.ipa);
      const auto got = abi::RmiReturn::unpack(o.x0);
      if (got != want.ret || (!want.ret.ok() && !want.label.empty() && o.label != want.label)) {
        return what + ": RMM " + host::describe(got) + " (" + o.label + "), model " + host::describe(want.ret) +
               " (" + std::string(want.label) + ")";
      }
      if (c.host == Call::Host::kDataDestroy && got.ok()) {
        // A granule the other side of a concurrent pair populated is not known yet: learn it.
        const auto [pa, fresh] = pa_of.try_emplace(want.granule, Pa{o.x1});
        if (!fresh && pa->second != Pa{o.x1}) {
          return what + ": returned " + hex_number(o.x1) + ", not the granule the model expects";
        }
      }
      return "";
    }
    if (o.x0 == RemoteVmm::kNoAnswer && c.rsi) return what + ": the realm did not answer";
    if (!c.rsi) {
      const auto want = model.access(slots_[c.slot].rid, c.ipa, c.write, c.value);
      // An abort the host cannot resolve: the reference host stops the realm (it never answers).
      const bool abort = o.x0 == 1 || o.x0 == RemoteVmm::kNoAnswer;
      const bool ok = want.kind == m::AccessKind::kData ? !abort && !o.exited
                      : want.kind == m::AccessKind::kAbort ? abort && !o.exited
                      : want.kind == m::AccessKind::kExitPopulate ? !abort && o.exited
                                                                  : abort && o.exited;
      if (!ok) {
        return what + ": RMM " + (abort ? "abort" : "data") + (o.exited ? " after an exit" : "") +
               ", model " + std::string(m::name(want.kind));
      }
      if (!c.write && !abort && o.x1 != want.value) {
        return what + ": read " + hex_number(o.x1) + ", the model expects " + hex_number(want.value);
      }
      return "";
    }
    m::InfoView view;
    const m::Model before = model;
    const auto want = expect(model, c, o.x1, &view);
    const auto status = static_cast<abi::RsiStatus>(o.x0);
    const auto matches = [&](abi::RsiStatus st, std::string_view label) {
      return status == st && (st == abi::RsiStatus::kSuccess || label.empty() || label == o.label);
    };
    if (!matches(want.status, want.label)) {
      if (!(want.alt && matches(want.alt->first, want.alt->second))) {
        return what + ": RMM " + status_name(o.x0) + " (" + o.label + "), model " +
               status_name(static_cast<std::uint64_t>(want.status)) + " (" + std::string(want.label) + ")";
      }
      model = before;  // the alternative is a failure: it changes nothing
      return "";
    }
    if (status != abi::RsiStatus::kSuccess) return "";
    if (o.x1 != want.x1) return what + ": X1 " + hex_number(o.x1) + ", the model expects " + hex_number(want.x1);
    if (c.fid == Fid::kCsmInfo) return compare_info(what, view, o);
    return "";
  }

  static std::string compare_info(const std::string& what, const m::InfoView& view, const Observed& o) {
    if (!o.info) return what + ": no output page to read";
    const auto& info = *o.info;
    std::ostringstream d;
    if (info.csm_id != static_cast<std::uint64_t>(view.id) || info.size != view.size ||
        info.provider_rid != static_cast<std::uint64_t>(view.provider) ||
        info.total_sharings != view.sharings.size() || info.num_sharings != view.sharings.size() || info.first != 0) {
      d << what << ": RsiCsmInfo {id " << info.csm_id << " size " << hex_number(info.size) << " provider "
        << info.provider_rid << " num " << info.num_sharings << " total " << info.total_sharings << " first "
        << info.first << "}, model {id " << static_cast<std::uint64_t>(view.id) << " size " << hex_number(view.size)
        << " provider " << static_cast<std::uint64_t>(view.provider) << " sharings " << view.sharings.size() << "}";
      return d.str();
    }
    std::vector<abi::RsiCsmSharing> got(info.sharings.begin(),
                                        info.sharings.begin() + static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(info.num_sharings, abi::kCsmInfoMaxSharings)));
    std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) {
      return std::pair{a.consumer_rid, a.k} < std::pair{b.consumer_rid, b.k};
    });
    for (std::size_t i = 0; i < got.size(); ++i) {
      const auto& g = got[i];
      const auto& w = view.sharings[i];
      if (g.consumer_rid != w.consumer_rid || g.k != w.k || g.perm != w.perm || g.state != w.state) {
        d << what << ": sharing {consumer " << g.consumer_rid << " k " << g.k << " perm " << g.perm << " state "
          << g.state << "}, model {consumer " << w.consumer_rid << " k " << w.k << " perm " << w.perm
          << " state " << w.state << "}";
        return d.str();
      }
    }
    return "";
  }

  /// Runs a realm command, in lock-step: the RMM's answer must be the model's.
  Observed command(const Call& c) {
    const Slot& s = slots_[c.slot];
    if (!s.alive || (!s.rec0 && (!vmm_.has_mailbox(s.remote) || exits(c)))) return answer(RemoteVmm::kNoAnswer);
    const Observed o = execute(c);
    ++totals_->commands;
    m::Model next = model_;
    const std::string e = judge(next, c, o, pa_of_);
    if (!e.empty()) RC_FAIL(e + "\n  after: " + log_.str());
    note_outcome(c, o);
    tally(c, o, probing_ ? "probe " : "");
    note_events(c, next);
    model_ = std::move(next);
    if (!c.rsi && o.x0 == RemoteVmm::kNoAnswer) kill(c.slot);  // the host stopped it: destroy it
    return o;
  }

  void connect(const Step& st) {
    const std::size_t p = st.realm;
    const std::size_t q = st.peer;
    if (p == q || !slots_[p].alive || !slots_[q].alive) return;
    Call create{p};
    create.fid = Fid::kCsmCreate;
    const std::uint64_t size = (st.b % 2 + 1) * kGranuleSize;
    create.x = {kRegionBases[st.a % kRegionBases.size()], size};
    create.lazy_host = st.flag && st.c % 4 == 0;
    const auto o = command(create);
    if (o.x0 != 0) return;
    Call share{p};
    share.fid = Fid::kCsmShare;
    share.x = {o.x1, rid(q), st.c % 2 + 1U};
    const auto k = command(share);
    if (k.x0 != 0) return;
    Call reserve{q};
    reserve.fid = Fid::kCsmReserve;
    reserve.x = {rid(p), k.x1, kReserveBases[st.b % kReserveBases.size()], size};
    if (command(reserve).x0 != 0) return;
    Call attach{q};
    attach.fid = Fid::kCsmAttach;
    attach.x = {rid(p), k.x1};
    (void)command(attach);
  }

  /// Ends one relation of realm `st.realm` and makes it again (re-activation).
  void reattach(const Step& st) {
    const std::size_t i = st.realm;
    if (!slots_[i].alive) return;
    const Rid me = slots_[i].rid;
    const auto rsi = [&](std::size_t slot, Fid fid, std::array<std::uint64_t, 5> x) {
      Call c{slot};
      c.fid = fid;
      c.x = x;
      return command(c);
    };
    std::vector<m::Reservation> held;
    for (const auto& v : model_.reservations()) {
      if (v.consumer == me) held.push_back(v);
    }
    if (!held.empty()) {  // as a consumer: the same sharing again, maybe elsewhere
      const auto v = held[st.a % held.size()];
      const auto p = static_cast<std::uint64_t>(v.provider);
      if (rsi(i, Fid::kCsmDetachAndFree, {p, v.k}).x0 != 0) return;
      if (rsi(i, Fid::kCsmReserve, {p, v.k, kReserveBases[st.b % kReserveBases.size()], v.size}).x0 != 0) return;
      (void)rsi(i, Fid::kCsmAttach, {p, v.k});
      return;
    }
    std::vector<m::Sharing> mine;
    for (const auto& sh : model_.sharings()) {
      if (sh.provider == me) mine.push_back(sh);
    }
    if (mine.empty()) return;
    const auto sh = mine[st.a % mine.size()];  // as a provider: revoke, and offer the region again
    const Slot* q = slot_of(sh.consumer);
    std::uint64_t size = 0;
    for (const auto& g : model_.regions()) {
      if (g.id == sh.id) size = g.size;
    }
    const auto c = static_cast<std::uint64_t>(sh.consumer);
    if (q == nullptr || rsi(i, Fid::kCsmRevoke, {c, sh.k}).x0 != 0) return;
    const auto k = rsi(i, Fid::kCsmShare, {static_cast<std::uint64_t>(sh.id), c, st.c % 2 + 1U});
    if (k.x0 != 0) return;
    const auto qi = static_cast<std::size_t>(q - slots_.data());
    (void)rsi(qi, Fid::kCsmDetachAndFree, {static_cast<std::uint64_t>(me), sh.k});  // its revoked range
    if (rsi(qi, Fid::kCsmReserve, {static_cast<std::uint64_t>(me), k.x1, kReserveBases[st.b % kReserveBases.size()], size}).x0 != 0) {
      return;
    }
    (void)rsi(qi, Fid::kCsmAttach, {static_cast<std::uint64_t>(me), k.x1});
  }

  void fill(std::size_t i) {
    for (std::uint64_t n = 0; n < 70; ++n) {
      Call c{i};
      c.fid = Fid::kCsmCreate;
      c.x = {kFillBase + n * kGranuleSize, kGranuleSize};
      if (command(c).x0 != 0) return;
    }
  }

  /// Counts the outcome of a compared command (`model_` is still the state before the call).
  void tally(const Call& c, const Observed& o, const std::string& prefix) const {
    switch (c.host) {
      case Call::Host::kKill: g_tally.add(prefix + "host destroys a realm"); return;
      case Call::Host::kNone: break;
      default: {
        static constexpr std::array<const char*, 5> kName{"", "", "RMI_APT_DESTROY", "RMI_DATA_DESTROY",
                                                          "RMI_DATA_CREATE_UNKNOWN"};
        const auto ret = abi::RmiReturn::unpack(o.x0);
        g_tally.add(prefix + kName.at(static_cast<std::size_t>(c.host)) + " " + host::describe(ret) +
                    (ret.ok() ? "" : " (" + o.label + ")"));
        return;
      }
    }
    const Rid me = slots_[c.slot].rid;
    const auto* self = model_.realm(me);
    const std::string who = self->closing ? "closing " : self->system_off ? "off " : "";
    if (!c.rsi) {
      const m::Page p = model_.page(me, c.ipa);
      const bool reserved = std::any_of(model_.reservations().begin(), model_.reservations().end(), [&](const auto& v) {
        return v.consumer == me && c.ipa >= v.base.value() && c.ipa - v.base.value() < v.size;
      });
      const char* where = p.kind == m::Page::Kind::kForeign ? (p.read_only ? "foreign RO" : "foreign RW")
                          : reserved ? "unmapped reservation"
                          : p.kind == m::Page::Kind::kPrivate ? "private" : "unassigned";
      const char* result = o.x0 == RemoteVmm::kNoAnswer ? "realm stopped" : o.x0 == 1 ? (o.exited ? "exit+abort" : "abort")
                           : o.exited ? "exit+data" : "data";
      g_tally.add(prefix + who + (c.write ? "write " : "read ") + where + " " + m::describe(p.ripas) + ": " + result);
      return;
    }
    std::string key = prefix + who + command_name(c.fid) + " " + status_name(o.x0);
    if (o.x0 != 0) key += " (" + o.label + ")";
    g_tally.add(key);
  }

  /// Keeps what RC_CLASSIFY reports (`model_` is still the state before the call).
  void note_outcome(const Call& c, const Observed& o) {
    if (c.host != Call::Host::kNone) return;
    if (!c.rsi) {
      coverage_.aborts |= o.x0 == 1;
      return;
    }
    const Rid me = slots_[c.slot].rid;
    // The realm a command names: SHARE's consumer, REVOKE's consumer, a consumer's provider,
    // INFO's provider when it names a sharing.
    std::optional<Rid> named;
    switch (c.fid) {
      case Fid::kCsmShare: named = Rid{c.x[1]}; break;
      case Fid::kCsmRevoke:
      case Fid::kCsmReserve:
      case Fid::kCsmAttach:
      case Fid::kCsmDetachAndFree: named = Rid{c.x[0]}; break;
      case Fid::kCsmInfo:
        if ((c.x[2] & abi::csm_info_flags::kBySharing) != 0) named = Rid{c.x[0]};
        break;
      default: break;
    }
    const auto closing = [&](Rid r) {
      const auto* x = model_.realm(r);
      return x != nullptr && x->closing;
    };
    if (closing(me) || (named && closing(*named))) coverage_.closing_activity = true;
    if (o.x0 == static_cast<std::uint64_t>(abi::RsiStatus::kErrorCapacity)) coverage_.capacity = true;
    if (o.x0 != 0) return;
    switch (c.fid) {
      case Fid::kCsmAttach: {
        coverage_.attached = true;
        const Rid provider{c.x[0]};
        if (ended_pairs_.contains({provider, me})) coverage_.reactivated = true;
        for (const auto& s : slots_) {
          if (s.relaunched && (s.rid == me || s.rid == provider)) coverage_.new_realm_attached = true;
        }
        break;
      }
      case Fid::kCsmRevoke: ended_pairs_.insert({me, Rid{c.x[0]}}); break;
      case Fid::kCsmDetachAndFree: ended_pairs_.insert({Rid{c.x[0]}, me}); break;
      case Fid::kCsmDestroy:
        for (const auto& sh : model_.sharings()) {
          if (sh.id == CsmId{c.x[0]}) ended_pairs_.insert({me, sh.consumer});
        }
        break;
      default: break;
    }
  }

  /// A realm's teardown begins: note the relations it ends.
  void note_teardown(const Call& c) {
    // The host's destruction of a realm, or an APT_DESTROY the RMM accepts, begins the realm's
    // teardown unless it began before.
    const Rid r = slots_[c.slot].rid;
    const auto* x = model_.realm(r);
    const bool begins = x != nullptr && x->alive && !x->closing &&
                        (c.host == Call::Host::kKill || (c.host == Call::Host::kAptDestroy && (x->system_off || !x->has_recs)));
    if (finishing_ || !begins) return;
    bool provider = false;
    bool consumer = false;
    for (const auto& v : model_.reservations()) {
      if (v.state != m::ResState::kAttached) continue;
      if (v.provider == r) provider = true;
      if (v.consumer == r) consumer = true;
      if (v.provider == r || v.consumer == r) ended_pairs_.insert({v.provider, v.consumer});
    }
    coverage_.teardown_provider |= provider;
    coverage_.teardown_consumer |= consumer;
    coverage_.teardown_both |= provider && consumer;
  }

  // ---- State comparison ---------------------------------------------------------------------

  void expect_invariants(const std::string& when) {
    const auto bad = invariants_.violations(introspect_, system_.machine());
    if (!bad.empty()) RC_FAIL("invariant broken after " + when + ": " + bad.front() + "\n  after: " + log_.str());
  }

  [[nodiscard]] const Slot* slot_of(Rid r) const {
    for (const auto& s : slots_) {
      if (s.alive && s.rid == r) return &s;
    }
    return nullptr;
  }

  /// The RTT entries of every page the steps name, and the first word and refcount of every
  /// granule, against `model` (whose RIPAS sets it narrows to what it saw); "" if they agree.
  std::string compare_entries(m::Model& model, std::map<m::GranuleId, Pa>& pa_of) {
    // Private granules: the host's record, the RMM's entry and the model's granule agree.
    for (const auto& h : model.held()) {
      const Slot* s = slot_of(h.realm);
      if (s == nullptr) continue;
      const auto it = s->vm->built.data.find(h.ipa);
      if (it == s->vm->built.data.end()) return "the host holds no granule at " + hex_number(h.ipa) + " of RID " + std::to_string(static_cast<std::uint64_t>(h.realm));
      const auto [known, fresh] = pa_of.try_emplace(h.granule, it->second);
      if (!fresh && known->second != it->second) {
        return "granule at " + hex_number(h.ipa) + " is " + hex_number(it->second.value()) + ", the model's was " + hex_number(known->second.value());
      }
      // Its first word: what the realms wrote there, in the order the model took.
      std::uint64_t word = 0;
      std::memcpy(&word, system_.machine().realm_pas_granule(it->second), sizeof word);
      if (word != model.content(h.granule)) {
        return "granule " + hex_number(it->second.value()) + " (" + hex_number(h.ipa) + " of RID " +
               std::to_string(static_cast<std::uint64_t>(h.realm)) + ") holds " + hex_number(word) + ", model " +
               hex_number(model.content(h.granule));
      }
      const auto g = introspect_.granule(it->second);
      const std::uint32_t want = model.refcount(h.granule);
      if (g.state != rmm::GranuleState::kData || g.refcount != want) {
        return "granule " + hex_number(it->second.value()) + " (" + hex_number(h.ipa) + " of RID " +
               std::to_string(static_cast<std::uint64_t>(h.realm)) + ") refcount " + std::to_string(g.refcount) +
               ", model " + std::to_string(want);
      }
    }
    for (std::size_t i = 0; i < kSlots; ++i) {
      const Slot& s = slots_[i];
      if (!s.alive) continue;
      for (const std::uint64_t ipa : kPages) {
        const auto e = host_.rmi().rtt_read_entry(s.vm->built.rd, Ipa{ipa}, s2::kMaxLevel);
        const m::Page want = model.page(s.rid, ipa);
        const std::string where = "RTT entry of r" + std::to_string(i) + " at " + hex_number(ipa);
        if (!e.ret.ok() || e.walk_level != s2::kMaxLevel) return where + ": " + host::describe(e.ret);
        const bool assigned = e.state == abi::RmiRttEntryState::kAssigned;
        const bool foreign = assigned && (e.desc & s2::kCsmForeign) != 0;
        const auto kind = !assigned ? m::Page::Kind::kUnassigned : foreign ? m::Page::Kind::kForeign : m::Page::Kind::kPrivate;
        static constexpr std::array<const char*, 3> kKind{"UNASSIGNED", "ASSIGNED private", "ASSIGNED foreign"};
        if (kind != want.kind) {
          return where + ": RMM " + kKind.at(static_cast<std::size_t>(kind)) + " " + m::describe(m::ripas_bit(e.ripas)) +
                 ", model " + kKind.at(static_cast<std::size_t>(want.kind)) + " " + m::describe(want.ripas);
        }
        if ((want.ripas & m::ripas_bit(e.ripas)) == 0) {
          return where + ": RIPAS " + m::describe(m::ripas_bit(e.ripas)) + ", model " + m::describe(want.ripas);
        }
        if (!m::single(want.ripas)) {
          g_tally.add(std::string("open RIPAS, ") + std::string(m::name(want.open)) + ": " + m::describe(want.ripas) +
                      " allowed, RMM " + m::describe(m::ripas_bit(e.ripas)));
        }
        model.observe_ripas(s.rid, ipa, e.ripas);
        if (kind == m::Page::Kind::kUnassigned) continue;
        const Pa pa = s2::desc_oa(e.desc);
        const auto known = pa_of.find(want.granule);
        if (known == pa_of.end() || known->second != pa) {
          return where + ": maps " + hex_number(pa.value()) + ", not the granule the model expects" +
                 (kind == m::Page::Kind::kForeign ? " (the provider's)" : "");
        }
        if (kind == m::Page::Kind::kForeign) {
          const bool ro = (e.desc & s2::kS2apMask) == s2::kS2apRo;
          if (ro != want.read_only) return where + ": foreign mapping " + (ro ? "read-only" : "writable") + ", model the opposite";
        }
      }
    }
    return "";
  }

  /// After every step: invariants, RTT entries and refcounts, INFO of every region, and how
  /// every realm's read and write of every page end.
  void check_state(const std::string& when) {
    expect_invariants(when);
    if (const std::string e = compare_entries(model_, pa_of_); !e.empty()) RC_FAIL(e + "\n  after: " + log_.str());
    probing_ = true;
    for (const auto& g : std::vector<m::Region>(model_.regions())) {
      const Slot* s = slot_of(g.provider);
      const bool shared = std::any_of(model_.sharings().begin(), model_.sharings().end(),
                                      [&](const m::Sharing& sh) { return sh.id == g.id; });
      if (s == nullptr || (g.base.value() >= kFillBase && !shared)) continue;
      Call info{static_cast<std::size_t>(s - slots_.data())};
      info.fid = Fid::kCsmInfo;
      info.x = {static_cast<std::uint64_t>(g.id), kInfoPage, 0, 0, 0};
      (void)command(info);
    }
    for (std::size_t i = 0; i < kSlots; ++i) {
      if (!slots_[i].alive) continue;
      for (const std::uint64_t ipa : kPages) {
        for (const bool write : {false, true}) {
          Call c{i, false};
          c.ipa = ipa;
          c.write = write;
          c.value = ++write_counter_;
          if (exits(c)) continue;  // it would change the state: only steps do that
          (void)command(c);
        }
      }
    }
    probing_ = false;
  }

  platform::System system_;
  host::Host host_;
  rmm::RmmIntrospection introspect_;
  inspect::CsmInvariantChecker invariants_;
  LockstepVmm vmm_;
  Totals* totals_ = nullptr;
  std::array<Slot, kSlots> slots_{};
  std::uint16_t next_vmid_ = 1;
  m::Model model_;
  std::map<m::GranuleId, Pa> pa_of_;
  mutable std::uint64_t write_counter_ = 0x1000;
  Coverage coverage_;
  std::set<std::pair<Rid, Rid>> ended_pairs_;  // (provider, consumer) whose relation ended
  std::ostringstream log_;
  /// CAEC_LOCKSTEP_TRACE=1: every step and command on stderr as it runs (a hang shows where).
  bool trace_ = std::getenv("CAEC_LOCKSTEP_TRACE") != nullptr;
  bool probing_ = false;  // check_state's own commands (INFO of every region, access probes)
  bool finishing_ = false;
  bool concurrent_ = false;  // a sequence of concurrent pairs
};

void classify(const Coverage& c, Totals& t) {
  const std::array<std::pair<bool, const char*>, 10> labels{{
      {c.attached, "attached sharing"},
      {c.teardown_provider, "teardown of a provider with a consumer attached"},
      {c.teardown_consumer, "teardown of an attached consumer"},
      {c.teardown_both, "teardown of a realm attached both ways"},
      {c.closing_activity, "CSM command by or naming a closing realm"},
      {c.reactivated, "a pair attached again after its relation ended"},
      {c.new_realm_attached, "a relaunched realm attached"},
      {c.capacity, "RSI_ERROR_CAPACITY"},
      {c.aborts, "an access aborted"},
      {c.concurrent_attach_revoke, "an ATTACH succeeded concurrently with a REVOKE"},
  }};
  for (const auto& [hit, label] : labels) {
    RC_CLASSIFY(hit, label);
    if (hit) ++t.reached[label];  // one thread runs the properties
  }
}

void report(const char* name, const Totals& t) {
  std::printf("%s: %llu sequences, %llu steps, %llu commands compared\n", name,
              static_cast<unsigned long long>(t.sequences.load()), static_cast<unsigned long long>(t.steps.load()),
              static_cast<unsigned long long>(t.commands.load()));
  // RapidCheck prints combinations of labels; this is each label on its own (shrinking runs
  // included in the sequence count).
  for (const auto& [label, n] : t.reached) {
    std::printf("  %5.1f%%  %s\n", 100.0 * static_cast<double>(n) / static_cast<double>(t.sequences.load()), label.c_str());
  }
}

/// Parses steps as the log prints them ("create(r0 p1 2,3,4,f); ..."), for CAEC_LOCKSTEP_REPLAY.
std::vector<Step> parse_steps(const std::string& text) {
  std::vector<Step> steps;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ';')) {
    const auto open = item.find('(');
    if (open == std::string::npos) continue;
    std::string name = item.substr(0, open);
    name.erase(0, name.find_first_not_of(" \n"));
    Step st;
    const auto k = std::find(kKindNames.begin(), kKindNames.end(), name);
    if (k == kKindNames.end()) throw std::runtime_error("unknown step " + name);
    st.kind = static_cast<Kind>(k - kKindNames.begin());
    int r = 0, p = 0, a = 0, b = 0, c = 0;
    char f = 0;
    const int n = std::sscanf(item.c_str() + open, "(r%d p%d %d,%d,%d,%c", &r, &p, &a, &b, &c, &f);
    if (n < 5) throw std::runtime_error("bad step " + item);
    st.realm = static_cast<std::uint8_t>(r);
    st.peer = static_cast<std::uint8_t>(p);
    st.a = static_cast<std::uint8_t>(a);
    st.b = static_cast<std::uint8_t>(b);
    st.c = static_cast<std::uint8_t>(c);
    st.flag = n == 6 && f == 'f';
    steps.push_back(st);
  }
  return steps;
}

/// CAEC_LOCKSTEP_REPLAY="steps": runs that one sequence (no RapidCheck), e.g. to minimise a
/// sequence that hangs (the watchdog stops the process, so RapidCheck cannot shrink it). A
/// sequence of concurrent pairs ("[a || b]; [c || d]") replays as such.
TEST(CsmModel, replay) {
  const char* text = std::getenv("CAEC_LOCKSTEP_REPLAY");
  if (text == nullptr) GTEST_SKIP() << "set CAEC_LOCKSTEP_REPLAY";
  std::string all = text;
  const bool pairs = all.find("||") != std::string::npos;
  std::vector<Pair> pair_list;
  std::vector<Step> steps;
  if (pairs) {
    for (char& ch : all) {
      if (ch == '[' || ch == ']') ch = ' ';
    }
    std::string flat;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (all.compare(i, 2, "||") == 0) {
        flat += ';';
        ++i;
      } else {
        flat += all[i];
      }
    }
    const auto parsed = parse_steps(flat);
    for (std::size_t i = 0; i + 1 < parsed.size(); i += 2) pair_list.push_back({parsed[i], parsed[i + 1]});
  } else {
    steps = parse_steps(all);
  }
  const bool ok = check_with("replay", 1, 0, [&] {
    Lockstep t;
    t.boot(pairs ? g_concurrent : g_lockstep, pairs);
    for (const Step& s : steps) t.run(s);
    for (const Pair& p : pair_list) t.run_concurrently(p);
    t.finish();
  });
  EXPECT_TRUE(ok);
  g_tally.print("replay");
}

/// csm-abi.md §5: "A consumer's attached range mirrors the provider's RIPAS granule by granule".
/// The provider's host destroys a region granule (provider RIPAS DESTROYED) before the consumer
/// attaches: the consumer's entry there reads DESTROYED too. (Found by the model: the RMM used to
/// mirror DESTROYED only when the destroy came after the attach.)
TEST(CsmModel, attach_mirrors_a_provider_granule_destroyed_before) {
  const auto steps = parse_steps(
      "create(r0 p0 0,0,0); data_destroy(r0 p0 0,0,3); share(r0 p1 0,3,0); reserve(r1 p0 0,0,0); "
      "attach(r1 p0 0,0,0)");
  EXPECT_TRUE(check_with("ATTACH mirrors DESTROYED", 1, 0, [&] {
    Lockstep t;
    t.model().strict_attach_mirror = true;
    t.boot(g_lockstep);
    for (const Step& s : steps) t.run(s);
    t.finish();
  }));
}

TEST(CsmModel, rmm_agrees_with_the_model_after_every_step) {
  EXPECT_TRUE(check_with("RMM in lock-step with the CSM model", 200, 150, [](const std::vector<Step>& steps) {
    const Watchdog watchdog(std::chrono::seconds(60), "a lock-step CSM sequence");
    ++g_lockstep.sequences;
    Lockstep t;
    t.boot(g_lockstep);
    for (const Step& s : steps) t.run(s);
    t.finish();
    classify(t.coverage(), g_lockstep);
  }));
  report("lock-step", g_lockstep);
  g_tally.print("lock-step");
}

TEST(CsmModel, concurrent_commands_of_two_realms_commute) {
  EXPECT_TRUE(check_with("two realms' CSM commands at once", 100, 150, [](const std::vector<Pair>& pairs) {
    const Watchdog watchdog(std::chrono::seconds(60), "a concurrent CSM sequence");
    ++g_concurrent.sequences;
    Lockstep t;
    t.boot(g_concurrent, /*concurrent=*/true);
    for (const Pair& p : pairs) t.run_concurrently(p);
    t.finish();
    classify(t.coverage(), g_concurrent);
  }));
  report("concurrent", g_concurrent);
  g_tally.print("concurrent");
}

}  // namespace
}  // namespace caec::testing
