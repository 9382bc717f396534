// The Non-secure world's view of physical memory.
//
// A window as large as DRAM in which only granules whose PAS is Non-secure are accessible:
// EL3 revokes a granule from the window when it leaves the NS PAS and restores it when it comes
// back. So the hypervisor physically cannot touch realm memory: a direct access faults, and
// the checked accessors report a typed Granule Protection Fault.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "caec/abi/types.h"
#include "machine/phys_mem.h"

namespace caec::machine {

enum class Access : std::uint8_t {
  kOk = 0,
  kGranuleProtectionFault,  // some granule in the range is not in the Non-secure PAS
  kOutOfRange,              // the range leaves DRAM
};
[[nodiscard]] const char* access_name(Access a);

class HostView {
 public:
  explicit HostView(const PhysMem& mem);
  ~HostView();
  HostView(const HostView&) = delete;
  HostView& operator=(const HostView&) = delete;

  /// Direct pointer into the window. Dereferencing it for a non-NS granule faults.
  [[nodiscard]] std::byte* ptr(Pa pa) const;
  [[nodiscard]] Access read(Pa pa, std::span<std::byte> out) const;
  [[nodiscard]] Access write(Pa pa, std::span<const std::byte> in) const;
  [[nodiscard]] Access fill(Pa pa, std::byte value, std::uint64_t size) const;

 private:
  friend class El3Monitor;
  friend class Machine;
  friend class MachineSnapshot;
  // Each boundary between accessible and revoked granules costs the process one mapping (Linux
  // allows 65,530); the reference host keeps realm RAM in 2 MiB runs (host/ram_backing.h), so
  // boundaries stay few.
  void revoke(Pa pa) const;   // granule left the NS PAS
  void restore(Pa pa) const;  // granule came back to the NS PAS
  [[nodiscard]] bool range_ok(Pa pa, std::uint64_t size) const;

  const PhysMem& mem_;
  std::byte* window_ = nullptr;
};

}  // namespace caec::machine
