#include "attest/token/cose.h"

namespace caec::attest {

namespace {

constexpr std::int64_t kKty = 1;
constexpr std::int64_t kKtyEc2 = 2;
constexpr std::int64_t kCrv = -1;
constexpr std::int64_t kX = -2;
constexpr std::int64_t kY = -3;
constexpr std::int64_t kHeaderAlg = 1;

}  // namespace

Bytes encode_cose_key(const EcKey& key) {
  const Bytes point = key.public_point();
  const std::size_t n = coordinate_size(key.curve());
  const std::span<const std::uint8_t> p(point);
  return cbor::encode(cbor::MapBuilder()
                          .add(kKty, cbor::uint(kKtyEc2))
                          .add(kCrv, cbor::uint(static_cast<std::uint64_t>(key.curve())))
                          .add(kX, cbor::bytes(p.subspan(1, n)))
                          .add(kY, cbor::bytes(p.subspan(1 + n, n)))
                          .build());
}

std::optional<EcKey> decode_cose_key(std::span<const std::uint8_t> data, std::string& error) {
  const cbor::Item item = cbor::decode(data, error);
  if (!item) return std::nullopt;
  if (!cbor::int_keys(item.get())) {
    error = "COSE_Key is not a map with distinct integer labels";
    return std::nullopt;
  }
  if (cbor::as_int(cbor::map_get(item.get(), kKty)) != kKtyEc2) {
    error = "COSE_Key kty is not EC2";
    return std::nullopt;
  }
  const auto crv = cbor::as_int(cbor::map_get(item.get(), kCrv));
  if (!crv || *crv < 1 || *crv > 3) {
    error = "COSE_Key crv is not P-256, P-384 or P-521";
    return std::nullopt;
  }
  const auto curve = static_cast<Curve>(*crv);
  const auto x = cbor::as_bytes(cbor::map_get(item.get(), kX));
  const auto y = cbor::as_bytes(cbor::map_get(item.get(), kY));
  const std::size_t n = coordinate_size(curve);
  if (!x || !y || x->size() != n || y->size() != n) {
    error = "COSE_Key x/y are not " + std::to_string(n) + "-byte strings";
    return std::nullopt;
  }
  Bytes point{0x04};
  point.insert(point.end(), x->begin(), x->end());
  point.insert(point.end(), y->begin(), y->end());
  auto key = EcKey::from_public_point(curve, point);
  if (!key) error = "COSE_Key point is not on " + std::string(curve_name(curve));
  return key;
}

Bytes sig_structure(std::span<const std::uint8_t> protected_header, std::span<const std::uint8_t> payload) {
  std::vector<cbor::Item> items;
  items.push_back(cbor::text("Signature1"));
  items.push_back(cbor::bytes(protected_header));
  items.push_back(cbor::bytes({}));
  items.push_back(cbor::bytes(payload));
  return cbor::encode(cbor::array(std::move(items)));
}

Bytes sign1(const EcKey& key, std::span<const std::uint8_t> payload) {
  const CoseAlg alg = alg_for(key.curve());
  const Bytes protected_header =
      cbor::encode(cbor::MapBuilder().add(kHeaderAlg, cbor::integer(static_cast<std::int64_t>(alg))).build());
  const Bytes signature = key.sign(alg, sig_structure(protected_header, payload));
  std::vector<cbor::Item> items;
  items.push_back(cbor::bytes(protected_header));
  items.push_back(cbor::MapBuilder().build());
  items.push_back(cbor::bytes(payload));
  items.push_back(cbor::bytes(signature));
  return cbor::encode(cbor::tag(kCoseSign1Tag, cbor::array(std::move(items))));
}

std::optional<Sign1> parse_sign1(std::span<const std::uint8_t> data, std::string& error) {
  const cbor::Item item = cbor::decode(data, error);
  if (!item) return std::nullopt;
  const cbor_item_t* body = item.get();
  cbor::Item inner;  // cbor_tag_item returns a new reference
  if (cbor_isa_tag(body)) {
    if (cbor_tag_value(body) != kCoseSign1Tag) {
      error = "tag " + std::to_string(cbor_tag_value(body)) + " is not COSE_Sign1 (18)";
      return std::nullopt;
    }
    inner.reset(cbor_tag_item(body));
    body = inner.get();
  }
  const auto parts = cbor::array_items(body);
  if (!cbor_isa_array(body) || parts.size() != 4) {
    error = "COSE_Sign1 is not a 4-element array";
    return std::nullopt;
  }
  const auto prot = cbor::as_bytes(parts[0]);
  const auto payload = cbor::as_bytes(parts[2]);
  const auto signature = cbor::as_bytes(parts[3]);
  if (!prot || !cbor_isa_map(parts[1]) || !payload || !signature) {
    error = "COSE_Sign1 fields have the wrong types (bstr, map, bstr, bstr)";
    return std::nullopt;
  }
  Sign1 out{.protected_header = Bytes(prot->begin(), prot->end()),
            .payload = Bytes(payload->begin(), payload->end()),
            .signature = Bytes(signature->begin(), signature->end())};
  std::string header_error;
  const cbor::Item header = cbor::decode(out.protected_header, header_error);
  if (!header || !cbor::int_keys(header.get())) {
    error = "COSE_Sign1 protected header is not a map with distinct integer labels";
    return std::nullopt;
  }
  const auto alg = cbor::as_int(cbor::map_get(header.get(), kHeaderAlg));
  if (!alg) {
    error = "COSE_Sign1 protected header has no integer alg";
    return std::nullopt;
  }
  out.alg_id = *alg;
  out.alg = alg_from_id(*alg);
  return out;
}

bool verify_sign1(const Sign1& msg, const EcKey& key) {
  return msg.alg && key.verify(*msg.alg, sig_structure(msg.protected_header, msg.payload), msg.signature);
}

}  // namespace caec::attest
