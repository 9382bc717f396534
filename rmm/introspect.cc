#include "rmm/introspect.h"

#include "rmm/context.h"
#include "rmm/diag.h"
#include "rmm/rec.h"
#include "rmm/s2tt.h"

namespace caec::rmm {

RmmIntrospection::GranuleInfo RmmIntrospection::granule(Pa pa) const {
  LockedGranule g = rmm_.ctx_->granules.lock(pa, LockRequest::external());
  return {g.state(), g.refcount()};
}

std::optional<RealmDescriptor> RmmIntrospection::realm(Pa rd) const {
  LockedGranule g = rmm_.ctx_->granules.lock(rd, LockRequest::external());
  if (g.state() != GranuleState::kRd) return std::nullopt;
  return realm_of(*rmm_.ctx_, g);
}

std::vector<std::pair<Rid, Pa>> RmmIntrospection::realms() const {
  return rmm_.ctx_->realms.snapshot();
}

namespace {
void collect(RmmContext& rmm, Pa table, int level, Ipa base,
             std::vector<RmmIntrospection::Mapping>& out) {
  // SAFETY: RTT granules hold 512 descriptors; read while the system is quiescent.
  const auto* slots = reinterpret_cast<const std::uint64_t*>(rmm.platform.map_granule(table));
  for (std::uint64_t i = 0; i < abi::s2tt::kEntriesPerTable; ++i) {
    const Ipa ipa = base + i * abi::s2tt::entry_size(level);
    const RttEntry e = decode_entry(slots[i], level);
    if (e.hipas == Hipas::kTable) {
      collect(rmm, e.addr, level + 1, ipa, out);
    } else if (e.hipas == Hipas::kAssigned) {
      out.push_back({ipa, level, e.addr, e.ripas, e.foreign, e.read_only});
    }
  }
}
}  // namespace

std::vector<RmmIntrospection::Mapping> RmmIntrospection::mappings(Pa rd) const {
  std::vector<Mapping> out;
  const auto realm = this->realm(rd);
  if (!realm) return out;
  for (std::uint32_t i = 0; i < realm->rtt_num_start; ++i) {
    collect(*rmm_.ctx_, realm->start_rtt(i), realm->rtt_level_start, start_rtt_base(*realm, i), out);
  }
  return out;
}

RmmIntrospection::Leaf RmmIntrospection::leaf(Pa rd, Ipa ipa) const {
  const auto realm = this->realm(rd);
  if (!realm || !realm->in_ipa_space(ipa)) return {};
  int level = realm->rtt_level_start;
  Pa table = realm->start_rtt(ipa.value() >> abi::s2tt::table_shift(level));
  for (;; ++level) {
    // SAFETY: RTT granules hold 512 descriptors; read while the system is quiescent.
    const auto* slots = reinterpret_cast<const std::uint64_t*>(rmm_.ctx_->platform.map_granule(table));
    const RttEntry e = decode_entry(slots[abi::s2tt::entry_index(ipa.value(), level)], level);
    if (e.hipas != Hipas::kTable) return {level, e.hipas == Hipas::kAssigned, e.ripas};
    table = e.addr;
  }
}

std::vector<AptEntry> RmmIntrospection::apt(Pa rd) const {
  std::vector<AptEntry> out;
  LockedGranule g = rmm_.ctx_->granules.lock(rd, LockRequest::external());
  if (g.state() != GranuleState::kRd) return out;
  Apt(*rmm_.ctx_, realm_of(*rmm_.ctx_, g)).for_each([&](const AptEntry& e) { out.push_back(e); });
  return out;
}

std::string_view RmmIntrospection::last_rsi_failure(Pa rec) const {
  LockedGranule g = rmm_.ctx_->granules.lock(rec, LockRequest::external());
  if (g.state() != GranuleState::kRec) return {};
  const char* label = rec_at(*rmm_.ctx_, rec).last_rsi_failure;
  return label == nullptr ? std::string_view{} : std::string_view(label);
}

std::span<const RsiCommand> RmmIntrospection::rsi_commands() { return rmm::rsi_commands(); }

std::string_view RmmIntrospection::last_failure() { return diag::last_failure(); }

std::span<const RmiCommand> RmmIntrospection::rmi_commands() { return rmm::rmi_commands(); }

}  // namespace caec::rmm
