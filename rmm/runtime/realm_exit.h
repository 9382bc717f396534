// R-EL2 code that runs on a realm's PE: REC exits (rmm-1.0.md §2.2). The RMM's access to realm
// memory for RSI buffers is rmm/runtime/realm_buffer.h.
#pragma once

#include <cstddef>

#include "caec/abi/types.h"
#include "rmm/core/context.h"
#include "rmm/core/rec.h"

namespace caec::rmm {

/// What became of the REC after R-EL2 code on its PE made it exit.
///
/// kDestroyed: the host destroyed the REC while it waited (REC_DESTROY joins the PE meanwhile,
/// so the REC's memory is still there, but its destroyer holds locks). The code that made the
/// exit returns at once, taking no lock and touching no REC state, and the RSI entry tells the
/// PE to drop the context: the RMM leaves R-EL2 by returning, never by unwinding its frames.
enum class Reentry : std::uint8_t { kNoExit, kEntered, kDestroyed };

/// Makes the REC exit with `exit` (other exit fields zero) and returns once the host has
/// entered it again (kEntered) or destroyed it (kDestroyed). No RMM lock may be held across
/// this call.
[[nodiscard]] Reentry rec_exit(RmmContext& rmm, Rec& rec, const RecExit& exit);

/// Exits with RMI_EXIT_IRQ if a physical IRQ is pending for this PE (kEntered or kDestroyed);
/// kNoExit if none was.
[[nodiscard]] Reentry take_pending_irq(RmmContext& rmm, Rec& rec);

/// A data-abort exit the host cannot emulate, for the granule of `ipa`, with fault status
/// `dfsc` (translation/permission + level): the host sees the class and the fault status only
/// (not the direction, not FAR, no register; DEN0137 RmiRecExit, ESR_NONEMULATED_ABORT_MASK).
[[nodiscard]] RecExit data_abort_exit(Ipa ipa, std::uint64_t dfsc);

/// An instruction-abort exit for the granule of `ipa` with fault status `ifsc`: like a
/// non-emulatable data abort, the class and the fault status only.
[[nodiscard]] RecExit instruction_abort_exit(Ipa ipa, std::uint64_t ifsc);

/// An emulatable data-abort exit (an access at an unprotected IPA with an instruction syndrome):
/// the host also sees ISV, the access size, the register width and the direction, FAR's offset
/// within the granule, and for a store the value written in gprs[0].
[[nodiscard]] RecExit emulatable_abort_exit(Ipa ipa, const abi::MemoryAccess& access, std::uint64_t dfsc);

/// What an emulated load writes to its register: the host's value cut to the access size,
/// sign-extended if the load does so, and cut to 32 bits for a W register.
[[nodiscard]] std::uint64_t emulated_load_value(const abi::MemoryAccess& access, std::uint64_t host_value);

}  // namespace caec::rmm
