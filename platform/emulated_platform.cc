#include "caec/abi/hex.h"
#include "platform/emulated_platform.h"

#include <cstdlib>

#include "platform/firmware_measurements.h"

namespace caec::platform {

rmm::DramBank EmulatedPlatform::dram() const {
  return {m_.memory().base(), m_.memory().num_granules()};
}

rmm::BootOptions EmulatedPlatform::boot_options() const {
  return {.legacy_token_format = m_.config().legacy_token_format};
}

abi::El3Status EmulatedPlatform::el3_call(abi::El3Fid fid, Pa pa) {
  abi::SmcRegs regs;
  regs.x[0] = static_cast<std::uint32_t>(fid);
  regs.x[1] = pa.value();
  m_.el3().rmm_smc(regs);
  return static_cast<abi::El3Status>(regs.x[0]);
}

std::byte* EmulatedPlatform::map_granule(Pa pa) {
  std::byte* p = m_.realm_pas_granule(pa);
  // The RMM may write through the mapping (write tracking for snapshots, machine/snapshot.h).
  m_.memory().note_write(pa, kGranuleSize);
  return p;
}

bool EmulatedPlatform::ns_read(Pa pa, std::span<std::byte> out) {
  return m_.host_view().read(pa, out) == machine::Access::kOk;
}

bool EmulatedPlatform::ns_write(Pa pa, std::span<const std::byte> in) {
  return m_.host_view().write(pa, in) == machine::Access::kOk;
}

void EmulatedPlatform::tlbi_ipa(abi::Vmid vmid, Ipa base, std::uint64_t size) {
  m_.mmu().invalidate_ipa(vmid, base, size);
}

void EmulatedPlatform::tlbi_vmid(abi::Vmid vmid) { m_.mmu().invalidate_vmid(vmid); }

namespace {
machine::Vcpu& current_vcpu() {
  machine::Vcpu* v = machine::Vcpu::current();
  if (v == nullptr) std::abort();  // R-EL2 realm-side code always runs on a realm PE
  return *v;
}

/// The boot chain measured EL3 and the RMM before running them: the platform token says which.
machine::MachineConfig with_firmware(machine::MachineConfig config) {
  auto& sw = config.identity.sw_components;
  // Signer ID: caec firmware is not signed; this names the unsigned-build "signer" explicitly.
  const attest::Bytes unsigned_build(32, 0);
  sw.insert(sw.begin(), {attest::cca::SwComponent{.type = "EL3", .measurement = *parse_hex(kEl3MeasurementHex),
                                                  .version = CAEC_VERSION, .signer_id = unsigned_build,
                                                  .hash_algo = "sha-256"},
                         attest::cca::SwComponent{.type = "RMM", .measurement = *parse_hex(kRmmMeasurementHex),
                                                  .version = CAEC_VERSION, .signer_id = unsigned_build,
                                                  .hash_algo = "sha-256"}});
  return config;
}

/// The context-switch code after R-EL2 returned: back to the realm, or drop or restart its
/// context (the exception or jump that does so starts here, below every RMM frame).
void switch_back(machine::Vcpu& v, const rmm::RealmReturn& r) {
  switch (r.kind) {
    case rmm::RealmReturn::Kind::kResume:
    case rmm::RealmReturn::Kind::kSea:
    case rmm::RealmReturn::Kind::kEmulated:
    case rmm::RealmReturn::Kind::kUndefined: return;
    case rmm::RealmReturn::Kind::kDestroyed: v.end_context();
    case rmm::RealmReturn::Kind::kRestart: v.restart(r.start);
  }
}
}  // namespace

bool EmulatedPlatform::realm_run(Pa rec, abi::Vmid vmid, const rmm::S2Config& s2,
                                 const rmm::RecStart& start) {
  machine::Stage2& ctx = m_.mmu().configure(vmid, s2);
  machine::Vcpu* vcpu = nullptr;
  {
    std::lock_guard lock(mutex_);
    auto& slot = vcpus_[rec];
    if (!slot) slot = m_.create_vcpu(rec, ctx, start);
    vcpu = slot.get();
  }
  vcpu->run();
  return !vcpu->ended();
}

bool EmulatedPlatform::realm_yield() { return current_vcpu().yield(); }

bool EmulatedPlatform::realm_take_irq() { return current_vcpu().take_irq(); }

void EmulatedPlatform::realm_wait_for_irq() { current_vcpu().wait_for_irq(); }

abi::RealmSysregs EmulatedPlatform::realm_sysregs(Pa rec) {
  std::lock_guard lock(mutex_);
  const auto it = vcpus_.find(rec);
  return it == vcpus_.end() ? abi::RealmSysregs{} : it->second->sysregs();
}

void EmulatedPlatform::realm_release(Pa rec) {
  std::unique_ptr<machine::Vcpu> doomed;
  {
    std::lock_guard lock(mutex_);
    if (auto it = vcpus_.find(rec); it != vcpus_.end()) {
      doomed = std::move(it->second);
      vcpus_.erase(it);
    }
  }
  // Destroyed outside the lock: it joins the realm thread.
}

void EmulatedPlatform::release_all() {
  std::map<Pa, std::unique_ptr<machine::Vcpu>> doomed;
  {
    std::lock_guard lock(mutex_);
    doomed.swap(vcpus_);
  }
}

void EmulatedPlatform::s2_release(abi::Vmid vmid) { m_.mmu().release(vmid); }

void EmulatedPlatform::interrupt(Pa rec) {
  std::lock_guard lock(mutex_);
  if (auto it = vcpus_.find(rec); it != vcpus_.end()) it->second->raise_irq();
}

System::System(const machine::MachineConfig& config, machine::Vcpu::Entry realm_boot)
    : machine_(with_firmware(config)),
      platform_(machine_),
      rmm_memory_(std::make_unique<std::byte[]>(rmm::Rmm::memory_needed(platform_.dram()))),
      rmm_(std::make_unique<rmm::Rmm>(
          platform_, std::span(rmm_memory_.get(), rmm::Rmm::memory_needed(platform_.dram())))),
      vectors_(*rmm_) {
  machine_.set_realm_boot(std::move(realm_boot));
  machine_.install_el2_vectors(&vectors_);
}

System::~System() {
  platform_.release_all();  // realm threads stop before the RMM they run in goes away
  machine_.install_el2_vectors(nullptr);
}

void RmmVectors::rmi(abi::SmcRegs& regs) { rmm_.handle_rmi(regs); }

void RmmVectors::realm_smc(machine::Vcpu& v, abi::SmcRegs& regs) { switch_back(v, rmm_.handle_rsi(v.rec(), regs)); }

void RmmVectors::realm_wfx(machine::Vcpu& v, bool wfe) { switch_back(v, rmm_.handle_wfx(v.rec(), wfe)); }

bool RmmVectors::realm_hvc(machine::Vcpu& v) {
  const rmm::RealmReturn r = rmm_.handle_hvc(v.rec());
  switch_back(v, r);
  return r.kind == rmm::RealmReturn::Kind::kUndefined;
}

abi::AbortResolution RmmVectors::stage2_abort(machine::Vcpu& v, Ipa ipa, const abi::MemoryAccess& access,
                                              machine::S2Outcome outcome) {
  using Kind = abi::AbortResolution::Kind;
  const rmm::RealmReturn r = rmm_.handle_abort(v.rec(), ipa, access, outcome.fault);
  switch_back(v, r);
  switch (r.kind) {
    case rmm::RealmReturn::Kind::kSea: return {Kind::kSea};
    case rmm::RealmReturn::Kind::kEmulated: return {Kind::kEmulated, r.value};
    case rmm::RealmReturn::Kind::kResume:
    case rmm::RealmReturn::Kind::kUndefined:
    case rmm::RealmReturn::Kind::kDestroyed:
    case rmm::RealmReturn::Kind::kRestart: break;  // (switch_back does not return for the last two)
  }
  return {Kind::kRetry};
}

}  // namespace caec::platform
