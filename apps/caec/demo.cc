#include "apps/caec/demo.h"

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "attest/rim_calculator.h"
#include "caec/abi/s2tt.h"
#include "host/host.h"
#include "host/realm_builder.h"
#include "platform/emulated_platform.h"

namespace caec::app {

namespace {

namespace s2 = abi::s2tt;

const char* entry_state_name(abi::RmiRttEntryState s) {
  switch (s) {
    case abi::RmiRttEntryState::kUnassigned: return "UNASSIGNED";
    case abi::RmiRttEntryState::kAssigned: return "ASSIGNED";
    case abi::RmiRttEntryState::kTable: return "TABLE";
  }
  return "?";
}

const char* ripas_name(abi::Ripas r) {
  switch (r) {
    case abi::Ripas::kEmpty: return "EMPTY";
    case abi::Ripas::kRam: return "RAM";
    case abi::Ripas::kDestroyed: return "DESTROYED";
    case abi::Ripas::kDev: return "DEV";
  }
  return "?";
}

/// The demo realm's image: a manifest page followed by a small program payload. On the
/// emulator a realm's code identity is its manifest (docs/architecture.md).
std::vector<std::byte> demo_image() {
  const std::string manifest =
      "caec-realm-image v1\nprogram: demo-idle\nversion: 1\nargs: \n";
  std::vector<std::byte> image(3 * kGranuleSize);
  for (std::size_t i = 0; i < manifest.size(); ++i) image[i] = std::byte(manifest[i]);
  for (std::size_t i = kGranuleSize; i < image.size(); ++i) {
    image[i] = std::byte(static_cast<unsigned char>((i * 131U) >> 3U));
  }
  return image;
}

struct GranuleRow {
  Pa pa;
  std::string role;
};

void print_granules(machine::Machine& m, const std::vector<GranuleRow>& rows) {
  std::printf("\n  %-18s %-7s %s\n", "granule (PA)", "PAS", "role");
  for (const auto& r : rows) {
    std::printf("  0x%016llx %-7s %s\n", static_cast<unsigned long long>(r.pa.value()),
                machine::pas_name(m.pas(r.pa)), r.role.c_str());
  }
}

}  // namespace

int run_demo(const DemoOptions& o) {
  machine::MachineConfig config;
  config.dram_bytes = o.memory_mib << 20U;
  platform::System system(config);
  machine::Machine& m = system.machine();
  host::Host host(m);

  std::printf("caec demo: an emulated Arm CCA machine with caec's RMM\n");
  std::printf("  DRAM 0x%llx..0x%llx (%llu MiB), %llu granules reserved Secure by firmware\n",
              static_cast<unsigned long long>(m.memory().base().value()),
              static_cast<unsigned long long>(m.memory().end().value()),
              static_cast<unsigned long long>(o.memory_mib),
              static_cast<unsigned long long>(config.secure_granules));

  const auto version = host.rmi().version(abi::kRmiVersion);
  host::expect_ok(version.ret, "RMI_VERSION");
  const auto feat = host.rmi().features(0);
  std::printf("  RMI_VERSION -> %llu.%llu, RMI_FEATURES[0] = 0x%016llx\n",
              static_cast<unsigned long long>(version.higher >> 16U),
              static_cast<unsigned long long>(version.higher & 0xFFFFU),
              static_cast<unsigned long long>(feat.value));

  const std::uint64_t free_before = host.pool().free_granules();
  host::RealmSpec spec;
  spec.ipa_width = o.ipa_width;
  spec.hash_algo = o.hash == "sha512" ? abi::RmiHashAlgorithm::kSha512
                                      : abi::RmiHashAlgorithm::kSha256;
  const std::string rpv = "caec demo realm";
  for (std::size_t i = 0; i < rpv.size(); ++i) spec.rpv[i] = static_cast<std::uint8_t>(rpv[i]);

  std::optional<attest::RimCalculator> expected;
  host::MeasurementObserver observer{
      [&](Ipa ipa, std::uint64_t flags, std::span<const std::byte> page) {
        expected->data(ipa, flags, page);
      },
      [&](Ipa base, Ipa top) { expected->ripas(base, top); }};
  host::RealmBuilder builder(host, observer);

  std::printf("\n[1] build a realm through the RMI\n");
  host::HostRealm realm = builder.create(spec);
  expected.emplace(realm.params);
  std::printf("  RMI_REALM_CREATE: IPA width %u, start level %d with %u table(s), %s\n",
              o.ipa_width, realm.start_level(), realm.num_start, o.hash.c_str());
  const auto image = demo_image();
  const Ipa image_ipa{0};
  builder.load(realm, image_ipa, image, /*measured=*/true);
  std::printf("  RMI_DATA_CREATE x%zu: measured image (manifest + payload) at IPA 0x0\n",
              image.size() / kGranuleSize);
  const Ipa ram_base{0x200000};
  const Ipa ram_top{0x600000};
  builder.init_ripas(realm, ram_base, ram_top);
  std::printf("  RMI_RTT_INIT_RIPAS: RAM over IPA 0x%llx..0x%llx\n",
              static_cast<unsigned long long>(ram_base.value()),
              static_cast<unsigned long long>(ram_top.value()));
  builder.activate(realm);
  std::printf("  RMI_REALM_ACTIVATE: the realm is ACTIVE; its RIM is now frozen\n");

  std::printf("\n[2] the realm's granules (PAS read from the GPT)\n");
  std::vector<GranuleRow> rows;
  rows.push_back({realm.rd, "RD (realm descriptor)"});
  for (std::uint32_t i = 0; i < realm.num_start; ++i) {
    rows.push_back({realm.rtt_base + i * kGranuleSize,
                    "RTT level " + std::to_string(realm.start_level()) + " (starting table)"});
  }
  for (const auto& t : realm.tables) rows.push_back({t.pa, "RTT level " + std::to_string(t.level)});
  for (const auto& [ipa, pa] : realm.data) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "DATA at IPA 0x%llx", static_cast<unsigned long long>(ipa));
    rows.push_back({pa, buf});
  }
  print_granules(m, rows);
  std::printf("  the host touching any of them would be a Granule Protection Fault\n");

  std::printf("\n[3] RTT entries (RMI_RTT_READ_ENTRY)\n");
  std::printf("  %-12s %-5s %-10s %-9s %s\n", "IPA", "level", "state", "RIPAS", "output");
  std::vector<Ipa> probes;
  for (std::uint64_t off = 0; off < image.size(); off += kGranuleSize) probes.push_back(image_ipa + off);
  probes.push_back(ram_base);
  probes.push_back(Ipa{0x400000});
  probes.push_back(Ipa{0x800000});
  probes.push_back(Ipa{std::uint64_t{1} << (o.ipa_width - 1)});
  for (Ipa ipa : probes) {
    const auto e = host.rmi().rtt_read_entry(realm.rd, ipa, s2::kMaxLevel);
    host::expect_ok(e.ret, "RMI_RTT_READ_ENTRY");
    std::printf("  0x%-10llx %-5d %-10s %-9s 0x%llx%s\n", static_cast<unsigned long long>(ipa.value()),
                e.walk_level, entry_state_name(e.state), ripas_name(e.ripas),
                static_cast<unsigned long long>(e.desc),
                ipa.value() >= (std::uint64_t{1} << (o.ipa_width - 1)) ? "  (unprotected half)" : "");
  }

  std::printf("\n[4] measurement\n");
  std::printf("  RIM (predicted by the realm owner from the build steps): %s\n",
              expected->hex().c_str());

  std::printf("\n[5] tear down\n");
  builder.destroy(realm);
  std::size_t still_realm = 0;
  for (const auto& r : rows) still_realm += m.pas(r.pa) != machine::Pas::kNonSecure ? 1U : 0U;
  std::printf("  DATA_DESTROY, RTT_DESTROY, REALM_DESTROY, UNDELEGATE: %zu granules back in the NS "
              "PAS, %zu left in the Realm PAS\n", rows.size() - still_realm, still_realm);
  std::printf("  host memory: %llu free granules before, %llu after\n",
              static_cast<unsigned long long>(free_before),
              static_cast<unsigned long long>(host.pool().free_granules()));
  const bool clean = still_realm == 0 && host.pool().free_granules() == free_before;
  std::printf("\n%s\n", clean ? "demo complete: nothing leaked" : "demo FAILED: granules leaked");
  return clean ? 0 : 1;
}

}  // namespace caec::app
