#include "realm/boot.h"

#include <array>
#include <cstring>
#include <string>

#include "caec/abi/host_call.h"
#include "caec/abi/realm_image.h"
#include "machine/stage2.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::realm {

void on_sea(Ipa ipa);  // realm.cc

namespace {

int run_program(Realm& realm) {
  const Program* program = find_program(realm.manifest().program);
  if (program == nullptr) {
    realm.print("realm: no program named '" + realm.manifest().program + "'\n");
    return kExitNoProgram;
  }
  try {
    return program->main(realm);
  } catch (const std::exception& e) {
    realm.print(std::string("realm: program '") + realm.manifest().program +
                "' failed: " + e.what() + "\n");
    return kExitException;
  }
}

}  // namespace

void boot(machine::Vcpu& vcpu) {
  vcpu.set_sea_vector(&on_sea);
  vcpu.set_gic_vmcr(kBootGicVmcr);
  const machine::RecStart& start = vcpu.start();
  // REC 0: X0/X1 = RAM base and size (from the measured REC parameters). A REC started by
  // start_cpu: X0 = IPA of a boot block {ram base, ram size, context}.
  Ipa ram_base{start.gprs[0]};
  std::uint64_t ram_size = start.gprs[1];
  std::uint64_t context = 0;
  if (start.index != 0) {
    std::array<std::uint64_t, 3> block{};
    std::memcpy(block.data(), vcpu.stage2().pointer(Ipa{start.gprs[0]}), sizeof block);
    ram_base = Ipa{block[0]};
    ram_size = block[1];
    context = block[2];
  }
  const auto manifest = abi::decode_manifest(vcpu.stage2().pointer(abi::kManifestIpa));
  Realm realm(vcpu, manifest.value_or(abi::Manifest{"<invalid manifest>", 0, {}}), ram_base, ram_size,
              context);
  const int status = manifest ? run_program(realm) : kExitNoProgram;
  if (start.index != 0) realm.cpu_off();
  const std::array<std::uint64_t, 1> code{static_cast<std::uint64_t>(static_cast<std::int64_t>(status))};
  (void)realm.host_call(abi::host_call::kExit, code);
  realm.system_off();
}

}  // namespace caec::realm
