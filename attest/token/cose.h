// COSE (RFC 9052) pieces CCA tokens use: EC2 COSE_Key and COSE_Sign1 with ECDSA.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "attest/token/cbor.h"
#include "attest/token/ec_key.h"

namespace caec::attest {

inline constexpr std::uint64_t kCoseSign1Tag = 18;

/// {1: 2 (EC2), -1: crv, -2: x, -3: y}, the form TF-RMM gives the RAK in the realm token.
[[nodiscard]] Bytes encode_cose_key(const EcKey& key);
/// Parses an EC2 COSE_Key with crv, x and y (other parameters are ignored).
[[nodiscard]] std::optional<EcKey> decode_cose_key(std::span<const std::uint8_t> data,
                                                   std::string& error);

/// COSE_Sign1_Tagged over `payload`: protected header {1: alg}, empty unprotected header.
[[nodiscard]] Bytes sign1(const EcKey& key, std::span<const std::uint8_t> payload);

/// A parsed COSE_Sign1 (tagged or not).
struct Sign1 {
  Bytes protected_header{};  // the serialized protected header map
  std::optional<CoseAlg> alg{};
  std::int64_t alg_id = 0;
  Bytes payload{};
  Bytes signature{};
};
[[nodiscard]] std::optional<Sign1> parse_sign1(std::span<const std::uint8_t> data, std::string& error);

/// The Sig_structure ["Signature1", protected, h'', payload] that the signature covers.
[[nodiscard]] Bytes sig_structure(std::span<const std::uint8_t> protected_header,
                                  std::span<const std::uint8_t> payload);

/// True when `key` signed `msg` with the algorithm its header names.
[[nodiscard]] bool verify_sign1(const Sign1& msg, const EcKey& key);

}  // namespace caec::attest
