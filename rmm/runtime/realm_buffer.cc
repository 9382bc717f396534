#include "rmm/runtime/realm_buffer.h"

#include "caec/abi/esr.h"
#include "caec/abi/s2tt.h"
#include "rmm/csm/apt.h"

namespace caec::rmm {

BufferJudgement judge_realm_buffer(RmmContext& rmm, RealmDescriptor& realm, Ipa ipa, std::size_t len) {
  BufferJudgement j;
  const std::uint64_t in_granule = ipa.value() % kGranuleSize;
  if (!realm.is_protected(ipa) || len > kGranuleSize - in_granule) return j;  // refused
  if (Apt(rmm, realm).reservation_at(ipa) != nullptr) return j;
  j.walk.emplace(rtt_walk(rmm.platform, rmm.granules, realm, ipa, abi::s2tt::kMaxLevel));
  const RttEntry& e = j.walk->entry;
  if (e.hipas == Hipas::kAssigned && e.foreign) return j;
  if (e.hipas == Hipas::kAssigned && e.ripas == abi::Ripas::kRam) {
    const Pa pa = e.addr + (ipa - j.walk->entry_ipa());
    j.bytes = std::span(rmm.platform.map_granule(pa.align_down(kGranuleSize)) + in_granule, len);
    j.verdict = BufferJudgement::Verdict::kMapped;
    return j;
  }
  if (e.hipas != Hipas::kTable && e.ripas == abi::Ripas::kEmpty) return j;
  j.verdict = BufferJudgement::Verdict::kAbsent;
  j.dfsc = abi::esr::dfsc_at(abi::esr::kDfscTranslation, j.walk->level());
  return j;
}

}  // namespace caec::rmm
