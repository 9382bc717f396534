// The attestation service as the RMM core sees it: a link-time port, like the hash. At boot the
// core fetches the realm attestation key and the platform token from EL3 (core/el3_attestation.h)
// and has the port import the key; RSI_ATTESTATION_TOKEN_INIT records
// the realm's claims as plain facts in the REC's token buffer (its aux granules), and the first
// RSI_ATTESTATION_TOKEN_CONTINUE has the service encode, sign and wrap them in the same buffer.
// The hosted service (rmm/port/hosted_attestation.cc) uses libcbor and OpenSSL; a firmware
// port brings its own encoder and signer (TF-RMM: QCBOR, t_cose, mbedTLS).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "caec/abi/rmi.h"
#include "rmm/port/hash.h"
#include "rmm/port/platform.h"

namespace caec::rmm {

class Attestation;
class TokenBuffer;

/// What INIT records at the start of the token buffer, followed by `records_size` bytes of
/// ClaimRecords (encode_claim_record). The core copies facts under the locks that make them
/// consistent and never encodes a token.
struct TokenClaims {
  std::array<std::uint8_t, 64> challenge{};  // X1..X8 of INIT, little-endian
  std::array<std::uint8_t, 64> rpv{};
  std::array<Measurement, 5> measurements{};  // RIM, REM0..REM3 (hash_size(hash_algo) bytes each)
  abi::RmiHashAlgorithm hash_algo{};
  std::uint64_t realm_id = 0;
  std::uint64_t records_size = 0;
};

/// One fact about the CSM relations the realm takes part in (csm-abi.md §7). The service groups
/// them into the CSM claim: one entry per region the realm provides (kRegion, with the
/// kAttachedConsumer facts of the same id) and per region it has attached (kReservation, with
/// the provider's kProviderConsumer facts of the same id, read with both RDs locked).
struct ClaimRecord {
  enum class Kind : std::uint8_t {
    kRegion = 1,            // the realm provides region csm_id
    kAttachedConsumer = 2,  // realm `rid` is attached to the realm's region csm_id
    kReservation = 3,       // the realm is attached to region csm_id of provider `rid`, with `perm`
    kProviderConsumer = 4,  // realm `rid` is attached to region csm_id, as its provider says
  };
  Kind kind{};
  std::uint8_t perm = 0;  // abi::CsmPerm
  std::uint64_t csm_id = 0;
  std::uint64_t rid = 0;
};

/// Records are stored compactly, as the token claims them (a realm in hundreds of relations
/// must still fit in the buffer): a byte kind | perm << 4, then csm_id and rid as LEB128.
inline constexpr std::size_t kMaxClaimRecordBytes = 1 + 10 + 10;

/// Writes `r` to `out`; returns the bytes written.
[[nodiscard]] constexpr std::size_t encode_claim_record(const ClaimRecord& r,
                                                        std::span<std::uint8_t, kMaxClaimRecordBytes> out) {
  std::size_t n = 0;
  out[n++] = static_cast<std::uint8_t>(static_cast<unsigned>(r.kind) | (static_cast<unsigned>(r.perm) << 4U));
  for (std::uint64_t v : {r.csm_id, r.rid}) {
    do {
      out[n++] = static_cast<std::uint8_t>((v & 0x7FU) | (v > 0x7FU ? 0x80U : 0U));
      v >>= 7U;
    } while (v != 0);
  }
  return n;
}

/// Reads a record from the start of `in`; returns the bytes it took, 0 if `in` does not start
/// with a whole, well-formed record.
[[nodiscard]] constexpr std::size_t decode_claim_record(std::span<const std::uint8_t> in, ClaimRecord& r) {
  if (in.empty()) return 0;
  const unsigned kind = in[0] & 0xFU;
  if (kind < 1 || kind > 4) return 0;
  r.kind = static_cast<ClaimRecord::Kind>(kind);
  r.perm = static_cast<std::uint8_t>(in[0] >> 4U);
  std::size_t n = 1;
  for (std::uint64_t* v : {&r.csm_id, &r.rid}) {
    *v = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (n == in.size() || shift > 63) return 0;
      const std::uint8_t b = in[n++];
      // The tenth byte holds bit 63 only: anything more does not fit in 64 bits, and
      // accepting it would give two encodings of one id.
      if (shift == 63 && b > 1) return 0;
      *v |= static_cast<std::uint64_t>(b & 0x7FU) << shift;
      if ((b & 0x80U) == 0) break;
    }
  }
  return n;
}

/// Boot: imports the realm attestation key EL3 gave as a P-384 private scalar (in the token
/// format the platform's boot options ask for); nullptr if it is not a valid key.
[[nodiscard]] Attestation* attestation_import_key(Platform& platform, std::span<const std::uint8_t> scalar);
/// Shutdown: forgets the key.
void attestation_release(Attestation& attestation);
/// The RAK's public half as the realm token carries it (a COSE_Key): what the platform token's
/// challenge hashes.
[[nodiscard]] std::span<const std::uint8_t> attestation_public_key(const Attestation& attestation);
/// Replaces the claims INIT recorded in `buffer` by the CCA token (the realm token signed with
/// the RAK, and `platform_token`); returns its size, or 0 if the records are malformed or the
/// token does not fit in the buffer.
[[nodiscard]] std::size_t attestation_sign(const Attestation& attestation, std::span<const std::uint8_t> platform_token,
                                           TokenBuffer& buffer);

}  // namespace caec::rmm
