// A restored system runs realms exactly as the system the snapshot was taken of: the same
// RIDs, memory that holds nothing of the runs in between, the same granule states and PAS,
// and the host's memory back.
#include "testing/system_snapshot.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "inspect/csm_invariants.h"
#include "inspect/granule_accounting.h"
#include "realm/boot.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::testing {
namespace {

/// Reads a RAM word that is zero on a fresh system, then writes it: a stale page after a
/// restore makes it exit 1.
int snapshot_probe(realm::Realm& r) {
  auto* word = r.as<std::uint64_t>(r.ram().first + 3 * kGranuleSize);
  const std::uint64_t seen = *word;
  *word = 0x5eed;
  r.print("seen " + std::to_string(seen) + ", RID " + std::to_string(r.config().rid) + "\n");
  return seen == 0 ? 0 : 1;
}
CAEC_REALM_PROGRAM("snapshot-probe", snapshot_probe);

machine::MachineConfig config() {
  machine::MachineConfig c;
  c.dram_bytes = 16ULL << 20U;
  return c;
}

host::LaunchSpec spec(std::uint16_t vmid) {
  host::LaunchSpec s;
  s.name = "probe" + std::to_string(vmid);
  s.realm.vmid = vmid;
  s.manifest = {"snapshot-probe", 1, {}};
  s.ram_size = 2ULL << 20U;
  return s;
}

class SystemSnapshotTest : public ::testing::Test {
 protected:
  platform::System system_{config(), realm::boot};
  host::Host host_{system_.machine()};
  host::Vmm vmm_{host_, [this](Pa rec) { system_.platform().interrupt(rec); }};
  rmm::RmmIntrospection rmm_{system_.rmm()};

  struct Picture {
    inspect::GranuleCensus census;
    std::vector<machine::Gpt::Entry> gpt;
    std::uint64_t free;
    bool operator==(const Picture&) const = default;
  };
  Picture picture() {
    Picture p{inspect::granule_census(rmm_, system_.machine()), {}, host_.pool().free_granules()};
    for (machine::GranuleIndex i; i < system_.machine().memory().end_index(); ++i) p.gpt.push_back(system_.machine().gpt().entry(i));
    return p;
  }
  /// Runs `r` to its end; its console.
  std::string run(host::VmRealm& r) {
    vmm_.start(r);
    EXPECT_TRUE(vmm_.wait(r));
    vmm_.stop(r);
    EXPECT_EQ(r.exit_status(), 0) << r.console() << r.error();
    return r.console();
  }
};

TEST_F(SystemSnapshotTest, a_realm_runs_after_every_restore_as_on_the_system_that_was_snapshot) {
  host::VmRealm& r = vmm_.launch(spec(1));
  const Picture before = picture();
  SystemSnapshot snapshot(system_, host_, vmm_);
  const std::string first = run(r);
  EXPECT_NE(first.find("seen 0"), std::string::npos);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(picture(), before);  // the run populated RAM
    snapshot.restore();
    EXPECT_EQ(picture(), before);
    EXPECT_TRUE(inspect::csm_invariant_violations(rmm_, system_.machine()).empty());
    EXPECT_TRUE(inspect::pas_violations(rmm_, system_.machine()).empty());
    EXPECT_EQ(run(r), first);  // same RID, and the page it wrote reads zero again
  }
}

TEST_F(SystemSnapshotTest, forgets_realms_created_since_and_gives_their_rids_and_vmids_out_again) {
  host::VmRealm& r = vmm_.launch(spec(1));
  const Picture before = picture();
  SystemSnapshot snapshot(system_, host_, vmm_);
  snapshot.note_vmid(2);
  host::VmRealm& later = vmm_.launch(spec(2));
  const std::string later_console = run(later);
  snapshot.restore();
  EXPECT_EQ(picture(), before);
  EXPECT_EQ(rmm_.realms().size(), 1U);
  EXPECT_FALSE(rmm_.vmid_in_use(2));
  snapshot.note_vmid(2);
  host::VmRealm& again = vmm_.launch(spec(2));  // the same RID as `later` had
  EXPECT_EQ(run(again), later_console);
  EXPECT_NE(run(r).find("seen 0"), std::string::npos);
}

}  // namespace
}  // namespace caec::testing
