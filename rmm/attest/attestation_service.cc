#include "rmm/attest/attestation_service.h"

#include <cstring>

#include "attest/token/cose.h"

namespace caec::rmm {

namespace {

/// TF-RMM's ATTEST_PLAT_TOKEN_SIZE: the most platform token the RMM keeps.
constexpr std::size_t kMaxPlatformToken = 0x1000;

}  // namespace

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

attest::Bytes Attestation::cca_token(std::span<const std::uint8_t> payload) const {
  const attest::Bytes realm = attest::sign1(*rak_, payload);
  return attest::cca::encode_token(format_, platform_token_, realm);
}

}  // namespace caec::rmm
