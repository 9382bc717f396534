// The RIM is recomputed here from the spec's descriptor layouts written out byte by byte
// (rmm-1.0.md §4), independently of abi/measurement.h, for a realm built with known
// parameters and data; the RMM's value and the realm owner's calculator must both match.
#include <openssl/evp.h>

#include <cstring>
#include <vector>

#include "attest/rim_calculator.h"
#include "testing/rmm_fixture.h"

namespace caec::testing {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes digest(bool sha512, const Bytes& in) {
  Bytes out(sha512 ? 64 : 32);
  unsigned len = 0;
  EXPECT_EQ(EVP_Digest(in.data(), in.size(), out.data(), &len, sha512 ? EVP_sha512() : EVP_sha256(),
                       nullptr), 1);
  return out;
}

void put_u64(Bytes& b, std::size_t off, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b[off + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
}
void put_bytes(Bytes& b, std::size_t off, const Bytes& v) {
  std::memcpy(b.data() + off, v.data(), v.size());
}

class Rim : public RmmTest, public ::testing::WithParamInterface<bool> {};

TEST_P(Rim, matches_the_spec_layouts_for_known_parameters_and_data) {
  const bool sha512 = GetParam();
  host::RealmSpec spec;
  spec.hash_algo = sha512 ? abi::RmiHashAlgorithm::kSha512 : abi::RmiHashAlgorithm::kSha256;
  spec.rpv[0] = 0x77;  // not measured
  attest::RimCalculator* calc = nullptr;
  std::optional<attest::RimCalculator> calculator;
  host::RealmBuilder b(host_, {{},
                               [&](Ipa ipa, std::uint64_t f, std::span<const std::byte> p) {
                                 calc->data(ipa, f, p);
                               },
                               [&](Ipa base, Ipa top) { calc->ripas(base, top); },
                               [&](const abi::RmiRecParams& p) { calc->rec(p); }});
  auto realm = b.create(spec);
  calculator.emplace(realm.params);
  calc = &*calculator;

  std::vector<std::byte> page0(kGranuleSize, std::byte{0x11});
  std::vector<std::byte> page1(kGranuleSize, std::byte{0x22});
  b.load(realm, Ipa{0x1000}, page0, /*measured=*/true);
  b.load(realm, Ipa{0x2000}, page1, /*measured=*/false);
  b.init_ripas(realm, Ipa{0x200000}, Ipa{0x202000});

  // RIM init: the 4 KiB RmiRealmParams with only the measured fields.
  Bytes params(4096, 0);
  put_u64(params, 0x0, 0);           // flags
  params[0x8] = 40;                  // s2sz
  params[0x18] = 1;                  // num_bps
  params[0x20] = 1;                  // num_wps
  params[0x30] = sha512 ? 1 : 0;     // hash_algo
  Bytes rim = digest(sha512, params);
  rim.resize(64, 0);

  auto extend_data = [&](std::uint64_t ipa, std::uint64_t flags, const std::vector<std::byte>& page) {
    Bytes d(256, 0);
    d[0x0] = 0x0;
    put_u64(d, 0x8, 0x100);
    put_bytes(d, 0x10, rim);
    put_u64(d, 0x50, ipa);
    put_u64(d, 0x58, flags);
    if (flags & 1) {
      Bytes content(page.size());
      std::memcpy(content.data(), page.data(), page.size());
      put_bytes(d, 0x60, digest(sha512, content));
    }
    rim = digest(sha512, d);
    rim.resize(64, 0);
  };
  auto extend_ripas = [&](std::uint64_t base, std::uint64_t top) {
    Bytes d(256, 0);
    d[0x0] = 0x2;
    put_u64(d, 0x8, 0x100);
    put_bytes(d, 0x10, rim);
    put_u64(d, 0x50, base);
    put_u64(d, 0x58, top);
    rim = digest(sha512, d);
    rim.resize(64, 0);
  };
  extend_data(0x1000, 1, page0);
  extend_data(0x2000, 0, page1);
  extend_ripas(0x200000, 0x201000);  // one descriptor per level-3 entry
  extend_ripas(0x201000, 0x202000);

  const auto rmm_rim = rmm().realm(realm.rd)->measurements[0];
  EXPECT_EQ(Bytes(rmm_rim.begin(), rmm_rim.end()), rim);
  EXPECT_EQ(Bytes(calc->value().begin(), calc->value().end()), rim);
}

TEST_P(Rim, changes_with_every_measured_byte_and_not_with_the_rpv) {
  const bool sha512 = GetParam();
  auto rim_of = [&](std::uint8_t byte, std::uint8_t rpv, std::uint16_t vmid) {
    host::RealmSpec spec;
    spec.hash_algo = sha512 ? abi::RmiHashAlgorithm::kSha512 : abi::RmiHashAlgorithm::kSha256;
    spec.rpv[0] = rpv;
    spec.vmid = vmid;
    auto realm = make_realm(spec);
    std::vector<std::byte> page(kGranuleSize, std::byte{0});
    page[4095] = std::byte{byte};
    builder().load(realm, Ipa{0}, page, true);
    return rmm().realm(realm.rd)->measurements[0];
  };
  const auto base = rim_of(0, 0, 1);
  EXPECT_NE(rim_of(1, 0, 2), base);
  EXPECT_EQ(rim_of(0, 9, 3), base);
}

INSTANTIATE_TEST_SUITE_P(HashAlgorithms, Rim, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "sha512" : "sha256"; });

}  // namespace
}  // namespace caec::testing
