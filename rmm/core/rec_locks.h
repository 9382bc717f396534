// Locking a REC together with its owner RD: both are "external" granules, so they are locked
// in ascending PA order — which needs the owner's PA before either lock is taken.
#pragma once

#include <optional>

#include "rmm/core/external_locks.h"
#include "rmm/core/rec.h"

namespace caec::rmm {

/// Locks `rec` (slot 0) and, if it is a REC granule, its owner RD (slot 1), in PA order.
/// `extra` external granules (slots 2..) are locked in the same pass.
template <std::size_t N>
void lock_rec_with_owner(RmmContext& rmm, ExternalLocks<N>& ext, Pa rec,
                         std::array<std::optional<Pa>, N> pas) {
  static_assert(N >= 2);
  pas[0] = rec;
  for (;;) {
    std::optional<Pa> owner;
    if (rec.is_granule_aligned() && rmm.granules.contains(rec)) {
      LockedGranule g = rmm.granules.lock(rec, LockRequest::external());
      if (g.state() == GranuleState::kRec) owner = rec_of(rmm, g).owner;
    }
    pas[1] = owner;
    ExternalLocks<N> attempt;
    attempt.lock(rmm.granules, pas);
    // The REC may have been destroyed (and its granule reused) between the two steps.
    if (owner && !(attempt.has_state(0, GranuleState::kRec) && rec_of(rmm, *attempt.at(0)).owner == *owner)) {
      continue;
    }
    ext = std::move(attempt);
    return;
  }
}

}  // namespace caec::rmm
