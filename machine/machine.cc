#include "machine/machine.h"

#include <stdexcept>
#include <string>

#include "machine/fatal.h"

namespace caec::machine {

namespace {
std::uint64_t granules_of(const MachineConfig& c) {
  if (c.dram_bytes % kGranuleSize != 0 || c.dram_bytes < 64 * kGranuleSize) {
    throw std::invalid_argument("dram size " + std::to_string(c.dram_bytes) +
                                " must be a multiple of 4096 and at least 256 KiB");
  }
  if (c.secure_granules >= c.dram_bytes / kGranuleSize) {
    throw std::invalid_argument("secure carve-out larger than DRAM");
  }
  return c.dram_bytes / kGranuleSize;
}
}  // namespace

Machine::Machine(const MachineConfig& config)
    : config_(config),
      mem_(config.dram_base, granules_of(config)),
      gpt_(mem_.num_granules()),
      host_view_(mem_),
      mmu_(mem_, gpt_, *this, config.max_stage2_mappings, config.stage2_half_window),
      root_(config.identity),
      el3_(mem_, gpt_, host_view_, mmu_, root_) {
  for (GranuleIndex i{mem_.num_granules() - config.secure_granules}; i < mem_.end_index(); ++i) {
    gpt_.set(i, Pas::kSecure);
    host_view_.revoke(mem_.granule_pa(i));
  }
}

std::byte* Machine::realm_pas_granule(Pa pa) const {
  MACHINE_CHECK(pa.is_granule_aligned() && mem_.contains(pa), "Realm PAS access outside DRAM");
  MACHINE_CHECK(gpt_.pas(mem_.granule_index(pa)) == Pas::kRealm,
                "Granule Protection Fault: R-EL2 access to a granule outside the Realm PAS");
  return mem_.bus(pa);
}

std::unique_ptr<Vcpu> Machine::create_vcpu(Pa rec, Stage2& s2, const RecStart& start) {
  return std::make_unique<Vcpu>(rec, s2, start, realm_boot_, vectors_);
}

bool Machine::stage2_abort(Stage2& s2, Ipa ipa, bool write, S2Outcome outcome) {
  Vcpu* v = Vcpu::current();
  if (v == nullptr || &v->stage2() != &s2 || vectors_ == nullptr) return false;
  Vcpu::FaultScope scope;
  // A plain load or store of realm code: no instruction syndrome, so never emulated.
  const abi::AbortResolution r = vectors_->stage2_abort(*v, ipa, abi::MemoryAccess{.write = write}, outcome);
  MACHINE_CHECK(r.kind != abi::AbortResolution::Kind::kEmulated, "emulated an access without a syndrome");
  if (r.kind == abi::AbortResolution::Kind::kSea) v->inject_sea(ipa);
  return true;
}

}  // namespace caec::machine
