// The compact CSM facts INIT writes and the attestation service reads (rmm/port/attestation_port.h).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>

#include "rmm/port/attestation_port.h"

namespace caec::rmm {
namespace {

using Kind = ClaimRecord::Kind;

TEST(ClaimRecord, round_trips_every_kind_and_the_extremes) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  for (const ClaimRecord r : {ClaimRecord{Kind::kRegion, 2, 1, 1}, ClaimRecord{Kind::kAttachedConsumer, 0, 0x80, 0x7F},
                              ClaimRecord{Kind::kReservation, 1, kMax, 300},
                              ClaimRecord{Kind::kProviderConsumer, 0, 1ULL << 63U, kMax}}) {
    std::array<std::uint8_t, kMaxClaimRecordBytes> bytes{};
    const std::size_t n = encode_claim_record(r, bytes);
    ClaimRecord back{};
    ASSERT_EQ(decode_claim_record(std::span(bytes).first(n), back), n);
    EXPECT_EQ(back.kind, r.kind);
    EXPECT_EQ(back.perm, r.perm);
    EXPECT_EQ(back.csm_id, r.csm_id);
    EXPECT_EQ(back.rid, r.rid);
  }
}

TEST(ClaimRecord, small_ids_take_three_bytes) {
  // What lets a realm in hundreds of relations fit in its 8 KiB token buffer.
  std::array<std::uint8_t, kMaxClaimRecordBytes> bytes{};
  EXPECT_EQ(encode_claim_record({Kind::kAttachedConsumer, 0, 5, 9}, bytes), 3U);
  EXPECT_EQ(encode_claim_record({Kind::kReservation, 1, 1, 1}, bytes), 3U);
}

TEST(ClaimRecord, a_truncated_or_unknown_record_is_refused) {
  std::array<std::uint8_t, kMaxClaimRecordBytes> bytes{};
  const std::size_t n = encode_claim_record({Kind::kRegion, 2, 1000, 1000}, bytes);
  ClaimRecord r{};
  for (std::size_t cut = 0; cut < n; ++cut) EXPECT_EQ(decode_claim_record(std::span(bytes).first(cut), r), 0U) << cut;
  bytes[0] = 0x05;  // kind 5
  EXPECT_EQ(decode_claim_record(std::span(bytes).first(n), r), 0U);
  // An id longer than 64 bits.
  const std::array<std::uint8_t, 13> too_long{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x01};
  EXPECT_EQ(decode_claim_record(too_long, r), 0U);
  // Ten bytes whose last carries more than bit 63: the value would not fit.
  const std::array<std::uint8_t, 12> over_64_bits{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0x01};
  EXPECT_EQ(decode_claim_record(over_64_bits, r), 0U);
}

}  // namespace
}  // namespace caec::rmm
