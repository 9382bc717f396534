#include "rmm/realm_buffer.h"

#include "caec/abi/esr.h"
#include "caec/abi/s2tt.h"
#include "rmm/apt.h"

namespace caec::rmm {

RealmBuffer::RealmBuffer(RmmContext& rmm, const Rec& rec, Ipa ipa, std::size_t len)
    : rd_(rmm.granules.lock(rec.owner, LockRequest::external())) {
  RealmDescriptor& realm = realm_of(rmm, rd_);
  const std::uint64_t in_granule = ipa.value() % kGranuleSize;
  if (!realm.is_protected(ipa) || len > kGranuleSize - in_granule) return;  // kRefused
  if (Apt(rmm, realm).reservation_at(ipa) != nullptr) return;
  walk_.emplace(rtt_walk(rmm.platform, rmm.granules, realm, ipa, abi::s2tt::kMaxLevel));
  const RttEntry& e = walk_->entry;
  if (e.hipas == Hipas::kAssigned && e.foreign) return;
  if (e.hipas == Hipas::kAssigned && e.ripas == abi::Ripas::kRam) {
    const Pa pa = e.addr + (ipa - walk_->entry_ipa());
    bytes_ = std::span(rmm.platform.map_granule(pa.align_down(kGranuleSize)) + in_granule, len);
    verdict_ = Verdict::kMapped;
    return;
  }
  if (e.hipas != Hipas::kTable && e.ripas == abi::Ripas::kEmpty) return;
  verdict_ = Verdict::kAbsent;
  dfsc_ = abi::esr::kDfscTranslation + static_cast<std::uint64_t>(walk_->level());
}

}  // namespace caec::rmm
