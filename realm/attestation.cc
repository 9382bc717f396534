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
  abi::rsi::AttestationTokenInit init;
  if (!challenge.empty()) std::memcpy(init.challenge.data(), challenge.data(), challenge.size());  // zero-padded
  const auto bound = r.checked(init);
  std::vector<std::uint8_t> token;
  token.reserve(bound.max_size);  // the RMM's upper bound
  const Ipa buf = r.rsi_buffer();
  for (;;) {
    const auto out = r.call(abi::rsi::AttestationTokenContinue{buf, 0, kGranuleSize});
    if (out.ret != abi::RsiStatus::kSuccess && out.ret != abi::RsiStatus::kIncomplete) {
      throw RsiError(abi::rsi::AttestationTokenContinue::kName, out.ret);
    }
    const auto* chunk = reinterpret_cast<const std::uint8_t*>(r.ptr(buf));
    token.insert(token.end(), chunk, chunk + out.written);
    if (out.ret == abi::RsiStatus::kSuccess) return token;
  }
}

}  // namespace caec::realm
