// The one way the RMM reaches a realm's memory on the realm's behalf (style.md §13): the
// buffers of RSI_REALM_CONFIG, RSI_HOST_CALL, RSI_ATTESTATION_TOKEN_CONTINUE, RSI_CSM_INFO and
// RSI_REALM_MEASUREMENTS. The RMM acting for a realm has that realm's rights, no more, and here
// fewer (docs/csm.md, "RSI buffers"):
//  * only the realm's own private granules are reached: ASSIGNED, RIPAS RAM, not a consumer
//    (foreign) mapping. The RMM never reads or writes another realm's granule for a realm,
//    even one the realm may write itself through an RW sharing: a CSM range is the provider's
//    memory, and no RSI output belongs in it. A provider's own region granules are its own.
//  * nothing inside one of the caller's CSM reservations (mapped or not): the host may not
//    back a reservation, so waiting for it would be waiting for ever.
//  * RIPAS EMPTY: refused (the realm could not access it either).
//  * RIPAS RAM without a granule, or DESTROYED: a data-abort exit, as the realm's own access
//    would take (rmm-1.0.md §2.1); the access is retried when the host enters the REC again.
// A refused access fails the command with RSI_ERROR_INPUT: each command lists it as its
// `buffer` condition (checked with its other conditions, and again when it writes). The RD lock and the RTT walk are
// held while `fn` runs, so the granule cannot be destroyed under it.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "caec/abi/types.h"
#include "rmm/core/context.h"
#include "rmm/runtime/diag.h"
#include "rmm/runtime/realm_exit.h"
#include "rmm/core/rec.h"
#include "rmm/core/stage2_tables.h"

namespace caec::rmm {

/// kDestroyed: the access waited at a REC exit and the host destroyed the REC meanwhile.
enum class BufferAccess : std::uint8_t { kDone, kRefused, kDestroyed };

/// The gateway's rules applied to [ipa, ipa + len) of `realm`, whose RD the caller holds. For
/// kMapped and kAbsent the walk that decided it comes along (its locks keep the answer true).
struct BufferJudgement {
  enum class Verdict : std::uint8_t { kMapped, kRefused, kAbsent };
  Verdict verdict = Verdict::kRefused;
  std::optional<RttWalk> walk;
  /// kMapped: the bytes, through the RMM's mapping of the granule.
  std::span<std::byte> bytes;
  /// kAbsent: the fault status a realm access would report (translation fault at the level the
  /// walk stopped).
  std::uint64_t dfsc = 0;
};
[[nodiscard]] BufferJudgement judge_realm_buffer(RmmContext& rmm, RealmDescriptor& realm,
                                                 Ipa ipa, std::size_t len);
/// The `buffer` failure condition of the commands that write realm memory: the rules above
/// refuse [ipa, ipa + len) (RSI_ERROR_INPUT). access_realm() applies them again when it writes.
[[nodiscard]] inline bool realm_buffer_refused(RmmContext& rmm, RealmDescriptor& realm,
                                               Ipa ipa, std::size_t len) {
  return judge_realm_buffer(rmm, realm, ipa, len).verdict == BufferJudgement::Verdict::kRefused;
}

/// One attempt: the caller's RD locked, and the judgement.
class RealmBuffer {
 public:
  RealmBuffer(RmmContext& rmm, const Rec& rec, Ipa ipa, std::size_t len)
      : rd_(rmm.granules.lock(rec.owner, LockRequest::external())),
        judgement_(judge_realm_buffer(rmm, realm_of(rmm, rd_), ipa, len)) {}
  [[nodiscard]] const BufferJudgement& judgement() const { return judgement_; }

 private:
  LockedGranule rd_;             // first: released last
  BufferJudgement judgement_;
};

/// Runs `fn(std::span<std::byte>)` on the realm's [ipa, ipa + len) (within one granule), or
/// refuses (see above). No RMM lock may be held by the caller (it may exit to the host).
template <class Fn>
[[nodiscard]] BufferAccess access_realm(RmmContext& rmm, Rec& rec, Ipa ipa, std::size_t len, Fn&& fn) {
  for (;;) {
    std::uint64_t dfsc = 0;
    {
      RealmBuffer buffer(rmm, rec, ipa, len);
      const BufferJudgement& j = buffer.judgement();
      if (j.verdict == BufferJudgement::Verdict::kMapped) {
        fn(j.bytes);
        return BufferAccess::kDone;
      }
      if (j.verdict == BufferJudgement::Verdict::kRefused) {
        diag::record_failure("buffer");  // the command's `buffer` condition, seen at the write
        return BufferAccess::kRefused;
      }
      dfsc = j.dfsc;
    }
    // RAM not yet mapped, or DESTROYED: the host must act; the access is retried afterwards.
    if (rec_exit(rmm, rec, data_abort_exit(ipa, dfsc)) == Reentry::kDestroyed) {
      return BufferAccess::kDestroyed;
    }
  }
}

}  // namespace caec::rmm
