// The attestation service of the hosted build (rmm/port/attestation_port.h): the realm
// attestation key the core obtained from EL3 (core/el3_attestation.h), and the encoding and
// signing of realm tokens with libcbor and OpenSSL.
//
// Deviation (docs/deviations.md): TF-RMM builds tokens with QCBOR/t_cose/mbedTLS on a heap in
// the REC's aux granules and signs restartably; this service allocates from the process heap
// and signs in one step. The claims it reads and the token it writes live in the aux granules.
#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "attest/token/cca_claims.h"
#include "attest/token/cose.h"
#include "attest/token/ec_key.h"
#include "rmm/port/attestation_port.h"
#include "rmm/rsi/token_buffer.h"

namespace caec::rmm {

namespace {

namespace cca = attest::cca;

attest::Bytes measurement_bytes(const Measurement& m, abi::RmiHashAlgorithm algo) {
  return {m.begin(), m.begin() + static_cast<std::ptrdiff_t>(hash_size(algo))};
}

/// The CSM claim from INIT's facts: an entry per region the realm provides, with its attached
/// consumers in RID order, and per region it has attached, with its provider's view.
std::vector<cca::CsmClaim> csm_claims(std::span<const ClaimRecord> records) {
  using Kind = ClaimRecord::Kind;
  std::vector<cca::CsmClaim> claims;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> attached;  // (csm id, consumer)
  for (const ClaimRecord& r : records) {
    if (r.kind == Kind::kRegion || r.kind == Kind::kReservation) {
      claims.push_back({.csm_id = r.csm_id,
                        .role = r.kind == Kind::kRegion ? cca::CsmRole::kProvider : cca::CsmRole::kConsumer,
                        .permission = r.perm,
                        .provider_rid = r.rid,
                        .consumers = {}});
    } else if (r.kind == Kind::kAttachedConsumer) {
      attached.emplace_back(r.csm_id, r.rid);
    }
  }
  std::sort(attached.begin(), attached.end());
  for (cca::CsmClaim& claim : claims) {
    if (claim.role == cca::CsmRole::kProvider) {
      for (const auto& [id, rid] : attached) {
        if (id == claim.csm_id) claim.consumers.push_back(rid);
      }
      continue;
    }
    for (const ClaimRecord& r : records) {
      if (r.kind == Kind::kProviderConsumer && r.csm_id == claim.csm_id) claim.consumers.push_back(r.rid);
    }
  }
  return claims;
}

}  // namespace

class Attestation {
 public:
  Attestation(attest::EcKey key, cca::TokenFormat format)
      : rak_(std::move(key)), rak_public_(attest::encode_cose_key(rak_)), format_(format) {}

  [[nodiscard]] std::span<const std::uint8_t> public_key() const { return rak_public_; }
  /// The CCA token for the claims INIT recorded in `buffer`, written over them.
  [[nodiscard]] std::size_t sign(std::span<const std::uint8_t> platform_token, TokenBuffer& buffer) const;

 private:
  [[nodiscard]] std::optional<cca::RealmClaims> read_claims(TokenBuffer& buffer) const;

  attest::EcKey rak_;
  attest::Bytes rak_public_;  // as the realm token carries it (a COSE_Key)
  cca::TokenFormat format_;
};

Attestation* attestation_import_key(Platform& platform, std::span<const std::uint8_t> scalar) {
  std::optional<attest::EcKey> key = attest::EcKey::from_private_scalar(attest::Curve::kP384, scalar);
  if (!key) return nullptr;
  const auto format = platform.boot_options().legacy_token_format ? cca::TokenFormat::kLegacy399
                                                                  : cca::TokenFormat::kCmw907;
  return new Attestation(std::move(*key), format);
}

void attestation_release(Attestation& attestation) { delete &attestation; }

std::span<const std::uint8_t> attestation_public_key(const Attestation& attestation) {
  return attestation.public_key();
}

std::size_t attestation_sign(const Attestation& attestation, std::span<const std::uint8_t> platform_token,
                             TokenBuffer& buffer) {
  return attestation.sign(platform_token, buffer);
}

std::optional<cca::RealmClaims> Attestation::read_claims(TokenBuffer& buffer) const {
  TokenClaims head{};
  if (!buffer.load_object(0, head) || head.records_size > buffer.capacity() - sizeof(TokenClaims)) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> bytes(head.records_size);
  if (!buffer.load(sizeof(TokenClaims), bytes)) return std::nullopt;
  std::vector<ClaimRecord> records;
  for (std::span<const std::uint8_t> rest(bytes); !rest.empty();) {
    ClaimRecord r{};
    const std::size_t n = decode_claim_record(rest, r);
    if (n == 0) return std::nullopt;
    records.push_back(r);
    rest = rest.subspan(n);
  }
  cca::RealmClaims claims;
  claims.challenge.assign(head.challenge.begin(), head.challenge.end());
  claims.public_key = rak_public_;
  claims.rpv.assign(head.rpv.begin(), head.rpv.end());
  claims.hash_algo = head.hash_algo == abi::RmiHashAlgorithm::kSha512 ? "sha-512" : "sha-256";
  claims.rim = measurement_bytes(head.measurements[0], head.hash_algo);
  for (std::size_t i = 0; i < claims.rems.size(); ++i) {
    claims.rems[i] = measurement_bytes(head.measurements[1 + i], head.hash_algo);
  }
  claims.realm_id = head.realm_id;
  claims.csm = csm_claims(records);
  return claims;
}

std::size_t Attestation::sign(std::span<const std::uint8_t> platform_token, TokenBuffer& buffer) const {
  const std::optional<cca::RealmClaims> claims = read_claims(buffer);
  if (!claims) return 0;
  const attest::Bytes realm = attest::sign1(rak_, cca::encode_realm_claims(*claims));
  const attest::Bytes token = cca::encode_token(format_, platform_token, realm);
  return buffer.store(0, token) ? token.size() : 0;
}

}  // namespace caec::rmm
