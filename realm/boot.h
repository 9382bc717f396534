// The realm's boot firmware: where every REC starts. It reads the measured manifest from the
// realm's own protected memory, runs the program it names, and turns the CPU (or, on REC 0,
// the realm) off when the program returns.
#pragma once

#include "machine/vcpu.h"

namespace caec::realm {

/// The entry point to install as the machine's realm boot vector.
void boot(machine::Vcpu& vcpu);

/// Exit status reported when the manifest is not valid or names no known program.
inline constexpr int kExitNoProgram = 127;
/// Exit status reported when the program threw an exception.
inline constexpr int kExitException = 125;

}  // namespace caec::realm
