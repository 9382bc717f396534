// What the CSM RSI handlers share: the context of a command over the caller and one peer
// realm, locked together, and the conditions several commands check.
#pragma once

#include <optional>

#include "rmm/csm/apt.h"
#include "rmm/core/realm_locks.h"
#include "rmm/rsi/rsi_command.h"

namespace caec::rmm {

/// A CSM command's view: its arguments, the caller (slot 0, always live) and the peer named by
/// RID (slot 1).
template <class View>
struct PairCtx {
  RsiCall<View>& c;
  RealmLocks<2>& locks;
  [[nodiscard]] const View& args() const { return c.args; }
  [[nodiscard]] RealmDescriptor& self() { return locks.self(); }
  [[nodiscard]] RealmDescriptor* peer() { return locks.realm(1); }
  [[nodiscard]] Apt apt() { return Apt(c.rmm, self()); }
};

/// Runs `body(PairCtx&)` with the caller and `peer` (if any) locked.
template <class View, class Body>
decltype(auto) with_pair(RsiCall<View>& c, std::optional<Rid> peer, Body&& body) {
  RealmLocks<2> locks(c.rmm, {RealmRef::at(c.rec.owner), peer ? RealmRef::named(*peer) : RealmRef::none()});
  PairCtx<View> p{c, locks};
  return body(p);
}

/// The live sharing (caller, k) of the provider in slot 1, unless the provider is gone or being
/// torn down (its sharings are ending).
template <class P>
[[nodiscard]] AptEntry* offered(P& p) {
  RealmDescriptor* provider = p.peer();
  if (provider == nullptr || provider->csm_closing) return nullptr;
  return Apt(p.c.rmm, *provider).sharing(p.self().rid, p.args().k);
}
/// The provider's region that offered() shares, if both exist.
template <class P>
[[nodiscard]] AptEntry* offered_region(P& p) {
  const AptEntry* s = offered(p);
  return s == nullptr ? nullptr : Apt(p.c.rmm, *p.peer()).region(s->csm_id);
}

namespace csm_cond {
inline constexpr auto kInput = abi::RsiStatus::kErrorInput;
inline constexpr auto kState = abi::RsiStatus::kErrorState;
inline constexpr auto kCapacity = abi::RsiStatus::kErrorCapacity;

/// The caller's CSM teardown has begun (first RMI_APT_DESTROY; other RECs may still run when
/// the realm is SYSTEM_OFF): it starts no CSM command, so no relation can outlive it.
template <class P>
inline constexpr RsiCondition<P> realm_closing{"realm_closing", kState, [](P& p) {
  return p.self().csm_closing || p.self().csm_torn_down;
}};
}  // namespace csm_cond

}  // namespace caec::rmm
