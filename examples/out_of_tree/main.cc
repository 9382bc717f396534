// The host side: boots the emulated machine with caec's RMM, launches the provider, the
// consumer and an auditor (caec's shipped "csm-script" program, reading the region read-only)
// as three realms, runs them to the end and prints their consoles and exit statuses.
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "host/host.h"
#include "host/vmm.h"
#include "platform/emulated_platform.h"
#include "realm/boot.h"

int main() {
  using namespace caec;

  machine::MachineConfig config;
  config.dram_bytes = std::uint64_t{64} << 20U;           // small: the DRAM is a sparse memfd
  config.stage2_half_window = std::uint64_t{4} << 30U;    // these realms use IPAs below 4 GiB
  platform::System system(config, realm::boot);           // machine + EL3 + caec's RMM
  host::Host host(system.machine());                      // the (untrusted) hypervisor
  host::Vmm vmm(host, [&system](Pa rec) { system.platform().interrupt(rec); });

  struct Role {
    const char* name;  // launch name: what realms look each other up by
    const char* program;
    std::vector<std::string> args;  // measured, like the program name
  };
  const std::vector<Role> roles = {
      {"provider", "oot-provider", {"auditor"}},
      {"consumer", "oot-consumer", {}},
      {"auditor", "csm-script",
       {"publish", "wait offered", "reserve provider 0 0x300000 0x2000",
        "attach provider 0 0x300000 0x2000", "expect 0x300000 hello", "abort-write 0x300000",
        "signal auditor-done"}},
  };
  std::vector<host::VmRealm*> realms;
  std::uint16_t vmid = 1;
  for (const Role& role : roles) {
    host::LaunchSpec spec;
    spec.name = role.name;
    spec.realm.vmid = vmid++;
    spec.manifest = {role.program, 1, role.args};
    spec.ram_size = std::uint64_t{4} << 20U;
    realms.push_back(&vmm.launch(spec));  // built, measured and activated through the RMI
  }
  for (host::VmRealm* r : realms) vmm.start(*r);

  bool ok = true;
  for (host::VmRealm* r : realms) ok = vmm.wait(*r, std::chrono::seconds(30)) && ok;
  for (host::VmRealm* r : realms) {
    std::istringstream lines(r->console());
    for (std::string line; std::getline(lines, line);) {
      std::printf("%-8s| %s\n", r->name().c_str(), line.c_str());
    }
    const long long status = r->exit_status().value_or(-1);
    std::printf("%-8s: exit status %lld%s%s\n", r->name().c_str(), status,
                r->error().empty() ? "" : ", error: ", r->error().c_str());
    ok = ok && status == 0 && r->error().empty();
  }
  for (host::VmRealm* r : realms) vmm.destroy(*r);  // every granule back to the host
  std::printf("csm_pair: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
