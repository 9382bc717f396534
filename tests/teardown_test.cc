// Lifecycle: a realm built through every memory command and torn down leaves no granule in
// the Realm PAS and none in an RMM state other than UNDELEGATED; each granule state is entered
// and left only along the spec's edges.
#include "caec/abi/s2tt.h"
#include "testing/rmm_fixture.h"

namespace caec::testing {
namespace {

using rmm::GranuleState;

class Lifecycle : public RmmTest {
 protected:
  /// Every DRAM granule the host may use is back in the NS PAS and UNDELEGATED for the RMM.
  void expect_all_returned() {
    const auto& mem = machine().memory();
    const machine::GranuleIndex usable{mem.num_granules() - machine().config().secure_granules};
    std::uint64_t realm_pas = 0;
    std::uint64_t not_undelegated = 0;
    for (machine::GranuleIndex i; i < usable; ++i) {
      const Pa pa = mem.granule_pa(i);
      realm_pas += machine().pas(pa) != machine::Pas::kNonSecure ? 1U : 0U;
      not_undelegated += state(pa) != GranuleState::kUndelegated ? 1U : 0U;
    }
    EXPECT_EQ(realm_pas, 0U);
    EXPECT_EQ(not_undelegated, 0U);
    EXPECT_EQ(host_.pool().free_granules(), usable.value());
  }
};

TEST_F(Lifecycle, teardown_leaves_no_realm_pas_granule_behind) {
  for (std::uint16_t vmid = 1; vmid <= 3; ++vmid) {
    host::RealmSpec spec;
    spec.vmid = vmid;
    spec.ipa_width = 32 + vmid * 5U;  // different start levels and concatenations
    auto realm = make_realm(spec);
    std::vector<std::byte> image(5 * kGranuleSize, std::byte{0x42});
    builder().load(realm, Ipa{0x10000}, image, true);
    builder().init_ripas(realm, Ipa{0x400000}, Ipa{0x800000});
    const Ipa ns{std::uint64_t{1} << (spec.ipa_width - 1)};
    builder().ensure_tables(realm, ns, RttLevel{3});
    const Pa shared = ns_page();
    EXPECT_RMI_OK(rmi().rtt_map_unprotected(realm.rd, ns, RttLevel{3}, shared.value()));
    builder().activate(realm);
    builder().destroy(realm);
    host_.pool().free(shared);
  }
  expect_all_returned();
}

TEST_F(Lifecycle, destroy_skips_what_raw_rmi_calls_destroyed_behind_the_builders_back) {
  auto realm = make_realm();
  std::vector<std::byte> image(2 * kGranuleSize, std::byte{0x42});
  builder().load(realm, Ipa{0x10000}, image, true);
  builder().ensure_tables(realm, Ipa{0x400000}, RttLevel{3});  // a level-3 table with nothing in it
  // A test (or a hostile host) destroys a DATA granule and a table with raw RMI calls.
  const auto data = rmi().data_destroy(realm.rd, Ipa{0x11000});
  EXPECT_RMI_OK(data.ret);
  const auto table = rmi().rtt_destroy(realm.rd, Ipa{0x400000}, RttLevel{3});
  EXPECT_RMI_OK(table.ret);
  builder().destroy(realm);  // threw RMI_DATA_DESTROY's error when the records were stale
  host_.undelegate_and_free(data.data);
  host_.undelegate_and_free(table.rtt);
  expect_all_returned();
}

TEST_F(Lifecycle, granule_states_follow_the_spec_edges) {
  const Pa g = ns_page();
  EXPECT_EQ(state(g), GranuleState::kUndelegated);
  EXPECT_RMI_OK(rmi().granule_delegate(g));
  EXPECT_EQ(state(g), GranuleState::kDelegated);

  auto realm = make_realm();
  EXPECT_EQ(state(realm.rd), GranuleState::kRd);
  EXPECT_EQ(state(realm.rtt_base), GranuleState::kRtt);
  builder().ensure_tables(realm, Ipa{0}, RttLevel{2});
  EXPECT_RMI_OK(rmi().rtt_create(realm.rd, g, Ipa{0}, RttLevel{3}));
  EXPECT_EQ(state(g), GranuleState::kRtt);
  EXPECT_EQ(rmm().granule(realm.tables.back().pa).refcount, 1U) << "one TABLE entry";
  const auto out = rmi().rtt_destroy(realm.rd, Ipa{0}, RttLevel{3});
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.rtt, g);
  EXPECT_EQ(state(g), GranuleState::kDelegated);

  const Pa src = ns_page();
  EXPECT_RMI_OK(rmi().rtt_create(realm.rd, g, Ipa{0}, RttLevel{3}));
  const Pa data = delegated();
  EXPECT_RMI_OK(rmi().data_create(realm.rd, data, Ipa{0}, src, 0));
  EXPECT_EQ(state(data), GranuleState::kData);
  EXPECT_EQ(rmm().granule(g).refcount, 1U) << "one ASSIGNED entry";
  EXPECT_EQ(rmi().rtt_destroy(realm.rd, Ipa{0}, RttLevel{3}).ret.status, kRtt) << "live RTT";
  EXPECT_RMI_OK(rmi().data_destroy(realm.rd, Ipa{0}).ret);
  EXPECT_EQ(state(data), GranuleState::kDelegated);
  EXPECT_EQ(rmm().granule(g).refcount, 0U);
}

TEST_F(Lifecycle, destroyed_data_leaves_destroyed_ripas_and_no_translation) {
  auto realm = make_realm();
  std::vector<std::byte> page(kGranuleSize, std::byte{7});
  builder().load(realm, Ipa{0x3000}, page, true);
  const std::uint64_t tlbis = machine().mmu().invalidations();
  EXPECT_RMI_OK(rmi().data_destroy(realm.rd, Ipa{0x3000}).ret);
  EXPECT_GT(machine().mmu().invalidations(), tlbis) << "a valid mapping was removed without TLBI";
  const auto e = rmi().rtt_read_entry(realm.rd, Ipa{0x3000}, RttLevel{3});
  EXPECT_EQ(e.state, abi::RmiRttEntryState::kUnassigned);
  EXPECT_EQ(e.ripas, abi::Ripas::kDestroyed);
  realm.data.clear();
}

}  // namespace
}  // namespace caec::testing
