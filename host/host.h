// The reference hypervisor (untrusted by design): its RMI, its memory and its view of the
// machine's Non-secure memory.
#pragma once

#include <stdexcept>
#include <string>

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

  /// Allocates `count` contiguous granules and delegates each; throws HostError on failure.
  [[nodiscard]] Pa delegate_new(std::uint64_t count = 1, std::uint64_t align = kGranuleSize);
  /// Undelegates and frees granules this host delegated.
  void undelegate_and_free(Pa pa, std::uint64_t count = 1);

 private:
  machine::Machine& machine_;
  RmiClient rmi_;
  GranulePool pool_;
};

/// Throws HostError("<what>: <status>") unless `ret` is RMI_SUCCESS.
void expect_ok(abi::RmiReturn ret, const std::string& what);

}  // namespace caec::host
