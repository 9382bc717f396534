// Locking realms together: up to N RDs, named by address (the caller's own RD) or by RID (a
// peer), locked in ascending PA order (rmm/core/lock_order.h: they are external granules). A realm
// that is not live — its RD gone, or the granule now another realm's or not an RD at all — is
// simply absent: a RID names one realm for ever, and is confirmed under the lock.
#pragma once

#include <array>
#include <cstddef>
#include <optional>

#include "rmm/core/context.h"
#include "rmm/core/external_locks.h"

namespace caec::rmm {

struct RealmRef {
  std::optional<Pa> rd;
  std::optional<Rid> rid;

  /// The realm whose RD is `rd` (the caller's own: its REC runs, so it is live).
  [[nodiscard]] static RealmRef at(Pa rd) { return {rd, std::nullopt}; }
  /// The realm whose RD is `rd` if it still is realm `rid` (a realm pinned across unlocked
  /// steps: destroyed meanwhile, or replaced by a new realm at the same RD, it is absent).
  [[nodiscard]] static RealmRef at(Pa rd, Rid rid) { return {rd, rid}; }
  /// The live realm `rid`, wherever its RD is.
  [[nodiscard]] static RealmRef named(Rid rid) { return {std::nullopt, rid}; }
  [[nodiscard]] static RealmRef none() { return {}; }
};

template <std::size_t N>
class RealmLocks {
 public:
  RealmLocks(RmmContext& rmm, const std::array<RealmRef, N>& refs, LockSite site = LockSite::here())
      : rmm_(rmm), refs_(refs) {
    std::array<std::optional<Pa>, N> pas{};
    for (std::size_t i = 0; i < N; ++i) {
      pas[i] = refs[i].rd;
      if (!pas[i] && refs[i].rid) pas[i] = rmm.realms.find(*refs[i].rid);
    }
    ext_.lock(rmm.granules, pas, site);
  }

  /// Realm i, or nullptr if it is not live (see above).
  [[nodiscard]] RealmDescriptor* realm(std::size_t i) {
    if (!ext_.has_state(i, GranuleState::kRd)) return nullptr;
    RealmDescriptor& r = realm_of(rmm_, *ext_.at(i));
    if (refs_[i].rid && r.rid != *refs_[i].rid) return nullptr;
    return &r;
  }
  /// Realm 0 when it is the caller's own (RealmRef::at without a RID): always live.
  [[nodiscard]] RealmDescriptor& self() {
    RealmDescriptor* r = realm(0);
    RMM_CHECK(r != nullptr);  // a REC is running, so its realm's RD cannot be destroyed
    return *r;
  }

 private:
  RmmContext& rmm_;
  std::array<RealmRef, N> refs_;
  ExternalLocks<N> ext_;
};

}  // namespace caec::rmm
