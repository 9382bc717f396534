// RMI_DATA_CREATE / DATA_CREATE_UNKNOWN / DATA_DESTROY: each failure condition is reached by
// making every earlier condition pass and this one fail; the other tests check the mapping,
// the RIPAS, the RIM and the scrubbing of returned granules.
#include <cstring>
#include <stdexcept>

#include "caec/abi/csm.h"
#include "caec/abi/s2tt.h"
#include "host/vmm.h"
#include "rmm/core/measure.h"
#include "testing/geometry.h"
#include "testing/rmm_fixture.h"

namespace caec::testing {
namespace {

/// Where the tests put their page: not the first entry of any table.
constexpr Ipa kIpa{3 * kL2 + 7 * kL3};
/// The end of the level-3 table holding kIpa.
constexpr Ipa kIpaTableEnd{4 * kL2};

using Page = std::array<std::byte, kGranuleSize>;

Page pattern(std::uint8_t seed) {
  Page p{};
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::byte>((i * 7 + seed) | 1U);
  return p;
}


/// A NEW realm with RTTs down to level 3 at kIpa, and a delegated granule `data`.
class DataTest : public RmmTest {
 protected:
  explicit DataTest(const machine::MachineConfig& config = small_machine()) : RmmTest(config) {
    builder().ensure_tables(realm, kIpa, s2::kMaxLevel);
  }

  host::HostRealm realm = make_realm();
  Pa data = delegated();

  abi::rmi::Reply<abi::rmi::RttReadEntry> entry(Ipa ipa) {
    const auto e = rmi().rtt_read_entry(realm.rd, ipa, s2::kMaxLevel);
    EXPECT_RMI_OK(e.ret);
    return e;
  }
  rmm::Measurement rim(Pa rd) { return rmm().realm(rd)->measurements[0]; }
};

// ---- RMI_DATA_CREATE -----------------------------------------------------------------------

/// A valid call is data_create(realm.rd, data, kIpa, src, measure).
class RmiDataCreate : public DataTest {
 protected:
  RmiDataCreate() : DataTest(dram_across_2_48()) {}
  const Page content = pattern(1);
  Pa src = ns_page(content);
  static constexpr std::uint64_t kMeasure = abi::data_flags::kMeasure;
};

TEST_F(RmiDataCreate, maps_the_granule_as_assigned_ram) {
  EXPECT_RMI_OK(rmi().data_create(realm.rd, data, kIpa, src, kMeasure));
  EXPECT_EQ(state(data), GranuleState::kData);
  const auto e = entry(kIpa);
  EXPECT_EQ(e.walk_level, RttLevel{3});
  EXPECT_EQ(e.state, RmiRttEntryState::kAssigned);
  EXPECT_EQ(e.desc, data.value());
  EXPECT_EQ(e.ripas, Ripas::kRam);
}

TEST_F(RmiDataCreate, copies_the_source_page) {
  EXPECT_RMI_OK(rmi().data_create(realm.rd, data, kIpa, src, 0));
  // Physical memory as the emulated hardware holds it (the host cannot read a Realm granule).
  EXPECT_EQ(std::memcmp(machine().realm_pas_granule(data), content.data(), kGranuleSize), 0);
}

TEST_F(RmiDataCreate, measures_the_contents_only_with_the_measure_flag) {
  host::RealmSpec spec;
  spec.vmid = 2;
  auto other = make_realm(spec);  // same parameters, so the same initial RIM
  builder().ensure_tables(other, kIpa, s2::kMaxLevel);
  const Pa other_src = ns_page(pattern(2));
  const rmm::Measurement initial = rim(realm.rd);
  ASSERT_EQ(rim(other.rd), initial);

  // Unmeasured: the IPA and flags enter the RIM, the contents do not.
  EXPECT_RMI_OK(rmi().data_create(realm.rd, data, kIpa, src, 0));
  EXPECT_RMI_OK(rmi().data_create(other.rd, delegated(), kIpa, other_src, 0));
  EXPECT_NE(rim(realm.rd), initial);
  EXPECT_EQ(rim(realm.rd), rim(other.rd));

  // Measured: the contents enter the RIM too.
  const rmm::Measurement before = rim(realm.rd);
  EXPECT_RMI_OK(rmi().data_create(realm.rd, delegated(), kIpa + kL3, src, kMeasure));
  EXPECT_RMI_OK(rmi().data_create(other.rd, delegated(), kIpa + kL3, other_src, kMeasure));
  EXPECT_NE(rim(realm.rd), rim(other.rd));
  EXPECT_EQ(rim(realm.rd), rmm::rim_extend_data(abi::RmiHashAlgorithm::kSha256, before, kIpa + kL3,
                                                kMeasure, content));
}

TEST_F(RmiDataCreate, rejects_flags_valid) {
  for (const std::uint64_t flags : {2ULL, ~0ULL}) {
    EXPECT_FAILS_WITH(rmi().data_create(realm.rd, data, kIpa, src, flags), kInput, 0,
                      "flags_valid");
  }
  EXPECT_EQ(state(data), GranuleState::kDelegated);
}
TEST_F(RmiDataCreate, rejects_src_align) {
  EXPECT_FAILS_WITH(rmi().data_create(realm.rd, data, kIpa, src + 8, kMeasure), kInput, 0,
                    "src_align");
}
TEST_F(RmiDataCreate, rejects_src_bound) {
  EXPECT_FAILS_WITH(rmi().data_create(realm.rd, data, kIpa, outside_dram(), kMeasure), kInput, 0,
                    "src_bound");
}
TEST_F(RmiDataCreate, rejects_src_pas) {
  // A Realm and a Secure granule: the RMM's NS read takes a Granule Protection Fault.
  EXPECT_FAILS_WITH(rmi().data_create(realm.rd, data, kIpa, delegated(), kMeasure), kInput, 0,
                    "src_pas");
  EXPECT_FAILS_WITH(rmi().data_create(realm.rd, data, kIpa, secure_granule(), kMeasure), kInput, 0,
                    "src_pas");
  EXPECT_EQ(state(data), GranuleState::kDelegated);
}
TEST_F(RmiDataCreate, rejects_data_align) {
  EXPECT_FAILS_WITH(rmi().data_create(realm.rd, data + 8, kIpa, src, kMeasure), kInput, 0,
                    "data_align");
}
TEST_F(RmiDataCreate, rejects_data_bound) {
  EXPECT_FAILS_WITH(rmi().data_create(realm.rd, outside_dram(), kIpa, src, kMeasure), kInput, 0,
                    "data_bound");
}
TEST_F(RmiDataCreate, rejects_data_state) {
  EXPECT_FAILS_WITH(rmi().data_create(realm.rd, ns_page(), kIpa, src, kMeasure), kInput, 0,
                    "data_state");
  EXPECT_FAILS_WITH(rmi().data_create(realm.rd, realm.rd, kIpa, src, kMeasure), kInput, 0,
                    "data_state");
}
TEST_F(RmiDataCreate, rejects_data_bound2) {
  const Pa high = delegated_above_2_48();
  EXPECT_FAILS_WITH(rmi().data_create(realm.rd, high, kIpa, src, kMeasure), kInput, 0,
                    "data_bound2");
  EXPECT_EQ(state(high), GranuleState::kDelegated);
  EXPECT_EQ(entry(kIpa).state, RmiRttEntryState::kUnassigned);
}
RMI_RD_CONDITION_TESTS(RmiDataCreate, realm.rd, realm.rtt_base, rmi().data_create(rd, data, kIpa, src, kMeasure))
TEST_F(RmiDataCreate, rejects_ipa_align) {
  EXPECT_FAILS_WITH(rmi().data_create(realm.rd, data, kIpa + 0x800, src, kMeasure), kInput, 0,
                    "ipa_align");
}
TEST_F(RmiDataCreate, rejects_ipa_bound) {
  // The unprotected alias of kIpa, and an IPA outside the IPA space.
  EXPECT_FAILS_WITH(rmi().data_create(realm.rd, data, kUnprotected + kIpa.value(), src, kMeasure),
                    kInput, 0, "ipa_bound");
  EXPECT_FAILS_WITH(rmi().data_create(realm.rd, data, kOutside, src, kMeasure), kInput, 0,
                    "ipa_bound");
}
TEST_F(RmiDataCreate, rejects_realm_state) {
  EXPECT_RMI_OK(rmi().realm_activate(realm.rd));
  EXPECT_FAILS_WITH(rmi().data_create(realm.rd, data, kIpa, src, kMeasure), kRealm, 0,
                    "realm_state");
  EXPECT_EQ(state(data), GranuleState::kDelegated);
}
TEST_F(RmiDataCreate, rejects_rtt_walk) {
  // No level-2 table at 1 GiB; no level-3 table for the next 2 MiB.
  EXPECT_FAILS_WITH(rmi().data_create(realm.rd, data, Ipa{kL1}, src, kMeasure), kRtt, 1,
                    "rtt_walk");
  EXPECT_FAILS_WITH(rmi().data_create(realm.rd, data, kIpa + kL2, src, kMeasure), kRtt, 2,
                    "rtt_walk");
  EXPECT_EQ(state(data), GranuleState::kDelegated);
}
TEST_F(RmiDataCreate, rejects_rtte_state) {
  EXPECT_RMI_OK(rmi().data_create(realm.rd, data, kIpa, src, kMeasure));
  const rmm::Measurement after_first = rim(realm.rd);
  const Pa second = delegated();
  EXPECT_FAILS_WITH(rmi().data_create(realm.rd, second, kIpa, src, kMeasure), kRtt, 3,
                    "rtte_state");
  EXPECT_EQ(state(second), GranuleState::kDelegated);
  EXPECT_EQ(entry(kIpa).desc, data.value());
  EXPECT_EQ(rim(realm.rd), after_first);
}

// ---- RMI_DATA_CREATE_UNKNOWN ---------------------------------------------------------------

/// A valid call is data_create_unknown(realm.rd, data, kIpa).
class RmiDataCreateUnknown : public DataTest {
 protected:
  RmiDataCreateUnknown() : DataTest(dram_across_2_48()) {}
};

TEST_F(RmiDataCreateUnknown, rejects_csm_reservation) {
  // A consumer (running csm-script) has reserved [0x300000, +4 KiB) for a provider's region:
  // the host cannot give it private memory there.
  host::Vmm vmm(host_, [this](Pa rec) { system_.platform().interrupt(rec); });
  auto ps = program_spec("csm-script", {"publish", "create r 0x200000 0x1000", "share r c rw",
                                        "signal shared", "wait done"}, 1, 10);
  ps.name = "p";
  auto cs = program_spec("csm-script", {"publish", "wait shared", "reserve p 0 0x300000 0x1000"}, 1, 11);
  cs.name = "c";
  auto& p = vmm.launch(ps);
  auto& c = vmm.launch(cs);
  vmm.start(p);
  vmm.start(c);
  ASSERT_TRUE(vmm.wait(c));
  ASSERT_EQ(c.exit_status(), 0) << c.console();
  EXPECT_FAILS_WITH(rmi().data_create_unknown(c.built.rd, data, Ipa{0x300000}),
                    abi::RmiStatus::kErrorCsm,
                    static_cast<std::uint8_t>(abi::CsmErrorReason::kInsideReservation), "csm_reservation");
  EXPECT_EQ(state(data), GranuleState::kDelegated);
  vmm.raise_signal("done");
  ASSERT_TRUE(vmm.wait(p));
  vmm.destroy(p);
  vmm.destroy(c);
}

TEST_F(RmiDataCreateUnknown, maps_the_granule_keeping_the_ripas_and_the_rim) {
  const rmm::Measurement initial = rim(realm.rd);
  EXPECT_RMI_OK(rmi().data_create_unknown(realm.rd, data, kIpa));
  EXPECT_EQ(state(data), GranuleState::kData);
  auto e = entry(kIpa);
  EXPECT_EQ(e.state, RmiRttEntryState::kAssigned);
  EXPECT_EQ(e.desc, data.value());
  EXPECT_EQ(e.ripas, Ripas::kEmpty);

  EXPECT_RMI_OK(rmi().rtt_init_ripas(realm.rd, kIpa + kL3, kIpa + 2 * kL3).ret);
  const rmm::Measurement after_ripas = rim(realm.rd);
  EXPECT_NE(after_ripas, initial);
  const Pa second = delegated();
  EXPECT_RMI_OK(rmi().data_create_unknown(realm.rd, second, kIpa + kL3));
  e = entry(kIpa + kL3);
  EXPECT_EQ(e.desc, second.value());
  EXPECT_EQ(e.ripas, Ripas::kRam);
  EXPECT_EQ(rim(realm.rd), after_ripas);
}

TEST_F(RmiDataCreateUnknown, is_accepted_in_an_active_realm) {
  EXPECT_RMI_OK(rmi().realm_activate(realm.rd));
  EXPECT_RMI_OK(rmi().data_create_unknown(realm.rd, data, kIpa));
}

TEST_F(RmiDataCreateUnknown, rejects_data_align) {
  EXPECT_FAILS_WITH(rmi().data_create_unknown(realm.rd, data + 8, kIpa), kInput, 0, "data_align");
}
TEST_F(RmiDataCreateUnknown, rejects_data_bound) {
  EXPECT_FAILS_WITH(rmi().data_create_unknown(realm.rd, outside_dram(), kIpa), kInput, 0,
                    "data_bound");
}
TEST_F(RmiDataCreateUnknown, rejects_data_state) {
  EXPECT_FAILS_WITH(rmi().data_create_unknown(realm.rd, ns_page(), kIpa), kInput, 0, "data_state");
  EXPECT_FAILS_WITH(rmi().data_create_unknown(realm.rd, realm.rtt_base, kIpa), kInput, 0,
                    "data_state");
}
TEST_F(RmiDataCreateUnknown, rejects_data_bound2) {
  const Pa high = delegated_above_2_48();
  EXPECT_FAILS_WITH(rmi().data_create_unknown(realm.rd, high, kIpa), kInput, 0, "data_bound2");
  EXPECT_EQ(state(high), GranuleState::kDelegated);
  EXPECT_EQ(entry(kIpa).state, RmiRttEntryState::kUnassigned);
}
RMI_RD_CONDITION_TESTS(RmiDataCreateUnknown, realm.rd, realm.rtt_base, rmi().data_create_unknown(rd, data, kIpa))
TEST_F(RmiDataCreateUnknown, rejects_ipa_align) {
  EXPECT_FAILS_WITH(rmi().data_create_unknown(realm.rd, data, kIpa + 0x800), kInput, 0,
                    "ipa_align");
}
TEST_F(RmiDataCreateUnknown, rejects_ipa_bound) {
  EXPECT_FAILS_WITH(rmi().data_create_unknown(realm.rd, data, kUnprotected + kIpa.value()), kInput,
                    0, "ipa_bound");
  EXPECT_FAILS_WITH(rmi().data_create_unknown(realm.rd, data, kOutside), kInput, 0, "ipa_bound");
}
TEST_F(RmiDataCreateUnknown, rejects_rtt_walk) {
  EXPECT_FAILS_WITH(rmi().data_create_unknown(realm.rd, data, Ipa{kL1}), kRtt, 1, "rtt_walk");
  EXPECT_FAILS_WITH(rmi().data_create_unknown(realm.rd, data, kIpa + kL2), kRtt, 2, "rtt_walk");
  EXPECT_EQ(state(data), GranuleState::kDelegated);
}
TEST_F(RmiDataCreateUnknown, rejects_rtte_state) {
  EXPECT_RMI_OK(rmi().data_create_unknown(realm.rd, data, kIpa));
  const Pa second = delegated();
  EXPECT_FAILS_WITH(rmi().data_create_unknown(realm.rd, second, kIpa), kRtt, 3, "rtte_state");
  EXPECT_EQ(state(second), GranuleState::kDelegated);
  EXPECT_EQ(entry(kIpa).desc, data.value());
}

// ---- RMI_DATA_DESTROY ----------------------------------------------------------------------

/// A valid call is data_destroy(realm.rd, kIpa) of `data`, created with the contents `secret`.
class RmiDataDestroy : public DataTest {
 protected:
  RmiDataDestroy() { EXPECT_RMI_OK(rmi().data_create(realm.rd, data, kIpa, ns_page(secret), 0)); }
  const Page secret = pattern(3);
};

TEST_F(RmiDataDestroy, returns_the_granule_and_leaves_ripas_destroyed) {
  const auto out = rmi().data_destroy(realm.rd, kIpa);
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.data, data);
  EXPECT_EQ(out.top, kIpaTableEnd);  // no live entry left in the level-3 table
  EXPECT_EQ(state(data), GranuleState::kDelegated);
  const auto e = entry(kIpa);
  EXPECT_EQ(e.walk_level, RttLevel{3});
  EXPECT_EQ(e.state, RmiRttEntryState::kUnassigned);
  EXPECT_EQ(e.desc, 0U);
  EXPECT_EQ(e.ripas, Ripas::kDestroyed);
}

TEST_F(RmiDataDestroy, scrubs_the_granule) {
  ASSERT_EQ(std::memcmp(machine().realm_pas_granule(data), secret.data(), kGranuleSize), 0);
  EXPECT_RMI_OK(rmi().data_destroy(realm.rd, kIpa).ret);
  EXPECT_RMI_OK(rmi().granule_undelegate(data));
  Page back{};
  ASSERT_EQ(machine().host_view().read(data, back), machine::Access::kOk);
  EXPECT_EQ(back, Page{});
}

TEST_F(RmiDataDestroy, reports_the_next_live_entry_as_top) {
  EXPECT_RMI_OK(rmi().data_create_unknown(realm.rd, delegated(), kIpa + 4 * kL3));
  const auto out = rmi().data_destroy(realm.rd, kIpa);
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.top, kIpa + 4 * kL3);
}

TEST_F(RmiDataDestroy, keeps_ripas_empty) {
  EXPECT_RMI_OK(rmi().data_create_unknown(realm.rd, delegated(), kIpa + kL3));
  EXPECT_RMI_OK(rmi().data_destroy(realm.rd, kIpa + kL3).ret);
  const auto e = entry(kIpa + kL3);
  EXPECT_EQ(e.state, RmiRttEntryState::kUnassigned);
  EXPECT_EQ(e.ripas, Ripas::kEmpty);
}

TEST_F(RmiDataDestroy, rejects_rd_align) {
  EXPECT_FAILS_WITH(rmi().data_destroy(realm.rd + 8, kIpa).ret, kInput, 0, "rd_align");
}
TEST_F(RmiDataDestroy, rejects_rd_bound) {
  EXPECT_FAILS_WITH(rmi().data_destroy(outside_dram(), kIpa).ret, kInput, 0, "rd_bound");
}
TEST_F(RmiDataDestroy, rejects_rd_state) {
  EXPECT_FAILS_WITH(rmi().data_destroy(data, kIpa).ret, kInput, 0, "rd_state");
  EXPECT_EQ(state(data), GranuleState::kData);
}
TEST_F(RmiDataDestroy, rejects_ipa_align) {
  EXPECT_FAILS_WITH(rmi().data_destroy(realm.rd, kIpa + 0x800).ret, kInput, 0, "ipa_align");
}
TEST_F(RmiDataDestroy, rejects_ipa_bound) {
  EXPECT_FAILS_WITH(rmi().data_destroy(realm.rd, kUnprotected + kIpa.value()).ret, kInput, 0,
                    "ipa_bound");
  EXPECT_FAILS_WITH(rmi().data_destroy(realm.rd, kOutside).ret, kInput, 0, "ipa_bound");
}

TEST_F(RmiDataDestroy, rejects_rtt_walk) {
  // No level-2 table at 1 GiB: top is the end of the starting table (nothing live after).
  auto out = rmi().data_destroy(realm.rd, Ipa{kL1});
  EXPECT_FAILS_WITH(out.ret, kRtt, 1, "rtt_walk");
  EXPECT_EQ(out.top, kUnprotected);

  // A page inside a 2 MiB ASSIGNED block: the walk stops at level 2 and top is the IPA.
  const Ipa block{5 * kL2};
  builder().ensure_tables(realm, block, s2::kMaxLevel);
  const Pa run = delegated(s2::kEntriesPerTable, kL2);
  const Pa src = ns_page();
  for (std::uint64_t i = 0; i < s2::kEntriesPerTable; ++i) {
    ASSERT_TRUE(rmi_ok(rmi().data_create(realm.rd, run + i * kL3, block + i * kL3, src, 0)));
  }
  EXPECT_RMI_OK(rmi().rtt_fold(realm.rd, block, RttLevel{3}).ret);
  out = rmi().data_destroy(realm.rd, block + 9 * kL3);
  EXPECT_FAILS_WITH(out.ret, kRtt, 2, "rtt_walk");
  EXPECT_EQ(out.top, block + 9 * kL3);
  EXPECT_EQ(state(run + 9 * kL3), GranuleState::kData);
}

TEST_F(RmiDataDestroy, rejects_rtte_state) {
  const auto out = rmi().data_destroy(realm.rd, kIpa + kL3);
  EXPECT_FAILS_WITH(out.ret, kRtt, 3, "rtte_state");
  EXPECT_EQ(out.top, kIpaTableEnd);
  EXPECT_EQ(state(data), GranuleState::kData);
  EXPECT_EQ(entry(kIpa).state, RmiRttEntryState::kAssigned);
}

}  // namespace
}  // namespace caec::testing
