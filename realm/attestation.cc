#include "realm/attestation.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace caec::realm {

std::vector<std::uint8_t> attestation_report(Realm& r, std::span<const std::uint8_t> challenge) {
  if (challenge.size() > kChallengeSize) {
    throw std::invalid_argument("attestation challenge of " + std::to_string(challenge.size()) +
                                " bytes; at most 64");
  }
  std::array<std::uint64_t, 8> words{};
  std::memcpy(words.data(), challenge.data(), challenge.size());  // X1..X8, zero-padded
  const abi::SmcRegs init = r.smc(static_cast<std::uint32_t>(abi::RsiFid::kAttestationTokenInit),
                                  {words[0], words[1], words[2], words[3], words[4], words[5],
                                   words[6], words[7]});
  if (init.x[0] != 0) throw RsiError("RSI_ATTESTATION_TOKEN_INIT", static_cast<abi::RsiStatus>(init.x[0]));
  std::vector<std::uint8_t> token;
  token.reserve(init.x[1]);  // the RMM's upper bound
  const Ipa buf = r.rsi_buffer();
  for (;;) {
    const abi::SmcRegs out = r.smc(static_cast<std::uint32_t>(abi::RsiFid::kAttestationTokenContinue),
                                   {buf.value(), 0, kGranuleSize});
    const auto status = static_cast<abi::RsiStatus>(out.x[0]);
    if (status != abi::RsiStatus::kSuccess && status != abi::RsiStatus::kIncomplete) {
      throw RsiError("RSI_ATTESTATION_TOKEN_CONTINUE", status);
    }
    const auto* chunk = reinterpret_cast<const std::uint8_t*>(r.ptr(buf));
    token.insert(token.end(), chunk, chunk + out.x[1]);
    if (status == abi::RsiStatus::kSuccess) return token;
  }
}

}  // namespace caec::realm
