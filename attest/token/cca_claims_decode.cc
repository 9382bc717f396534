// Decoding of the CCA token and its claim sets (the verifier's side).
//
// Strict where the profiles fix something (types, sizes, mandatory claims, distinct integer
// keys); unknown claims are ignored. Errors name the claim: "realm claim 44238 (initial
// measurement): 31 bytes, expected 32, 48 or 64".
#include <algorithm>
#include <initializer_list>
#include <utility>

#include "attest/token/cca_claims.h"

namespace caec::attest::cca {

namespace {

/// Thrown inside this file only; the public functions turn it into `error`.
struct DecodeError {
  std::string message;
};

[[noreturn]] void fail(std::string message) {
  throw DecodeError{std::move(message)};
}

std::string describe(const cbor_item_t* item) {
  switch (cbor_typeof(item)) {
    case CBOR_TYPE_UINT: return "an unsigned integer";
    case CBOR_TYPE_NEGINT: return "a negative integer";
    case CBOR_TYPE_BYTESTRING:
      return cbor_bytestring_is_definite(item) ? "a byte string"
                                               : "an indefinite-length byte string";
    case CBOR_TYPE_STRING:
      return cbor_string_is_definite(item) ? "a text string" : "an indefinite-length text string";
    case CBOR_TYPE_ARRAY: return "an array";
    case CBOR_TYPE_MAP: return "a map";
    case CBOR_TYPE_TAG: return "tag " + std::to_string(cbor_tag_value(item));
    case CBOR_TYPE_FLOAT_CTRL: return "a simple value or float";
  }
  return "an unknown item";
}

std::string sizes_text(std::initializer_list<std::size_t> sizes) {
  std::string s;
  std::size_t i = 0;
  for (std::size_t n : sizes) {
    if (i > 0) s += i + 1 == sizes.size() ? " or " : ", ";
    s += std::to_string(n);
    ++i;
  }
  return s;
}

constexpr const char* kByteString = "a byte string";
constexpr const char* kUnsigned = "an unsigned integer";

struct ClaimName {
  std::int64_t key;
  std::string_view name;
};

constexpr ClaimName kRealmNames[] = {
    {kProfile, "profile"},
    {kChallenge, "challenge"},
    {kInstanceId, "instance id"},
    {kRealmPersonalizationValue, "personalization value"},
    {kRealmHashAlgo, "hash algorithm"},
    {kRealmPublicKey, "public key"},
    {kRealmInitialMeasurement, "initial measurement"},
    {kRealmExtensibleMeasurements, "extensible measurements"},
    {kRealmPublicKeyHashAlgo, "public key hash algorithm"},
    {kRealmMecPolicy, "MEC policy"},
    {kCaecRealmId, "caec realm id"},
    {kCaecCsm, "caec csm"},
};
constexpr ClaimName kPlatformNames[] = {
    {kProfile, "profile"},
    {kChallenge, "challenge"},
    {kPlatformImplementationId, "implementation id"},
    {kInstanceId, "instance id"},
    {kPlatformConfig, "config"},
    {kPlatformLifecycle, "lifecycle"},
    {kPlatformSwComponents, "software components"},
    {kPlatformVerificationService, "verification service"},
    {kPlatformHashAlgo, "hash algorithm"},
};
constexpr ClaimName kSwNames[] = {
    {kSwType, "type"},          {kSwMeasurement, "measurement"}, {kSwVersion, "version"},
    {kSwSignerId, "signer id"}, {kSwHashAlgo, "hash algorithm"},
};
constexpr ClaimName kCsmNames[] = {
    {kCsmId, "csm id"},
    {kCsmRole, "role"},
    {kCsmPermission, "permission"},
    {kCsmProviderRid, "provider rid"},
    {kCsmConsumers, "consumers"},
};

/// A claims map (or a map nested in a claim) being read: typed, named accessors that throw
/// DecodeError with the claim's label.
class ClaimMap {
 public:
  /// `what` names the map itself ("realm claims"); `key_prefix` starts each key's label
  /// ("realm claim").
  ClaimMap(const cbor_item_t* map, const std::string& what, std::string key_prefix,
           std::span<const ClaimName> names)
      : map_(map), prefix_(std::move(key_prefix)), names_(names) {
    if (!cbor_isa_map(map)) fail(what + " are " + describe(map) + ", expected a map");
    std::vector<std::int64_t> seen;
    for (const cbor_pair& p : std::span<cbor_pair>(cbor_map_handle(map), cbor_map_size(map))) {
      const auto key = cbor::as_int(p.key);
      if (!key) fail(what + " have a key that is " + describe(p.key) + ", expected an integer");
      if (std::find(seen.begin(), seen.end(), *key) != seen.end())
        fail(label(*key) + " appears twice");
      seen.push_back(*key);
    }
  }

  [[nodiscard]] std::string label(std::int64_t key) const {
    std::string s = prefix_ + " " + std::to_string(key);
    for (const ClaimName& n : names_) {
      if (n.key == key) return s + " (" + std::string(n.name) + ")";
    }
    return s;
  }

  /// The value under `key`, or nullptr when absent and optional.
  [[nodiscard]] const cbor_item_t* find(std::int64_t key, bool required) const {
    const cbor_item_t* v = cbor::map_get(map_, key);
    if (v == nullptr && required) fail(label(key) + " is missing");
    return v;
  }

  /// The value under `key` as `read` (one of cbor::as_*) sees it; nullopt when absent and not
  /// `required`. A value of another type is an error that says what was `expected`.
  template <class Read>
  auto get(std::int64_t key, bool required, Read read, const char* expected) const
      -> decltype(read(nullptr)) {
    const cbor_item_t* v = find(key, required);
    if (v == nullptr) return std::nullopt;
    auto value = read(v);
    if (!value) fail(label(key) + ": " + describe(v) + ", expected " + expected);
    return value;
  }

  [[nodiscard]] std::optional<Bytes> opt_bytes(std::int64_t key) const {
    const auto b = get(key, false, cbor::as_bytes, kByteString);
    if (!b) return std::nullopt;
    return Bytes(b->begin(), b->end());
  }
  [[nodiscard]] Bytes bytes(std::int64_t key) const {
    (void)find(key, true);
    return *opt_bytes(key);
  }
  [[nodiscard]] Bytes sized_bytes(std::int64_t key,
                                  std::initializer_list<std::size_t> sizes) const {
    Bytes b = bytes(key);
    check_size(b, sizes, label(key));
    return b;
  }

  [[nodiscard]] std::optional<std::string> opt_text(std::int64_t key) const {
    const auto t = get(key, false, cbor::as_text, "a text string");
    if (!t) return std::nullopt;
    return std::string(*t);
  }
  [[nodiscard]] std::string text(std::int64_t key) const {
    (void)find(key, true);
    return *opt_text(key);
  }

  [[nodiscard]] std::optional<std::int64_t> opt_int(std::int64_t key) const {
    return get(key, false, cbor::as_int, "a 64-bit integer");
  }
  [[nodiscard]] std::int64_t integer(std::int64_t key) const {
    return *get(key, true, cbor::as_int, "a 64-bit integer");
  }

  [[nodiscard]] std::optional<std::uint64_t> opt_uint(std::int64_t key) const {
    return get(key, false, cbor::as_uint, kUnsigned);
  }
  [[nodiscard]] std::uint64_t uint(std::int64_t key) const {
    return *get(key, true, cbor::as_uint, kUnsigned);
  }

  [[nodiscard]] std::span<cbor_item_t*> array(std::int64_t key) const {
    const cbor_item_t* v = find(key, true);
    if (!cbor_isa_array(v)) fail(label(key) + ": " + describe(v) + ", expected an array");
    return cbor::array_items(v);
  }

  static Bytes as_bytes(const cbor_item_t* v, const std::string& label) {
    const auto b = cbor::as_bytes(v);
    if (!b) fail(label + ": " + describe(v) + ", expected " + kByteString);
    return {b->begin(), b->end()};
  }
  static void check_size(const Bytes& b, std::initializer_list<std::size_t> sizes,
                         const std::string& label) {
    if (std::find(sizes.begin(), sizes.end(), b.size()) == sizes.end()) {
      fail(label + ": " + std::to_string(b.size()) + " bytes, expected " + sizes_text(sizes));
    }
  }

 private:
  const cbor_item_t* map_;
  std::string prefix_;
  std::span<const ClaimName> names_;
};

/// Runs `body` and turns a DecodeError into nullopt + `error`.
template <class F>
auto guarded(std::string& error, F body) -> std::optional<decltype(body())> {
  try {
    return body();
  } catch (const DecodeError& e) {
    error = e.message;
    return std::nullopt;
  }
}

cbor::Item decode_payload(std::span<const std::uint8_t> payload, const std::string& what) {
  std::string error;
  cbor::Item item = cbor::decode(payload, error);
  if (!item) fail(what + ": " + error);
  return item;
}

/// A COSE_Sign1 payload decoded as a claims map; `kind` is "platform" or "realm".
struct ClaimsPayload {
  ClaimsPayload(std::span<const std::uint8_t> payload, const std::string& kind,
                std::span<const ClaimName> names)
      : item(decode_payload(payload, kind + " claims")),
        map(item.get(), kind + " claims", kind + " claim", names) {}

  cbor::Item item;
  ClaimMap map;
};

SwComponent decode_sw_component(const cbor_item_t* item, const std::string& entry) {
  const ClaimMap m(item, entry + " fields", entry + " key", kSwNames);
  SwComponent c;
  c.type = m.opt_text(kSwType);
  c.measurement = m.sized_bytes(kSwMeasurement, {32, 48, 64});
  c.version = m.opt_text(kSwVersion);
  c.signer_id = m.sized_bytes(kSwSignerId, {32, 48, 64});
  c.hash_algo = m.opt_text(kSwHashAlgo);
  return c;
}

CsmClaim decode_csm_entry(const cbor_item_t* item, const std::string& entry) {
  const ClaimMap m(item, entry + " fields", entry + " key", kCsmNames);
  CsmClaim c;
  c.csm_id = m.uint(kCsmId);
  const std::uint64_t role = m.uint(kCsmRole);
  if (role > 1)
    fail(m.label(kCsmRole) + ": " + std::to_string(role) +
         ", expected 0 (provider) or 1 (consumer)");
  c.role = static_cast<CsmRole>(role);
  c.permission = m.uint(kCsmPermission);
  c.provider_rid = m.uint(kCsmProviderRid);
  const auto consumers = m.array(kCsmConsumers);
  for (std::size_t i = 0; i < consumers.size(); ++i) {
    const auto rid = cbor::as_uint(consumers[i]);
    if (!rid) {
      fail(m.label(kCsmConsumers) + " entry " + std::to_string(i) + ": " + describe(consumers[i]) +
           ", expected " + kUnsigned);
    }
    c.consumers.push_back(*rid);
  }
  return c;
}

/// A collection map entry: [263, bstr] in the tag 907 form, a bare bstr in the tag 399 form.
Bytes collection_entry(const cbor_item_t* value, TokenFormat format, std::string_view what) {
  const std::string label = "CCA token: the " + std::string(what) + " entry";
  if (format == TokenFormat::kLegacy399) {
    const auto b = cbor::as_bytes(value);
    if (!b) fail(label + " is " + describe(value) + ", expected a byte string (tag 399 form)");
    return {b->begin(), b->end()};
  }
  const auto items = cbor::array_items(value);
  if (!cbor_isa_array(value) || items.size() != 2) {
    fail(label + " is " + describe(value) +
         (cbor_isa_array(value) ? " of " + std::to_string(items.size()) + " items" : "") +
         ", expected [263, bstr] (tag 907 form)");
  }
  const auto content_format = cbor::as_uint(items[0]);
  if (content_format != kCoseSign1ContentFormat) {
    fail(label + " has content format " +
         (content_format ? std::to_string(*content_format) : describe(items[0])) +
         ", expected 263 (application/cose; cose-type=cose-sign1)");
  }
  const auto b = cbor::as_bytes(items[1]);
  if (!b) fail(label + " content is " + describe(items[1]) + ", expected a byte string");
  return {b->begin(), b->end()};
}

}  // namespace

std::optional<TokenParts> decode_token(std::span<const std::uint8_t> token, std::string& error) {
  return guarded(error, [&] {
    std::string cbor_error;
    const cbor::Item item = cbor::decode(token, cbor_error);
    if (!item) fail("CCA token: " + cbor_error);
    if (!cbor_isa_tag(item.get())) {
      fail("CCA token is " + describe(item.get()) +
           ", expected tag 907 (CMW collection) or 399 (draft-ffm-00)");
    }
    const std::uint64_t tag = cbor_tag_value(item.get());
    TokenParts parts;
    if (tag == kCmwCollectionTag) {
      parts.format = TokenFormat::kCmw907;
    } else if (tag == kLegacyCollectionTag) {
      parts.format = TokenFormat::kLegacy399;
    } else {
      fail("CCA token: tag " + std::to_string(tag) +
           " is neither 907 (CMW collection) nor 399 (draft-ffm-00)");
    }
    const cbor::Item map(cbor_tag_item(item.get()));  // a new reference
    if (!cbor_isa_map(map.get()))
      fail("CCA token: tag " + std::to_string(tag) + " holds " + describe(map.get()) +
           ", expected a map");
    const auto keys = cbor::int_keys(map.get());
    if (!keys) fail("CCA token: the collection map's keys are not distinct integers");
    const bool exact = keys->size() == 2 &&
                       cbor::map_get(map.get(), kPlatformTokenKey) != nullptr &&
                       cbor::map_get(map.get(), kRealmTokenKey) != nullptr;
    if (!exact) {
      std::string has;
      for (std::int64_t k : *keys) has += (has.empty() ? "" : ", ") + std::to_string(k);
      fail(
          "CCA token: the collection map must have exactly the keys 44234 (platform) and 44241 "
          "(realm); it has " +
          (has.empty() ? std::string("none") : has));
    }
    parts.platform_sign1 = collection_entry(cbor::map_get(map.get(), kPlatformTokenKey),
                                            parts.format, "platform (44234)");
    parts.realm_sign1 =
        collection_entry(cbor::map_get(map.get(), kRealmTokenKey), parts.format, "realm (44241)");
    return parts;
  });
}

std::optional<PlatformClaims> decode_platform_claims(std::span<const std::uint8_t> payload,
                                                     std::string& error) {
  return guarded(error, [&] {
    const ClaimsPayload claims(payload, "platform", kPlatformNames);
    const ClaimMap& m = claims.map;
    PlatformClaims c;
    c.profile = m.text(kProfile);
    c.challenge = m.sized_bytes(kChallenge, {32, 48, 64});
    c.implementation_id = m.sized_bytes(kPlatformImplementationId, {32});
    c.instance_id = m.sized_bytes(kInstanceId, {33});
    if (c.instance_id[0] != 0x01) {
      fail(m.label(kInstanceId) + ": first byte " + std::to_string(c.instance_id[0]) +
           ", expected 1 (UEID type RAND)");
    }
    c.config = m.bytes(kPlatformConfig);
    const std::int64_t lifecycle = m.integer(kPlatformLifecycle);
    if (lifecycle < 0 || lifecycle > 0xffff) {
      fail(m.label(kPlatformLifecycle) + ": " + std::to_string(lifecycle) +
           ", expected 0 to 65535");
    }
    c.lifecycle = lifecycle;
    const auto sw = m.array(kPlatformSwComponents);
    if (sw.empty())
      fail(m.label(kPlatformSwComponents) + ": empty, expected at least one component");
    for (std::size_t i = 0; i < sw.size(); ++i) {
      c.sw_components.push_back(decode_sw_component(
          sw[i], m.label(kPlatformSwComponents) + " entry " + std::to_string(i)));
    }
    c.verification_service = m.opt_text(kPlatformVerificationService);
    c.hash_algo = m.text(kPlatformHashAlgo);
    return c;
  });
}

std::optional<RealmClaims> decode_realm_claims(std::span<const std::uint8_t> payload,
                                               std::string& error) {
  return guarded(error, [&] {
    const ClaimsPayload claims(payload, "realm", kRealmNames);
    const ClaimMap& m = claims.map;
    RealmClaims c;
    c.profile = m.opt_text(kProfile);
    c.challenge = m.sized_bytes(kChallenge, {64});
    c.instance_id = m.opt_bytes(kInstanceId);
    c.rpv = m.sized_bytes(kRealmPersonalizationValue, {64});
    c.hash_algo = m.text(kRealmHashAlgo);
    c.public_key = m.bytes(kRealmPublicKey);
    if (c.public_key.empty()) fail(m.label(kRealmPublicKey) + ": empty");
    c.rim = m.sized_bytes(kRealmInitialMeasurement, {32, 48, 64});
    const auto rems = m.array(kRealmExtensibleMeasurements);
    if (rems.size() != c.rems.size()) {
      fail(m.label(kRealmExtensibleMeasurements) + ": " + std::to_string(rems.size()) +
           " entries, expected 4");
    }
    for (std::size_t i = 0; i < rems.size(); ++i) {
      const std::string entry =
          m.label(kRealmExtensibleMeasurements) + " entry " + std::to_string(i);
      c.rems.at(i) = ClaimMap::as_bytes(rems[i], entry);
      if (c.rems.at(i).size() != c.rim.size()) {
        fail(entry + ": " + std::to_string(c.rems.at(i).size()) + " bytes, expected " +
             std::to_string(c.rim.size()) + " (the initial measurement's size)");
      }
    }
    c.public_key_hash_algo = m.text(kRealmPublicKeyHashAlgo);
    c.mec_policy = m.opt_int(kRealmMecPolicy);
    c.realm_id = m.opt_uint(kCaecRealmId);
    if (m.find(kCaecCsm, false) != nullptr) {
      const auto regions = m.array(kCaecCsm);
      c.csm.emplace();
      for (std::size_t i = 0; i < regions.size(); ++i) {
        c.csm->push_back(
            decode_csm_entry(regions[i], m.label(kCaecCsm) + " entry " + std::to_string(i)));
      }
    }
    return c;
  });
}

}  // namespace caec::attest::cca
