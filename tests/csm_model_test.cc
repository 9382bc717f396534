// The CSM reference model on its own (no RMM): the rules it encodes from csm-abi.md and
// docs/csm.md, so a change to the model that breaks one shows here, not as an "RMM bug".
#include "tests/csm_model.h"

#include <gtest/gtest.h>

namespace caec::testing::csm_model {
namespace {

constexpr std::uint64_t kRegion = 0x200000;
constexpr std::uint64_t kRange = 0x300000;
constexpr auto kPage = kGranuleSize;

std::uint64_t raw(Rid r) { return static_cast<std::uint64_t>(r); }

/// A provider and a consumer attached to a populated two-granule region with `perm`.
struct Attached {
  Model m;
  Rid p = m.launch();
  Rid c = m.launch();
  std::uint64_t id = 0;
  explicit Attached(std::uint64_t perm = 2) {
    id = m.create(p, kRegion, 2 * kPage, CsmId{7}, true).x1;
    const auto k = m.share(p, id, raw(c), perm).x1;
    EXPECT_TRUE(m.reserve(c, raw(p), k, kRange, 2 * kPage).ok());
    EXPECT_EQ(m.attach(c, raw(p), k).x1, perm);
  }
};

TEST(CsmReferenceModel, rids_count_from_one_and_k_counts_sharings_per_pair) {
  Model m;
  const Rid p = m.launch();
  const Rid c = m.launch();
  EXPECT_EQ(raw(p), 1U);
  EXPECT_EQ(raw(c), 2U);
  const auto id = m.create(p, kRegion, kPage, CsmId{5}, true).x1;
  EXPECT_EQ(m.share(p, id, raw(c), 1).x1, 0U);
  EXPECT_TRUE(m.revoke(p, raw(c), 0).ok());
  EXPECT_EQ(m.share(p, id, raw(c), 1).x1, 1U);  // never reused
  EXPECT_EQ(m.share(p, id, raw(p), 1).label, "consumer");
  EXPECT_EQ(m.share(p, id, 99, 1).label, "consumer");
  EXPECT_EQ(m.share(p, id, raw(c), 3).label, "perm");
  EXPECT_EQ(m.create(p, kRegion + kPage, kPage, CsmId{4}, true).x1, 0U);  // an id not above 5
}

TEST(CsmReferenceModel, an_apt_granule_holds_63_entries_and_a_first_sharing_takes_two) {
  Model m;
  const Rid p = m.launch();
  const Rid c = m.launch();
  std::uint64_t id = 0;
  for (std::uint64_t n = 0; n < 62; ++n) id = m.create(p, 0x400000 + n * kPage, kPage, CsmId{n + 1}, false).x1;
  EXPECT_EQ(m.free_entries(p), 1U);
  EXPECT_EQ(m.share(p, id, raw(c), 2).status, RsiStatus::kErrorCapacity);
  EXPECT_TRUE(m.apt_create(p).ret.ok());
  EXPECT_TRUE(m.share(p, id, raw(c), 2).ok());
  EXPECT_EQ(m.free_entries(p), 63U + 1U - 2U);
  EXPECT_TRUE(m.share(p, id, raw(c), 2).ok());  // the pair counter exists: one entry
  EXPECT_EQ(m.free_entries(p), 61U);
}

TEST(CsmReferenceModel, attach_maps_populated_granules_and_revoke_unmaps_them) {
  Attached a(1);
  const Page mapped = a.m.page(a.c, kRange + kPage);
  EXPECT_EQ(mapped.kind, Page::Kind::kForeign);
  EXPECT_TRUE(mapped.read_only);
  EXPECT_EQ(mapped.granule, a.m.page(a.p, kRegion + kPage).granule);
  EXPECT_EQ(a.m.refcount(mapped.granule), 1U);
  EXPECT_EQ(a.m.access(a.c, kRange, /*write=*/true, 1).kind, AccessKind::kAbort);
  EXPECT_EQ(a.m.access(a.p, kRegion, /*write=*/true, 42).kind, AccessKind::kData);
  EXPECT_EQ(a.m.access(a.c, kRange, /*write=*/false, 0).value, 42U);
  EXPECT_TRUE(a.m.revoke(a.p, raw(a.c), 0).ok());
  EXPECT_EQ(a.m.page(a.c, kRange).kind, Page::Kind::kUnassigned);
  EXPECT_EQ(a.m.page(a.c, kRange).ripas, ripas_bit(Ripas::kEmpty));
  EXPECT_EQ(a.m.refcount(mapped.granule), 0U);
  EXPECT_EQ(a.m.access(a.c, kRange, false, 0).kind, AccessKind::kAbort);
  EXPECT_EQ(a.m.attach(a.c, raw(a.p), 0).label, "sharing_gone");
  EXPECT_TRUE(a.m.detach(a.c, raw(a.p), 0).ok());
}

TEST(CsmReferenceModel, host_data_commands_propagate_through_the_region) {
  Attached a;
  const GranuleId g = a.m.page(a.p, kRegion).granule;
  // A consumer's mapping: only it goes, the provider's granule is returned but stays DATA.
  const auto out = a.m.data_destroy(a.c, kRange);
  EXPECT_TRUE(out.foreign);
  EXPECT_EQ(out.granule, g);
  EXPECT_EQ(a.m.page(a.p, kRegion).kind, Page::Kind::kPrivate);
  EXPECT_EQ(a.m.data_create_unknown(a.c, kRange).label, "csm_reservation");
  // The provider's: every consumer first, entries mirror DESTROYED.
  EXPECT_FALSE(a.m.data_destroy(a.p, kRegion + kPage).foreign);
  EXPECT_EQ(a.m.page(a.c, kRange + kPage).ripas, ripas_bit(Ripas::kDestroyed));
  EXPECT_EQ(a.m.access(a.p, kRegion + kPage, false, 0).kind, AccessKind::kExitAbort);
  // A new granule under RIPAS DESTROYED reaches nobody.
  EXPECT_TRUE(a.m.data_create_unknown(a.p, kRegion + kPage).ret.ok());
  EXPECT_EQ(a.m.page(a.c, kRange + kPage).kind, Page::Kind::kUnassigned);
}

TEST(CsmReferenceModel, a_lazy_hosts_region_reaches_consumers_when_populated) {
  Model m;
  const Rid p = m.launch();
  const Rid c = m.launch();
  const auto id = m.create(p, kRegion, kPage, CsmId{1}, /*host_populates=*/false).x1;
  const auto k = m.share(p, id, raw(c), 2).x1;
  EXPECT_TRUE(m.reserve(c, raw(p), k, kRange, kPage).ok());
  EXPECT_TRUE(m.attach(c, raw(p), k).ok());
  EXPECT_EQ(m.page(c, kRange).kind, Page::Kind::kUnassigned);
  EXPECT_EQ(m.access(p, kRegion, true, 9).kind, AccessKind::kExitPopulate);
  EXPECT_EQ(m.page(c, kRange).kind, Page::Kind::kForeign);
  EXPECT_EQ(m.access(c, kRange, false, 0).value, 9U);
}

TEST(CsmReferenceModel, teardown_closes_the_realm_and_ends_its_relations_both_ways) {
  Attached a;
  // The consumer also provides to the provider: relations both ways.
  const auto id2 = a.m.create(a.c, kRegion, kPage, CsmId{8}, true).x1;
  const auto k2 = a.m.share(a.c, id2, raw(a.p), 1).x1;
  EXPECT_TRUE(a.m.reserve(a.p, raw(a.c), k2, kRange, kPage).ok());
  EXPECT_TRUE(a.m.attach(a.p, raw(a.c), k2).ok());
  EXPECT_EQ(a.m.apt_destroy(a.p).label, "realm_running");
  a.m.system_off(a.p);
  EXPECT_EQ(a.m.apt_create(a.p).label, "realm_state");
  EXPECT_TRUE(a.m.apt_destroy(a.p).ret.ok());
  EXPECT_EQ(a.m.create(a.p, 0x400000, kPage, CsmId{9}, true).label, "realm_closing");
  EXPECT_EQ(a.m.share(a.c, id2, raw(a.p), 1).label, "consumer");
  EXPECT_EQ(a.m.attach(a.c, raw(a.p), 0).label, "sharing_gone");  // its reservation is DEAD
  EXPECT_EQ(a.m.page(a.c, kRange).kind, Page::Kind::kUnassigned);
  EXPECT_EQ(a.m.page(a.p, kRange).kind, Page::Kind::kUnassigned);
  EXPECT_TRUE(a.m.detach(a.c, raw(a.p), 0).ok());
  a.m.destroy_realm(a.p);
  EXPECT_FALSE(a.m.live(a.p));
  EXPECT_EQ(a.m.reserve(a.c, raw(a.p), 0, kRange, 2 * kPage).label, "no_sharing");
}

}  // namespace
}  // namespace caec::testing::csm_model
