#include "rmm/core/el3_attestation.h"

#include <algorithm>
#include <cstring>

#include "caec/abi/el3.h"
#include "rmm/port/hash.h"

namespace caec::rmm {

El3Attestation::El3Attestation(Platform& platform) {
  if (!fetch_key(platform) || fetch_platform_token(platform)) return;
  attestation_release(*key_);
  key_ = nullptr;
}

El3Attestation::~El3Attestation() {
  if (key_ != nullptr) attestation_release(*key_);
}

bool El3Attestation::fetch_key(Platform& platform) {
  const std::span<std::byte> buf = platform.el3_shared_buffer();
  abi::SmcRegs regs;
  regs.x[0] = static_cast<std::uint32_t>(abi::El3Fid::kGetRealmAttestKey);
  regs.x[1] = 0;  // the buffer's offset in the shared page
  regs.x[2] = buf.size();
  regs.x[3] = abi::kEl3EccSecp384r1;
  platform.el3_smc(regs);
  const bool answered = static_cast<abi::El3Status>(regs.x[0]) == abi::El3Status::kOk && regs.x[1] <= buf.size();
  if (answered) {
    // SAFETY: the shared buffer holds plain bytes.
    const std::span scalar(reinterpret_cast<const std::uint8_t*>(buf.data()), regs.x[1]);
    key_ = attestation_import_key(platform, scalar);
  }
  // Whatever EL3 answered, no key material may linger in memory the two worlds share.
  std::fill(buf.begin(), buf.end(), std::byte{0});
  if (!answered) {
    boot_error_ = "EL3 refused SMC_RMM_GET_REALM_ATTEST_KEY";
    return false;
  }
  if (key_ == nullptr) {
    boot_error_ = "EL3 returned an invalid P-384 realm attestation key";
    return false;
  }
  return true;
}

bool El3Attestation::fetch_platform_token(Platform& platform) {
  const std::span<std::byte> buf = platform.el3_shared_buffer();
  // The binding: the platform token's challenge is H(RAK as the realm token carries it).
  const std::span<const std::uint8_t> rak = attestation_public_key(*key_);
  const Measurement challenge = hash(abi::RmiHashAlgorithm::kSha256, {std::as_bytes(rak)});
  constexpr std::size_t kChallengeSize = hash_size(abi::RmiHashAlgorithm::kSha256);
  if (buf.size() < kChallengeSize) {
    boot_error_ = "the EL3 shared buffer cannot hold the platform token's challenge";
    return false;
  }
  std::memcpy(buf.data(), challenge.data(), kChallengeSize);
  std::uint64_t challenge_size = kChallengeSize;
  for (;;) {
    abi::SmcRegs regs;
    regs.x[0] = static_cast<std::uint32_t>(abi::El3Fid::kGetPlatToken);
    regs.x[1] = 0;
    regs.x[2] = buf.size();
    regs.x[3] = challenge_size;
    platform.el3_smc(regs);
    const std::uint64_t n = regs.x[1];
    const std::uint64_t remaining = regs.x[2];
    if (static_cast<abi::El3Status>(regs.x[0]) != abi::El3Status::kOk || n > buf.size() ||
        n > kMaxPlatformToken - token_size_ || remaining > kMaxPlatformToken - token_size_ - n) {
      boot_error_ = "SMC_RMM_GET_PLAT_TOKEN failed or the token exceeds 4 KiB";
      return false;
    }
    std::memcpy(token_.data() + token_size_, buf.data(), n);
    token_size_ += n;
    if (remaining == 0) return true;
    challenge_size = 0;  // continue the same request
  }
}

std::size_t El3Attestation::sign(TokenBuffer& buffer) const {
  if (!available()) return 0;
  return attestation_sign(*key_, platform_token(), buffer);
}

}  // namespace caec::rmm
