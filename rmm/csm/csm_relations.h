// Confidential Shared Memory relations (csm-abi.md): how a sharing ends, how a reservation's
// mappings are removed, how DATA_* reach consumers, and the teardown of a realm's relations.
//
// Work over a whole region is done a chunk (2 MiB of IPA, rmm/csm/csm_map.h) per lock hold, with
// every lock released between chunks, so no realm can hold another's RD for long (a consumer
// attaching 1 GiB cannot stall its provider). Between chunks the APT records say what is in
// progress, and every other command reads them (rmm/csm/apt.h, apt_flags):
//  * a sharing that ends (REVOKE, CSM_DESTROY, teardown) is marked draining at once and is gone
//    for every RSI command; it stays in the provider's APT until its consumer maps nothing of
//    the region, so a provider DATA_DESTROY still finds and unmaps that consumer;
//  * a reservation that may still hold mappings is marked draining; no mapping is added to it
//    from then on, and a pass over its range removes them. Any command may run such a pass (they
//    are idempotent); a pass stops when the reservation (named by its serial) is gone;
//  * ATTACH marks the reservation ATTACHING (and the sharing ATTACHED) before its first chunk,
//    so a provider DATA_CREATE meanwhile reaches it; it checks again before each chunk.
#pragma once

#include <cstdint>

#include "caec/abi/rsi.h"
#include "rmm/csm/apt.h"
#include "rmm/runtime/realm_exit.h"
#include "rmm/core/rec.h"

namespace caec::rmm {

/// Ends sharing (consumer, k) of `provider` (it may be draining already): the consumer's
/// reservation for it becomes `end` (REVOKED, or DEAD at teardown), its mappings are removed,
/// then the sharing is deleted. A sharing already ended by another PE is left alone.
/// `caller`: the REC whose RSI command this is (nullptr for the host's RMI_APT_DESTROY); a
/// physical IRQ pending for its PE is taken between two chunks (the REC exits with
/// RMI_EXIT_IRQ and the command goes on when the host enters it again). kDestroyed: the host
/// destroyed `caller` at such an exit, and the work stopped there (the realm's teardown
/// finishes it); otherwise kEntered or kNoExit.
Reentry end_sharing(RmmContext& rmm, Rid provider, Rid consumer, std::uint64_t k, ResState end,
                    Rec* caller = nullptr);

/// Removes every mapping of reservation `serial` of realm `consumer`, a chunk per lock hold
/// (`caller` and the result as for end_sharing).
Reentry drain_reservation(RmmContext& rmm, Rid consumer, std::uint64_t serial, Rec* caller = nullptr);

/// RMI_DATA_CREATE(_UNKNOWN) put `data` at `ipa` of `provider` with RIPAS RAM: map it into every
/// consumer attached (or attaching) to the region there, one consumer per lock hold.
void share_new_granule(RmmContext& rmm, Rid provider, Ipa ipa, Pa data);

/// RMI_DATA_DESTROY took `data` from `ipa` of `provider` (its entry there is no longer
/// ASSIGNED), inside region `id` at `region_base`: remove it from every consumer that may map
/// it, one consumer per lock hold. Afterwards no consumer maps it.
void withdraw_granule(RmmContext& rmm, Rid provider, CsmId id, Ipa region_base, Ipa ipa, Pa data);

/// The first RMI_APT_DESTROY of realm `rid` (RD `rd`): closes it, ends every relation with every
/// other live realm, then empties its APT. Does nothing more once the realm is gone (destroyed
/// or replaced at `rd` by another PE meanwhile).
void tear_down_csm(RmmContext& rmm, Pa rd, Rid rid);

}  // namespace caec::rmm
