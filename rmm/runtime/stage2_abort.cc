// A realm access the stage-2 walk could not satisfy, taken to R-EL2 on the realm's PE. The
// RMM re-walks under its locks and applies the realm access table (rmm-1.0.md §2.3, A5.2.9):
// RIPAS EMPTY -> SEA to the realm; RAM without a granule, or DESTROYED -> data-abort exit to
// the host; unprotected UNASSIGNED_NS -> exit; a valid mapping that permits the access -> retry
// (a race with break-before-make); an access the mapping does not permit -> permission-fault
// exit (an SEA for a write through a read-only CSM sharing). An instruction fetch follows the
// same table, except that one from an unprotected IPA is an SEA, and its exit is an
// instruction abort. An exit for an unprotected IPA
// is emulatable when the access has an instruction syndrome: the host may then complete it
// (REC_ENTER with emul_mmio) instead of mapping memory.
#include "caec/abi/esr.h"
#include "caec/abi/s2tt.h"
#include "rmm/csm/apt.h"
#include "rmm/runtime/realm_exit.h"
#include "rmm/runtime/rmm.h"
#include "rmm/core/stage2_tables.h"

namespace caec::rmm {

namespace {

enum class Decision : std::uint8_t { kRetry, kSea, kExit };

struct Verdict {
  Decision decision;
  std::uint64_t dfsc = 0;
  bool unprotected = false;  // an exit for an unprotected IPA
};

Verdict decide(RmmContext& rmm, Rec& rec, Ipa ipa, const abi::MemoryAccess& access, AbortKind kind) {
  if (kind == AbortKind::kAddressSize || kind == AbortKind::kGpf) return {Decision::kSea};
  LockedGranule rd = rmm.granules.lock(rec.owner, LockRequest::external());
  RealmDescriptor& realm = realm_of(rmm, rd);
  if (!realm.in_ipa_space(ipa)) return {Decision::kSea};
  RttWalk w = rtt_walk(rmm.platform, rmm.granules, realm, ipa, abi::s2tt::kMaxLevel);
  const RttEntry& e = w.entry;
  const std::uint64_t desc = w.rtt.raw(w.index);
  const bool valid = abi::s2tt::desc_is_valid(desc);
  if (valid && access.fetch) {
    // Executable unless XN: the RMM sets it in every unprotected descriptor, and a fetch from
    // an unprotected IPA is an SEA (rmm-1.0.md §2.3, the realm access table).
    return {(desc & abi::s2tt::kXnMask) != 0 ? Decision::kSea : Decision::kRetry};
  }
  if (valid) {
    // S2AP as the architecture reads it: RO, WO (an unprotected page the host mapped so), RW,
    // or none. A permitted access faulted only because a break-before-make or the emulated TLB
    // raced it: retry. A forbidden one is a permission fault; retrying it would never end.
    const std::uint64_t s2ap = desc & abi::s2tt::kS2apMask;
    const bool readable = s2ap == abi::s2tt::kS2apRo || s2ap == abi::s2tt::kS2apRw;
    const bool writable = s2ap == abi::s2tt::kS2apWo || s2ap == abi::s2tt::kS2apRw;
    if (access.write ? writable : readable) return {Decision::kRetry};
    // A write through a read-only CSM sharing: nothing the host could do about it, so the
    // consumer gets the abort directly (csm-abi.md §6.9).
    if (e.foreign) return {Decision::kSea};
    return {Decision::kExit, abi::esr::dfsc_at(abi::esr::kDfscPermission, w.level()), !realm.is_protected(ipa)};
  }
  if (!realm.is_protected(ipa)) {
    if (access.fetch) return {Decision::kSea};
    return {Decision::kExit, abi::esr::dfsc_at(abi::esr::kDfscTranslation, w.level()), true};
  }
  // Inside a CSM reservation only the provider's granules may appear, and the host may not
  // back the rest: an access there that is not mapped is an abort for the consumer.
  if (Apt(rmm, realm).reservation_at(ipa) != nullptr) {
    return {Decision::kSea};
  }
  if (e.ripas == abi::Ripas::kEmpty) return {Decision::kSea};
  return {Decision::kExit, abi::esr::dfsc_at(abi::esr::kDfscTranslation, w.level())};
}

}  // namespace

RealmReturn Rmm::handle_abort(Pa rec_pa, Ipa ipa, const abi::MemoryAccess& access, AbortKind kind) {
  using Kind = RealmReturn::Kind;
  Rec& rec = running_rec(*ctx_, rec_pa);
  const Verdict v = decide(*ctx_, rec, ipa, access, kind);
  if (v.decision != Decision::kExit) return {v.decision == Decision::kRetry ? Kind::kResume : Kind::kSea};
  const bool emulatable = v.unprotected && !access.fetch && access.syndrome_valid;
  if (emulatable) rec.mmio_access = access;  // (REC_ENTER cleared it: nothing to emulate)
  const RecExit exit = access.fetch ? instruction_abort_exit(ipa, v.dfsc)
                       : emulatable ? emulatable_abort_exit(ipa, access, v.dfsc)
                                    : data_abort_exit(ipa, v.dfsc);
  if (rec_exit(*ctx_, rec, exit) == Reentry::kDestroyed) return {Kind::kDestroyed};
  // The host may answer an abort at an unprotected IPA with an SEA (which overrides
  // emul_mmio), or an emulatable one with emulation; otherwise the access is tried again.
  if (rec.inject_sea) return {Kind::kSea};
  if (rec.emul_mmio) {
    RealmReturn r{Kind::kEmulated};
    if (!access.write) r.value = emulated_load_value(access, rec.emul_mmio_value);
    return r;
  }
  return {Kind::kResume};
}

}  // namespace caec::rmm
