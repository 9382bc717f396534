// Whole-system checks the fault-injection and stress tests run at quiescent points: the CSM
// invariants, the RMM's granule states against the GPT, and whether the memory the host and
// the RMM hold is back where it started.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host/host.h"
#include "inspect/granule_accounting.h"
#include "machine/machine.h"
#include "rmm/introspect/introspect.h"

namespace caec::testing {

/// What a quiescent system holds: the host's free granules and the RMM's granule states.
struct MemoryBaseline {
  std::uint64_t free_granules = 0;
  inspect::GranuleCensus census{};

  [[nodiscard]] static MemoryBaseline take(host::Host& host, rmm::RmmIntrospection& rmm,
                                           const machine::Machine& m);
};

/// CSM invariants (csm-abi.md §6) and RMM state = GPT for every granule; `when` names the
/// point in the scenario in the failure messages.
void expect_consistent(rmm::RmmIntrospection& rmm, const machine::Machine& m, const std::string& when);

/// Nothing leaked since `baseline`: every granule the host delegated came back, none is kept
/// aside, and the RMM holds as many granules in each state as it did then.
void expect_baseline(const MemoryBaseline& baseline, host::Host& host, rmm::RmmIntrospection& rmm,
                     const machine::Machine& m, const std::string& when);

/// Every granule in `granules` is back in the NS PAS and reads as zero there: what a realm
/// kept in them was scrubbed before the host got them back.
void expect_scrubbed(const std::vector<Pa>& granules, const machine::Machine& m, const std::string& when);

/// The anonymous memory of this process (RssAnon), in KiB: heaps and thread stacks, not the
/// emulated DRAM (a shared memfd).
[[nodiscard]] std::uint64_t anonymous_rss_kib();

/// Bytes the process's allocator has handed out and not had back: what a leak grows. Unlike
/// RSS it ignores the allocator's caches, and under AddressSanitizer its quarantine of freed
/// blocks (up to 256 MiB), so one bound holds in every build.
[[nodiscard]] std::uint64_t live_heap_bytes();

}  // namespace caec::testing
