// The RMM's hardware ports implemented over the emulated machine, and the boot that joins them:
// the only code that sees both rmm/ and machine/.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "machine/machine.h"
#include "rmm/port/platform.h"
#include "rmm/runtime/rmm.h"

namespace caec::platform {

class EmulatedPlatform final : public rmm::Platform {
 public:
  explicit EmulatedPlatform(machine::Machine& m) : m_(m) {}

  [[nodiscard]] rmm::DramBank dram() const override;
  [[nodiscard]] rmm::BootOptions boot_options() const override;
  [[nodiscard]] abi::El3Status el3_call(abi::El3Fid fid, Pa pa) override;
  void el3_smc(abi::SmcRegs& regs) override { m_.el3().rmm_smc(regs); }
  [[nodiscard]] std::span<std::byte> el3_shared_buffer() override { return m_.el3().rmm_shared_buffer(); }
  [[nodiscard]] std::byte* map_granule(Pa pa) override;
  [[nodiscard]] bool ns_read(Pa pa, std::span<std::byte> out) override;
  [[nodiscard]] bool ns_write(Pa pa, std::span<const std::byte> in) override;
  void tlbi_ipa(abi::Vmid vmid, Ipa base, std::uint64_t size) override;
  void tlbi_vmid(abi::Vmid vmid) override;

  [[nodiscard]] bool realm_run(Pa rec, abi::Vmid vmid, const rmm::S2Config& s2,
                               const rmm::RecStart& start) override;
  [[nodiscard]] bool realm_yield() override;
  [[nodiscard]] bool realm_take_irq() override;
  void realm_wait_for_irq() override;
  [[nodiscard]] abi::RealmSysregs realm_sysregs(Pa rec) override;
  void realm_release(Pa rec) override;
  void s2_release(abi::Vmid vmid) override;

  /// The physical IRQ line of the PE running REC `rec` (an IPI from the host).
  void interrupt(Pa rec);
  /// Stops every realm context (machine shutdown).
  void release_all();

 private:
  machine::Machine& m_;
  std::mutex mutex_;
  std::map<Pa, std::unique_ptr<machine::Vcpu>> vcpus_;
};

/// A booted system: the machine, the RMM attached to its EL3, nothing else. The host and the
/// realms are built on top of it.
/// The RMM image's R-EL2 vectors: each entry hands the PE to the RMM and acts on what the RMM
/// returns, below every RMM frame (drop or restart the realm context, or resume it).
class RmmVectors final : public machine::El2Vectors {
 public:
  explicit RmmVectors(rmm::Rmm& rmm) : rmm_(rmm) {}
  void rmi(abi::SmcRegs& regs) override;
  void realm_smc(machine::Vcpu& v, abi::SmcRegs& regs) override;
  void realm_wfx(machine::Vcpu& v, bool wfe) override;
  [[nodiscard]] bool realm_hvc(machine::Vcpu& v) override;
  [[nodiscard]] abi::AbortResolution stage2_abort(machine::Vcpu& v, Ipa ipa, const abi::MemoryAccess& access,
                                                  machine::S2Outcome outcome) override;

 private:
  rmm::Rmm& rmm_;
};

class System {
 public:
  /// `realm_boot` is where every REC starts executing: the realm firmware (the realm SDK's
  /// boot, realm/boot.h).
  explicit System(const machine::MachineConfig& config = {},
                  machine::Vcpu::Entry realm_boot = {});
  ~System();
  System(const System&) = delete;
  System& operator=(const System&) = delete;

  [[nodiscard]] machine::Machine& machine() { return machine_; }
  [[nodiscard]] const machine::Machine& machine() const { return machine_; }
  [[nodiscard]] rmm::Rmm& rmm() { return *rmm_; }
  [[nodiscard]] EmulatedPlatform& platform() { return platform_; }

 private:
  machine::Machine machine_;
  EmulatedPlatform platform_;
  /// The RMM's own memory (on hardware, the carveout EL3 reserves for its image and data).
  std::unique_ptr<std::byte[]> rmm_memory_;
  std::unique_ptr<rmm::Rmm> rmm_;
  RmmVectors vectors_;
};

}  // namespace caec::platform
