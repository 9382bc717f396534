// Property test (RapidCheck): random interleavings of realm RSI calls (CSM commands with
// arguments drawn near the valid ones), realm memory accesses, and host RMI calls over three
// realms. After every step, with every realm parked at a host call, the CSM invariants of
// csm-abi.md §6 must hold. Failing sequences are shrunk to a minimal one.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "caec/abi/csm.h"
#include "caec/abi/s2tt.h"
#include "host/vmm.h"
#include "inspect/csm_invariants.h"
#include "platform/emulated_platform.h"
#include "realm/boot.h"
#include "rmm/introspect/introspect.h"
#include "testing/remote_vmm.h"
#include "testing/rmm_fixture.h"
#include "tests/rc_check.h"

namespace caec::testing {
namespace {

constexpr std::size_t kRealms = 3;

enum class OpKind : std::uint8_t {
  kCreate, kShare, kRevoke, kDestroy, kReserve, kAttach, kDetach, kInfo, kRead, kWrite,
  kHostDataDestroy, kHostDataCreate,
  kConnect,  // create + share + reserve + attach between `realm` (provider) and `peer`
  kCount
};

struct Op {
  OpKind kind;
  std::size_t realm;
  std::size_t peer;
  std::uint64_t a;
  std::uint64_t b;
};

std::ostream& operator<<(std::ostream& os, const Op& op) {
  return os << "{op " << static_cast<int>(op.kind) << " realm " << op.realm << " peer " << op.peer
            << " a " << op.a << " b " << op.b << "}";
}

}  // namespace
}  // namespace caec::testing

namespace rc {
template <>
struct Arbitrary<caec::testing::Op> {
  static Gen<caec::testing::Op> arbitrary() {
    using caec::testing::Op;
    using caec::testing::OpKind;
    // The steps that build a sharing are drawn more often, so sequences reach ATTACHED states;
    // operands are small, so ops name the same regions, peers and k again and again.
    const auto kind = gen::weightedElement<OpKind>({
        {4, OpKind::kCreate}, {4, OpKind::kShare}, {1, OpKind::kRevoke}, {1, OpKind::kDestroy},
        {4, OpKind::kReserve}, {4, OpKind::kAttach}, {1, OpKind::kDetach}, {1, OpKind::kInfo},
        {2, OpKind::kRead}, {2, OpKind::kWrite}, {1, OpKind::kHostDataDestroy},
        {1, OpKind::kHostDataCreate}, {3, OpKind::kConnect}});
    return gen::build<Op>(gen::set(&Op::kind, kind),
                          gen::set(&Op::realm, gen::inRange<std::size_t>(0, caec::testing::kRealms)),
                          gen::set(&Op::peer, gen::inRange<std::size_t>(0, caec::testing::kRealms)),
                          gen::set(&Op::a, gen::inRange<std::uint64_t>(0, 2)),
                          gen::set(&Op::b, gen::inRange<std::uint64_t>(0, 2)));
  }
};
}  // namespace rc

namespace caec::testing {
namespace {

/// One sequence: boot, three remote-controlled realms, the ops, invariants after each, teardown.
void run_sequence(const std::vector<Op>& ops) {
  machine::MachineConfig config = small_machine();
  platform::System system(config, realm::boot);
  host::Host host(system.machine());
  rmm::RmmIntrospection introspect(system.rmm());
  inspect::CsmInvariantChecker invariants;
  RemoteVmm vmm(host, [&](Pa rec) { system.platform().interrupt(rec); });
  std::array<host::VmRealm*, kRealms> realms{};
  std::array<Rid, kRealms> rids{};
  for (std::size_t i = 0; i < kRealms; ++i) {
    realms[i] = &vmm.realm(vmm.launch_remote("r" + std::to_string(i), static_cast<std::uint16_t>(i + 1)));
    rids[i] = introspect.realm(realms[i]->built.rd)->rid;
  }
  // What each realm created, so later ops can name real ids and sizes most of the time.
  std::array<std::vector<std::pair<std::uint64_t, std::uint64_t>>, kRealms> regions{};
  const auto rsi = [&](std::size_t i, abi::CaecRsiFid fid, std::initializer_list<std::uint64_t> args) {
    return vmm.rsi(i, fid, args);
  };
  const auto region_of = [&](std::size_t i, std::uint64_t a) -> std::pair<std::uint64_t, std::uint64_t> {
    if (regions[i].empty()) return {a + 1, 0x1000};
    return regions[i][a % regions[i].size()];
  };
  unsigned attached = 0;
  for (const Op& op : ops) {
    const std::size_t i = op.realm;
    const std::uint64_t peer = static_cast<std::uint64_t>(rids[op.peer]);
    const std::uint64_t size = (op.b % 2 + 1) * kGranuleSize;
    switch (op.kind) {
      case OpKind::kCreate: {
        const std::uint64_t base = 0x200000 + op.a * 0x10000;
        const std::uint64_t s = rsi(i, abi::CaecRsiFid::kCsmCreate, {base, size});
        (void)s;
        // The id is whatever the RMM assigned; learn it from the APT.
        for (const auto& e : introspect.apt(realms[i]->built.rd)) {
          if (e.kind == rmm::AptKind::kRegion && e.base == Ipa{base}) {
            regions[i].push_back({static_cast<std::uint64_t>(e.csm_id), e.size});
          }
        }
        break;
      }
      case OpKind::kShare:
        (void)rsi(i, abi::CaecRsiFid::kCsmShare, {region_of(i, op.a).first, peer, op.b % 2 + 1});
        break;
      case OpKind::kRevoke: (void)rsi(i, abi::CaecRsiFid::kCsmRevoke, {peer, op.a % 2}); break;
      case OpKind::kDestroy:
        (void)rsi(i, abi::CaecRsiFid::kCsmDestroy, {region_of(i, op.a).first});
        break;
      case OpKind::kReserve: {
        const auto [id, psize] = region_of(op.peer, op.a);
        (void)id;
        (void)rsi(i, abi::CaecRsiFid::kCsmReserve,
                  {peer, op.a % 2, 0x300000 + op.b * 0x10000, op.b == 1 && op.a == 1 ? size : psize});
        break;
      }
      case OpKind::kAttach:
        attached += rsi(i, abi::CaecRsiFid::kCsmAttach, {peer, op.a % 2}) == 0 ? 1U : 0U;
        break;
      case OpKind::kDetach: (void)rsi(i, abi::CaecRsiFid::kCsmDetachAndFree, {peer, op.a % 2}); break;
      case OpKind::kInfo:
        (void)rsi(i, abi::CaecRsiFid::kCsmInfo, {region_of(i, op.a).first, 0x180000});
        break;
      case OpKind::kRead:
      case OpKind::kWrite:
        (void)vmm.step(i, {op.kind == OpKind::kRead ? 2U : 3U,
                           (op.b % 2 == 0 ? 0x200000 : 0x300000) + op.a * 0x10000, 0xfeed});
        break;
      case OpKind::kHostDataDestroy: {
        // A hostile host takes a page away from a provider's region or a consumer's range.
        const Ipa ipa{(op.b % 2 == 0 ? 0x200000 : 0x300000) + op.a * 0x10000};
        const auto out = host.rmi().data_destroy(realms[i]->built.rd, ipa);
        if (out.ret.ok()) {
          auto& data = realms[i]->built.data;
          if (auto it = data.find(ipa.value()); it != data.end() && it->second == out.data) {
            data.erase(it);
            host.undelegate_and_free(out.data);
          }
        }
        break;
      }
      case OpKind::kHostDataCreate: {
        const Ipa ipa{(op.b % 2 == 0 ? 0x200000 : 0x300000) + op.a * 0x10000};
        vmm.builder().ensure_tables(realms[i]->built, ipa, RttLevel{3});
        const Pa g = host.delegate_new();
        if (host.rmi().data_create_unknown(realms[i]->built.rd, g, ipa).ok()) {
          realms[i]->built.data[ipa.value()] = g;
        } else {
          host.undelegate_and_free(g);
        }
        break;
      }
      case OpKind::kConnect: {
        if (op.peer == i) break;
        const std::uint64_t base = 0x200000 + op.a * 0x10000;
        if (rsi(i, abi::CaecRsiFid::kCsmCreate, {base, size}) != 0) break;
        std::uint64_t id = 0;
        for (const auto& e : introspect.apt(realms[i]->built.rd)) {
          if (e.kind == rmm::AptKind::kRegion && e.base == Ipa{base}) id = static_cast<std::uint64_t>(e.csm_id);
        }
        regions[i].push_back({id, size});
        const std::uint64_t k = rsi(i, abi::CaecRsiFid::kCsmShare,
                                    {id, static_cast<std::uint64_t>(rids[op.peer]), op.b % 2 + 1});
        (void)k;
        // k of this sharing: how many sharings the pair had before (read back from the APT).
        std::uint64_t kk = 0;
        for (const auto& e : introspect.apt(realms[i]->built.rd)) {
          if (e.kind == rmm::AptKind::kSharing && e.csm_id == CsmId{id}) kk = e.k;
        }
        const std::uint64_t provider = static_cast<std::uint64_t>(rids[i]);
        if (rsi(op.peer, abi::CaecRsiFid::kCsmReserve, {provider, kk, 0x300000 + op.a * 0x10000, size}) == 0) {
          attached += rsi(op.peer, abi::CaecRsiFid::kCsmAttach, {provider, kk}) == 0 ? 1U : 0U;
        }
        break;
      }
      case OpKind::kCount: break;
    }
    const auto bad = invariants.violations(introspect, system.machine());
    if (!bad.empty()) {
      std::string why = "after " + std::to_string(static_cast<int>(op.kind)) + ":";
      for (const auto& b : bad) why += "\n  " + b;
      RC_FAIL(why);
    }
  }
  RC_CLASSIFY(attached > 0, "a consumer attached");
  for (std::size_t i = 0; i < kRealms; ++i) (void)vmm.step(i, {0});
  for (auto* r : realms) {
    RC_ASSERT(vmm.wait(*r));
    // The only way the host stops a realm here: it touched a page the host destroyed.
    RC_ASSERT(r->error().empty() || r->error().rfind("realm aborted on IPA", 0) == 0);
  }
  for (auto* r : realms) vmm.destroy(*r);
  RC_ASSERT(inspect::csm_invariant_violations(introspect, system.machine()).empty());
}

TEST(CsmProperty, invariants_hold_after_every_step_of_random_interleavings) {
  // 200 sequences of up to 100 steps by default (a user's RC_PARAMS, e.g. a seed to replay, wins).
  // The lock-step properties (csm_lockstep_test.cc) check these invariants after every step too.
  EXPECT_TRUE(check_with("CSM invariants", 200, 100, [](const std::vector<Op>& ops) { run_sequence(ops); }));
}

}  // namespace
}  // namespace caec::testing
