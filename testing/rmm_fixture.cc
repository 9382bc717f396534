#include "caec/abi/hex.h"
#include "testing/rmm_fixture.h"

#include <cstring>

#include "attest/rim_calculator.h"
#include "realm/boot.h"

namespace caec::testing {

machine::MachineConfig small_machine() {
  machine::MachineConfig c;
  c.dram_bytes = 64ULL << 20U;
  c.stage2_half_window = 4ULL << 30U;  // test realms use IPAs below 4 GiB in each half
  return c;
}

machine::MachineConfig dram_across_2_48() {
  machine::MachineConfig c = small_machine();
  c.dram_base = Pa{(1ULL << 48U) - (32ULL << 20U)};
  return c;
}

RmmTest::RmmTest(const machine::MachineConfig& config)
    : system_(config, realm::boot),
      host_(system_.machine()),
      builder_(host_),
      introspect_(system_.rmm()) {}

Pa RmmTest::delegated(std::uint64_t count, std::uint64_t align) {
  return host_.delegate_new(count, align);
}

Pa RmmTest::ns_page(std::span<const std::byte> bytes) {
  const auto pa = host_.pool().allocate();
  if (!pa) throw host::HostError("test: out of NS memory");
  std::array<std::byte, kGranuleSize> page{};
  if (!bytes.empty()) {
    std::memcpy(page.data(), bytes.data(), std::min<std::size_t>(bytes.size(), kGranuleSize));
  }
  EXPECT_EQ(host_.memory().write(*pa, page), machine::Access::kOk);
  return *pa;
}

Pa RmmTest::delegated_above_2_48() {
  const auto pa = host_.pool().allocate(1, 1ULL << 48U);
  if (!pa || pa->value() != 1ULL << 48U) throw std::runtime_error("test: no granule at 2^48");
  EXPECT_TRUE(rmi_ok(rmi().granule_delegate(*pa)));
  return *pa;
}

Pa RmmTest::outside_dram() const { return system_.machine().memory().end() + 16 * kGranuleSize; }

Pa RmmTest::secure_granule() const {
  return Pa{system_.machine().memory().end().value() - kGranuleSize};
}

abi::RmiRealmParams RmmTest::realm_params(Pa rtt_base, std::uint16_t vmid) {
  abi::RmiRealmParams p{};
  p.s2sz = 40;
  p.num_bps = 1;
  p.num_wps = 1;
  p.hash_algo = 0;
  p.vmid = vmid;
  p.rtt_base = rtt_base.value();
  p.rtt_level_start = 1;
  p.rtt_num_start = 2;
  return p;
}

host::LaunchSpec RmmTest::program_spec(const std::string& program, std::vector<std::string> args,
                                       unsigned recs, std::uint16_t vmid, std::uint64_t ram_mib) {
  host::LaunchSpec spec;
  spec.realm.vmid = vmid;
  spec.manifest = {program, 1, std::move(args)};
  spec.num_recs = recs;
  spec.ram_size = ram_mib << 20U;
  return spec;
}

host::HostRealm RmmTest::make_realm(const host::RealmSpec& spec) { return builder_.create(spec); }

::testing::AssertionResult fails_with(abi::RmiReturn ret, abi::RmiStatus status,
                                     std::uint8_t index, std::string_view label) {
  const std::string_view fired = rmm::RmmIntrospection::last_failure();
  if (ret == abi::RmiReturn{status, index} && fired == label) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected " << host::describe({status, index}) << " from condition '" << label
         << "', got " << host::describe(ret) << " from condition '" << fired << "'";
}

::testing::AssertionResult rmi_ok(abi::RmiReturn ret) {
  if (ret.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << host::describe(ret) << " from condition '"
                                       << rmm::RmmIntrospection::last_failure() << "'";
}

std::string RmmTest::platform_key_hex() {
  return hex_bytes(machine().root_of_trust().platform_key().public_point());
}

std::string RmmTest::rim_hex(const host::VmRealm& r) {
  const auto realm = introspect_.realm(r.built.rd);
  if (!realm) return {};
  const std::size_t n = realm->hash_algo == abi::RmiHashAlgorithm::kSha512 ? 64 : 32;
  return hex_bytes(std::span(realm->measurements[0].data(), n));
}

}  // namespace caec::testing
