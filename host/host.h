// The reference hypervisor (untrusted by design): its RMI, its memory and its view of the
// machine's Non-secure memory.
#pragma once

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/granule_pool.h"
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
  [[nodiscard]] const machine::HostView& memory() const { return machine_.host_view(); }

  /// Allocates `count` contiguous granules and delegates each; throws HostError on failure
  /// (after giving back whatever this call delegated).
  [[nodiscard]] Pa delegate_new(std::uint64_t count = 1, std::uint64_t align = kGranuleSize);
  /// Undelegates and frees granules this host delegated. A granule the RMM refuses to
  /// undelegate (EL3 said "not now": it stays DELEGATED, zero, in the Realm PAS) is kept aside,
  /// not freed, so teardown never stops half way; reclaim() tries those again.
  void undelegate_and_free(Pa pa, std::uint64_t count = 1);
  /// Undelegates the granules kept aside; returns how many are still refused.
  std::size_t reclaim();
  /// Granules kept aside by undelegate_and_free (still delegated).
  [[nodiscard]] std::vector<Pa> stranded() const;

 private:
  machine::Machine& machine_;
  RmiClient rmi_;
  GranulePool pool_;
  mutable std::mutex stranded_mutex_;
  std::vector<Pa> stranded_;
};

/// Throws HostError("<what>: <status>") unless `ret` is RMI_SUCCESS.
void expect_ok(abi::RmiReturn ret, const std::string& what);

}  // namespace caec::host
