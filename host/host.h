// The reference hypervisor (untrusted by design): its RMI, its memory and its view of the
// machine's Non-secure memory.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/granule_pool.h"
#include "host/ram_backing.h"
#include "host/rmi_client.h"
#include "machine/machine.h"

namespace caec::host {

/// A host operation failed; the message names the command, its arguments and the status.
class HostError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Host {
 public:
  /// The host manages all DRAM except the firmware's carve-outs (from the memory map).
  explicit Host(machine::Machine& m);

  [[nodiscard]] machine::Machine& machine() { return machine_; }
  [[nodiscard]] RmiClient& rmi() { return rmi_; }
  [[nodiscard]] GranulePool& pool() { return pool_; }
  /// Runs reserved for realm RAM (see ram_backing.h).
  [[nodiscard]] RamBacking& ram_backing() { return ram_backing_; }
  [[nodiscard]] const machine::HostView& memory() const { return machine_.host_view(); }

  /// `count` contiguous free granules aligned to `align` bytes, still in the Non-secure PAS;
  /// when none are free, RAM reservations are trimmed and stranded granules retried first.
  [[nodiscard]] std::optional<Pa> allocate(std::uint64_t count = 1, std::uint64_t align = kGranuleSize);
  /// Allocates `count` contiguous granules and delegates each; throws HostError on failure
  /// (after giving back whatever this call delegated).
  [[nodiscard]] Pa delegate_new(std::uint64_t count = 1, std::uint64_t align = kGranuleSize);
  /// Delegates one granule the host already holds (allocated from its pool); throws HostError
  /// if the RMM refuses, after giving the granule back to the pool.
  void delegate_held(Pa pa);
  /// The granule at `pa`, if it is free (trimming RAM reservations first if one holds it).
  [[nodiscard]] bool allocate_at(Pa pa);
  /// Undelegates and frees granules this host delegated. A granule the RMM refuses to
  /// undelegate (EL3 said "not now": it stays DELEGATED, zero, in the Realm PAS) is kept aside,
  /// not freed, so teardown never stops half way; reclaim() tries those again.
  void undelegate_and_free(Pa pa, std::uint64_t count = 1);
  /// Undelegates the granules kept aside; returns how many are still refused.
  std::size_t reclaim();
  /// Granules kept aside by undelegate_and_free (still delegated).
  [[nodiscard]] std::vector<Pa> stranded() const;
  /// Granules this host has delegated and not yet undelegated (stranded ones included).
  [[nodiscard]] std::uint64_t delegated() const { return delegated_.load(std::memory_order_relaxed); }

  /// What the host holds (its pool, RAM reservations, granules kept aside), to put it back
  /// later (testing/system_snapshot.h). Only while no other thread uses the host.
  struct State {
    GranulePool::State pool;
    RamBacking::State ram;
    std::vector<Pa> stranded;
    std::uint64_t delegated = 0;
  };
  [[nodiscard]] State state() const;
  void restore(const State& s);

 private:
  machine::Machine& machine_;
  RmiClient rmi_;
  GranulePool pool_;
  RamBacking ram_backing_{pool_};
  mutable std::mutex stranded_mutex_;
  std::vector<Pa> stranded_;
  std::atomic<std::uint64_t> delegated_{0};
};

/// Throws HostError("<what>: <status>") unless `ret` is RMI_SUCCESS.
void expect_ok(abi::RmiReturn ret, const std::string& what);

}  // namespace caec::host
