// The realm SDK's Confidential Shared Memory API (csm-abi.md §3, §4, §7): what a provider and a
// consumer program call. Errors are RsiError with the RSI status; when the realm's APT is full
// the SDK asks its host for another APT granule and retries.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "caec/abi/csm.h"
#include "caec/abi/types.h"
#include "realm/realm.h"

namespace caec::realm {

// ---- Provider ----
/// Turns [base, base+size) of this realm's protected IPA space into a CSM region (contents kept).
[[nodiscard]] CsmId csm_create(Realm& r, Ipa base, std::uint64_t size);
/// Offers the region to `consumer` with `perm`; returns k, the sharing's number for that pair.
[[nodiscard]] std::uint64_t csm_share(Realm& r, CsmId id, Rid consumer, abi::CsmPerm perm);
void csm_revoke(Realm& r, Rid consumer, std::uint64_t k);
void csm_destroy(Realm& r, CsmId id);

// ---- Consumer ----
/// Reserves [base, base+size) for sharing k of `provider`; returns the region's CSM id.
[[nodiscard]] CsmId csm_reserve(Realm& r, Rid provider, std::uint64_t k, Ipa base,
                                std::uint64_t size);
/// Attaches the reserved range; returns it as bytes (read-only sharings must not be written:
/// a write takes an abort).
struct Attached {
  std::span<std::byte> bytes;
  abi::CsmPerm perm;
};
[[nodiscard]] Attached csm_attach(Realm& r, Rid provider, std::uint64_t k, Ipa base,
                                  std::uint64_t size);
void csm_detach(Realm& r, Rid provider, std::uint64_t k);

// ---- Both ----
/// Who can read the region: its provider and every sharing.
[[nodiscard]] abi::RsiCsmInfo csm_info(Realm& r, CsmId id);
/// A live realm's measurements, read by the RMM (local attestation).
[[nodiscard]] abi::RsiRealmMeasurements realm_measurements(Realm& r, Rid rid);

// ---- Rendezvous through the (untrusted) host ----
/// Publishes this realm's RID under its launch name.
void publish_rid(Realm& r);
/// The RID the realm launched as `name` published (waits until it has). The host may lie: check
/// the peer with realm_measurements() before trusting it.
[[nodiscard]] Rid lookup_rid(Realm& r, std::string_view name);
/// Raises the named event (at most 32 bytes) through the host; anyone may wait for it.
void signal_event(Realm& r, std::string_view name);
/// Waits until the named event has been raised (relaxing the PE between polls).
void wait_event(Realm& r, std::string_view name);
/// Waits like wait_event, but after a short spin sleeps in WFI between polls (the host's timer
/// tick wakes it), giving the PE back to other realms while it waits long.
void sleep_until_event(Realm& r, std::string_view name);
/// Whether `name` has been signalled (one host call; never waits).
[[nodiscard]] bool poll_event(Realm& r, std::string_view name);

}  // namespace caec::realm
