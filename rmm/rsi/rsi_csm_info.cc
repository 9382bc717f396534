// RSI_CSM_INFO and RSI_REALM_MEASUREMENTS (csm-abi.md §7): what a participant may learn about a
// region (who can read it) and about a realm (its measurements, read by the RMM itself).
#include <cstring>

#include "caec/abi/csm.h"
#include "rmm/runtime/realm_buffer.h"
#include "rmm/rsi/rsi_csm_ctx.h"

namespace caec::rmm {

namespace {

using namespace csm_cond;  // NOLINT(google-build-using-namespace): the conditions' vocabulary
namespace flags = abi::csm_info_flags;

using InfoCall = RsiCall<abi::rsi::CsmInfo>;
using MeasurementsCall = RsiCall<abi::rsi::RealmMeasurements>;
using Info = PairCtx<abi::rsi::CsmInfo>;
using Measurements = PairCtx<abi::rsi::RealmMeasurements>;

bool by_sharing(const abi::rsi::CsmInfo& a) { return (a.flags & flags::kBySharing) != 0; }

/// The region as the caller may see it: its own; or one whose provider offers it a live
/// sharing (named by the sharing, or by CSM id through a live reservation of the caller).
/// Revoked and dead reservations make nobody a participant.
struct InfoView {
  RealmDescriptor* provider = nullptr;
  AptEntry* region = nullptr;
};
InfoView info_view(Info& p) {
  const CsmId id{p.args().id};
  if (!by_sharing(p.args())) {
    if (AptEntry* r = p.apt().region(id)) return {&p.self(), r};
  }
  RealmDescriptor* provider = p.peer();
  if (provider == nullptr) return {};
  Apt papt(p.c.rmm, *provider);
  if (by_sharing(p.args())) {
    const AptEntry* s = papt.sharing(p.self().rid, p.args().k);
    return s == nullptr ? InfoView{} : InfoView{provider, papt.region(s->csm_id)};
  }
  const AptEntry* res = p.apt().find([&](const AptEntry& e) {
    return e.kind == AptKind::kReservation && e.csm_id == id && !e.draining() &&
           (e.is(ResState::kReserved) || e.is(ResState::kAttaching) || e.is(ResState::kAttached));
  });
  if (res == nullptr || papt.sharing(p.self().rid, res->k) == nullptr) return {};
  return {provider, papt.region(res->csm_id)};
}

/// addr_align, addr_bound: the output granule at `addr` is the caller's (protected, aligned).
template <class P>
constexpr std::array<RsiCondition<P>, 2> out_conditions() {
  return {{
      {"addr_align", kInput, [](P& p) { return !p.args().addr.is_granule_aligned(); }},
      {"addr_bound", kInput, [](P& p) { return !p.self().is_protected(p.args().addr); }},
  }};
}
/// buffer: the caller could write the whole output itself (realm_buffer.h).
template <class P, class Out>
constexpr RsiCondition<P> out_buffer{"buffer", kInput, [](P& p) {
  return realm_buffer_refused(p.c.rmm, p.self(), p.args().addr, sizeof(Out));
}};

constexpr auto kInfoOut = out_conditions<Info>();
constexpr std::array<RsiCondition<Info>, 5> kInfoConditions{{
    kInfoOut[0], kInfoOut[1],
    {"flags", kInput, [](Info& p) { return (p.args().flags & flags::kReservedMask) != 0; }},
    {"not_participant", kInput, [](Info& p) { return info_view(p).region == nullptr; }},
    out_buffer<Info, abi::RsiCsmInfo>,
}};
constexpr auto kMeasurementsOut = out_conditions<Measurements>();
constexpr std::array<RsiCondition<Measurements>, 4> kMeasurementsConditions{{
    kMeasurementsOut[0], kMeasurementsOut[1],
    {"rid", kInput, [](Measurements& p) { return p.args().rid != p.self().rid && p.peer() == nullptr; }},
    out_buffer<Measurements, abi::RsiRealmMeasurements>,
}};
constexpr auto kInfoInfo = describe(kInfoConditions);
constexpr auto kMeasurementsInfo = describe(kMeasurementsConditions);

/// The provider to lock with the caller: named by the sharing, or found through the caller's
/// reservation in region X1 (none if the caller is the provider, or holds no such reservation).
std::optional<Rid> info_provider(InfoCall& c) {
  if (by_sharing(c.args)) return Rid{c.args.id};
  return c.with_realm([&](RealmDescriptor& self) -> std::optional<Rid> {
    const AptEntry* res = Apt(c.rmm, self).find([&](const AptEntry& e) {
      return e.kind == AptKind::kReservation && e.csm_id == CsmId{c.args.id};
    });
    return res == nullptr ? std::nullopt : std::optional(res->peer);
  });
}

/// Writes `out` to the caller's granule at `addr` (the realm memory gateway's rules).
template <class View, class T>
RsiResult write_out(RsiCall<View>& c, const RsiResult& r, const T& out) {
  const auto done = access_realm(c.rmm, c.rec, c.args.addr, sizeof out,
                                 [&](std::span<std::byte> p) { std::memcpy(p.data(), &out, sizeof out); });
  return RsiResult::after(done, r);
}

}  // namespace

RsiResult rsi_csm_info(InfoCall& c) {
  abi::RsiCsmInfo info{};
  const RsiResult r = with_pair(c, info_provider(c), [&](Info& p) -> RsiResult {
    if (auto f = first_failure(kInfoConditions, p)) return *f;
    const InfoView v = info_view(p);
    info.csm_id = static_cast<std::uint64_t>(v.region->csm_id);
    info.size = v.region->size;
    info.provider_rid = static_cast<std::uint64_t>(v.provider->rid);
    info.first = p.args().first;
    // Every sharing whose consumer may read the region, revoked ones still being removed too.
    Apt(c.rmm, *v.provider).for_each([&](const AptEntry& e) {
      if (e.kind != AptKind::kSharing || e.csm_id != v.region->csm_id) return;
      const std::uint64_t index = info.total_sharings++;
      if (index < info.first || info.num_sharings == info.sharings.size()) return;
      const auto state = e.draining() ? static_cast<std::uint64_t>(abi::SharingState::kRevoking) : e.state;
      info.sharings[info.num_sharings++] = {static_cast<std::uint64_t>(e.peer), e.k, static_cast<std::uint64_t>(e.perm.get()), state};
    });
    return RsiResult::success(abi::rsi::CsmInfo::Out{info.total_sharings});
  });
  if (r.x0 != 0) return r;
  return write_out(c, r, info);
}
std::span<const RsiConditionInfo> rsi_csm_info_conditions() { return kInfoInfo; }

RsiResult rsi_realm_measurements(MeasurementsCall& c) {
  abi::RsiRealmMeasurements out{};
  const Rid target = c.args.rid;
  const bool self = target == c.with_realm([](RealmDescriptor& r) { return r.rid; });
  const RsiResult r = with_pair(c, self ? std::nullopt : std::optional(target), [&](Measurements& p) -> RsiResult {
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
