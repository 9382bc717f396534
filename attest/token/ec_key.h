// ECDSA keys for COSE (P-256/P-384/P-521) over OpenSSL 3's EVP interface.
//
// Signatures are COSE's raw form (r || s, each the curve's size), not DER.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "attest/token/cbor.h"

namespace caec::attest {

/// COSE key curve identifiers (RFC 9053 table 18).
enum class Curve : int { kP256 = 1, kP384 = 2, kP521 = 3 };
/// COSE ECDSA algorithm identifiers (RFC 9053 table 1).
enum class CoseAlg : int { kEs256 = -7, kEs384 = -35, kEs512 = -36 };

[[nodiscard]] std::size_t coordinate_size(Curve c);
[[nodiscard]] std::string_view curve_name(Curve c);  // "P-256", ...
[[nodiscard]] std::optional<Curve> curve_from_name(std::string_view name);
[[nodiscard]] std::string_view alg_name(CoseAlg a);  // "ES256", ...
[[nodiscard]] std::optional<CoseAlg> alg_from_id(std::int64_t id);

class EcKey {
 public:
  /// A fresh private key.
  [[nodiscard]] static EcKey generate(Curve curve);
  /// A PEM private key (any form OpenSSL reads) or SubjectPublicKeyInfo public key.
  [[nodiscard]] static std::optional<EcKey> from_pem(std::string_view pem, std::string& error);
  /// A private key from its big-endian scalar (the form EL3 hands the RMM its RAK in).
  [[nodiscard]] static std::optional<EcKey> from_private_scalar(Curve curve,
                                                                std::span<const std::uint8_t> d);
  /// A public key from an uncompressed SEC1 point (0x04 || X || Y).
  [[nodiscard]] static std::optional<EcKey> from_public_point(Curve curve,
                                                              std::span<const std::uint8_t> point);

  [[nodiscard]] Curve curve() const { return curve_; }
  [[nodiscard]] bool has_private() const { return has_private_; }
  /// 0x04 || X || Y.
  [[nodiscard]] Bytes public_point() const;
  /// The big-endian private scalar, coordinate-size bytes. Requires has_private().
  [[nodiscard]] Bytes private_scalar() const;
  [[nodiscard]] std::string public_pem() const;
  [[nodiscard]] std::string private_pem() const;

  /// ECDSA over the digest `alg` names; raw r || s. Requires has_private().
  [[nodiscard]] Bytes sign(CoseAlg alg, std::span<const std::uint8_t> message) const;
  /// False for a bad signature, a malformed one, or a key/algorithm mismatch.
  [[nodiscard]] bool verify(CoseAlg alg, std::span<const std::uint8_t> message,
                            std::span<const std::uint8_t> signature) const;

 private:
  struct Free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  };
  EcKey(EVP_PKEY* key, Curve curve, bool has_private)
      : key_(key, Free{}), curve_(curve), has_private_(has_private) {}

  std::shared_ptr<EVP_PKEY> key_;
  Curve curve_;
  bool has_private_;
};

/// The COSE algorithm that matches a curve (ES256 for P-256, ...).
[[nodiscard]] CoseAlg alg_for(Curve c);

}  // namespace caec::attest
