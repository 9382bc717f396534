// A platform for tests of RMM parts that need no machine: one scratch granule behind every PA,
// no realms, EL3 answering OK. Tests derive from it to change one port.
#pragma once

#include <array>

#include "rmm/port/platform.h"

namespace caec::rmm {

/// Enough of a platform for GranuleTable::transition (the scrub of an edge into DELEGATED).
class ScratchPlatform : public Platform {
 public:
  [[nodiscard]] DramBank dram() const override { return {Pa{0}, 16}; }
  [[nodiscard]] BootOptions boot_options() const override { return {}; }
  [[nodiscard]] abi::El3Status el3_call(abi::El3Fid, Pa) override { return abi::El3Status::kOk; }
  void el3_smc(abi::SmcRegs&) override {}
  [[nodiscard]] std::span<std::byte> el3_shared_buffer() override { return {}; }
  [[nodiscard]] std::byte* map_granule(Pa) override { return page_.data(); }
  [[nodiscard]] bool ns_read(Pa, std::span<std::byte>) override { return false; }
  [[nodiscard]] bool ns_write(Pa, std::span<const std::byte>) override { return false; }
  void tlbi_ipa(Vmid, Ipa, std::uint64_t) override {}
  void tlbi_vmid(Vmid) override {}
  [[nodiscard]] bool realm_run(Pa, Vmid, const S2Config&, const RecStart&) override { return false; }
  [[nodiscard]] bool realm_yield() override { return true; }
  [[nodiscard]] bool realm_take_irq() override { return false; }
  void realm_wait_for_irq() override {}
  abi::RealmSysregs realm_sysregs(Pa /*rec*/) override { return {}; }
  void realm_release(Pa) override {}
  void s2_release(Vmid) override {}

 private:
  std::array<std::byte, kGranuleSize> page_{};
};

}  // namespace caec::rmm
