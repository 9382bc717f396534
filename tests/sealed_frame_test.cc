// The sealed channels' crypto core (channel/sealed/) against a hostile hypervisor that reads,
// flips, replays, reorders, drops and truncates frames: AES-256-GCM known answers for both
// backends, cross-backend frames, every single-bit flip, key rotation across many epochs, and
// session key derivation with X25519.
#include <gtest/gtest.h>

#include <algorithm>
#include <new>
#include <numeric>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "caec/abi/hex.h"
#include "channel/sealed/aead.h"
#include "channel/sealed/frame.h"
#include "channel/sealed/hkdf.h"
#include "channel/sealed/keys.h"

namespace caec::channel {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes from_hex(std::string_view hex) { return parse_hex(hex).value(); }

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 7 + (i >> 8));
  return out;
}

DirectionKey test_key(std::uint8_t seed) {
  DirectionKey k;
  std::iota(k.key.mutable_bytes().begin(), k.key.mutable_bytes().end(), seed);
  std::iota(k.salt.begin(), k.salt.end(), static_cast<std::uint8_t>(seed + 100));
  return k;
}

constexpr std::uint64_t kSession = 0x5e55'1000'cae0'0001;

FrameConfig config(std::string backend, RotationPolicy rotation = {}) {
  return FrameConfig{.backend = std::move(backend), .session_id = kSession, .rotation = rotation};
}

/// Opens and expects kOk with `payload`.
void expect_opens(FrameOpener& opener, const Bytes& frame, const Bytes& payload) {
  Bytes got;
  ASSERT_EQ(opener.open(frame, got), OpenResult::kOk);
  EXPECT_EQ(got, payload);
}

/// Payload i of a numbered series, so that tests can name frames by index.
Bytes nth_payload(std::size_t i) { return pattern(10 + i, static_cast<std::uint8_t>(i)); }

/// One direction: a sealer and the opener that trusts it.
struct Direction {
  explicit Direction(const std::string& seal_backend = "openssl", const std::string& open_backend = "openssl",
                     RotationPolicy rotation = {})
      : sealer(config(seal_backend, rotation), test_key(1)), opener(config(open_backend, rotation), test_key(1)) {}

  /// The next n frames, of nth_payload(0) ... nth_payload(n - 1).
  std::vector<Bytes> seal_series(std::size_t n) {
    std::vector<Bytes> frames;
    for (std::size_t i = 0; i < n; ++i) frames.push_back(sealer.seal(nth_payload(i)));
    return frames;
  }
  void opens(const std::vector<Bytes>& series, std::size_t i) { expect_opens(opener, series[i], nth_payload(i)); }

  FrameSealer sealer;
  FrameOpener opener;
};

// ---- AES-256-GCM backends ------------------------------------------------------------------

// Every backend this CPU offers (libsodium's only with AES-NI).
std::vector<std::string> backends() {
  std::vector<std::string> names;
  for (std::string_view b : aead_backends()) names.emplace_back(b);
  return names;
}

class AeadBackend : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Each, AeadBackend, ::testing::ValuesIn(backends()),
                         [](const auto& test) { return test.param; });

// McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16 (AES-256, with AAD).
TEST_P(AeadBackend, matches_gcm_spec_test_case_16) {
  const Bytes key = from_hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const Bytes iv = from_hex("cafebabefacedbaddecaf888");
  const Bytes aad = from_hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const Bytes pt = from_hex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
      "b16aedf5aa0de657ba637b39");
  const Bytes expected = from_hex(
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
      "c5f61e6393ba7a0abcc9f66276fc6ece0f4e1768cddf8853bb2d551b");
  Nonce nonce{};
  std::copy(iv.begin(), iv.end(), nonce.begin());
  auto aead = make_aead(GetParam(), SecretKey(std::span<const std::uint8_t, kKeySize>(key.data(), kKeySize)));
  EXPECT_EQ(aead->backend(), GetParam());

  Bytes sealed(pt.size() + kTagSize);
  aead->seal(nonce, aad, pt, sealed);
  EXPECT_EQ(sealed, expected);
  Bytes opened(pt.size());
  ASSERT_TRUE(aead->open(nonce, aad, sealed, opened));
  EXPECT_EQ(opened, pt);

  // A bad tag yields no plaintext: the output is all zero, not the decryption.
  sealed.back() ^= 1;
  std::fill(opened.begin(), opened.end(), 0xAA);
  EXPECT_FALSE(aead->open(nonce, aad, sealed, opened));
  EXPECT_TRUE(std::all_of(opened.begin(), opened.end(), [](std::uint8_t b) { return b == 0; }));
}

TEST_P(AeadBackend, set_key_replaces_the_key_and_keeps_working) {
  auto aead = make_aead(GetParam(), test_key(1).key);
  const Bytes pt = pattern(100, 3);
  const Nonce nonce{};
  Bytes first(pt.size() + kTagSize), second(pt.size() + kTagSize), out(pt.size());
  aead->seal(nonce, {}, pt, first);
  aead->set_key(test_key(2).key);
  aead->seal(nonce, {}, pt, second);
  EXPECT_NE(first, second);
  EXPECT_FALSE(aead->open(nonce, {}, first, out));
  EXPECT_TRUE(aead->open(nonce, {}, second, out));
  EXPECT_EQ(out, pt);
}

TEST(Aead, unknown_backend_is_rejected) {
  EXPECT_THROW((void)make_aead("rot13", SecretKey{}), std::invalid_argument);
  EXPECT_EQ(aead_backends().size(), libsodium_aead_available() ? 3u : 2u);
  EXPECT_EQ(aead_backends()[0], "openssl");  // the paper's two baselines are always there
  EXPECT_EQ(aead_backends()[1], "mbedtls");
}

// RFC 5869 test cases 1 and 3 (SHA-256).
TEST(Hkdf, matches_rfc5869) {
  const Bytes ikm(22, 0x0b);
  Bytes salt(13), info(10), okm(42);
  std::iota(salt.begin(), salt.end(), std::uint8_t{0});
  std::iota(info.begin(), info.end(), std::uint8_t{0xf0});
  hkdf_sha256(ikm, salt, info, okm);
  EXPECT_EQ(okm, from_hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"));
  hkdf_sha256(ikm, {}, {}, okm);
  EXPECT_EQ(okm, from_hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"));
}

TEST(Secret, erases_its_bytes_when_destroyed) {
  alignas(SecretKey) std::array<std::uint8_t, sizeof(SecretKey)> storage{};
  auto* key = new (storage.data()) SecretKey(test_key(9).key);
  ASSERT_TRUE(std::any_of(storage.begin(), storage.end(), [](std::uint8_t b) { return b != 0; }));
  key->~SecretKey();
  EXPECT_TRUE(std::all_of(storage.begin(), storage.end(), [](std::uint8_t b) { return b == 0; }));
}

// ---- Frames: round trips, every backend, every direction of interoperation -----------------

class FrameBackends : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};
INSTANTIATE_TEST_SUITE_P(SealerOpener, FrameBackends,
                         ::testing::Combine(::testing::ValuesIn(backends()), ::testing::ValuesIn(backends())),
                         [](const auto& test) {
                           return std::get<0>(test.param) + "_to_" + std::get<1>(test.param);
                         });

TEST_P(FrameBackends, round_trip_at_every_size) {
  Direction d(std::get<0>(GetParam()), std::get<1>(GetParam()));
  std::vector<std::size_t> sizes = {0, 1, 15, 16, 17};
  for (std::size_t s = 64; s <= (std::size_t{1} << 20); s *= 2) sizes.push_back(s);
  for (std::size_t size : sizes) {
    SCOPED_TRACE(size);
    const Bytes payload = pattern(size, static_cast<std::uint8_t>(size));
    const Bytes frame = d.sealer.seal(payload);
    ASSERT_EQ(frame.size(), sealed_frame_size(size));
    // The payload is not on the wire in the clear (sizes where a match is not chance).
    if (size >= 16) {
      EXPECT_EQ(std::search(frame.begin(), frame.end(), payload.begin(), payload.end()), frame.end());
    }
    expect_opens(d.opener, frame, payload);
  }
  EXPECT_EQ(d.opener.next_sequence(), sizes.size());
}

TEST(Frame, header_is_little_endian_and_matches_the_sealer_state) {
  Direction d;
  (void)d.sealer.seal(pattern(5, 0));
  const Bytes frame = d.sealer.seal(pattern(70, 0));
  EXPECT_EQ(Bytes(frame.begin(), frame.begin() + 4), (Bytes{0x43, 0x45, 0x53, 0x01}));
  const FrameHeader h = decode_header(std::span<const std::uint8_t, kFrameHeaderSize>(frame.data(), kFrameHeaderSize));
  EXPECT_EQ(h.magic, kFrameMagic);
  EXPECT_EQ(h.session_id, kSession);
  EXPECT_EQ(h.epoch, 0u);
  EXPECT_EQ(h.sequence, 1u);
  EXPECT_EQ(h.payload_size, 70u);
  const FrameHeaderBytes encoded = encode_header(h);
  EXPECT_TRUE(std::equal(encoded.begin(), encoded.end(), frame.begin()));
}

TEST(Frame, nonces_differ_by_epoch_sequence_and_salt) {
  const NonceSalt a = test_key(1).salt, b = test_key(2).salt;
  EXPECT_NE(frame_nonce(a, 0, 1), frame_nonce(a, 0, 2));
  EXPECT_NE(frame_nonce(a, 0, 1), frame_nonce(a, 1, 1));
  EXPECT_NE(frame_nonce(a, 0, 1), frame_nonce(b, 0, 1));
  EXPECT_EQ(frame_nonce(NonceSalt{}, 0x04030201, 0x0c0b0a0908070605),
            (Nonce{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
}

TEST(Frame, sealer_refuses_oversize_payloads_and_short_buffers) {
  FrameSealer sealer(FrameConfig{.session_id = kSession, .max_payload = 64}, test_key(1));
  EXPECT_THROW((void)sealer.seal(pattern(65, 0)), std::length_error);
  Bytes small(sealed_frame_size(10) - 1);
  EXPECT_THROW((void)sealer.seal(pattern(10, 0), small), std::invalid_argument);
  EXPECT_EQ(sealer.next_sequence(), 0u);  // nothing was sealed
}

// ---- Frames: the hostile host --------------------------------------------------------------

/// Opens `frame` into a buffer filled with a marker and checks a rejection left no plaintext:
/// the buffer is untouched, or zeroed over the declared payload after a failed tag check.
OpenResult open_rejected(FrameOpener& opener, const Bytes& frame) {
  const std::uint64_t seq = opener.next_sequence();
  const std::uint32_t epoch = opener.epoch();
  Bytes out(4096, 0xAA);
  std::size_t size = 12345;
  const OpenResult r = opener.open(frame, out, size);
  EXPECT_NE(r, OpenResult::kOk);
  EXPECT_EQ(size, 12345u);
  EXPECT_EQ(opener.next_sequence(), seq);
  EXPECT_EQ(opener.epoch(), epoch);
  const auto zeroed = static_cast<std::ptrdiff_t>(std::min(out.size(), frame.size() - std::min(frame.size(), sealed_frame_size(0))));
  const bool untouched = std::all_of(out.begin(), out.end(), [](std::uint8_t b) { return b == 0xAA; });
  const bool wiped = r == OpenResult::kForged &&
                     std::all_of(out.begin(), out.begin() + zeroed, [](std::uint8_t b) { return b == 0; }) &&
                     std::all_of(out.begin() + zeroed, out.end(), [](std::uint8_t b) { return b == 0xAA; });
  EXPECT_TRUE(untouched || wiped) << to_string(r);
  return r;
}

/// What a flip of `bit` in a genuine frame's header must be reported as.
bool plausible_for_header_flip(std::size_t bit, OpenResult r) {
  const std::size_t byte = bit / 8;
  if (byte < 4) return r == OpenResult::kBadHeader;
  if (byte < 12) return r == OpenResult::kWrongSession;
  if (byte < 16) return r == OpenResult::kBadHeader;
  if (byte < 24) return r == OpenResult::kReplayed || r == OpenResult::kGap;
  return r == OpenResult::kTooLarge || r == OpenResult::kTruncated || r == OpenResult::kBadHeader;
}

TEST_P(FrameBackends, every_single_bit_flip_is_rejected) {
  Direction d(std::get<0>(GetParam()), std::get<1>(GetParam()));
  const Bytes payload = pattern(100, 5);
  // Sequence 1, so a flipped sequence bit can also point backwards.
  expect_opens(d.opener, d.sealer.seal(pattern(3, 0)), pattern(3, 0));
  const Bytes frame = d.sealer.seal(payload);
  for (std::size_t bit = 0; bit < frame.size() * 8; ++bit) {
    SCOPED_TRACE(bit);
    Bytes flipped = frame;
    flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    const OpenResult r = open_rejected(d.opener, flipped);
    if (bit < kFrameHeaderSize * 8) {
      EXPECT_TRUE(plausible_for_header_flip(bit, r)) << to_string(r);
    } else {
      EXPECT_EQ(r, OpenResult::kForged);  // ciphertext or tag
    }
  }
  expect_opens(d.opener, frame, payload);
}

TEST(Frame, replay_is_rejected_and_the_next_frame_opens) {
  Direction d;
  const auto f = d.seal_series(3);
  d.opens(f, 0);
  EXPECT_EQ(open_rejected(d.opener, f[0]), OpenResult::kReplayed);
  d.opens(f, 1);
  EXPECT_EQ(open_rejected(d.opener, f[0]), OpenResult::kReplayed);
  EXPECT_EQ(open_rejected(d.opener, f[1]), OpenResult::kReplayed);
  d.opens(f, 2);
}

TEST(Frame, reordered_frames_report_a_gap_then_open_in_order) {
  Direction d;
  const auto f = d.seal_series(2);
  EXPECT_EQ(open_rejected(d.opener, f[1]), OpenResult::kGap);
  d.opens(f, 0);
  d.opens(f, 1);
}

TEST(Frame, dropped_frame_leaves_a_gap_until_it_arrives) {
  Direction d;
  const auto f = d.seal_series(3);
  d.opens(f, 0);
  EXPECT_EQ(open_rejected(d.opener, f[2]), OpenResult::kGap);  // f[1] dropped
  EXPECT_EQ(open_rejected(d.opener, f[2]), OpenResult::kGap);
  d.opens(f, 1);
  d.opens(f, 2);
}

TEST(Frame, truncation_at_every_length_is_rejected) {
  Direction d;
  const Bytes frame = d.sealer.seal(pattern(100, 1));
  for (std::size_t len = 0; len < frame.size(); ++len) {
    SCOPED_TRACE(len);
    const OpenResult r = open_rejected(d.opener, Bytes(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(len)));
    EXPECT_TRUE(r == OpenResult::kTruncated || r == OpenResult::kForged) << to_string(r);
  }
  Bytes longer = frame;
  longer.push_back(0);
  EXPECT_EQ(open_rejected(d.opener, longer), OpenResult::kBadHeader);
  expect_opens(d.opener, frame, pattern(100, 1));
}

TEST(Frame, truncation_with_a_matching_length_field_is_forged) {
  Direction d;
  Bytes frame = d.sealer.seal(pattern(100, 1));
  frame.resize(sealed_frame_size(50));
  frame[24] = 50;  // payload_size, little-endian
  EXPECT_EQ(open_rejected(d.opener, frame), OpenResult::kForged);
}

TEST(Frame, another_sessions_frames_are_rejected) {
  Direction d;
  FrameSealer other(FrameConfig{.session_id = kSession + 1}, test_key(1));
  EXPECT_EQ(open_rejected(d.opener, other.seal(pattern(10, 0))), OpenResult::kWrongSession);
  // Same session id, another key (e.g. the other direction's): the tag gives it away.
  FrameSealer other_key(config("openssl"), test_key(2));
  EXPECT_EQ(open_rejected(d.opener, other_key.seal(pattern(10, 0))), OpenResult::kForged);
  expect_opens(d.opener, d.sealer.seal(pattern(10, 0)), pattern(10, 0));
}

TEST(Frame, oversize_length_fields_are_rejected) {
  FrameSealer sealer(FrameConfig{.session_id = kSession, .max_payload = 64}, test_key(1));
  FrameOpener opener(FrameConfig{.session_id = kSession, .max_payload = 64}, test_key(1));
  const Bytes frame = sealer.seal(pattern(64, 0));
  for (std::uint32_t declared : {65u, 1u << 24, 0xFFFF'FFFFu}) {
    Bytes bad = frame;
    for (std::size_t i = 0; i < 4; ++i) bad[24 + i] = static_cast<std::uint8_t>(declared >> (8 * i));
    EXPECT_EQ(open_rejected(opener, bad), OpenResult::kTooLarge) << declared;
  }
  // A caller's buffer smaller than the declared payload is the same refusal, not an overflow.
  Bytes small(63, 0xAA);
  std::size_t size = 0;
  EXPECT_EQ(opener.open(frame, small, size), OpenResult::kTooLarge);
  EXPECT_TRUE(std::all_of(small.begin(), small.end(), [](std::uint8_t b) { return b == 0xAA; }));
  expect_opens(opener, frame, pattern(64, 0));
}

// ---- Key rotation --------------------------------------------------------------------------

TEST_P(FrameBackends, rotation_every_three_frames_across_many_epochs) {
  Direction d(std::get<0>(GetParam()), std::get<1>(GetParam()), RotationPolicy{.max_frames = 3});
  for (std::uint64_t i = 0; i < 300; ++i) {
    const Bytes payload = pattern(i % 50, static_cast<std::uint8_t>(i));
    const std::uint32_t epoch = d.sealer.epoch();
    ASSERT_EQ(epoch, i / 3);
    const Bytes frame = d.sealer.seal(payload);
    ASSERT_EQ(decode_header(std::span<const std::uint8_t, kFrameHeaderSize>(frame.data(), kFrameHeaderSize)).epoch,
              epoch);
    expect_opens(d.opener, frame, payload);
    ASSERT_EQ(d.opener.epoch(), d.sealer.epoch());
  }
  EXPECT_EQ(d.opener.epoch(), 100u);
}

TEST(Rotation, byte_limit_rotates_after_the_frame_that_reaches_it) {
  Direction d("openssl", "mbedtls", RotationPolicy{.max_bytes = 100});
  // 40-byte payloads: 40, 80, 120 >= 100, so three frames an epoch; a 100-byte one alone.
  for (int i = 0; i < 3; ++i) expect_opens(d.opener, d.sealer.seal(pattern(40, 0)), pattern(40, 0));
  EXPECT_EQ(d.sealer.epoch(), 1u);
  EXPECT_EQ(d.opener.epoch(), 1u);
  expect_opens(d.opener, d.sealer.seal(pattern(100, 0)), pattern(100, 0));
  EXPECT_EQ(d.opener.epoch(), 2u);
  // Empty payloads count as frames only.
  for (int i = 0; i < 10; ++i) expect_opens(d.opener, d.sealer.seal({}), {});
  EXPECT_EQ(d.opener.epoch(), 2u);
}

TEST(Rotation, old_epoch_frames_are_rejected_in_the_next_epoch) {
  Direction d("openssl", "openssl", RotationPolicy{.max_frames = 3});
  const auto frames = d.seal_series(6);
  for (std::size_t i = 0; i < 4; ++i) d.opens(frames, i);
  ASSERT_EQ(d.opener.epoch(), 1u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(open_rejected(d.opener, frames[i]), OpenResult::kReplayed);

  // An epoch-0 frame relabelled to stand where the next epoch-1 frame should: the header no
  // longer matches the epoch; relabelled to epoch 1 as well, the key does not match.
  Bytes relabelled = frames[0];
  relabelled[16] = 4;  // sequence 4
  EXPECT_EQ(open_rejected(d.opener, relabelled), OpenResult::kBadHeader);
  relabelled[12] = 1;  // epoch 1
  EXPECT_EQ(open_rejected(d.opener, relabelled), OpenResult::kForged);

  // A sealer that did not rotate (another policy) produces nothing the opener accepts.
  FrameSealer stale(config("openssl"), test_key(1));
  for (int i = 0; i < 4; ++i) (void)stale.seal(pattern(20, 0));
  EXPECT_EQ(open_rejected(d.opener, stale.seal(nth_payload(4))), OpenResult::kBadHeader);
  d.opens(frames, 4);
  d.opens(frames, 5);
}

TEST(Rotation, next_key_depends_on_key_and_epoch) {
  const SecretKey k = test_key(1).key;
  EXPECT_EQ(next_epoch_key(k, 1), next_epoch_key(k, 1));
  EXPECT_FALSE(next_epoch_key(k, 1) == k);
  EXPECT_FALSE(next_epoch_key(k, 1) == next_epoch_key(k, 2));
  EXPECT_FALSE(next_epoch_key(k, 1) == next_epoch_key(test_key(2).key, 1));
}

TEST(Rotation, zero_limits_are_refused) {
  EXPECT_THROW(FrameSealer(config("openssl", RotationPolicy{.max_frames = 0}), test_key(1)), std::invalid_argument);
  EXPECT_THROW(FrameOpener(config("openssl", RotationPolicy{.max_bytes = 0}), test_key(1)), std::invalid_argument);
}

// ---- Session keys --------------------------------------------------------------------------

TEST(SessionKeys, roles_get_mirrored_directional_keys) {
  const Bytes secret = pattern(32, 1), transcript = pattern(32, 2);
  const SessionKeys keys = derive_session_keys(secret, transcript);
  const SessionKeys again = derive_session_keys(secret, transcript);
  EXPECT_EQ(keys.session_id, again.session_id);
  EXPECT_EQ(keys.send(Role::kInitiator).key, again.receive(Role::kResponder).key);
  EXPECT_EQ(keys.send(Role::kInitiator).salt, again.receive(Role::kResponder).salt);
  EXPECT_EQ(keys.send(Role::kResponder).key, again.receive(Role::kInitiator).key);
  EXPECT_EQ(&keys.send(Role::kInitiator), &keys.initiator_to_responder);
  // The two directions share neither key nor salt.
  EXPECT_FALSE(keys.initiator_to_responder.key == keys.responder_to_initiator.key);
  EXPECT_NE(keys.initiator_to_responder.salt, keys.responder_to_initiator.salt);
}

TEST(SessionKeys, differ_with_transcript_and_secret) {
  const Bytes secret = pattern(32, 1), transcript = pattern(32, 2);
  Bytes other_transcript = transcript;
  other_transcript[31] ^= 1;
  const SessionKeys a = derive_session_keys(secret, transcript);
  const SessionKeys b = derive_session_keys(secret, other_transcript);
  const SessionKeys c = derive_session_keys(pattern(32, 3), transcript);
  for (const SessionKeys* other : {&b, &c}) {
    EXPECT_NE(a.session_id, other->session_id);
    EXPECT_FALSE(a.initiator_to_responder.key == other->initiator_to_responder.key);
    EXPECT_FALSE(a.responder_to_initiator.key == other->responder_to_initiator.key);
    EXPECT_NE(a.initiator_to_responder.salt, other->initiator_to_responder.salt);
  }
  EXPECT_THROW((void)derive_session_keys({}, transcript), std::invalid_argument);
  EXPECT_THROW((void)derive_session_keys(secret, {}), std::invalid_argument);
}

TEST(X25519, both_sides_derive_the_same_secret) {
  const X25519KeyShare a = X25519KeyShare::generate(), b = X25519KeyShare::generate(),
                       c = X25519KeyShare::generate();
  EXPECT_NE(a.public_bytes(), b.public_bytes());
  const auto ab = a.derive(b.public_bytes()), ba = b.derive(a.public_bytes()), ac = a.derive(c.public_bytes());
  ASSERT_TRUE(ab && ba && ac);
  EXPECT_EQ(*ab, *ba);
  EXPECT_FALSE(*ab == *ac);
}

TEST(X25519, bad_peer_shares_are_refused) {
  const X25519KeyShare a = X25519KeyShare::generate();
  EXPECT_FALSE(a.derive(Bytes(31, 9)));
  EXPECT_FALSE(a.derive(Bytes(33, 9)));
  // Low-order points: the shared secret would be all zero whatever a's key.
  X25519Public zero{}, one{};
  one[0] = 1;
  EXPECT_FALSE(a.derive(zero));
  EXPECT_FALSE(a.derive(one));
}

TEST(SessionKeys, exchange_then_frames_flow_both_ways) {
  const X25519KeyShare ini_share = X25519KeyShare::generate(), resp_share = X25519KeyShare::generate();
  const Bytes transcript = pattern(48, 7);  // stands for the hash of both attested shares
  const SessionKeys ini = derive_session_keys(ini_share.derive(resp_share.public_bytes())->bytes(), transcript);
  const SessionKeys resp = derive_session_keys(resp_share.derive(ini_share.public_bytes())->bytes(), transcript);
  ASSERT_EQ(ini.session_id, resp.session_id);
  const FrameConfig cfg{.session_id = ini.session_id};

  FrameSealer ini_out(cfg, ini.send(Role::kInitiator));
  FrameOpener resp_in(cfg, resp.receive(Role::kResponder));
  FrameSealer resp_out(cfg, resp.send(Role::kResponder));
  FrameOpener ini_in(cfg, ini.receive(Role::kInitiator));
  const Bytes request = pattern(200, 1), reply = pattern(300, 2);
  const Bytes request_frame = ini_out.seal(request);
  expect_opens(resp_in, request_frame, request);
  expect_opens(ini_in, resp_out.seal(reply), reply);

  // Reflection: the host hands the initiator its own frame back; the other direction's key
  // and salt refuse it.
  FrameOpener ini_in_fresh(cfg, ini.receive(Role::kInitiator));
  EXPECT_EQ(open_rejected(ini_in_fresh, request_frame), OpenResult::kForged);
}

}  // namespace
}  // namespace caec::channel
