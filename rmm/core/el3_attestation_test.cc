// The RMM's side of the RMM-EL3 attestation interface, against a scripted EL3: what the core
// accepts, what it refuses, and that the private key does not outlive its fetch in the buffer
// the two worlds share.
#include "rmm/core/el3_attestation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include "caec/abi/el3.h"
#include "rmm/port/scratch_platform_test.h"

namespace caec::rmm {
namespace {

/// EL3 as a script: the key it hands out, the platform token in chunks of `chunk` bytes, and
/// what it saw of the RMM's requests.
class ScriptedEl3 : public ScratchPlatform {
 public:
  abi::El3Status key_status = abi::El3Status::kOk;
  std::vector<std::uint8_t> key = std::vector<std::uint8_t>(48, 0x11);  // a valid P-384 scalar
  abi::El3Status token_status = abi::El3Status::kOk;
  std::vector<std::uint8_t> token = std::vector<std::uint8_t>(1000, 0xAB);
  std::size_t chunk = 256;
  /// Lies about what is left after the first chunk (0: tells the truth).
  std::uint64_t claimed_remaining = 0;

  std::vector<std::uint64_t> challenge_sizes;  // X3 of each GET_PLAT_TOKEN
  bool key_scrubbed = true;                    // the shared buffer held no key at GET_PLAT_TOKEN

  void el3_smc(abi::SmcRegs& regs) override {
    if (static_cast<abi::El3Fid>(regs.x[0]) == abi::El3Fid::kGetRealmAttestKey) {
      regs.x[0] = static_cast<std::uint64_t>(key_status);
      std::copy(key.begin(), key.end(), bytes());
      regs.x[1] = key.size();
      return;
    }
    challenge_sizes.push_back(regs.x[3]);
    // At the first request the buffer holds the 32-byte challenge; the key's bytes after it
    // must be gone.
    if (challenge_sizes.size() == 1) {
      key_scrubbed = std::all_of(bytes() + 32, bytes() + key.size(), [](std::uint8_t b) { return b == 0; });
    }
    const std::size_t n = std::min(chunk, token.size() - sent_);
    std::copy_n(token.begin() + static_cast<std::ptrdiff_t>(sent_), n, bytes());
    sent_ += n;
    regs.x[0] = static_cast<std::uint64_t>(token_status);
    regs.x[1] = n;
    regs.x[2] = claimed_remaining != 0 ? claimed_remaining : token.size() - sent_;
  }
  [[nodiscard]] std::span<std::byte> el3_shared_buffer() override { return shared_; }
  /// Nothing is left in the shared buffer.
  [[nodiscard]] bool buffer_clear() const {
    return std::all_of(shared_.begin(), shared_.end(), [](std::byte b) { return b == std::byte{0}; });
  }

 private:
  std::uint8_t* bytes() { return reinterpret_cast<std::uint8_t*>(shared_.data()); }
  std::array<std::byte, kGranuleSize> shared_{};
  std::size_t sent_ = 0;
};

/// Boot against `el3` leaves attestation unavailable, with no platform token and a reason.
void expect_unavailable(ScriptedEl3& el3) {
  const El3Attestation a(el3);
  EXPECT_FALSE(a.available());
  EXPECT_TRUE(a.platform_token().empty());
  EXPECT_NE(std::string_view(a.boot_error()), "");
}

TEST(El3Attestation, fetches_the_key_then_the_whole_platform_token_bound_to_it) {
  ScriptedEl3 el3;
  const El3Attestation a(el3);
  ASSERT_TRUE(a.available()) << a.boot_error();
  EXPECT_TRUE(std::equal(a.platform_token().begin(), a.platform_token().end(), el3.token.begin(), el3.token.end()));
  // The first request carries the 32-byte challenge H(RAK); continuations carry none.
  ASSERT_EQ(el3.challenge_sizes.size(), 4U);
  EXPECT_EQ(el3.challenge_sizes[0], 32U);
  EXPECT_EQ(el3.challenge_sizes[1], 0U);
  EXPECT_TRUE(el3.key_scrubbed) << "the private key lingered in the EL3 shared buffer";
}

TEST(El3Attestation, is_unavailable_when_el3_refuses_the_key) {
  ScriptedEl3 el3;
  el3.key_status = abi::El3Status::kInval;
  expect_unavailable(el3);
  EXPECT_TRUE(el3.challenge_sizes.empty()) << "no platform token without a key";
  EXPECT_TRUE(el3.buffer_clear()) << "the key EL3 wrote with its refusal lingered in the shared buffer";
}

TEST(El3Attestation, refuses_a_key_that_is_not_a_p384_scalar) {
  ScriptedEl3 el3;
  el3.key.assign(48, 0xFF);  // above the group order
  expect_unavailable(el3);
  EXPECT_TRUE(el3.buffer_clear());
  el3.key.assign(48, 0);
  expect_unavailable(el3);
}

TEST(El3Attestation, refuses_a_key_size_beyond_the_shared_buffer) {
  struct Boasting : ScriptedEl3 {
    void el3_smc(abi::SmcRegs& regs) override {
      const bool key_call = static_cast<abi::El3Fid>(regs.x[0]) == abi::El3Fid::kGetRealmAttestKey;
      ScriptedEl3::el3_smc(regs);
      if (key_call) regs.x[1] = kGranuleSize + 1;
    }
  } el3;
  expect_unavailable(el3);
  EXPECT_TRUE(el3.buffer_clear()) << "a refused answer's key bytes lingered in the shared buffer";
}

TEST(El3Attestation, is_unavailable_when_el3_refuses_the_platform_token) {
  ScriptedEl3 el3;
  el3.token_status = abi::El3Status::kInval;
  expect_unavailable(el3);
}

TEST(El3Attestation, refuses_a_platform_token_over_4_kib_however_el3_splits_it) {
  ScriptedEl3 whole;
  whole.token.assign(kMaxPlatformToken + 1, 0xAB);
  expect_unavailable(whole);
  ScriptedEl3 exact;
  exact.token.assign(kMaxPlatformToken, 0xAB);
  EXPECT_TRUE(El3Attestation(exact).available());
  // EL3 announcing more than fits is refused before any of it is copied.
  ScriptedEl3 boast;
  boast.claimed_remaining = kMaxPlatformToken;
  expect_unavailable(boast);
}

}  // namespace
}  // namespace caec::rmm
