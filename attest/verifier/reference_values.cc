// Loading reference values: platform keys (PEM, trust-anchor JSON), expected software
// components (JSON), hex and base64, lifecycle state names.
#include <array>

#include "caec/abi/hex.h"
#include "attest/token/cose.h"
#include "attest/verifier/verifier.h"

namespace caec::attest::verifier {

namespace {

using nlohmann::json;

constexpr std::array<LifecycleState, 7> kLifecycleStates = {
    LifecycleState::kUnknown,
    LifecycleState::kAssemblyAndTest,
    LifecycleState::kPsaRotProvisioning,
    LifecycleState::kSecured,
    LifecycleState::kNonPsaRotDebug,
    LifecycleState::kRecoverablePsaRotDebug,
    LifecycleState::kDecommissioned,
};

int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

json parse_json(std::string_view text, std::string& error) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) error = "not valid JSON";
  return doc;
}

/// A string member holding hex: nullopt when absent; sets `error` when present but not hex.
std::optional<Bytes> hex_member(const json& object, const char* name, std::string& error) {
  const auto it = object.find(name);
  if (it == object.end()) return std::nullopt;
  auto bytes = it->is_string() ? caec::parse_hex(it->get<std::string>()) : std::nullopt;
  if (!bytes) error = std::string("\"") + name + "\" is not a hex string";
  return bytes;
}

std::optional<std::string> text_member(const json& object, const char* name, std::string& error) {
  const auto it = object.find(name);
  if (it == object.end()) return std::nullopt;
  if (!it->is_string()) {
    error = std::string("\"") + name + "\" is not a string";
    return std::nullopt;
  }
  return it->get<std::string>();
}

/// An EC JWK (RFC 7518 §6.2) as a public key.
std::optional<EcKey> key_from_jwk(const json& jwk, std::string& error) {
  if (!jwk.is_object() || jwk.value("kty", "") != "EC") {
    error = "\"pkey\" is not an EC JWK (kty \"EC\")";
    return std::nullopt;
  }
  const auto curve = curve_from_name(jwk.value("crv", ""));
  if (!curve) {
    error = "JWK crv is not P-256, P-384 or P-521";
    return std::nullopt;
  }
  const auto x = parse_base64(jwk.value("x", ""));
  const auto y = parse_base64(jwk.value("y", ""));
  if (!x || !y) {
    error = "JWK x/y are not base64url";
    return std::nullopt;
  }
  // The same key as a COSE_Key {kty: EC2, crv, x, y}, so that one parser checks it.
  const Bytes cose_key = cbor::encode(cbor::MapBuilder()
                                          .add(1, cbor::uint(2))
                                          .add(-1, cbor::uint(static_cast<std::uint64_t>(*curve)))
                                          .add(-2, cbor::bytes(*x))
                                          .add(-3, cbor::bytes(*y))
                                          .build());
  auto key = decode_cose_key(cose_key, error);
  if (!key) error = "JWK key: " + error;
  return key;
}

/// Each element of a JSON array (or the one object), parsed by `parse_one`; the error names
/// the element.
template <class T, class F>
std::optional<std::vector<T>> parse_entries(std::string_view text, std::string& error,
                                            F parse_one) {
  const json doc = parse_json(text, error);
  if (doc.is_discarded()) return std::nullopt;
  const json entries = doc.is_array() ? doc : json::array({doc});
  std::vector<T> out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::string entry_error;
    std::optional<T> value;
    if (entries[i].is_object()) {
      value = parse_one(entries[i], i, entry_error);
    } else {
      entry_error = "not an object";
    }
    if (!value) {
      error = "entry " + std::to_string(i) + ": " + entry_error;
      return std::nullopt;
    }
    out.push_back(std::move(*value));
  }
  return out;
}

}  // namespace

std::optional<LifecycleState> lifecycle_state(std::int64_t lifecycle) {
  if (lifecycle < 0 || lifecycle > 0xffff) return std::nullopt;
  const auto major = static_cast<std::uint8_t>(lifecycle >> 8);
  for (LifecycleState s : kLifecycleStates) {
    if (static_cast<std::uint8_t>(s) == major) return s;
  }
  return std::nullopt;
}

std::string_view lifecycle_name(LifecycleState state) {
  switch (state) {
    case LifecycleState::kUnknown: return "unknown";
    case LifecycleState::kAssemblyAndTest: return "assembly-and-test";
    case LifecycleState::kPsaRotProvisioning: return "psa-rot-provisioning";
    case LifecycleState::kSecured: return "secured";
    case LifecycleState::kNonPsaRotDebug: return "non-psa-rot-debug";
    case LifecycleState::kRecoverablePsaRotDebug: return "recoverable-psa-rot-debug";
    case LifecycleState::kDecommissioned: return "decommissioned";
  }
  return "?";
}

std::optional<LifecycleState> lifecycle_from_name(std::string_view name) {
  for (LifecycleState s : kLifecycleStates) {
    if (lifecycle_name(s) == name) return s;
  }
  return std::nullopt;
}

std::span<const LifecycleState> all_lifecycle_states() {
  return kLifecycleStates;
}

std::optional<Bytes> parse_base64(std::string_view text) {
  while (text.ends_with('=')) text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  Bytes out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int d = base64_digit(c);
    if (d < 0) return std::nullopt;
    acc = (acc << 6U) | static_cast<std::uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> static_cast<unsigned>(bits)));
      acc &= (1U << static_cast<unsigned>(bits)) - 1U;
    }
  }
  return out;
}

std::optional<std::vector<PlatformAnchor>> anchors_from_pem(std::string_view pem,
                                                            std::string_view source,
                                                            std::string& error) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  constexpr std::string_view kEnd = "-----END ";
  std::vector<std::string_view> blocks;
  for (std::size_t at = pem.find(kBegin); at != std::string_view::npos;
       at = pem.find(kBegin, at + 1)) {
    const std::size_t end = pem.find(kEnd, at);
    const std::size_t eol =
        end == std::string_view::npos ? end : pem.find("-----", end + kEnd.size());
    if (eol == std::string_view::npos) {
      error = "unterminated PEM block";
      return std::nullopt;
    }
    const std::string_view block = pem.substr(at, eol + 5 - at);
    // `openssl ecparam -genkey` writes the curve first; it is not a key.
    if (!block.substr(kBegin.size()).starts_with("EC PARAMETERS")) blocks.push_back(block);
  }
  if (blocks.empty()) {
    error = "no PEM key";
    return std::nullopt;
  }
  std::vector<PlatformAnchor> out;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::string name =
        blocks.size() == 1 ? std::string(source) : std::string(source) + "#" + std::to_string(i);
    std::string key_error;
    auto key = EcKey::from_pem(blocks[i], key_error);
    if (!key) {
      error = name + ": " + key_error;
      return std::nullopt;
    }
    out.emplace_back(std::move(*key), name);
  }
  return out;
}

std::optional<std::vector<PlatformAnchor>> anchors_from_trust_anchor_json(std::string_view text,
                                                                          std::string_view source,
                                                                          std::string& error) {
  return parse_entries<PlatformAnchor>(
      text, error,
      [&](const json& entry, std::size_t i,
          std::string& entry_error) -> std::optional<PlatformAnchor> {
        const auto pkey = entry.find("pkey");
        if (pkey == entry.end()) {
          entry_error = "no \"pkey\"";
          return std::nullopt;
        }
        auto key = key_from_jwk(*pkey, entry_error);
        if (!key) return std::nullopt;
        PlatformAnchor anchor(std::move(*key), std::string(source) + "[" + std::to_string(i) + "]");
        anchor.implementation_id = hex_member(entry, "implementation-id", entry_error);
        anchor.instance_id = hex_member(entry, "instance-id", entry_error);
        if (!entry_error.empty()) return std::nullopt;
        return anchor;
      });
}

std::optional<std::vector<ExpectedSwComponent>> sw_components_from_json(std::string_view text,
                                                                        std::string& error) {
  return parse_entries<ExpectedSwComponent>(
      text, error,
      [](const json& entry, std::size_t,
         std::string& entry_error) -> std::optional<ExpectedSwComponent> {
        ExpectedSwComponent c;
        const auto measurement = hex_member(entry, "measurement", entry_error);
        if (!measurement && entry_error.empty()) entry_error = "no \"measurement\"";
        c.measurement = measurement.value_or(Bytes{});
        c.signer_id = hex_member(entry, "signer-id", entry_error);
        c.type = text_member(entry, "type", entry_error);
        c.version = text_member(entry, "version", entry_error);
        if (!entry_error.empty()) return std::nullopt;
        return c;
      });
}

}  // namespace caec::attest::verifier
