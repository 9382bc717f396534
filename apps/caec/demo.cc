#include "caec/abi/hex.h"
#include "apps/caec/demo.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "apps/caec/files.h"
#include "apps/caec/log.h"
#include "apps/caec/scenario/inspection.h"
#include "apps/caec/scenario/picture.h"
#include "apps/caec/register_text.h"
#include "host/rim_predictor.h"
#include "attest/rim_calculator.h"
#include "caec/abi/s2tt.h"
#include "host/host.h"
#include "host/vmm.h"
#include "inspect/csm_invariants.h"
#include "platform/emulated_platform.h"
#include "realm/boot.h"
#include "rmm/introspect/introspect.h"

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

/// Every granule the host delegated for a realm, by role.
std::map<std::string, std::vector<Pa>> granules_of(const host::HostRealm& r) {
  std::map<std::string, std::vector<Pa>> g;
  g["RD"].push_back(r.rd);
  for (std::uint32_t i = 0; i < r.num_start; ++i) g["RTT"].push_back(r.rtt_base + i * kGranuleSize);
  for (const auto& t : r.tables) g["RTT"].push_back(t.pa);
  for (const auto& [ipa, pa] : r.data) g["DATA"].push_back(pa);
  for (Pa apt : r.apts) g["APT"].push_back(apt);
  for (const auto& rec : r.recs) {
    g["REC"].push_back(rec.rec);
    for (std::uint64_t i = 0; i < rec.aux_count; ++i) g["REC_AUX"].push_back(rec.aux + i * kGranuleSize);
  }
  return g;
}

std::string summary(const std::map<std::string, std::vector<Pa>>& g) {
  std::string s;
  std::size_t total = 0;
  for (const auto& [role, pas] : g) {
    s += (s.empty() ? "" : ", ") + std::to_string(pas.size()) + " " + role;
    total += pas.size();
  }
  return std::to_string(total) + " granules (" + s + ")";
}

/// The demo's steps, in the order they print, over one machine.
class Demo {
 public:
  explicit Demo(const DemoOptions& o)
      : o_(o),
        system_(machine_config(o), realm::boot),
        m_(system_.machine()),
        host_(m_),
        observer_(host::rim_predictor(predicting_)),
        vmm_(host_, [this](Pa rec) { system_.platform().interrupt(rec); }, observer_) {}

  int run() {
    std::printf("caec demo: realms on an emulated Arm CCA machine talk through host-visible memory,\n"
                "then through Confidential Shared Memory\n");
    boot();
    free_before_ = host_.pool().free_granules();
    shared_ = vmm_.create_shared_buffer(1, kGranuleSize);
    build_realms();
    run_realms();
    csm_exchange();
    show_stage2();
    tear_down();
    std::printf("\n%s\n", ok_ ? "demo complete: message delivered, nothing leaked" : "demo FAILED (see above)");
    return ok_ ? 0 : 1;
  }

 private:
  struct Built {
    const char* tag;
    host::VmRealm* realm;
    std::string rim;
  };

  static machine::MachineConfig machine_config(const DemoOptions& o) {
    machine::MachineConfig config;
    config.dram_bytes = o.memory_mib << 20U;
    return config;
  }

  void boot() {
    std::printf("\n[1] boot\n");
    std::printf("  DRAM 0x%llx..0x%llx (%llu MiB); caec's RMM attached to EL3\n",
                static_cast<unsigned long long>(m_.memory().base().value()),
                static_cast<unsigned long long>(m_.memory().end().value()),
                static_cast<unsigned long long>(o_.memory_mib));
    const auto version = host_.rmi().version(abi::kRmiVersion);
    host::expect_ok(version.ret, "RMI_VERSION");
    const std::uint64_t features = host_.rmi().features(0).value;
    std::printf("  RMI_VERSION 1.0 accepted; RMI_FEATURES[0] = %s:\n    %s\n", hex_number(features).c_str(),
                features0_text(features).c_str());
  }

  void build_realms() {
    std::printf("\n[2] build two realms through the RMI (measured manifest, RAM, one REC each)\n");
    const std::pair<const char*, const char*> programs[] = {{"A", "demo-writer"}, {"B", "demo-reader"}};
    for (const auto& [tag, program] : programs) {
      host::LaunchSpec spec;
      spec.realm.ipa_width = o_.ipa_width;
      spec.realm.hash_algo = o_.hash == "sha512" ? abi::RmiHashAlgorithm::kSha512 : abi::RmiHashAlgorithm::kSha256;
      spec.realm.vmid = vmid_++;
      spec.manifest = {program, 1, {std::string(tag) == "A" ? "confidential? not here" : ""}};
      if (spec.manifest.args[0].empty()) spec.manifest.args.clear();
      spec.ram_size = 2ULL << 20U;
      host::VmRealm& r = vmm_.launch(spec);
      realms_.push_back({tag, &r, predicting_->hex()});
      std::printf("  realm %s runs \"%s\": %s, RD at %s\n", tag, program, summary(granules_of(r.built)).c_str(),
                  hex_number(r.built.rd.value()).c_str());
      std::printf("    RIM predicted by its owner: %s\n", predicting_->hex().c_str());
    }
  }

  void run_realms() {
    std::printf("\n[3] run: each REC on its own PE; the host serves faults and host calls\n");
    for (auto& b : realms_) vmm_.start(*b.realm);
    for (auto& b : realms_) ok_ = vmm_.wait(*b.realm) && ok_;
    for (auto& b : realms_) {
      log_realm(*b.realm);
      const bool rim_ok = b.realm->console().find("rim=" + b.rim) != std::string::npos;
      std::printf("    %s: exit status %lld; RIM read with RSI_MEASUREMENT_READ %s the prediction\n", b.tag,
                  static_cast<long long>(b.realm->exit_status().value_or(-1)), rim_ok ? "matches" : "DOES NOT match");
      if (!b.realm->error().empty()) std::printf("    %s: error: %s\n", b.tag, b.realm->error().c_str());
      ok_ = ok_ && rim_ok && b.realm->exit_status() == 0 && b.realm->error().empty();
    }
    char seen[64] = {};
    (void)m_.host_view().read(shared_ + 16, std::as_writable_bytes(std::span(seen, sizeof seen - 1)));
    std::printf("    the hypervisor reads the shared buffer too: \"%s\" — the gap CSM closes\n", seen);
  }

  void csm_exchange() {
    std::printf("\n[4] the same exchange through Confidential Shared Memory\n"
                "  three more realms, each running caec's csm-script program: the provider makes a region\n"
                "  of its memory and shares it, the reader attaches it read-only, the writer read-write\n");
    const std::vector<std::pair<std::string, std::vector<std::string>>> csm_realms = {
        {"provider", {"publish", "create region 0x200000 0x2000", "write 0x200000 confidential-hello",
                      "share region reader ro", "share region writer rw", "signal shared",
                      "attached region 2", "wait replied", "expect 0x200100 confidential-reply",
                      "wait reader-done", "revoke reader 0", "sharings region 1", "signal revoked"}},
        {"reader", {"publish", "wait shared", "reserve provider 0 0x300000 0x2000",
                    "attach provider 0 0x300000 0x2000", "expect 0x300000 confidential-hello",
                    "abort-write 0x300000", "signal reader-done", "wait revoked",
                    "abort-read 0x300000"}},
        {"writer", {"publish", "wait shared", "reserve provider 0 0x300000 0x2000",
                    "attach provider 0 0x300000 0x2000", "expect 0x300000 confidential-hello",
                    "write 0x300100 confidential-reply", "signal replied"}},
    };
    for (const auto& [name, steps] : csm_realms) {
      host::LaunchSpec spec;
      spec.name = name;
      spec.realm.ipa_width = o_.ipa_width;
      spec.realm.vmid = vmid_++;
      spec.manifest = {"csm-script", 1, steps};
      spec.ram_size = 4ULL << 20U;
      csm_.push_back(&vmm_.launch(spec));
    }
    for (auto* r : csm_) vmm_.start(*r);
    for (auto* r : csm_) ok_ = vmm_.wait(*r) && ok_;
    for (auto* r : csm_) {
      const bool good = r->exit_status() == 0 && r->error().empty();
      std::printf("  %-8s %s%s\n", r->name().c_str(), good ? "ran every step" : "FAILED",
                  good ? "" : (" " + r->console() + r->error()).c_str());
      log_realm(*r);
      ok_ = ok_ && good;
    }
    std::printf("  provider shared region 0x200000+8 KiB: reader RO, writer RW; the message and the\n"
                "  reply crossed in plaintext; the reader's write was refused (stage-2 read-only);\n"
                "  after the revoke the reader's access aborted instead of reading stale data\n");
    show_csm_state();
  }

  /// What the host and the RMM's own state say about the CSM realms now.
  void show_csm_state() {
    const auto shared_pa = host_.rmi().rtt_read_entry(csm_[0]->built.rd, Ipa{0x200000}, s2::kMaxLevel);
    char peek[20] = {};
    const auto access =
        m_.host_view().read(s2::desc_oa(shared_pa.desc), std::as_writable_bytes(std::span(peek, sizeof peek - 1)));
    std::printf("  the hypervisor reading the shared granule %s: %s\n",
                hex_number(s2::desc_oa(shared_pa.desc).value()).c_str(), machine::access_name(access));
    const auto writer_view = host_.rmi().rtt_read_entry(csm_[2]->built.rd, Ipa{0x300000}, s2::kMaxLevel);
    std::printf("  RMI_RTT_READ_ENTRY in the writer at 0x300000: %s, desc %s:\n    %s\n",
                entry_state_name(writer_view.state), hex_number(writer_view.desc).c_str(),
                s2_desc_text(writer_view.desc).c_str());
    rmm::RmmIntrospection introspection(system_.rmm());
    const auto violations = inspect::csm_invariant_violations(introspection, m_);
    std::printf("  CSM invariants (csm-abi.md §6): %s\n",
                violations.empty() ? "all hold" : (std::to_string(violations.size()) + " violated").c_str());
    for (const auto& v : violations) std::printf("    %s\n", v.c_str());
    ok_ = ok_ && violations.empty() && access == machine::Access::kGranuleProtectionFault;
    if (!o_.picture.empty()) {
      // The CSM realms as they are now (apps/caec/scenario/picture.h), their region named as here.
      Scenario shown;
      shown.regions.push_back({.name = "region", .provider = "provider", .base = 0x200000, .size = 0x2000});
      const std::string dot = inspect_dot(inspect_json(introspection, m_, csm_), shown);
      std::ofstream(o_.picture, std::ios::trunc) << (o_.picture.ends_with(".svg") ? render_svg(dot) : dot);
      std::printf("  who shares what now: %s\n", o_.picture.c_str());
    }
  }

  void show_stage2() {
    std::printf("\n[5] realm A's stage-2 entries (RMI_RTT_READ_ENTRY)\n");
    const host::HostRealm& a = realms_[0].realm->built;
    for (Ipa ipa : {Ipa{0}, Ipa{0x100000}, Ipa{0x200000}, Ipa{(std::uint64_t{1} << (o_.ipa_width - 1)) | 0x40000000}}) {
      const auto e = host_.rmi().rtt_read_entry(a.rd, ipa, s2::kMaxLevel);
      std::printf("  IPA %-14s level %d  %-10s RIPAS %-9s -> %s\n", hex_number(ipa.value()).c_str(), static_cast<int>(e.walk_level.value()),
                  entry_state_name(e.state), ripas_name(e.ripas), hex_number(e.desc).c_str());
    }
  }

  void tear_down() {
    std::printf("\n[6] tear down\n");
    std::vector<Pa> all;
    std::vector<host::VmRealm*> every;
    for (auto& b : realms_) every.push_back(b.realm);
    every.insert(every.end(), csm_.begin(), csm_.end());
    for (auto* r : every) {
      for (const auto& [role, pas] : granules_of(r->built)) all.insert(all.end(), pas.begin(), pas.end());
    }
    for (auto* r : every) vmm_.destroy(*r);
    std::size_t still_realm = 0;
    for (Pa pa : all) still_realm += m_.pas(pa) != machine::Pas::kNonSecure ? 1U : 0U;
    host_.pool().free(shared_);
    std::printf("  REC_DESTROY, DATA_DESTROY, RTT_DESTROY, REALM_DESTROY, UNDELEGATE: %zu granules "
                "back in the NS PAS, %zu left in the Realm PAS\n", all.size() - still_realm, still_realm);
    std::printf("  host memory: %llu free granules before, %llu after\n", static_cast<unsigned long long>(free_before_),
                static_cast<unsigned long long>(host_.pool().free_granules()));
    ok_ = ok_ && still_realm == 0 && host_.pool().free_granules() == free_before_;
  }

  const DemoOptions& o_;
  platform::System system_;
  machine::Machine& m_;
  host::Host host_;
  std::optional<attest::RimCalculator> predicting_;
  host::MeasurementObserver observer_;
  host::Vmm vmm_;
  std::uint64_t free_before_ = 0;
  Pa shared_;
  std::uint16_t vmid_ = 1;
  std::vector<Built> realms_;
  std::vector<host::VmRealm*> csm_;
  bool ok_ = true;
};

}  // namespace

int run_demo(const DemoOptions& o) {
  if (!o.picture.empty()) check_writable(o.picture, "--picture");
  return Demo(o).run();
}

}  // namespace caec::app
