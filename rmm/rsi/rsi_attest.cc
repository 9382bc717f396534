// RSI_ATTESTATION_TOKEN_INIT / RSI_ATTESTATION_TOKEN_CONTINUE (rmm-1.0.md §2.1, §5), with the
// CAEC claims of csm-abi.md §7.
//
// INIT records the realm's claims as plain facts (measurements under the RD lock, CSM
// relations) in the REC's token buffer (rmm/port/attestation_port.h). The first CONTINUE has the
// attestation service encode and sign them into the CCA token, in the same buffer; every
// CONTINUE then copies up to `size` bytes to the realm. A physical IRQ that arrives while the
// token is being signed interrupts the command: the REC exits with RMI_EXIT_IRQ and the realm's
// CONTINUE returns RSI_INCOMPLETE having written nothing.
#include <algorithm>
#include <array>
#include <cstring>

#include "rmm/core/realm_locks.h"
#include "rmm/csm/apt.h"
#include "rmm/port/attestation_port.h"
#include "rmm/runtime/realm_buffer.h"
#include "rmm/rsi/rsi_command.h"
#include "rmm/rsi/rsi_conditions.h"
#include "rmm/rsi/token_buffer.h"

namespace caec::rmm {

namespace {

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

/// Appends ClaimRecords after the TokenClaims header; remembers if one did not fit.
class ClaimWriter {
 public:
  explicit ClaimWriter(TokenBuffer& buffer) : buffer_(buffer) {}

  void add(ClaimRecord::Kind kind, std::uint64_t csm_id, std::uint64_t rid, std::uint64_t perm = 0) {
    std::array<std::uint8_t, kMaxClaimRecordBytes> bytes{};
    const std::size_t n = encode_claim_record({kind, static_cast<std::uint8_t>(perm), csm_id, rid}, bytes);
    full_ = full_ || !buffer_.store(end_, std::span(bytes).first(n));
    if (!full_) end_ += n;
  }
  /// The record at `offset` (written by this writer); advances `offset` past it.
  [[nodiscard]] ClaimRecord next(std::size_t& offset) const {
    std::array<std::uint8_t, kMaxClaimRecordBytes> bytes{};
    const std::size_t n = std::min(bytes.size(), end_ - offset);
    ClaimRecord r{};
    (void)buffer_.load(offset, std::span(bytes).first(n));
    const std::size_t used = decode_claim_record(std::span(bytes).first(n), r);
    offset = used == 0 ? end_ : offset + used;  // (it wrote them: never 0)
    return r;
  }
  [[nodiscard]] bool full() const { return full_; }
  [[nodiscard]] std::size_t end() const { return end_; }

 private:
  TokenBuffer& buffer_;
  std::size_t end_ = sizeof(TokenClaims);
  bool full_ = false;
};

/// The realm's own CSM facts, in one pass over its APT under its RD lock (the APT is as large
/// as its host made it: one pass, never one per region).
void own_csm_facts(RsiCtx& c, RealmDescriptor& self, ClaimWriter& out) {
  using Kind = ClaimRecord::Kind;
  Apt(c.rmm, self).for_each([&](const AptEntry& e) {
    const auto id = static_cast<std::uint64_t>(e.csm_id);
    const auto peer = static_cast<std::uint64_t>(e.peer);
    if (e.kind == AptKind::kRegion) {
      out.add(Kind::kRegion, id, static_cast<std::uint64_t>(self.rid), static_cast<std::uint64_t>(abi::CsmPerm::kRw));
    } else if (e.kind == AptKind::kReservation && e.is(ResState::kAttached) && !e.draining()) {
      out.add(Kind::kReservation, id, peer, static_cast<std::uint64_t>(e.perm.get()));
    } else if (e.kind == AptKind::kSharing && e.is(abi::SharingState::kAttached)) {
      // A revoked sharing still being removed counts: its consumer may still read.
      out.add(Kind::kAttachedConsumer, id, peer);
    }
  });
}

/// For each region the realm has attached, its provider's attached consumers, read with both
/// RDs locked, so each entry is consistent even though the regions are read in turn.
void provider_views(RsiCtx& c, ClaimWriter& out) {
  const std::size_t own = out.end();
  for (std::size_t at = sizeof(TokenClaims); at < own;) {
    const ClaimRecord r = out.next(at);
    if (r.kind != ClaimRecord::Kind::kReservation) continue;
    RealmLocks<2> locks(c.rmm, {RealmRef::at(c.rec.owner), RealmRef::named(Rid{r.rid})});
    RealmDescriptor* provider = locks.realm(1);
    if (provider == nullptr) continue;
    Apt(c.rmm, *provider).for_each([&](const AptEntry& e) {
      if (e.kind == AptKind::kSharing && static_cast<std::uint64_t>(e.csm_id) == r.csm_id &&
          e.is(abi::SharingState::kAttached)) {
        out.add(ClaimRecord::Kind::kProviderConsumer, r.csm_id, static_cast<std::uint64_t>(e.peer));
      }
    });
  }
}

/// Records the claims in the token buffer; returns their size, 0 if they do not fit.
std::size_t record_claims(Init& c, TokenBuffer& buffer) {
  TokenClaims head{};
  static_assert(sizeof(head.challenge) == sizeof(c.args.challenge));
  std::memcpy(head.challenge.data(), c.args.challenge.data(), sizeof(head.challenge));  // X1..X8
  ClaimWriter records(buffer);
  c.with_realm([&](RealmDescriptor& r) {
    head.rpv = r.rpv;
    head.measurements = r.measurements;
    head.hash_algo = r.hash_algo;
    head.realm_id = static_cast<std::uint64_t>(r.rid);
    own_csm_facts(c, r, records);
  });
  provider_views(c, records);
  head.records_size = records.end() - sizeof(TokenClaims);
  if (records.full() || !buffer.store_object(0, head)) return 0;
  return records.end();
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
  const std::size_t claims = record_claims(c, buffer);
  rec.token_failed = !c.rmm.attestation.available() || claims == 0;
  if (!rec.token_failed) rec.token_size = static_cast<std::uint32_t>(claims);
  return RsiResult::success(abi::rsi::AttestationTokenInit::Out{buffer.capacity()});
}
std::span<const RsiConditionInfo> rsi_attestation_token_init_conditions() { return {}; }

RsiResult rsi_attestation_token_continue(Continue& c) {
  if (auto f = first_failure(kContinueConditions, c)) return *f;
  Rec& rec = c.rec;
  TokenBuffer buffer(c.rmm.platform, rec);
  if (!rec.token_failed && !rec.token_signed) {
    const std::size_t token = c.rmm.attestation.sign(buffer);
    rec.token_failed = token == 0;
    rec.token_size = static_cast<std::uint32_t>(token);
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
  const auto done = access_realm(c.rmm, rec, ipa, n, [&](std::span<std::byte> p) {
    // SAFETY: the realm's granule holds plain bytes.
    (void)buffer.load(rec.token_copied, {reinterpret_cast<std::uint8_t*>(p.data()), p.size()});
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
