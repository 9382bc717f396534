// R-EL2 code that runs on a realm's PE: REC exits (rmm-1.0.md §2.2). The RMM's access to realm
// memory for RSI buffers is rmm/realm_buffer.h.
#pragma once

#include <cstddef>

#include "caec/abi/types.h"
#include "rmm/context.h"
#include "rmm/rec.h"

namespace caec::rmm {

/// Makes the REC exit with `exit` (other exit fields zero) and returns once the host has
/// entered it again. No RMM lock may be held across this call.
void rec_exit(RmmContext& rmm, Rec& rec, const RecExit& exit);

/// Exits with RMI_EXIT_IRQ if a physical IRQ is pending for this PE; true if it did.
[[nodiscard]] bool take_pending_irq(RmmContext& rmm, Rec& rec);

/// A data-abort exit for `ipa` with fault status `dfsc` (translation/permission + level).
[[nodiscard]] RecExit data_abort_exit(Ipa ipa, bool write, std::uint64_t dfsc);

}  // namespace caec::rmm
