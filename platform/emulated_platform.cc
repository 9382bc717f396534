#include "platform/emulated_platform.h"

namespace caec::platform {

rmm::DramBank EmulatedPlatform::dram() const {
  return {m_.memory().base(), m_.memory().num_granules()};
}

abi::El3Status EmulatedPlatform::el3_call(abi::El3Fid fid, Pa pa) {
  abi::SmcRegs regs;
  regs.x[0] = static_cast<std::uint32_t>(fid);
  regs.x[1] = pa.value();
  m_.el3().rmm_smc(regs);
  return static_cast<abi::El3Status>(regs.x[0]);
}

bool EmulatedPlatform::ns_read(Pa pa, std::span<std::byte> out) {
  return m_.host_view().read(pa, out) == machine::Access::kOk;
}

bool EmulatedPlatform::ns_write(Pa pa, std::span<const std::byte> in) {
  return m_.host_view().write(pa, in) == machine::Access::kOk;
}

void EmulatedPlatform::tlbi_ipa(std::uint16_t vmid, Ipa base, std::uint64_t size) {
  m_.tlb().invalidate_ipa(vmid, base, size);
}

void EmulatedPlatform::tlbi_vmid(std::uint16_t vmid) { m_.tlb().invalidate_vmid(vmid); }

System::System(const machine::MachineConfig& config)
    : machine_(config), platform_(machine_), rmm_(std::make_unique<rmm::Rmm>(platform_)) {
  machine_.el3().attach_rmm([this](abi::SmcRegs& regs) { rmm_->handle_rmi(regs); });
}

System::~System() { machine_.el3().attach_rmm({}); }

}  // namespace caec::platform
