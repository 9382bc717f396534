// R-EL2 code that runs on a realm's PE: REC exits, and the RMM's access to realm memory for
// RSI buffers (rmm-1.0.md §2.1: an unmapped buffer becomes a data-abort exit, then a retry).
#pragma once

#include <cstddef>
#include <functional>

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

enum class BufferAccess : std::uint8_t { kDone, kEmpty };

/// Runs `fn` on the RMM's mapping of the realm granule holding `ipa` (with `ipa`'s offset),
/// with the RTT lock held so the host cannot destroy the granule meanwhile. If the IPA is
/// RAM but not mapped (or DESTROYED), exits to the host with a data abort and retries after the
/// next entry. kEmpty: the IPA's RIPAS is EMPTY (the RSI fails with RSI_ERROR_INPUT).
[[nodiscard]] BufferAccess with_realm_buffer(RmmContext& rmm, Rec& rec, Ipa ipa,
                                             const std::function<void(std::byte*)>& fn);

}  // namespace caec::rmm
