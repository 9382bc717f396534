// RMI_RTT_CREATE / DESTROY / FOLD / READ_ENTRY / MAP_UNPROTECTED / UNMAP_UNPROTECTED /
// INIT_RIPAS: each failure condition is reached by making every earlier condition pass and
// this one fail; the other tests check the effect on granules, RTT entries and the RIM.
#include <stdexcept>

#include "caec/abi/s2tt.h"
#include "rmm/core/measure.h"
#include "testing/geometry.h"
#include "testing/rmm_fixture.h"

namespace caec::testing {
namespace {

/// Host attributes of an NS mapping: Normal write-back, read-write.
constexpr std::uint64_t kNsAttrs = s2::kMemAttrNormalWb | s2::kS2apRw;


/// A NEW realm (start level 1, two concatenated tables) and helpers over its RTTs.
/// Where a command is addressed: an IPA and a level.
struct At {
  Ipa ipa;
  RttLevel level;
};

class RttTest : public RmmTest {
 protected:
  explicit RttTest(const machine::MachineConfig& config = small_machine()) : RmmTest(config) {}

  host::HostRealm realm = make_realm();

  /// RTT_CREATE of a fresh delegated granule.
  Pa table(Ipa ipa, RttLevel level) {
    const Pa rtt = delegated();
    EXPECT_RMI_OK(rmi().rtt_create(realm.rd, rtt, ipa, level));
    return rtt;
  }
  abi::rmi::Reply<abi::rmi::RttReadEntry> entry(Ipa ipa, RttLevel level = s2::kMaxLevel) {
    const auto e = rmi().rtt_read_entry(realm.rd, ipa, level);
    EXPECT_RMI_OK(e.ret);
    return e;
  }
  /// 512 contiguous DATA pages over the 2 MiB at `ipa`, from a 2 MiB aligned run; returns it.
  Pa fill_block(Ipa ipa) {
    builder().ensure_tables(realm, ipa, s2::kMaxLevel);
    const Pa data = delegated(s2::kEntriesPerTable, kL2);
    const Pa src = ns_page();
    for (std::uint64_t i = 0; i < s2::kEntriesPerTable; ++i) {
      EXPECT_RMI_OK(rmi().data_create(realm.rd, data + i * kL3, ipa + i * kL3, src, 0));
    }
    return data;
  }
  /// The suite's command addressed at (ipa, level), its other arguments valid.
  virtual abi::RmiReturn call_at(Ipa /*ipa*/, RttLevel /*level*/) {
    throw std::logic_error("test: this suite does not address its command by (ipa, level)");
  }
  /// What a refused call must have left as it was (the suite's granule).
  virtual void expect_unchanged() {}
  /// call_at fails with RMI_ERROR_INPUT and `label` at each of `at`, and changes nothing.
  void expect_input_failures(std::string_view label, std::initializer_list<At> at) {
    for (const At& a : at) {
      EXPECT_FAILS_WITH(call_at(a.ipa, a.level), kInput, 0, label)
          << "at ipa 0x" << std::hex << a.ipa.value() << std::dec << " level " << a.level.value();
    }
    expect_unchanged();
  }
  /// `count` contiguous granules of host NS memory aligned to `align` (never delegated).
  Pa ns_run(std::uint64_t count, std::uint64_t align) {
    const auto pa = host_.pool().allocate(count, align);
    if (!pa) throw std::runtime_error("test: out of NS memory");
    return *pa;
  }
  /// NS mappings of `count` pages from `pa` at `ipa`, with attributes `attrs`.
  void map_pages(Ipa ipa, Pa pa, std::uint64_t count, std::uint64_t attrs = kNsAttrs) {
    builder().ensure_tables(realm, ipa, s2::kMaxLevel);
    for (std::uint64_t i = 0; i < count; ++i) {
      EXPECT_RMI_OK(rmi().rtt_map_unprotected(realm.rd, ipa + i * kL3, s2::kMaxLevel,
                                              (pa + i * kL3).value() | attrs));
    }
  }
};

#define RTT_UNPAREN(...) __VA_ARGS__
/// The tests of level_bound, ipa_align and ipa_bound, which every command addressed by (ipa,
/// level) has and the condition-coverage rule asks for by name: the suite's call_at fails with
/// RMI_ERROR_INPUT and that label at each {IPA, level} of the parenthesised lists.
#define RTT_ADDRESS_CONDITION_TESTS(Suite, bad_levels, misaligned, outside)                                \
  TEST_F(Suite, rejects_level_bound) { expect_input_failures("level_bound", {RTT_UNPAREN bad_levels}); } \
  TEST_F(Suite, rejects_ipa_align) { expect_input_failures("ipa_align", {RTT_UNPAREN misaligned}); }     \
  TEST_F(Suite, rejects_ipa_bound) { expect_input_failures("ipa_bound", {RTT_UNPAREN outside}); }

// ---- RMI_RTT_CREATE ------------------------------------------------------------------------

/// A valid call is rtt_create(realm.rd, rtt, 0, 2). The machine's DRAM straddles 2^48 so that
/// rtt_bound2 can be reached; everything else is allocated below 2^48.
class RmiRttCreate : public RttTest {
 protected:
  RmiRttCreate() : RttTest(dram_across_2_48()) {}
  Pa rtt = delegated();
  abi::RmiReturn call_at(Ipa ipa, RttLevel level) override { return rmi().rtt_create(realm.rd, rtt, ipa, level); }
  void expect_unchanged() override { EXPECT_EQ(state(rtt), GranuleState::kDelegated); }

};

TEST_F(RmiRttCreate, makes_the_granule_an_rtt_and_the_parent_entry_a_table) {
  EXPECT_RMI_OK(rmi().rtt_create(realm.rd, rtt, Ipa{0}, RttLevel{2}));
  EXPECT_EQ(state(rtt), GranuleState::kRtt);
  const auto parent = entry(Ipa{0}, RttLevel{1});
  EXPECT_EQ(parent.state, RmiRttEntryState::kTable);
  EXPECT_EQ(parent.desc, rtt.value());
  const auto last = entry(Ipa{kL1 - kL2}, RttLevel{2});
  EXPECT_EQ(last.walk_level, RttLevel{2});
  EXPECT_EQ(last.state, RmiRttEntryState::kUnassigned);
  EXPECT_EQ(last.ripas, Ripas::kEmpty);
}

TEST_F(RmiRttCreate, children_inherit_the_parent_ripas) {
  EXPECT_RMI_OK(rmi().rtt_init_ripas(realm.rd, Ipa{0}, Ipa{kL1}).ret);
  EXPECT_RMI_OK(rmi().rtt_create(realm.rd, rtt, Ipa{0}, RttLevel{2}));
  for (const std::uint64_t i : {0U, 1U, 511U}) {
    const auto e = entry(Ipa{i * kL2}, RttLevel{2});
    EXPECT_EQ(e.walk_level, RttLevel{2});
    EXPECT_EQ(e.state, RmiRttEntryState::kUnassigned);
    EXPECT_EQ(e.ripas, Ripas::kRam) << i;
  }
}

TEST_F(RmiRttCreate, unfolds_an_assigned_block_into_contiguous_assigned_pages) {
  const Pa data = fill_block(Ipa{0});
  EXPECT_RMI_OK(rmi().rtt_fold(realm.rd, Ipa{0}, RttLevel{3}).ret);
  EXPECT_RMI_OK(rmi().rtt_create(realm.rd, rtt, Ipa{0}, RttLevel{3}));
  for (std::uint64_t i = 0; i < s2::kEntriesPerTable; ++i) {
    const auto e = entry(Ipa{i * kL3});
    ASSERT_EQ(e.walk_level, RttLevel{3});
    ASSERT_EQ(e.state, RmiRttEntryState::kAssigned) << i;
    ASSERT_EQ(e.desc, (data + i * kL3).value()) << i;
    ASSERT_EQ(e.ripas, Ripas::kRam) << i;
  }
  // The new table holds 512 ASSIGNED entries, so it is live.
  EXPECT_FAILS_WITH(rmi().rtt_destroy(realm.rd, Ipa{0}, RttLevel{3}).ret, kRtt, 3, "rtt_live");
}

TEST_F(RmiRttCreate, unfolds_an_ns_block_into_contiguous_ns_pages) {
  builder().ensure_tables(realm, kUnprotected, RttLevel{2});
  const std::uint64_t block = ns_run(s2::kEntriesPerTable, kL2).value() | kNsAttrs;
  EXPECT_RMI_OK(rmi().rtt_map_unprotected(realm.rd, kUnprotected, RttLevel{2}, block));
  EXPECT_RMI_OK(rmi().rtt_create(realm.rd, rtt, kUnprotected, RttLevel{3}));
  for (const std::uint64_t i : {0U, 1U, 511U}) {
    const auto e = entry(kUnprotected + i * kL3);
    EXPECT_EQ(e.walk_level, RttLevel{3});
    EXPECT_EQ(e.state, RmiRttEntryState::kAssigned);
    EXPECT_EQ(e.desc, block + i * kL3) << i;
    EXPECT_EQ(e.ripas, Ripas::kEmpty);
  }
}

RMI_RD_CONDITION_TESTS(RmiRttCreate, realm.rd, realm.rtt_base, rmi().rtt_create(rd, rtt, Ipa{0}, RttLevel{2}))

// Level 1 is the starting level: its tables come with the realm. A level-2 table replaces a
// 1 GiB level-1 entry, so its IPA must be 1 GiB aligned.
RTT_ADDRESS_CONDITION_TESTS(RmiRttCreate,
                            ({Ipa{0}, RttLevel{1}}, {Ipa{0}, RttLevel{0}}, {Ipa{0}, RttLevel{-1}}, {Ipa{0}, RttLevel{4}}),
                            ({Ipa{kL2}, RttLevel{2}}, {Ipa{kL3}, RttLevel{3}}), ({kOutside, RttLevel{2}}))

TEST_F(RmiRttCreate, rejects_rtt_align) {
  EXPECT_FAILS_WITH(rmi().rtt_create(realm.rd, rtt + 8, Ipa{0}, RttLevel{2}), kInput, 0, "rtt_align");
}
TEST_F(RmiRttCreate, rejects_rtt_bound) {
  EXPECT_FAILS_WITH(rmi().rtt_create(realm.rd, outside_dram(), Ipa{0}, RttLevel{2}), kInput, 0, "rtt_bound");
}
TEST_F(RmiRttCreate, rejects_rtt_state) {
  EXPECT_FAILS_WITH(rmi().rtt_create(realm.rd, ns_page(), Ipa{0}, RttLevel{2}), kInput, 0, "rtt_state");
  EXPECT_FAILS_WITH(rmi().rtt_create(realm.rd, realm.rtt_base, Ipa{0}, RttLevel{2}), kInput, 0, "rtt_state");
}

TEST_F(RmiRttCreate, rejects_rtt_bound2) {
  const Pa high = delegated_above_2_48();
  EXPECT_FAILS_WITH(rmi().rtt_create(realm.rd, high, Ipa{0}, RttLevel{2}), kInput, 0, "rtt_bound2");
  EXPECT_EQ(state(high), GranuleState::kDelegated);
  EXPECT_EQ(entry(Ipa{0}, RttLevel{1}).state, RmiRttEntryState::kUnassigned);
}

TEST_F(RmiRttCreate, rejects_rtt_walk) {
  // No level-2 table covers IPA 0: the walk to level 2 stops at level 1.
  EXPECT_FAILS_WITH(rmi().rtt_create(realm.rd, rtt, Ipa{0}, RttLevel{3}), kRtt, 1, "rtt_walk");
  EXPECT_EQ(state(rtt), GranuleState::kDelegated);
}

TEST_F(RmiRttCreate, rejects_rtte_state) {
  const Pa first = table(Ipa{0}, RttLevel{2});
  EXPECT_FAILS_WITH(rmi().rtt_create(realm.rd, rtt, Ipa{0}, RttLevel{2}), kRtt, 1, "rtte_state");
  EXPECT_EQ(state(rtt), GranuleState::kDelegated);
  EXPECT_EQ(entry(Ipa{0}, RttLevel{1}).desc, first.value());
}

// ---- RMI_RTT_DESTROY -----------------------------------------------------------------------

/// A valid call is rtt_destroy(realm.rd, 0, 2) of the empty level-2 table `rtt`.
class RmiRttDestroy : public RttTest {
 protected:
  Pa rtt = table(Ipa{0}, RttLevel{2});
  abi::RmiReturn call_at(Ipa ipa, RttLevel level) override { return rmi().rtt_destroy(realm.rd, ipa, level).ret; }
  void expect_unchanged() override { EXPECT_EQ(state(rtt), GranuleState::kRtt); }
};

TEST_F(RmiRttDestroy, returns_the_rtt_and_leaves_a_protected_parent_destroyed) {
  const auto out = rmi().rtt_destroy(realm.rd, Ipa{0}, RttLevel{2});
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.rtt, rtt);
  EXPECT_EQ(out.top, kUnprotected);  // no live entry left: the end of the starting table
  EXPECT_EQ(state(rtt), GranuleState::kDelegated);
  const auto parent = entry(Ipa{0}, RttLevel{1});
  EXPECT_EQ(parent.state, RmiRttEntryState::kUnassigned);
  EXPECT_EQ(parent.desc, 0U);
  EXPECT_EQ(parent.ripas, Ripas::kDestroyed);
}

TEST_F(RmiRttDestroy, reports_the_next_live_entry_as_top) {
  (void)table(Ipa{3 * kL1}, RttLevel{2});
  const auto out = rmi().rtt_destroy(realm.rd, Ipa{0}, RttLevel{2});
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.top, Ipa{3 * kL1});
}

TEST_F(RmiRttDestroy, leaves_an_unprotected_parent_unassigned_ns) {
  const Pa ns_rtt = table(kUnprotected, RttLevel{2});
  // NS mappings do not make an RTT live.
  const std::uint64_t block = ns_run(s2::kEntriesPerTable, kL2).value() | kNsAttrs;
  EXPECT_RMI_OK(rmi().rtt_map_unprotected(realm.rd, kUnprotected, RttLevel{2}, block));
  const auto out = rmi().rtt_destroy(realm.rd, kUnprotected, RttLevel{2});
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.rtt, ns_rtt);
  EXPECT_EQ(out.top, kOutside);
  const auto parent = entry(kUnprotected, RttLevel{1});
  EXPECT_EQ(parent.state, RmiRttEntryState::kUnassigned);
  EXPECT_EQ(parent.ripas, Ripas::kEmpty);
  // Only an UNASSIGNED_NS entry takes an NS mapping (here a 1 GiB block; DRAM's base is aligned).
  EXPECT_RMI_OK(rmi().rtt_map_unprotected(realm.rd, kUnprotected, RttLevel{1},
                                          machine().memory().base().value() | kNsAttrs));
}

RMI_RD_CONDITION_TESTS(RmiRttDestroy, realm.rd, rtt, rmi().rtt_destroy(rd, Ipa{0}, RttLevel{2}).ret)
RTT_ADDRESS_CONDITION_TESTS(RmiRttDestroy, ({Ipa{0}, RttLevel{1}}, {Ipa{0}, RttLevel{0}}, {Ipa{0}, RttLevel{4}}),
                            ({Ipa{kL2}, RttLevel{2}}), ({kOutside, RttLevel{2}}))

TEST_F(RmiRttDestroy, rejects_rtt_walk) {
  (void)table(Ipa{5 * kL1}, RttLevel{2});
  // No level-2 table at 1 GiB: the walk to level 2 stops at level 1; top is the next live entry.
  const auto out = rmi().rtt_destroy(realm.rd, Ipa{kL1}, RttLevel{3});
  EXPECT_FAILS_WITH(out.ret, kRtt, 1, "rtt_walk");
  EXPECT_EQ(out.top, Ipa{5 * kL1});
}

TEST_F(RmiRttDestroy, rejects_rtte_state) {
  (void)table(Ipa{5 * kL1}, RttLevel{2});
  const auto out = rmi().rtt_destroy(realm.rd, Ipa{kL1}, RttLevel{2});
  EXPECT_FAILS_WITH(out.ret, kRtt, 1, "rtte_state");
  EXPECT_EQ(out.top, Ipa{5 * kL1});
  // The level-2 entry at 0 exists but is not a table.
  EXPECT_FAILS_WITH(rmi().rtt_destroy(realm.rd, Ipa{0}, RttLevel{3}).ret, kRtt, 2, "rtte_state");
  EXPECT_EQ(state(rtt), GranuleState::kRtt);
}

TEST_F(RmiRttDestroy, rejects_rtt_live) {
  // A TABLE entry makes the level-2 table at 2 GiB live...
  const Ipa base{2 * kL1};
  builder().ensure_tables(realm, base + kL2, RttLevel{3});
  auto out = rmi().rtt_destroy(realm.rd, base, RttLevel{2});
  EXPECT_FAILS_WITH(out.ret, kRtt, 2, "rtt_live");
  EXPECT_EQ(out.top, base);
  // ...and an ASSIGNED entry the level-3 table below it.
  const Pa data = delegated();
  EXPECT_RMI_OK(rmi().data_create_unknown(realm.rd, data, base + kL2 + 7 * kL3));
  out = rmi().rtt_destroy(realm.rd, base + kL2, RttLevel{3});
  EXPECT_FAILS_WITH(out.ret, kRtt, 3, "rtt_live");
  EXPECT_EQ(out.top, base + kL2);
  EXPECT_EQ(entry(base + kL2, RttLevel{2}).state, RmiRttEntryState::kTable);
}

// ---- RMI_RTT_FOLD --------------------------------------------------------------------------

/// A valid call is rtt_fold(realm.rd, 0, 3) of the level-3 table `child` (all UNASSIGNED).
class RmiRttFold : public RttTest {
 protected:
  Pa parent = table(Ipa{0}, RttLevel{2});
  Pa child = table(Ipa{0}, RttLevel{3});
  abi::RmiReturn call_at(Ipa ipa, RttLevel level) override { return rmi().rtt_fold(realm.rd, ipa, level).ret; }
  void expect_unchanged() override { EXPECT_EQ(state(child), GranuleState::kRtt); }
  /// Folds `child`, expects it given back, and returns the level-2 entry that replaced it.
  abi::rmi::Reply<abi::rmi::RttReadEntry> fold_child() {
    const auto out = rmi().rtt_fold(realm.rd, Ipa{0}, RttLevel{3});
    EXPECT_RMI_OK(out.ret);
    EXPECT_EQ(out.rtt, child);
    EXPECT_EQ(state(child), GranuleState::kDelegated);
    auto e = entry(Ipa{0});
    EXPECT_EQ(e.walk_level, RttLevel{2});
    return e;
  }
};

TEST_F(RmiRttFold, folds_unassigned_entries_keeping_their_ripas) {
  EXPECT_RMI_OK(rmi().rtt_init_ripas(realm.rd, Ipa{0}, Ipa{kL2}).ret);
  const auto e = fold_child();
  EXPECT_EQ(e.state, RmiRttEntryState::kUnassigned);
  EXPECT_EQ(e.ripas, Ripas::kRam);
}

TEST_F(RmiRttFold, folds_512_contiguous_assigned_pages_into_a_block) {
  const Pa data = fill_block(Ipa{0});
  const auto e = fold_child();
  EXPECT_EQ(e.state, RmiRttEntryState::kAssigned);
  EXPECT_EQ(e.desc, data.value());
  EXPECT_EQ(e.ripas, Ripas::kRam);
  EXPECT_EQ(state(data + 511 * kL3), GranuleState::kData);
  // The block keeps the level-2 table live.
  EXPECT_FAILS_WITH(rmi().rtt_destroy(realm.rd, Ipa{0}, RttLevel{2}).ret, kRtt, 2, "rtt_live");
}

TEST_F(RmiRttFold, folds_512_contiguous_ns_pages_into_an_ns_block) {
  const Pa ns = ns_run(s2::kEntriesPerTable, kL2);
  map_pages(kUnprotected, ns, s2::kEntriesPerTable);
  EXPECT_RMI_OK(rmi().rtt_fold(realm.rd, kUnprotected, RttLevel{3}).ret);
  const auto e = entry(kUnprotected + 9 * kL3);
  EXPECT_EQ(e.walk_level, RttLevel{2});
  EXPECT_EQ(e.state, RmiRttEntryState::kAssigned);
  EXPECT_EQ(e.desc, ns.value() | kNsAttrs);
  EXPECT_EQ(e.ripas, Ripas::kEmpty);
}

TEST_F(RmiRttFold, mm_rtt_fold_unassigned_ns) {
  // ACS mm_rtt_fold_unassigned_ns: a table of 512 UNASSIGNED_NS entries folds into one
  // UNASSIGNED_NS entry a level up, which the walk stops at; RTT_CREATE unfolds it into 512
  // again, each UNASSIGNED_NS.
  builder().ensure_tables(realm, kUnprotected, RttLevel{2});
  const Pa ns_child = table(kUnprotected, RttLevel{3});
  const auto out = rmi().rtt_fold(realm.rd, kUnprotected, RttLevel{3});
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.rtt, ns_child);
  const auto folded = entry(kUnprotected + 9 * kL3);
  EXPECT_EQ(folded.walk_level, RttLevel{2});
  EXPECT_EQ(folded.state, RmiRttEntryState::kUnassigned);
  EXPECT_EQ(folded.ripas, Ripas::kEmpty);
  EXPECT_EQ(folded.desc, 0U);
  EXPECT_RMI_OK(rmi().rtt_create(realm.rd, ns_child, kUnprotected, RttLevel{3}));
  for (const std::uint64_t i : {0U, 9U, 511U}) {
    const auto e = entry(kUnprotected + i * kL3);
    EXPECT_EQ(e.walk_level, RttLevel{3}) << i;
    EXPECT_EQ(e.state, RmiRttEntryState::kUnassigned) << i;
    EXPECT_EQ(e.desc, 0U) << i;
  }
}

RMI_RD_CONDITION_TESTS(RmiRttFold, realm.rd, child, rmi().rtt_fold(rd, Ipa{0}, RttLevel{3}).ret)
RTT_ADDRESS_CONDITION_TESTS(RmiRttFold, ({Ipa{0}, RttLevel{1}}, {Ipa{0}, RttLevel{4}}), ({Ipa{kL3}, RttLevel{3}}),
                            ({kOutside, RttLevel{3}}))
TEST_F(RmiRttFold, rejects_rtt_walk) {
  EXPECT_FAILS_WITH(rmi().rtt_fold(realm.rd, Ipa{kL1}, RttLevel{3}).ret, kRtt, 1, "rtt_walk");
}
TEST_F(RmiRttFold, rejects_rtte_state) {
  // The level-2 entry at 2 MiB is not a table.
  EXPECT_FAILS_WITH(rmi().rtt_fold(realm.rd, Ipa{kL2}, RttLevel{3}).ret, kRtt, 2, "rtte_state");
}

TEST_F(RmiRttFold, rejects_rtt_homo) {
  // A child holding a table.
  EXPECT_FAILS_WITH(rmi().rtt_fold(realm.rd, Ipa{0}, RttLevel{2}).ret, kRtt, 2, "rtt_homo");
  // UNASSIGNED entries with different RIPAS.
  EXPECT_RMI_OK(rmi().rtt_init_ripas(realm.rd, Ipa{0}, Ipa{kL3}).ret);
  EXPECT_FAILS_WITH(rmi().rtt_fold(realm.rd, Ipa{0}, RttLevel{3}).ret, kRtt, 3, "rtt_homo");
  EXPECT_EQ(state(child), GranuleState::kRtt);
  // One ASSIGNED page among UNASSIGNED ones (in the next 2 MiB).
  builder().ensure_tables(realm, Ipa{kL2}, RttLevel{3});
  EXPECT_RMI_OK(rmi().data_create_unknown(realm.rd, delegated(), Ipa{kL2 + kL3}));
  EXPECT_FAILS_WITH(rmi().rtt_fold(realm.rd, Ipa{kL2}, RttLevel{3}).ret, kRtt, 3, "rtt_homo");
}

TEST_F(RmiRttFold, rejects_rtt_homo_for_unaligned_or_mixed_ns_pages) {
  // Contiguous, but not starting on a 2 MiB boundary.
  const Pa ns = ns_run(s2::kEntriesPerTable + 1, kL2) + kL3;
  map_pages(kUnprotected, ns, s2::kEntriesPerTable);
  EXPECT_FAILS_WITH(rmi().rtt_fold(realm.rd, kUnprotected, RttLevel{3}).ret, kRtt, 3, "rtt_homo");
  // Aligned and contiguous, but one page read-only.
  const Ipa other = kUnprotected + kL2;
  const Pa aligned = ns_run(s2::kEntriesPerTable, kL2);
  map_pages(other, aligned, s2::kEntriesPerTable - 1);
  const Pa last = aligned + (s2::kEntriesPerTable - 1) * kL3;
  EXPECT_RMI_OK(rmi().rtt_map_unprotected(realm.rd, other + (s2::kEntriesPerTable - 1) * kL3, RttLevel{3},
                                          last.value() | s2::kMemAttrNormalWb | s2::kS2apRo));
  EXPECT_FAILS_WITH(rmi().rtt_fold(realm.rd, other, RttLevel{3}).ret, kRtt, 3, "rtt_homo");
}

// ---- RMI_RTT_READ_ENTRY --------------------------------------------------------------------

/// A valid call is rtt_read_entry(realm.rd, 0, 1).
class RmiRttReadEntry : public RttTest {
 protected:
  abi::RmiReturn call_at(Ipa ipa, RttLevel level) override { return rmi().rtt_read_entry(realm.rd, ipa, level).ret; }
};

RMI_RD_CONDITION_TESTS(RmiRttReadEntry, realm.rd, realm.rtt_base, rmi().rtt_read_entry(rd, Ipa{0}, RttLevel{1}).ret)
// Level 0 is above this realm's starting level.
RTT_ADDRESS_CONDITION_TESTS(RmiRttReadEntry, ({Ipa{0}, RttLevel{0}}, {Ipa{0}, RttLevel{-1}}, {Ipa{0}, RttLevel{4}}),
                            ({Ipa{kL2}, RttLevel{1}}), ({kOutside, RttLevel{1}}))

TEST_F(RmiRttReadEntry, reports_a_table_with_its_address) {
  const Pa rtt = table(Ipa{0}, RttLevel{2});
  const auto e = entry(Ipa{0}, RttLevel{1});
  EXPECT_EQ(e.walk_level, RttLevel{1});
  EXPECT_EQ(e.state, RmiRttEntryState::kTable);
  EXPECT_EQ(e.desc, rtt.value());
  EXPECT_EQ(e.ripas, Ripas::kEmpty);
}

TEST_F(RmiRttReadEntry, reports_where_the_walk_stopped_and_the_ripas) {
  auto e = entry(Ipa{kL1 + 5 * kL3});
  EXPECT_EQ(e.walk_level, RttLevel{1});
  EXPECT_EQ(e.state, RmiRttEntryState::kUnassigned);
  EXPECT_EQ(e.desc, 0U);
  EXPECT_EQ(e.ripas, Ripas::kEmpty);
  EXPECT_RMI_OK(rmi().rtt_init_ripas(realm.rd, Ipa{kL1}, Ipa{2 * kL1}).ret);
  e = entry(Ipa{kL1 + 5 * kL3});
  EXPECT_EQ(e.state, RmiRttEntryState::kUnassigned);
  EXPECT_EQ(e.ripas, Ripas::kRam);
}

TEST_F(RmiRttReadEntry, reports_assigned_entries_with_their_address_in_every_ripas) {
  const Ipa ipa{kL2 + 3 * kL3};
  builder().ensure_tables(realm, ipa, RttLevel{3});
  const Pa data = delegated();
  EXPECT_RMI_OK(rmi().data_create(realm.rd, data, ipa, ns_page(), 0));
  auto e = entry(ipa);
  EXPECT_EQ(e.walk_level, RttLevel{3});
  EXPECT_EQ(e.state, RmiRttEntryState::kAssigned);
  EXPECT_EQ(e.desc, data.value());
  EXPECT_EQ(e.ripas, Ripas::kRam);

  EXPECT_RMI_OK(rmi().data_destroy(realm.rd, ipa).ret);
  e = entry(ipa);
  EXPECT_EQ(e.state, RmiRttEntryState::kUnassigned);
  EXPECT_EQ(e.desc, 0U);
  EXPECT_EQ(e.ripas, Ripas::kDestroyed);

  // ASSIGNED with RIPAS DESTROYED (no valid mapping) still reports its address.
  EXPECT_RMI_OK(rmi().data_create_unknown(realm.rd, data, ipa));
  e = entry(ipa);
  EXPECT_EQ(e.state, RmiRttEntryState::kAssigned);
  EXPECT_EQ(e.desc, data.value());
  EXPECT_EQ(e.ripas, Ripas::kDestroyed);
}

TEST_F(RmiRttReadEntry, reports_unprotected_entries_with_ripas_empty) {
  auto e = entry(kUnprotected, RttLevel{1});
  EXPECT_EQ(e.state, RmiRttEntryState::kUnassigned);
  EXPECT_EQ(e.ripas, Ripas::kEmpty);
  const Pa ns = ns_page();
  map_pages(kUnprotected, ns, 1);
  e = entry(kUnprotected);
  EXPECT_EQ(e.walk_level, RttLevel{3});
  EXPECT_EQ(e.state, RmiRttEntryState::kAssigned);
  EXPECT_EQ(e.desc, ns.value() | kNsAttrs);
  EXPECT_EQ(e.ripas, Ripas::kEmpty);
}

// ---- RMI_RTT_MAP_UNPROTECTED ---------------------------------------------------------------

/// A valid call is rtt_map_unprotected(realm.rd, kUnprotected, 3, desc).
class RmiRttMapUnprotected : public RttTest {
 protected:
  RmiRttMapUnprotected() { builder().ensure_tables(realm, kUnprotected, RttLevel{3}); }
  std::uint64_t desc = ns_page().value() | kNsAttrs;
  /// A 2 MiB NS block for level-2 mappings.
  std::uint64_t block_desc() { return ns_run(s2::kEntriesPerTable, kL2).value() | kNsAttrs; }
  abi::RmiReturn call_at(Ipa ipa, RttLevel level) override {
    return rmi().rtt_map_unprotected(realm.rd, ipa, level, level == s2::kMaxLevel ? desc : block_desc());
  }
};

TEST_F(RmiRttMapUnprotected, maps_the_page_with_the_host_attributes) {
  EXPECT_RMI_OK(rmi().rtt_map_unprotected(realm.rd, kUnprotected, RttLevel{3}, desc));
  const auto e = entry(kUnprotected);
  EXPECT_EQ(e.walk_level, RttLevel{3});
  EXPECT_EQ(e.state, RmiRttEntryState::kAssigned);
  EXPECT_EQ(e.desc, desc);
  EXPECT_EQ(e.ripas, Ripas::kEmpty);
}

TEST_F(RmiRttMapUnprotected, maps_a_block_at_level_2) {
  const std::uint64_t block = block_desc() & ~s2::kS2apMask;  // no access at all
  EXPECT_RMI_OK(rmi().rtt_map_unprotected(realm.rd, kUnprotected + kL2, RttLevel{2}, block));
  const auto e = entry(kUnprotected + kL2 + 5 * kL3);
  EXPECT_EQ(e.walk_level, RttLevel{2});
  EXPECT_EQ(e.state, RmiRttEntryState::kAssigned);
  EXPECT_EQ(e.desc, block);
}

TEST_F(RmiRttMapUnprotected, rejects_attr_valid) {
  // Bits the RMM owns (type, AF, NS, XN, SH), the reserved MemAttr, an OA beyond 48 bits.
  const std::uint64_t bad_descs[] = {desc | s2::kTypePage,
                                     desc | s2::kAf,
                                     desc | s2::kNs,
                                     desc | s2::kXnNoExecute,
                                     desc | s2::kShInner,
                                     (desc & ~s2::kMemAttrNsMask) | s2::kMemAttrNsReserved,
                                     desc | (std::uint64_t{1} << s2::kMaxPaBits)};
  for (const std::uint64_t bad : bad_descs) {
    EXPECT_FAILS_WITH(rmi().rtt_map_unprotected(realm.rd, kUnprotected, RttLevel{3}, bad), kInput, 0,
                      "attr_valid")
        << std::hex << bad;
  }
  EXPECT_EQ(entry(kUnprotected).state, RmiRttEntryState::kUnassigned);
}

RMI_RD_CONDITION_TESTS(RmiRttMapUnprotected, realm.rd, realm.rtt_base, rmi().rtt_map_unprotected(rd, kUnprotected, RttLevel{3}, desc))
// ipa_bound: a protected IPA, and one outside the IPA space.
RTT_ADDRESS_CONDITION_TESTS(RmiRttMapUnprotected, ({kUnprotected, RttLevel{0}}, {kUnprotected, RttLevel{4}}),
                            ({kUnprotected + kL3, RttLevel{2}}), ({Ipa{0}, RttLevel{3}}, {kOutside, RttLevel{3}}))
TEST_F(RmiRttMapUnprotected, rejects_addr_align) {
  // A level-2 block needs a 2 MiB aligned output address.
  EXPECT_FAILS_WITH(rmi().rtt_map_unprotected(realm.rd, kUnprotected + kL2, RttLevel{2}, block_desc() + kL3),
                    kInput, 0, "addr_align");
}
TEST_F(RmiRttMapUnprotected, rejects_rtt_walk) {
  EXPECT_FAILS_WITH(rmi().rtt_map_unprotected(realm.rd, kUnprotected + kL1, RttLevel{3}, desc), kRtt, 1,
                    "rtt_walk");
}
TEST_F(RmiRttMapUnprotected, rejects_rtte_state) {
  EXPECT_RMI_OK(rmi().rtt_map_unprotected(realm.rd, kUnprotected, RttLevel{3}, desc));
  const std::uint64_t other = ns_page().value() | kNsAttrs;
  EXPECT_FAILS_WITH(rmi().rtt_map_unprotected(realm.rd, kUnprotected, RttLevel{3}, other), kRtt, 3,
                    "rtte_state");
  EXPECT_EQ(entry(kUnprotected).desc, desc);
  // A TABLE entry cannot be mapped over either.
  EXPECT_FAILS_WITH(rmi().rtt_map_unprotected(realm.rd, kUnprotected, RttLevel{2}, block_desc()), kRtt, 2,
                    "rtte_state");
}

// ---- RMI_RTT_UNMAP_UNPROTECTED -------------------------------------------------------------

/// A valid call is rtt_unmap_unprotected(realm.rd, kUnprotected, 3) of the page `ns`.
class RmiRttUnmapUnprotected : public RttTest {
 protected:
  RmiRttUnmapUnprotected() { map_pages(kUnprotected, ns, 1); }
  Pa ns = ns_page();
  abi::RmiReturn call_at(Ipa ipa, RttLevel level) override { return rmi().rtt_unmap_unprotected(realm.rd, ipa, level).ret; }
  void expect_unchanged() override { EXPECT_EQ(entry(kUnprotected).desc, ns.value() | kNsAttrs); }
};

TEST_F(RmiRttUnmapUnprotected, unmaps_and_reports_the_end_of_the_table_as_top) {
  const auto out = rmi().rtt_unmap_unprotected(realm.rd, kUnprotected, RttLevel{3});
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.top, kUnprotected + kL2);
  const auto e = entry(kUnprotected);
  EXPECT_EQ(e.state, RmiRttEntryState::kUnassigned);
  EXPECT_EQ(e.desc, 0U);
  // The entry is UNASSIGNED_NS again, so it can be mapped again.
  EXPECT_RMI_OK(rmi().rtt_map_unprotected(realm.rd, kUnprotected, RttLevel{3}, ns.value() | kNsAttrs));
}

TEST_F(RmiRttUnmapUnprotected, reports_the_next_live_entry_as_top) {
  map_pages(kUnprotected + 5 * kL3, ns_page(), 1);
  const auto out = rmi().rtt_unmap_unprotected(realm.rd, kUnprotected, RttLevel{3});
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.top, kUnprotected + 5 * kL3);
}

TEST_F(RmiRttUnmapUnprotected, unmaps_a_block) {
  const std::uint64_t block = ns_run(s2::kEntriesPerTable, kL2).value() | kNsAttrs;
  EXPECT_RMI_OK(rmi().rtt_map_unprotected(realm.rd, kUnprotected + kL2, RttLevel{2}, block));
  const auto out = rmi().rtt_unmap_unprotected(realm.rd, kUnprotected + kL2, RttLevel{2});
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.top, kUnprotected + kL1);
  EXPECT_EQ(entry(kUnprotected + kL2).state, RmiRttEntryState::kUnassigned);
}

RMI_RD_CONDITION_TESTS(RmiRttUnmapUnprotected, realm.rd, realm.rtt_base, rmi().rtt_unmap_unprotected(rd, kUnprotected, RttLevel{3}).ret)
RTT_ADDRESS_CONDITION_TESTS(RmiRttUnmapUnprotected, ({kUnprotected, RttLevel{0}}, {kUnprotected, RttLevel{4}}),
                            ({kUnprotected + kL3, RttLevel{2}}), ({Ipa{0}, RttLevel{3}}, {kOutside, RttLevel{3}}))
TEST_F(RmiRttUnmapUnprotected, rejects_rtt_walk) {
  // The walk stops in the second starting table, which has no live entry after this one.
  const auto out = rmi().rtt_unmap_unprotected(realm.rd, kUnprotected + kL1, RttLevel{3});
  EXPECT_FAILS_WITH(out.ret, kRtt, 1, "rtt_walk");
  EXPECT_EQ(out.top, kOutside);
}
TEST_F(RmiRttUnmapUnprotected, rejects_rtte_state) {
  map_pages(kUnprotected + 5 * kL3, ns_page(), 1);
  const auto out = rmi().rtt_unmap_unprotected(realm.rd, kUnprotected + kL3, RttLevel{3});
  EXPECT_FAILS_WITH(out.ret, kRtt, 3, "rtte_state");
  EXPECT_EQ(out.top, kUnprotected + 5 * kL3);
  // A TABLE entry is not an NS mapping either.
  EXPECT_FAILS_WITH(rmi().rtt_unmap_unprotected(realm.rd, kUnprotected, RttLevel{2}).ret, kRtt, 2,
                    "rtte_state");
  EXPECT_EQ(entry(kUnprotected).state, RmiRttEntryState::kAssigned);
}

// ---- RMI_RTT_INIT_RIPAS --------------------------------------------------------------------

/// A valid call is rtt_init_ripas(realm.rd, 0, 1 GiB): one level-1 entry.
class RmiRttInitRipas : public RttTest {
 protected:
  rmm::Measurement rim() { return rmm().realm(realm.rd)->measurements[0]; }
};

TEST_F(RmiRttInitRipas, sets_ripas_ram_and_returns_top) {
  const auto out = rmi().rtt_init_ripas(realm.rd, Ipa{0}, Ipa{kL1});
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.top, Ipa{kL1});
  EXPECT_EQ(entry(Ipa{kL1 - kL3}).ripas, Ripas::kRam);
  EXPECT_EQ(entry(Ipa{kL1}).ripas, Ripas::kEmpty);
}

TEST_F(RmiRttInitRipas, measures_each_entry) {
  const auto algo = abi::RmiHashAlgorithm::kSha256;
  const auto expected = rmm::rim_extend_ripas(
      algo, rmm::rim_extend_ripas(algo, rim(), Ipa{0}, Ipa{kL1}), Ipa{kL1}, Ipa{2 * kL1});
  EXPECT_RMI_OK(rmi().rtt_init_ripas(realm.rd, Ipa{0}, Ipa{2 * kL1}).ret);
  EXPECT_EQ(rim(), expected);
}

TEST_F(RmiRttInitRipas, stops_at_a_table) {
  (void)table(Ipa{2 * kL1}, RttLevel{2});
  const auto out = rmi().rtt_init_ripas(realm.rd, Ipa{0}, Ipa{4 * kL1});
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.top, Ipa{2 * kL1});
  EXPECT_EQ(entry(Ipa{2 * kL1}).ripas, Ripas::kEmpty);
}

TEST_F(RmiRttInitRipas, covers_whole_entries_up_to_top) {
  builder().ensure_tables(realm, Ipa{0}, RttLevel{3});
  const auto out = rmi().rtt_init_ripas(realm.rd, Ipa{kL3}, Ipa{4 * kL3});
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.top, Ipa{4 * kL3});
  EXPECT_EQ(entry(Ipa{0}).ripas, Ripas::kEmpty);
  EXPECT_EQ(entry(Ipa{3 * kL3}).ripas, Ripas::kRam);
  EXPECT_EQ(entry(Ipa{4 * kL3}).ripas, Ripas::kEmpty);
}

RMI_RD_CONDITION_TESTS(RmiRttInitRipas, realm.rd, realm.rtt_base, rmi().rtt_init_ripas(rd, Ipa{0}, Ipa{kL1}).ret)
TEST_F(RmiRttInitRipas, rejects_size_valid) {
  EXPECT_FAILS_WITH(rmi().rtt_init_ripas(realm.rd, Ipa{kL1}, Ipa{kL1}).ret, kInput, 0,
                    "size_valid");
  EXPECT_FAILS_WITH(rmi().rtt_init_ripas(realm.rd, Ipa{kL1}, Ipa{0}).ret, kInput, 0, "size_valid");
}
TEST_F(RmiRttInitRipas, rejects_top_bound) {
  // The last granule of the range would be unprotected.
  EXPECT_FAILS_WITH(rmi().rtt_init_ripas(realm.rd, Ipa{0}, kUnprotected + kL3).ret, kInput, 0,
                    "top_bound");
  // The end of the protected half itself is a valid top.
  EXPECT_RMI_OK(rmi().rtt_init_ripas(realm.rd, Ipa{kUnprotected.value() - kL1}, kUnprotected).ret);
}
TEST_F(RmiRttInitRipas, rejects_realm_state) {
  EXPECT_RMI_OK(rmi().realm_activate(realm.rd));
  EXPECT_FAILS_WITH(rmi().rtt_init_ripas(realm.rd, Ipa{0}, Ipa{kL1}).ret, kRealm, 0, "realm_state");
  EXPECT_EQ(entry(Ipa{0}).ripas, Ripas::kEmpty);
}
TEST_F(RmiRttInitRipas, rejects_base_align) {
  // The walk stops at a 1 GiB level-1 entry that base is not aligned to.
  EXPECT_FAILS_WITH(rmi().rtt_init_ripas(realm.rd, Ipa{kL2}, Ipa{kL1}).ret, kRtt, 1, "base_align");
}
TEST_F(RmiRttInitRipas, rejects_rtte_state) {
  builder().ensure_tables(realm, Ipa{0}, RttLevel{3});
  EXPECT_RMI_OK(rmi().data_create_unknown(realm.rd, delegated(), Ipa{0}));
  EXPECT_FAILS_WITH(rmi().rtt_init_ripas(realm.rd, Ipa{0}, Ipa{kL3}).ret, kRtt, 3, "rtte_state");
  EXPECT_EQ(entry(Ipa{0}).ripas, Ripas::kEmpty);
}
TEST_F(RmiRttInitRipas, rejects_top_gran_align) {
  EXPECT_FAILS_WITH(rmi().rtt_init_ripas(realm.rd, Ipa{0}, Ipa{kL1 + 0x800}).ret, kInput, 0,
                    "top_gran_align");
}
TEST_F(RmiRttInitRipas, rejects_no_progress) {
  // [0, 4 KiB) covers no whole level-1 entry.
  EXPECT_FAILS_WITH(rmi().rtt_init_ripas(realm.rd, Ipa{0}, Ipa{kL3}).ret, kRtt, 1, "no_progress");
  // An UNASSIGNED entry whose RIPAS is DESTROYED is not (re)initialised (TF-RMM's reading).
  builder().ensure_tables(realm, Ipa{0}, RttLevel{3});
  EXPECT_RMI_OK(rmi().data_create(realm.rd, delegated(), Ipa{0}, ns_page(), 0));
  EXPECT_RMI_OK(rmi().data_destroy(realm.rd, Ipa{0}).ret);
  EXPECT_FAILS_WITH(rmi().rtt_init_ripas(realm.rd, Ipa{0}, Ipa{kL3}).ret, kRtt, 3, "no_progress");
}

}  // namespace
}  // namespace caec::testing
