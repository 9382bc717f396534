// Every failure condition of every RSI command, through real realms and the real SMC path. Each
// test's realm makes every earlier condition of the command pass and then exactly one call that
// must fail (a csm-script `fail STATUS ...` step, or the rsi-probe program for raw calls); the
// test checks the status the realm saw (the realm exits 0 only if it was the expected one) and
// the label of the condition that decided it (the REC's last RSI failure), so an earlier
// condition firing by accident is caught. Tests are named after the condition, in the suite named
// after the command (RSI_CSM_RESERVE's "overlap" -> RsiCsmReserve.rejects_overlap); RsiCommandTable
// checks that none is missing.
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "caec/abi/hex.h"
#include "caec/abi/csm.h"
#include "caec/abi/host_call.h"
#include "caec/abi/rsi.h"
#include "host/vmm.h"
#include "rmm/introspect/introspect.h"
#include "testing/condition_coverage.h"
#include "testing/rmm_fixture.h"
#include "testing/script_steps.h"
#include "tests/programs/race_probes.h"

namespace caec::testing {
namespace {

// Realm layout (RmmTest::program_spec): RAM from 0x100000, 4 MiB, program RAM from 0x140000;
// 40-bit IPA, so every IPA from 1 << 39 up is unprotected. Providers create their region r
// (two granules) at 0x200000, consumers reserve at 0x300000.
constexpr std::uint64_t kProgramRam = 0x140000;
constexpr std::uint64_t kUnprotected = std::uint64_t{1} << 39U;
constexpr std::uint64_t kEmptyIpa = 0x4000000;  // 64 MiB: past the realm's RAM, RIPAS EMPTY

constexpr auto kInput = abi::RsiStatus::kErrorInput;
using Fid = abi::RsiFid;
using Caec = abi::CaecRsiFid;

/// A FID or a number, as csm-script reads it.
template <class V>
std::string hex(V v) requires std::is_enum_v<V> || std::is_integral_v<V> {
  return hex_number(static_cast<std::uint64_t>(v));
}

/// csm-script's raw RSI call step: "call FID ARGS".
template <class F>
std::string call(F fid, const std::string& args) {
  return "call " + hex(fid) + " " + args;
}

/// `n` csm-script steps creating one-granule regions r0, r1, ... from 0x200000: `n` APT entries.
std::vector<std::string> regions(int n) {
  std::vector<std::string> steps;
  for (int i = 0; i < n; ++i) {
    steps.push_back("create r" + std::to_string(i) + " " +
                    hex_number(0x200000 + static_cast<std::uint64_t>(i) * kGranuleSize) + " 0x1000");
  }
  return steps;
}

/// A VMM that can refuse every request for more APT space, so RSI_ERROR_CAPACITY reaches the
/// realm instead of being retried by the SDK.
class AptVmm : public host::Vmm {
 public:
  using Vmm::Vmm;
  std::atomic<bool> refuse_apt{false};

 protected:
  Next on_host_call(host::VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                    abi::RmiRecEnter& enter) override {
    if (exit.imm == abi::host_call::kAptMore && refuse_apt) {
      enter.gprs[0] = abi::host_call::kErrRefused;
      return Next::kEnter;
    }
    return Vmm::on_host_call(r, rec, exit, enter);
  }
};

/// A host that begins the CSM teardown (the first RMI_APT_DESTROY) as soon as a realm turns
/// itself off, while another REC of the realm may still run (rsi-closing-probe), and records
/// what that REC reports.
class ClosingVmm : public host::Vmm {
 public:
  using Vmm::Vmm;
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> last_x0{~0ULL};

 protected:
  Next on_psci(host::VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
               abi::RmiRecEnter& enter) override {
    if (static_cast<std::uint32_t>(exit.gprs[0]) != static_cast<std::uint32_t>(abi::PsciFid::kSystemOff)) {
      return Vmm::on_psci(r, rec, exit, enter);
    }
    const Pa apt = r.built.apts.at(0);
    EXPECT_TRUE(host().rmi().apt_destroy(r.built.rd, apt).ok());
    r.built.apts.erase(r.built.apts.begin());
    host().undelegate_and_free(apt);
    return Next::kStopVcpu;  // REC 1 runs on
  }
  Next on_host_call(host::VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                    abi::RmiRecEnter& enter) override {
    if (exit.imm != kRaceDone) return Vmm::on_host_call(r, rec, exit, enter);
    last_x0 = exit.gprs[0];
    done = true;
    return Next::kStopVcpu;
  }
};

class RsiConditionTest : public RmmTest {
 protected:
  AptVmm vmm{host_, [this](Pa rec) { system_.platform().interrupt(rec); }};
  std::uint16_t next_vmid = 1;

  host::VmRealm& launch(const std::string& program, const std::string& name,
                        std::vector<std::string> args) {
    host::LaunchSpec spec = program_spec(program, std::move(args), 1, next_vmid++);
    spec.name = name;
    return vmm.launch(spec);
  }
  /// A csm-script realm; others look its RID up by `name`.
  host::VmRealm& script(const std::string& name, std::vector<std::string> steps) {
    return launch("csm-script", name, std::move(steps));
  }
  /// An rsi-probe realm whose one call, `fid` with `args`, must fail with `want`.
  template <class F>
  host::VmRealm& probe(abi::RsiStatus want, F fid, std::initializer_list<std::uint64_t> args) {
    std::vector<std::string> words{std::to_string(static_cast<std::uint64_t>(want)), hex(fid)};
    for (auto a : args) words.push_back(hex_number(a));
    return launch("rsi-probe", "probe", std::move(words));
  }
  /// Provider "p": creates region r (0x2000 at 0x200000), offers it to "c" as sharing 0, signals
  /// "shared", then runs `then`.
  host::VmRealm& provider(const std::vector<std::string>& then = {}) {
    const std::vector<std::string> offer{"publish", "create r 0x200000 0x2000", "share r c rw",
                                         "signal shared"};
    return script("p", offer + then);
  }
  /// Consumer "c": publishes, waits for p's offer, then runs `steps`.
  host::VmRealm& consumer(const std::vector<std::string>& steps) {
    // cppcheck-suppress returnTempReference ; script() returns the VMM's realm, not the vector
    return script("c", std::vector<std::string>{"publish", "wait shared"} + steps);
  }
  /// A realm `name` that published its RID and was then destroyed: its RID names no live realm.
  void gone(const std::string& name) {
    auto& r = script(name, {"publish"});
    vmm.start(r);
    ASSERT_TRUE(vmm.wait(r, std::chrono::seconds(10))) << r.console() << r.error();
    vmm.destroy(r);
  }

  /// The realm's other REC keeps calling `fid` (arguments that fail a later condition, so it
  /// never exits) while the host begins its CSM teardown: once that has begun the call must
  /// fail with RSI_ERROR_STATE, decided by `realm_closing`, before any other condition.
  template <class F>
  void expect_closing_rejects(F fid, std::vector<std::string> args) {
    ClosingVmm cv{host_, [this](Pa rec) { system_.platform().interrupt(rec); }};
    std::vector<std::string> words{hex(fid).substr(2)};
    words.insert(words.end(), args.begin(), args.end());
    host::LaunchSpec spec = program_spec("rsi-closing-probe", words, 2, next_vmid++);
    auto& r = cv.launch(spec);
    cv.start(r);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (!cv.done && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_TRUE(cv.done) << r.console() << r.error();
    EXPECT_EQ(cv.last_x0, static_cast<std::uint64_t>(abi::RsiStatus::kErrorState)) << r.console();
    EXPECT_EQ(rmm().last_rsi_failure(r.built.recs[1].rec), "realm_closing");
    EXPECT_TRUE(rmm().realm(r.built.rd)->csm_closing);  // the teardown may still be running
    cv.destroy(r);
  }

  /// Runs `caller` and `others` to completion (each must exit 0: the one failing call failed
  /// with the status its step expects), checks that the failing call of `caller` was decided by
  /// the condition `label`, and destroys them all.
  void expect_rejected(host::VmRealm& caller, std::string_view label,
                       std::initializer_list<host::VmRealm*> others = {}) {
    std::vector<host::VmRealm*> all{&caller};
    all.insert(all.end(), others);
    for (auto* r : all) vmm.start(*r);
    for (auto* r : all) {
      const bool done = vmm.wait(*r, std::chrono::seconds(10));
      EXPECT_TRUE(done) << r->name() << " did not finish: " << r->console() << r->error();
      if (done) {
        EXPECT_EQ(r->exit_status(), 0) << r->name() << ": " << r->console() << r->error();
      }
    }
    EXPECT_EQ(rmm().last_rsi_failure(caller.built.recs[0].rec), label) << caller.console();
    for (auto* r : all) vmm.destroy(*r);
  }
};

// ---- RSI_MEASUREMENT_READ / EXTEND, RSI_REALM_CONFIG -------------------------------------------
using RsiMeasurementRead = RsiConditionTest;
using RsiMeasurementExtend = RsiConditionTest;
using RsiRealmConfig = RsiConditionTest;

TEST_F(RsiMeasurementRead, rejects_index_bound) {
  expect_rejected(probe(kInput, Fid::kMeasurementRead, {5}), "index_bound");  // RIM 0, REMs 1-4
}

TEST_F(RsiMeasurementExtend, rejects_index_bound) {
  expect_rejected(probe(kInput, Fid::kMeasurementExtend, {0, 8}), "index_bound");  // the RIM
}

TEST_F(RsiMeasurementExtend, rejects_size_bound) {
  expect_rejected(probe(kInput, Fid::kMeasurementExtend, {1, abi::kMaxMeasurementBytes + 1}),
                  "size_bound");
}

TEST_F(RsiRealmConfig, rejects_addr_align) {
  expect_rejected(probe(kInput, Fid::kRealmConfig, {kProgramRam + 0x800}), "addr_align");
}

TEST_F(RsiRealmConfig, rejects_buffer) {
  // RSI outputs go only into the caller's own private memory: 64 MiB is RIPAS EMPTY here (a
  // reservation or a CSM mapping is refused alike: tests/trusted_core_test.cc).
  expect_rejected(probe(kInput, Fid::kRealmConfig, {kEmptyIpa}), "buffer");
}

TEST_F(RsiRealmConfig, rejects_addr_bound) {
  expect_rejected(probe(kInput, Fid::kRealmConfig, {kUnprotected}), "addr_bound");
}

// ---- RSI_ATTESTATION_TOKEN_CONTINUE ----------------------------------------------------------
// Without a TOKEN_INIT, so each test also shows its condition comes before `state`.
using RsiAttestationTokenContinue = RsiConditionTest;
constexpr auto kContinue = Fid::kAttestationTokenContinue;

TEST_F(RsiAttestationTokenContinue, rejects_addr_align) {
  expect_rejected(probe(kInput, kContinue, {kProgramRam + 0x800, 0, 0x100}), "addr_align");
}

TEST_F(RsiAttestationTokenContinue, rejects_addr_bound) {
  expect_rejected(probe(kInput, kContinue, {kUnprotected, 0, 0x100}), "addr_bound");
}

TEST_F(RsiAttestationTokenContinue, rejects_offset_bound) {
  expect_rejected(probe(kInput, kContinue, {kProgramRam, 0x1000, 0}), "offset_bound");
}

TEST_F(RsiAttestationTokenContinue, rejects_size_overflow) {
  expect_rejected(probe(kInput, kContinue, {kProgramRam, 0x800, ~std::uint64_t{0} - 0x7FF}),
                  "size_overflow");  // offset + size wraps to 0
}

TEST_F(RsiAttestationTokenContinue, rejects_size_bound) {
  expect_rejected(probe(kInput, kContinue, {kProgramRam, 0x800, 0x801}), "size_bound");
}

TEST_F(RsiAttestationTokenContinue, rejects_buffer) {
  expect_rejected(script("p", {call(Fid::kAttestationTokenInit, "1 2 3 4 5 6 7 8"),
                               "fail input " + call(Fid::kAttestationTokenContinue, hex_number(kEmptyIpa) + " 0 64")}),
                  "buffer");
}

TEST_F(RsiAttestationTokenContinue, rejects_state) {
  expect_rejected(probe(abi::RsiStatus::kErrorState, kContinue, {kProgramRam, 0, 0x1000}), "state");
}

// ---- RSI_IPA_STATE_SET / GET ------------------------------------------------------------------
using RsiIpaStateSet = RsiConditionTest;
using RsiIpaStateGet = RsiConditionTest;
constexpr auto kRam = static_cast<std::uint64_t>(abi::Ripas::kRam);

TEST_F(RsiIpaStateSet, rejects_base_align) {
  expect_rejected(
      probe(kInput, Fid::kIpaStateSet, {kProgramRam + 0x800, kProgramRam + 0x2000, kRam, 0}),
      "base_align");
}

TEST_F(RsiIpaStateSet, rejects_top_align) {
  expect_rejected(probe(kInput, Fid::kIpaStateSet, {kProgramRam, kProgramRam + 0x1800, kRam, 0}),
                  "top_align");
}

TEST_F(RsiIpaStateSet, rejects_size_valid) {
  expect_rejected(
      probe(kInput, Fid::kIpaStateSet, {kProgramRam + 0x2000, kProgramRam + 0x2000, kRam, 0}),
      "size_valid");  // top == base: an empty range
}

TEST_F(RsiIpaStateSet, rejects_rgn_bound) {
  expect_rejected(
      probe(kInput, Fid::kIpaStateSet, {kUnprotected - 0x1000, kUnprotected + 0x1000, kRam, 0}),
      "rgn_bound");  // straddles the top of the protected half
}

TEST_F(RsiIpaStateSet, rejects_ripas_valid) {
  const auto destroyed = static_cast<std::uint64_t>(abi::Ripas::kDestroyed);  // only EMPTY/RAM
  expect_rejected(
      probe(kInput, Fid::kIpaStateSet, {kProgramRam, kProgramRam + 0x2000, destroyed, 0}),
      "ripas_valid");
}

TEST_F(RsiIpaStateSet, rejects_csm_overlap) {
  // [0x1ff000, 0x201000) overlaps the first granule of the realm's own region r.
  auto& p = script("p", {"create r 0x200000 0x2000",
                         "fail input " + call(Fid::kIpaStateSet, "0x1ff000 0x201000 0 0")});
  expect_rejected(p, "csm_overlap");
}

TEST_F(RsiIpaStateSet, rejects_flags) {
  // Bit 0 (change DESTROYED memory) is the only flag RSI 1.0 defines.
  expect_rejected(probe(kInput, Fid::kIpaStateSet, {kProgramRam, kProgramRam + 0x1000, 0, 2}), "flags");
}

TEST_F(RsiIpaStateGet, rejects_base_align) {
  expect_rejected(probe(kInput, Fid::kIpaStateGet, {kProgramRam + 0x800, kProgramRam + 0x2000}),
                  "base_align");
}

TEST_F(RsiIpaStateGet, rejects_end_align) {
  expect_rejected(probe(kInput, Fid::kIpaStateGet, {kProgramRam, kProgramRam + 0x1800}),
                  "end_align");
}

TEST_F(RsiIpaStateGet, rejects_size_valid) {
  expect_rejected(probe(kInput, Fid::kIpaStateGet, {kProgramRam + 0x2000, kProgramRam + 0x1000}),
                  "size_valid");  // end below base
}

TEST_F(RsiIpaStateGet, rejects_rgn_bound) {
  expect_rejected(probe(kInput, Fid::kIpaStateGet, {kUnprotected - 0x1000, kUnprotected + 0x1000}),
                  "rgn_bound");
}

// ---- RSI_HOST_CALL ----------------------------------------------------------------------------
using RsiHostCall = RsiConditionTest;

TEST_F(RsiHostCall, rejects_addr_align) {
  expect_rejected(probe(kInput, Fid::kHostCall, {kProgramRam + abi::kHostCallAlign / 2}),
                  "addr_align");
}

TEST_F(RsiHostCall, rejects_buffer) {
  expect_rejected(probe(kInput, Fid::kHostCall, {kEmptyIpa}), "buffer");
}

TEST_F(RsiHostCall, rejects_addr_bound) {
  expect_rejected(probe(kInput, Fid::kHostCall, {kUnprotected}), "addr_bound");
}

// ---- RSI_CSM_CREATE ---------------------------------------------------------------------------
using RsiCsmCreate = RsiConditionTest;

TEST_F(RsiCsmCreate, rejects_range_align) {
  expect_rejected(script("p", {"fail input create r 0x200800 0x1000"}), "range_align");
}

TEST_F(RsiCsmCreate, rejects_range_bound) {
  expect_rejected(script("p", {"fail input create r 0x7ffffff000 0x2000"}),
                  "range_bound");  // ends past 1 << 39
}

TEST_F(RsiCsmCreate, rejects_overlap) {
  expect_rejected(script("p", {"create r 0x200000 0x2000", "fail state create s 0x201000 0x2000"}),
                  "overlap");
}

TEST_F(RsiCsmCreate, rejects_capacity) {
  vmm.refuse_apt = true;
  // The realm's one APT granule holds 63 entries, one per region.
  expect_rejected(
      script("p", regions(63) + std::vector<std::string>{"fail capacity create s 0x300000 0x1000"}),
      "capacity");
}

// ---- RSI_CSM_SHARE ----------------------------------------------------------------------------
using RsiCsmShare = RsiConditionTest;

TEST_F(RsiCsmShare, rejects_not_provider) {
  auto& c = script("c", {"publish"});
  expect_rejected(script("p", {"create r 0x200000 0x2000", "destroy r", "fail input share r c rw"}),
                  "not_provider", {&c});  // r is no longer the caller's region
}

TEST_F(RsiCsmShare, rejects_perm) {
  auto& c = script("c", {"publish"});
  expect_rejected(
      script("p", {"create r 0x200000 0x2000", "fail input " + call(Caec::kCsmShare, "r @c 3")}),
      "perm", {&c});  // 3 is neither RO (1) nor RW (2)
}

TEST_F(RsiCsmShare, rejects_consumer) {
  expect_rejected(script("p", {"publish", "create r 0x200000 0x2000", "fail input share r p rw"}),
                  "consumer");  // the caller itself
}

TEST_F(RsiCsmShare, rejects_consumer_that_is_no_longer_alive) {
  gone("c");
  expect_rejected(script("p", {"create r 0x200000 0x2000", "fail input share r c rw"}), "consumer");
}

TEST_F(RsiCsmShare, rejects_capacity) {
  vmm.refuse_apt = true;
  auto& c = script("c", {"publish"});
  // One APT entry left, but the first sharing with c needs two (pair counter + sharing).
  expect_rejected(
      script("p", regions(62) + std::vector<std::string>{"fail capacity share r0 c rw"}),
      "capacity", {&c});
}

TEST_F(RsiCsmShare, takes_more_sharings_of_one_region_than_an_apt_granule_holds) {
  // No per-region limit: only APT entries bound the sharings (csm-abi.md §1). 1 region + 1
  // pair counter + 80 sharings need a second APT granule, which the SDK asks its host for.
  auto& c = script("c", {"publish"});
  std::vector<std::string> steps{"create r 0x200000 0x2000"};
  for (int i = 0; i < 80; ++i) steps.emplace_back("share r c ro");
  steps.emplace_back("sharings r 80");
  auto& p = script("p", steps);
  for (auto* r : {&c, &p}) vmm.start(*r);
  for (auto* r : {&c, &p}) {
    ASSERT_TRUE(vmm.wait(*r, std::chrono::seconds(10))) << r->console() << r->error();
    EXPECT_EQ(r->exit_status(), 0) << r->name() << ": " << r->console() << r->error();
  }
}

// ---- RSI_CSM_REVOKE / DESTROY -----------------------------------------------------------------
using RsiCsmRevoke = RsiConditionTest;
using RsiCsmDestroy = RsiConditionTest;

TEST_F(RsiCsmRevoke, rejects_no_sharing) {
  auto& c = script("c", {"publish"});
  expect_rejected(
      script("p", {"create r 0x200000 0x2000", "share r c rw", "fail input revoke c 1"}),
      "no_sharing", {&c});  // c holds only sharing 0
}

TEST_F(RsiCsmDestroy, rejects_not_provider) {
  expect_rejected(script("p", {"create r 0x200000 0x2000", "destroy r", "fail input destroy r"}),
                  "not_provider");  // destroyed already
}

// ---- RSI_CSM_RESERVE --------------------------------------------------------------------------
using RsiCsmReserve = RsiConditionTest;

TEST_F(RsiCsmReserve, rejects_range_align) {
  auto& p = provider();
  expect_rejected(consumer({"fail input reserve p 0 0x300800 0x2000"}), "range_align", {&p});
}

TEST_F(RsiCsmReserve, rejects_range_bound) {
  auto& p = provider();
  expect_rejected(consumer({"fail input reserve p 0 0x7ffffff000 0x2000"}), "range_bound", {&p});
}

TEST_F(RsiCsmReserve, rejects_no_sharing) {
  auto& p = provider();
  expect_rejected(consumer({"fail input reserve p 1 0x300000 0x2000"}), "no_sharing",
                  {&p});  // only k = 0
}

TEST_F(RsiCsmReserve, rejects_size) {
  auto& p = provider();
  expect_rejected(consumer({"fail input reserve p 0 0x300000 0x1000"}), "size", {&p});
}

TEST_F(RsiCsmReserve, rejects_overlap) {
  auto& p = provider();
  expect_rejected(
      consumer({"create mine 0x301000 0x1000", "fail state reserve p 0 0x300000 0x2000"}),
      "overlap", {&p});
}

TEST_F(RsiCsmReserve, rejects_reserved) {
  auto& p = provider();
  expect_rejected(
      consumer({"reserve p 0 0x300000 0x2000", "fail state reserve p 0 0x400000 0x2000"}),
      "reserved", {&p});
}

TEST_F(RsiCsmReserve, rejects_capacity) {
  vmm.refuse_apt = true;
  auto& p = provider();
  // The consumer's 63 regions (0x200000-0x23f000) fill its one APT granule.
  expect_rejected(
      consumer(regions(63) + std::vector<std::string>{"fail capacity reserve p 0 0x300000 0x2000"}),
      "capacity", {&p});
}

// ---- RSI_CSM_ATTACH / DETACH_AND_FREE ---------------------------------------------------------
using RsiCsmAttach = RsiConditionTest;
using RsiCsmDetachAndFree = RsiConditionTest;

TEST_F(RsiCsmAttach, rejects_no_reservation) {
  auto& p = provider();
  expect_rejected(consumer({"fail input attach p 0 0x300000 0x2000"}), "no_reservation", {&p});
}

TEST_F(RsiCsmAttach, rejects_attached) {
  auto& p = provider();
  expect_rejected(consumer({"reserve p 0 0x300000 0x2000", "attach p 0 0x300000 0x2000",
                            "fail state attach p 0 0x300000 0x2000"}),
                  "attached", {&p});
}

TEST_F(RsiCsmAttach, rejects_sharing_gone) {
  auto& p = provider({"wait reserved", "revoke c 0", "signal revoked"});
  expect_rejected(consumer({"reserve p 0 0x300000 0x2000", "signal reserved", "wait revoked",
                            "fail state attach p 0 0x300000 0x2000"}),
                  "sharing_gone", {&p});
}

TEST_F(RsiCsmDetachAndFree, rejects_no_reservation) {
  auto& p = provider();
  expect_rejected(consumer({"reserve p 0 0x300000 0x2000", "detach p 0", "fail input detach p 0"}),
                  "no_reservation", {&p});  // freed by the first detach
}


// ---- realm_closing: the CSM commands of a realm whose teardown began (issue 15) -------------
// Before the fix a realm's still-running REC could create relations after its first
// RMI_APT_DESTROY; nothing severed them, and a later DATA_DESTROY reached RMM_CHECK.
TEST_F(RsiCsmCreate, rejects_realm_closing) { expect_closing_rejects(Caec::kCsmCreate, {"0x200800", "0x1000"}); }
TEST_F(RsiCsmShare, rejects_realm_closing) { expect_closing_rejects(Caec::kCsmShare, {"999", "999", "1"}); }
TEST_F(RsiCsmRevoke, rejects_realm_closing) { expect_closing_rejects(Caec::kCsmRevoke, {"999", "0"}); }
TEST_F(RsiCsmDestroy, rejects_realm_closing) { expect_closing_rejects(Caec::kCsmDestroy, {"999"}); }
TEST_F(RsiCsmReserve, rejects_realm_closing) { expect_closing_rejects(Caec::kCsmReserve, {"999", "0", "0x300800", "0x1000"}); }
TEST_F(RsiCsmAttach, rejects_realm_closing) { expect_closing_rejects(Caec::kCsmAttach, {"999", "0"}); }
TEST_F(RsiCsmDetachAndFree, rejects_realm_closing) { expect_closing_rejects(Caec::kCsmDetachAndFree, {"999", "0"}); }

// ---- RSI_CSM_INFO / RSI_REALM_MEASUREMENTS ----------------------------------------------------
using RsiCsmInfo = RsiConditionTest;
using RsiRealmMeasurements = RsiConditionTest;

TEST_F(RsiCsmInfo, rejects_addr_align) {
  auto& p = script("p", {"create r 0x200000 0x2000",
                         "fail input " + call(Caec::kCsmInfo, "r " + hex_number(kProgramRam + 0x800))});
  expect_rejected(p, "addr_align");
}

TEST_F(RsiCsmInfo, rejects_addr_bound) {
  auto& p = script("p", {"create r 0x200000 0x2000",
                         "fail input " + call(Caec::kCsmInfo, "r " + hex_number(kUnprotected))});
  expect_rejected(p, "addr_bound");
}

TEST_F(RsiCsmInfo, rejects_flags) {
  expect_rejected(script("p", {"create r 0x200000 0x2000",
                               "fail input " + call(Caec::kCsmInfo, "r " + hex(kProgramRam) + " 2")}),
                  "flags");  // bit 1 is reserved
}

TEST_F(RsiCsmInfo, rejects_not_participant) {
  // RSI_CSM_INFO (the `sharings` step) of a region that no longer exists anywhere.
  expect_rejected(script("p", {"create r 0x200000 0x2000", "destroy r", "fail input sharings r 0"}),
                  "not_participant");
}

TEST_F(RsiCsmInfo, rejects_buffer) {
  expect_rejected(script("p", {"create r 0x200000 0x2000",
                               "fail input " + call(Caec::kCsmInfo, "r " + hex_number(kEmptyIpa))}),
                  "buffer");
}

TEST_F(RsiCsmInfo, rejects_a_consumer_whose_reservation_was_revoked) {
  // A REVOKED reservation is no consent: its holder is no longer a participant.
  auto& p = provider({"wait reserved", "revoke c 0", "signal revoked"});
  auto& c = consumer({"reserve p 0 0x300000 0x2000", "signal reserved", "wait revoked",
                      "fail input " + call(Caec::kCsmInfo, "1 " + hex(kProgramRam))});
  expect_rejected(c, "not_participant", {&p});
}

TEST_F(RsiCsmInfo, names_a_region_by_its_sharing_before_any_reservation) {
  // Flags bit 0: X1 = provider RID, X4 = k. The consumer learns the size (and who else reads
  // the region) before it reserves (by CSM id it could not: it holds no reservation yet).
  auto& p = provider({"wait c-done"});
  auto& c = consumer({call(Caec::kCsmInfo, "@p " + hex(kProgramRam) + " 1 0 0"), "signal c-done"});
  for (auto* r : {&p, &c}) vmm.start(*r);
  for (auto* r : {&p, &c}) {
    ASSERT_TRUE(vmm.wait(*r, std::chrono::seconds(10))) << r->console() << r->error();
    EXPECT_EQ(r->exit_status(), 0) << r->name() << ": " << r->console() << r->error();
  }
  for (auto* r : {&p, &c}) vmm.destroy(*r);
}

TEST_F(RsiRealmMeasurements, rejects_addr_align) {
  auto& p = script("p", {"publish", "fail input " + call(Caec::kRealmMeasurements,
                                                         "@p " + hex_number(kProgramRam + 0x800))});
  expect_rejected(p, "addr_align");
}

TEST_F(RsiRealmMeasurements, rejects_buffer) {
  expect_rejected(script("p", {"publish", "fail input " + call(Caec::kRealmMeasurements, "@p " + hex_number(kEmptyIpa))}),
                  "buffer");
}

TEST_F(RsiRealmMeasurements, rejects_addr_bound) {
  auto& p = script(
      "p", {"publish", "fail input " + call(Caec::kRealmMeasurements, "@p " + hex_number(kUnprotected))});
  expect_rejected(p, "addr_bound");
}

TEST_F(RsiRealmMeasurements, rejects_rid) {
  gone("q");
  auto& p = script("p", {"fail input " + call(Caec::kRealmMeasurements, "@q " + hex(kProgramRam))});
  expect_rejected(p, "rid");
}

// ---- The table ----------------------------------------------------------------------------------

TEST(RsiCommandTable, every_failure_condition_has_a_test_named_after_it) {
  expect_condition_coverage(rmm::RmmIntrospection::rsi_commands());
}

}  // namespace
}  // namespace caec::testing
