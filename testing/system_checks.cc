#include "testing/system_checks.h"

#include "machine/asan.h"
#if CAEC_ASAN
#include <sanitizer/allocator_interface.h>
#else
#include <malloc.h>
#endif

#include <array>
#include <fstream>
#include <sstream>

#include "inspect/csm_invariants.h"

namespace caec::testing {

MemoryBaseline MemoryBaseline::take(host::Host& host, rmm::RmmIntrospection& rmm,
                                    const machine::Machine& m) {
  return {host.pool().free_granules(), inspect::granule_census(rmm, m)};
}

void expect_consistent(rmm::RmmIntrospection& rmm, const machine::Machine& m, const std::string& when) {
  for (const auto& line : inspect::csm_invariant_violations(rmm, m)) {
    ADD_FAILURE() << when << ": CSM invariant: " << line;
  }
  for (const auto& line : inspect::pas_violations(rmm, m)) ADD_FAILURE() << when << ": " << line;
}

void expect_baseline(const MemoryBaseline& baseline, host::Host& host, rmm::RmmIntrospection& rmm,
                     const machine::Machine& m, const std::string& when) {
  EXPECT_EQ(host.stranded().size(), 0U) << when << ": granules still kept aside";
  EXPECT_EQ(host.pool().free_granules(), baseline.free_granules) << when << ": host granules leaked";
  const auto census = inspect::granule_census(rmm, m);
  EXPECT_EQ(census, baseline.census) << when << ": RMM granule states " << inspect::describe(census)
                                     << ", at the start " << inspect::describe(baseline.census);
}

void expect_scrubbed(const std::vector<Pa>& granules, const machine::Machine& m, const std::string& when) {
  std::array<std::byte, kGranuleSize> page{};
  for (Pa g : granules) {
    ASSERT_EQ(m.host_view().read(g, page), machine::Access::kOk)
        << when << ": granule 0x" << std::hex << g.value() << " is not back in the NS PAS";
    EXPECT_EQ(page, (std::array<std::byte, kGranuleSize>{}))
        << when << ": granule 0x" << std::hex << g.value() << " came back to the host unscrubbed";
  }
}

std::uint64_t live_heap_bytes() {
#if CAEC_ASAN
  return __sanitizer_get_current_allocated_bytes();
#else
  return mallinfo2().uordblks;
#endif
}

std::uint64_t anonymous_rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("RssAnon:", 0) != 0) continue;
    std::istringstream fields(line.substr(8));
    std::uint64_t kib = 0;
    fields >> kib;
    return kib;
  }
  return 0;
}

}  // namespace caec::testing
