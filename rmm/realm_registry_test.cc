// The RID registry against a map: random adds, removes and lookups (RIDs monotonic, as
// REALM_CREATE makes them), including lookups of RIDs that never existed or are gone. Without
// tombstones, deletions must keep every live RID findable.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>

#include "rmm/realm_registry.h"

namespace caec::rmm {
namespace {

TEST(RealmRegistry, agrees_with_a_map_through_many_realms_coming_and_going) {
  auto registry = std::make_unique<RealmRegistry>();
  std::map<std::uint64_t, Pa> live;
  std::mt19937_64 rng(15);
  std::uint64_t next_rid = 1;
  for (int step = 0; step < 400000; ++step) {
    const auto op = rng() % 3;
    if (op == 0 && live.size() < 60000) {
      const Pa rd{(rng() % (1U << 20U)) * kGranuleSize};
      registry->add(Rid{next_rid}, rd);
      live[next_rid++] = rd;
    } else if (op == 1 && !live.empty()) {
      auto it = live.lower_bound(rng() % next_rid);
      if (it == live.end()) it = live.begin();
      registry->remove(Rid{it->first});
      live.erase(it);
    } else {
      const std::uint64_t rid = rng() % (next_rid + 10);
      const auto found = registry->find(Rid{rid});
      const auto it = live.find(rid);
      ASSERT_EQ(found.has_value(), it != live.end()) << "RID " << rid << " at step " << step;
      if (found) {
        ASSERT_EQ(*found, it->second);
      }
    }
  }
  EXPECT_EQ(registry->snapshot().size(), live.size());
  for (const auto& [rid, rd] : live) EXPECT_EQ(registry->find(Rid{rid}), rd);
}

}  // namespace
}  // namespace caec::rmm
