// RSI_ATTESTATION_TOKEN_INIT / RSI_ATTESTATION_TOKEN_CONTINUE (rmm-1.0.md §2.1, §5), with the
// CAEC claims of csm-abi.md §7.
//
// INIT takes a snapshot of the realm's claims (measurements under the RD lock, CSM relations)
// into the REC's token buffer. The first CONTINUE signs them and assembles the CCA token in the
// same buffer; every CONTINUE then copies up to `size` bytes to the realm. A physical IRQ that
// arrives while the token is being signed interrupts the command: the REC exits with
// RMI_EXIT_IRQ and the realm's CONTINUE returns RSI_INCOMPLETE having written nothing.
#include <cstring>
#include <vector>

#include "attest/token/cca_claims.h"
#include "rmm/csm/apt.h"
#include "rmm/attest/attestation_service.h"
#include "rmm/core/realm_locks.h"
#include "rmm/runtime/realm_buffer.h"
#include "rmm/rsi/rsi_command.h"
#include "rmm/rsi/rsi_conditions.h"
#include "rmm/rsi/token_buffer.h"

namespace caec::rmm {

namespace {

namespace cca = attest::cca;
constexpr auto kInput = abi::RsiStatus::kErrorInput;

using Init = RsiCall<abi::rsi::AttestationTokenInit>;
using Continue = RsiCall<abi::rsi::AttestationTokenContinue>;

constexpr std::array<RsiCondition<Continue>, 7> kContinueConditions{{
    rsi_cond::addr_align<Continue>,
    rsi_cond::addr_bound<Continue>,
    {"offset_bound", kInput, [](Continue& c) { return c.args.offset >= kGranuleSize; }},
    {"size_overflow", kInput, [](Continue& c) { return c.args.offset + c.args.size < c.args.offset; }},
    {"size_bound", kInput, [](Continue& c) { return c.args.offset + c.args.size > kGranuleSize; }},
    {"buffer", kInput,
     [](Continue& c) {
       return c.with_realm([&](RealmDescriptor& r) {
         return realm_buffer_refused(c.rmm, r, c.args.addr + c.args.offset, c.args.size);
       });
     }},
    {"state", abi::RsiStatus::kErrorState, [](Continue& c) { return !c.rec.attest_in_progress; }},
}};
constexpr auto kContinueInfo = describe(kContinueConditions);

attest::Bytes measurement_bytes(const Measurement& m, abi::RmiHashAlgorithm algo) {
  return {m.begin(), m.begin() + static_cast<std::ptrdiff_t>(hash_size(algo))};
}

std::string hash_name(abi::RmiHashAlgorithm algo) {
  return algo == abi::RmiHashAlgorithm::kSha512 ? "sha-512" : "sha-256";
}

/// The attached consumers of the provider's region `id`, read from the provider's APT.
std::vector<std::uint64_t> attached_consumers(RmmContext& rmm, RealmDescriptor& provider, CsmId id) {
  std::vector<std::uint64_t> rids;
  Apt(rmm, provider).for_each([&](const AptEntry& e) {
    // A revoked sharing still being removed counts: its consumer may still read.
    if (e.kind == AptKind::kSharing && e.csm_id == id && e.is(abi::SharingState::kAttached)) {
      rids.push_back(static_cast<std::uint64_t>(e.peer));
    }
  });
  return rids;
}

/// What the CSM claim needs of the realm's own APT, copied in one pass under its RD lock (the
/// APT is as large as its host made it: one pass, never one per region).
struct OwnCsmRecords {
  std::vector<cca::CsmClaim> claims;  // regions (consumers still empty) and attached reservations
  std::vector<std::pair<std::uint64_t, std::uint64_t>> attached;  // (csm id, consumer RID)
};
OwnCsmRecords own_csm_records(RsiCtx& c, RealmDescriptor& self) {
  OwnCsmRecords out;
  Apt(c.rmm, self).for_each([&](const AptEntry& e) {
    if (e.kind == AptKind::kRegion) {
      out.claims.push_back({.csm_id = static_cast<std::uint64_t>(e.csm_id),
                            .role = cca::CsmRole::kProvider,
                            .permission = static_cast<std::uint64_t>(abi::CsmPerm::kRw),
                            .provider_rid = static_cast<std::uint64_t>(self.rid),
                            .consumers = {}});
    } else if (e.kind == AptKind::kReservation && e.is(ResState::kAttached) && !e.draining()) {
      out.claims.push_back({.csm_id = static_cast<std::uint64_t>(e.csm_id),
                            .role = cca::CsmRole::kConsumer,
                            .permission = e.perm,
                            .provider_rid = static_cast<std::uint64_t>(e.peer),
                            .consumers = {}});
    } else if (e.kind == AptKind::kSharing && e.is(abi::SharingState::kAttached)) {
      // A revoked sharing still being removed counts: its consumer may still read.
      out.attached.emplace_back(static_cast<std::uint64_t>(e.csm_id), static_cast<std::uint64_t>(e.peer));
    }
  });
  return out;
}

/// Every region the realm takes part in: as provider (its regions, with their attached
/// consumers), and as consumer (its attached reservations), joined with no lock held.
std::vector<cca::CsmClaim> csm_claims(OwnCsmRecords records) {
  std::sort(records.attached.begin(), records.attached.end());
  for (cca::CsmClaim& claim : records.claims) {
    if (claim.role != cca::CsmRole::kProvider) continue;
    auto it = std::lower_bound(records.attached.begin(), records.attached.end(),
                               std::pair{claim.csm_id, std::uint64_t{0}});
    for (; it != records.attached.end() && it->first == claim.csm_id; ++it) claim.consumers.push_back(it->second);
  }
  return std::move(records.claims);
}

void fill_consumer_views(RsiCtx& c, std::vector<cca::CsmClaim>& claims) {
  for (cca::CsmClaim& claim : claims) {
    if (claim.role != cca::CsmRole::kConsumer) continue;
    RealmLocks<2> locks(c.rmm, {RealmRef::at(c.rec.owner), RealmRef::named(Rid{claim.provider_rid})});
    if (RealmDescriptor* provider = locks.realm(1)) {
      claim.consumers = attached_consumers(c.rmm, *provider, CsmId{claim.csm_id});
    }
  }
}

cca::RealmClaims realm_claims(Init& c) {
  cca::RealmClaims claims;
  claims.challenge.resize(64);
  std::memcpy(claims.challenge.data(), c.args.challenge.data(), 64);  // X1..X8, little-endian
  claims.public_key = c.rmm.attestation.rak_public_key();
  OwnCsmRecords records;
  c.with_realm([&](RealmDescriptor& r) {
    claims.rpv.assign(r.rpv.begin(), r.rpv.end());
    claims.hash_algo = hash_name(r.hash_algo);
    claims.rim = measurement_bytes(r.measurements[0], r.hash_algo);
    for (std::size_t i = 0; i < claims.rems.size(); ++i) {
      claims.rems[i] = measurement_bytes(r.measurements[1 + i], r.hash_algo);
    }
    claims.realm_id = static_cast<std::uint64_t>(r.rid);
    records = own_csm_records(c, r);
  });
  claims.csm = csm_claims(std::move(records));
  // A consumer's entry lists its provider's attached consumers, read with both RDs locked, so
  // each entry is consistent even though the regions are read in turn.
  fill_consumer_views(c, *claims.csm);
  return claims;
}

}  // namespace

RsiResult rsi_attestation_token_init(Init& c) {
  Rec& rec = c.rec;
  TokenBuffer buffer(c.rmm.platform, rec);
  // A new INIT abandons any token in progress.
  rec.attest_in_progress = true;
  rec.token_signed = false;
  rec.token_copied = 0;
  rec.token_size = 0;
  const attest::Bytes payload = cca::encode_realm_claims(realm_claims(c));
  rec.token_failed = !c.rmm.attestation.available() || !buffer.store(payload);
  if (!rec.token_failed) rec.token_size = static_cast<std::uint32_t>(payload.size());
  return RsiResult::success(abi::rsi::AttestationTokenInit::Out{buffer.capacity()});
}
std::span<const RsiConditionInfo> rsi_attestation_token_init_conditions() { return {}; }

RsiResult rsi_attestation_token_continue(Continue& c) {
  if (auto f = first_failure(kContinueConditions, c)) return *f;
  Rec& rec = c.rec;
  TokenBuffer buffer(c.rmm.platform, rec);
  if (!rec.token_failed && !rec.token_signed) {
    attest::Bytes payload(rec.token_size);
    buffer.load(0, payload);
    const attest::Bytes token = c.rmm.attestation.cca_token(payload);
    rec.token_failed = !buffer.store(token);
    rec.token_size = static_cast<std::uint32_t>(token.size());
    rec.token_signed = !rec.token_failed;
    // Signing is the long step: an IRQ that came meanwhile is taken now.
    if (rec.token_signed) {
      switch (take_pending_irq(c.rmm, rec)) {
        case Reentry::kNoExit: break;
        case Reentry::kEntered: return RsiResult(abi::RsiStatus::kIncomplete);
        case Reentry::kDestroyed: return RsiResult::destroyed();
      }
    }
  }
  if (rec.token_failed) {
    rec.attest_in_progress = false;
    return RsiResult(abi::RsiStatus::kErrorUnknown);
  }
  const Ipa ipa = c.args.addr + c.args.offset;
  const std::size_t n = std::min<std::size_t>(c.args.size, rec.token_size - rec.token_copied);
  attest::Bytes chunk(n);
  buffer.load(rec.token_copied, chunk);
  const auto done = access_realm(c.rmm, rec, ipa, n, RealmAccess::kWrite,
                                 [&](std::span<std::byte> p) {
                                   // A zero-byte chunk has no data() to copy from.
                                   if (n != 0) std::memcpy(p.data(), chunk.data(), n);
                                 });
  if (done != BufferAccess::kDone) return RsiResult::after(done, RsiResult::success());
  rec.token_copied += static_cast<std::uint32_t>(n);
  const bool last = rec.token_copied == rec.token_size;
  if (last) rec.attest_in_progress = false;
  return RsiResult::with(last ? abi::RsiStatus::kSuccess : abi::RsiStatus::kIncomplete,
                         abi::rsi::AttestationTokenContinue::Out{n});
}
std::span<const RsiConditionInfo> rsi_attestation_token_continue_conditions() { return kContinueInfo; }

}  // namespace caec::rmm
