#include "rmm/introspect.h"

#include "rmm/context.h"
#include "rmm/diag.h"

namespace caec::rmm {

RmmIntrospection::GranuleInfo RmmIntrospection::granule(Pa pa) const {
  LockedGranule g = rmm_.ctx_->granules.lock(pa);
  return {g.state(), g.refcount()};
}

std::optional<RealmDescriptor> RmmIntrospection::realm(Pa rd) const {
  LockedGranule g = rmm_.ctx_->granules.lock(rd);
  if (g.state() != GranuleState::kRd) return std::nullopt;
  return realm_of(*rmm_.ctx_, g);
}

std::string_view RmmIntrospection::last_failure() { return diag::last_failure(); }

std::span<const RmiCommand> RmmIntrospection::rmi_commands() { return rmm::rmi_commands(); }

}  // namespace caec::rmm
