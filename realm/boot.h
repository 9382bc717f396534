// The realm's boot firmware: where every REC starts. It reads the measured manifest from the
// realm's own protected memory, runs the program it names, and turns the CPU (or, on REC 0,
// the realm) off when the program returns.
#pragma once

#include "caec/abi/esr.h"
#include "machine/vcpu.h"

namespace caec::realm {

/// ICH_VMCR_EL2 once the boot firmware has set up the GIC CPU interface as a kernel does:
/// virtual Group 1 interrupts enabled (ICC_IGRPEN1_EL1 = 1), every priority unmasked
/// (ICC_PMR_EL1 = 0xFF). The SDK never changes it afterwards.
inline constexpr std::uint64_t kBootGicVmcr = (0xFFULL << abi::gic::kVmcrVpmrShift) | abi::gic::kVmcrVeng1;

/// The entry point to install as the machine's realm boot vector.
void boot(machine::Vcpu& vcpu);

/// Exit status reported when the manifest is not valid or names no known program.
inline constexpr int kExitNoProgram = 127;
/// Exit status reported when the program threw an exception.
inline constexpr int kExitException = 125;

}  // namespace caec::realm
