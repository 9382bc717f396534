// The attestation service of the hosted build (rmm/port/attestation_port.h): the realm
// attestation key and the platform token, obtained from EL3 once at boot, and the encoding and
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

/// TF-RMM's ATTEST_PLAT_TOKEN_SIZE: the most platform token the RMM keeps.
constexpr std::size_t kMaxPlatformToken = 0x1000;

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
  /// Boot: SMC_RMM_GET_REALM_ATTEST_KEY, then SMC_RMM_GET_PLAT_TOKEN with H(RAK).
  explicit Attestation(Platform& platform);

  [[nodiscard]] bool available() const { return rak_.has_value(); }
  /// The CCA token for the claims INIT recorded in `buffer`, written over them.
  [[nodiscard]] std::size_t sign(TokenBuffer& buffer) const;

 private:
  bool fetch_key(Platform& platform);
  bool fetch_platform_token(Platform& platform);
  [[nodiscard]] std::optional<cca::RealmClaims> read_claims(TokenBuffer& buffer) const;

  std::optional<attest::EcKey> rak_;
  attest::Bytes rak_public_;  // as the realm token carries it (a COSE_Key)
  attest::Bytes platform_token_;
  cca::TokenFormat format_;
  std::string boot_error_;  // why the service is not available (for a debugger)
};

Attestation::Attestation(Platform& platform)
    : format_(platform.boot_options().legacy_token_format ? attest::cca::TokenFormat::kLegacy399
                                                          : attest::cca::TokenFormat::kCmw907) {
  if (!fetch_key(platform) || !fetch_platform_token(platform)) rak_.reset();
}

bool Attestation::fetch_key(Platform& platform) {
  std::span<std::byte> buf = platform.el3_shared_buffer();
  abi::SmcRegs regs;
  regs.x[0] = static_cast<std::uint32_t>(abi::El3Fid::kGetRealmAttestKey);
  regs.x[1] = 0;
  regs.x[2] = buf.size();
  regs.x[3] = abi::kEl3EccSecp384r1;
  platform.el3_smc(regs);
  if (static_cast<abi::El3Status>(regs.x[0]) != abi::El3Status::kOk || regs.x[1] > buf.size()) {
    boot_error_ = "EL3 refused SMC_RMM_GET_REALM_ATTEST_KEY";
    return false;
  }
  // SAFETY: the shared buffer holds plain bytes.
  const std::span scalar(reinterpret_cast<const std::uint8_t*>(buf.data()), regs.x[1]);
  rak_ = attest::EcKey::from_private_scalar(attest::Curve::kP384, scalar);
  std::memset(buf.data(), 0, buf.size());  // the private key must not linger in shared memory
  if (!rak_) {
    boot_error_ = "EL3 returned an invalid P-384 realm attestation key";
    return false;
  }
  rak_public_ = attest::encode_cose_key(*rak_);
  return true;
}

bool Attestation::fetch_platform_token(Platform& platform) {
  std::span<std::byte> buf = platform.el3_shared_buffer();
  // The binding: the platform token's challenge is H(RAK as the realm token carries it).
  const attest::Bytes challenge = *attest::cca::named_hash("sha-256", rak_public_);
  std::memcpy(buf.data(), challenge.data(), challenge.size());
  std::uint64_t hash_size = challenge.size();
  for (;;) {
    abi::SmcRegs regs;
    regs.x[0] = static_cast<std::uint32_t>(abi::El3Fid::kGetPlatToken);
    regs.x[1] = 0;
    regs.x[2] = buf.size();
    regs.x[3] = hash_size;
    platform.el3_smc(regs);
    const std::uint64_t n = regs.x[1], remaining = regs.x[2];
    if (static_cast<abi::El3Status>(regs.x[0]) != abi::El3Status::kOk || n > buf.size() ||
        platform_token_.size() + n + remaining > kMaxPlatformToken) {
      boot_error_ = "SMC_RMM_GET_PLAT_TOKEN failed or the token exceeds 4 KiB";
      return false;
    }
    // SAFETY: the shared buffer holds plain bytes.
    const auto* chunk = reinterpret_cast<const std::uint8_t*>(buf.data());
    platform_token_.insert(platform_token_.end(), chunk, chunk + n);
    if (remaining == 0) return true;
    hash_size = 0;  // continue the same request
  }
}

Attestation& attestation_boot(Platform& platform) { return *new Attestation(platform); }

void attestation_release(Attestation& attestation) { delete &attestation; }

bool attestation_available(const Attestation& attestation) { return attestation.available(); }

std::size_t attestation_sign(const Attestation& attestation, TokenBuffer& buffer) {
  return attestation.sign(buffer);
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

std::size_t Attestation::sign(TokenBuffer& buffer) const {
  if (!rak_) return 0;
  const std::optional<cca::RealmClaims> claims = read_claims(buffer);
  if (!claims) return 0;
  const attest::Bytes realm = attest::sign1(*rak_, cca::encode_realm_claims(*claims));
  const attest::Bytes token = cca::encode_token(format_, platform_token_, realm);
  return buffer.store(0, token) ? token.size() : 0;
}

}  // namespace caec::rmm
