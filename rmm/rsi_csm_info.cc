// RSI_CSM_INFO and RSI_REALM_MEASUREMENTS (csm-abi.md §7): what a participant may learn about a
// region (who can read it) and about a realm (its measurements, read by the RMM itself).
#include <cstring>

#include "caec/abi/csm.h"
#include "rmm/realm_buffer.h"
#include "rmm/rsi_csm_ctx.h"

namespace caec::rmm {

namespace {

using namespace csm_cond;  // NOLINT(google-build-using-namespace): the conditions' vocabulary
namespace flags = abi::csm_info_flags;

bool by_sharing(const P& p) { return (p.x(3) & flags::kBySharing) != 0; }

/// The region as the caller may see it: its own; or one whose provider offers it a live
/// sharing (named by the sharing, or by CSM id through a live reservation of the caller).
/// Revoked and dead reservations make nobody a participant.
struct InfoView {
  RealmDescriptor* provider = nullptr;
  AptEntry* region = nullptr;
};
InfoView info_view(P& p) {
  if (!by_sharing(p)) {
    if (AptEntry* r = p.apt().region(CsmId{p.x(1)})) return {&p.self(), r};
  }
  RealmDescriptor* provider = p.peer();
  if (provider == nullptr) return {};
  Apt papt(p.c.rmm, *provider);
  if (by_sharing(p)) {
    const AptEntry* s = papt.sharing(p.self().rid, p.x(4));
    return s == nullptr ? InfoView{} : InfoView{provider, papt.region(s->csm_id)};
  }
  const AptEntry* res = p.apt().find([&](const AptEntry& e) {
    return e.kind == AptKind::kReservation && e.csm_id == CsmId{p.x(1)} && !e.draining() &&
           (e.is(ResState::kReserved) || e.is(ResState::kAttaching) || e.is(ResState::kAttached));
  });
  if (res == nullptr || papt.sharing(p.self().rid, res->k) == nullptr) return {};
  return {provider, papt.region(res->csm_id)};
}

constexpr std::array<RsiCondition<P>, 5> kInfoConditions{{
    {"addr_align", kInput, [](P& p) { return !Ipa{p.x(2)}.is_granule_aligned(); }},
    {"addr_bound", kInput, [](P& p) { return !p.self().is_protected(Ipa{p.x(2)}); }},
    {"flags", kInput, [](P& p) { return (p.x(3) & flags::kReservedMask) != 0; }},
    {"not_participant", kInput, [](P& p) { return info_view(p).region == nullptr; }},
    {"buffer", kInput,
     [](P& p) { return realm_buffer_refused(p.c.rmm, p.self(), Ipa{p.x(2)}, sizeof(abi::RsiCsmInfo)); }},
}};
constexpr std::array<RsiCondition<P>, 4> kMeasurementsConditions{{
    {"addr_align", kInput, [](P& p) { return !Ipa{p.x(2)}.is_granule_aligned(); }},
    {"addr_bound", kInput, [](P& p) { return !p.self().is_protected(Ipa{p.x(2)}); }},
    {"rid", kInput, [](P& p) { return Rid{p.x(1)} != p.self().rid && p.peer() == nullptr; }},
    {"buffer", kInput,
     [](P& p) {
       return realm_buffer_refused(p.c.rmm, p.self(), Ipa{p.x(2)}, sizeof(abi::RsiRealmMeasurements));
     }},
}};
constexpr auto kInfoInfo = describe(kInfoConditions);
constexpr auto kMeasurementsInfo = describe(kMeasurementsConditions);

/// The provider to lock with the caller: named by the sharing, or found through the caller's
/// reservation in region X1 (none if the caller is the provider, or holds no such reservation).
std::optional<Rid> info_provider(RsiCtx& c) {
  if ((c.in.x[3] & flags::kBySharing) != 0) return Rid{c.in.x[1]};
  return c.with_realm([&](RealmDescriptor& self) -> std::optional<Rid> {
    const AptEntry* res = Apt(c.rmm, self).find([&](const AptEntry& e) {
      return e.kind == AptKind::kReservation && e.csm_id == CsmId{c.in.x[1]};
    });
    return res == nullptr ? std::nullopt : std::optional(res->peer);
  });
}

/// Writes `out` to the caller's granule at X2 (the realm memory gateway's rules).
template <class T>
RsiResult write_out(RsiCtx& c, const RsiResult& r, const T& out) {
  const auto done = access_realm(c.rmm, c.rec, Ipa{c.in.x[2]}, sizeof out, RealmAccess::kWrite,
                                 [&](std::span<std::byte> p) { std::memcpy(p.data(), &out, sizeof out); });
  return done == BufferAccess::kDone ? r : RsiResult(kInput);
}

}  // namespace

RsiResult rsi_csm_info(RsiCtx& c) {
  abi::RsiCsmInfo info{};
  const RsiResult r = with_pair(c, info_provider(c), [&](P& p) -> RsiResult {
    if (auto f = first_failure(kInfoConditions, p)) return *f;
    const InfoView v = info_view(p);
    info.csm_id = static_cast<std::uint64_t>(v.region->csm_id);
    info.size = v.region->size;
    info.provider_rid = static_cast<std::uint64_t>(v.provider->rid);
    info.first = p.x(5);
    // Every sharing whose consumer may read the region, revoked ones still being removed too.
    Apt(c.rmm, *v.provider).for_each([&](const AptEntry& e) {
      if (e.kind != AptKind::kSharing || e.csm_id != v.region->csm_id) return;
      const std::uint64_t index = info.total_sharings++;
      if (index < info.first || info.num_sharings == info.sharings.size()) return;
      const auto state = e.draining() ? static_cast<std::uint64_t>(abi::SharingState::kRevoking) : e.state;
      info.sharings[info.num_sharings++] = {static_cast<std::uint64_t>(e.peer), e.k, e.perm, state};
    });
    return RsiResult::success({info.total_sharings});
  });
  if (r.x0 != 0) return r;
  return write_out(c, r, info);
}
std::span<const RsiConditionInfo> rsi_csm_info_conditions() { return kInfoInfo; }

RsiResult rsi_realm_measurements(RsiCtx& c) {
  abi::RsiRealmMeasurements out{};
  const Rid target{c.in.x[1]};
  const bool self = target == c.with_realm([](RealmDescriptor& r) { return r.rid; });
  const RsiResult r = with_pair(c, self ? std::nullopt : std::optional(target), [&](P& p) -> RsiResult {
    if (auto f = first_failure(kMeasurementsConditions, p)) return *f;
    const RealmDescriptor& realm = self ? p.self() : *p.peer();
    out.rid = static_cast<std::uint64_t>(realm.rid);
    out.state = static_cast<std::uint64_t>(realm.state);
    out.hash_algo = static_cast<std::uint64_t>(realm.hash_algo);
    out.measurements = realm.measurements;
    out.rpv = realm.rpv;
    return RsiResult::success();
  });
  if (r.x0 != 0) return r;
  return write_out(c, r, out);
}
std::span<const RsiConditionInfo> rsi_realm_measurements_conditions() { return kMeasurementsInfo; }

}  // namespace caec::rmm
