// The RID registry against a map: random adds, removes and lookups (RIDs monotonic, as
// REALM_CREATE makes them), including lookups of RIDs that never existed or are gone. Without
// tombstones, deletions must keep every live RID findable.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <set>

#include "rmm/csm/realm_registry.h"

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
  EXPECT_EQ(registry->size(), live.size());
  std::map<std::uint64_t, Pa> walked;
  RealmRegistry::Walk walk(*registry);
  while (const auto next = walk.next()) walked[static_cast<std::uint64_t>(next->first)] = next->second;
  EXPECT_EQ(walked, live);
  for (const auto& [rid, rd] : live) EXPECT_EQ(registry->find(Rid{rid}), rd);
}

// The teardown sweep's promise: a realm live before the walk and after it was visited, however
// realms came and went between its steps (removal moves the last entry into the hole).
TEST(RealmRegistry, a_walk_misses_no_realm_that_lived_throughout) {
  std::mt19937_64 rng(19);
  for (int round = 0; round < 200; ++round) {
    auto registry = std::make_unique<RealmRegistry>();
    std::set<std::uint64_t> live;
    std::uint64_t next_rid = 1;
    for (int i = 0, n = static_cast<int>(rng() % 64); i < n; ++i) {
      registry->add(Rid{next_rid}, Pa{next_rid * kGranuleSize});
      live.insert(next_rid++);
    }
    const std::set<std::uint64_t> before = live;
    std::set<std::uint64_t> visited;
    RealmRegistry::Walk walk(*registry);
    for (;;) {
      for (int churn = static_cast<int>(rng() % 4); churn > 0; --churn) {
        if (rng() % 2 == 0 && !live.empty()) {
          auto it = live.begin();
          std::advance(it, static_cast<long>(rng() % live.size()));
          registry->remove(Rid{*it});
          live.erase(it);
        } else {
          registry->add(Rid{next_rid}, Pa{next_rid * kGranuleSize});
          live.insert(next_rid++);
        }
      }
      const auto next = walk.next();
      if (!next) break;
      visited.insert(static_cast<std::uint64_t>(next->first));
      EXPECT_EQ(next->second, Pa{static_cast<std::uint64_t>(next->first) * kGranuleSize});
    }
    for (const std::uint64_t rid : before) {
      if (live.count(rid) != 0) {
        EXPECT_EQ(visited.count(rid), 1U) << "round " << round << ": RID " << rid << " missed";
      }
    }
  }
}

}  // namespace
}  // namespace caec::rmm
