// HKDF-SHA256 (RFC 5869, extract then expand) over OpenSSL 3's EVP_KDF "HKDF": the one key
// derivation function the sealed channels use, for session keys and for epoch rotation.
#pragma once

#include <cstdint>
#include <span>

namespace caec::channel {

/// Fills `out` (at most 255 * 32 bytes) with HKDF-SHA256(ikm, salt, info). `ikm` must not be
/// empty; an empty salt means RFC 5869's default (32 zero bytes).
void hkdf_sha256(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                 std::span<const std::uint8_t> info, std::span<std::uint8_t> out);

}  // namespace caec::channel
