#include "realm/realm.h"

#include <immintrin.h>

#include <csetjmp>
#include <cstring>

#include "caec/abi/host_call.h"
#include "caec/abi/rmi.h"
#include "machine/stage2.h"
#include "machine/vcpu.h"

namespace caec::realm {

namespace {


const char* status_name(abi::RsiStatus s) {
  switch (s) {
    case abi::RsiStatus::kSuccess: return "RSI_SUCCESS";
    case abi::RsiStatus::kErrorInput: return "RSI_ERROR_INPUT";
    case abi::RsiStatus::kErrorState: return "RSI_ERROR_STATE";
    case abi::RsiStatus::kIncomplete: return "RSI_INCOMPLETE";
    case abi::RsiStatus::kErrorUnknown: return "RSI_ERROR_UNKNOWN";
    case abi::RsiStatus::kErrorCapacity: return "RSI_ERROR_CAPACITY";
  }
  return "RSI status ?";
}

/// The abort guard of the REC whose realm code runs on this thread (TPIDR_EL1), or nullptr.
AbortGuardState* current_guard() {
  const machine::Vcpu* v = machine::Vcpu::current();
  return v == nullptr ? nullptr : reinterpret_cast<AbortGuardState*>(v->tpidr_el1());
}

}  // namespace

RsiError::RsiError(std::string_view command, abi::RsiStatus status)
    : std::runtime_error(std::string(command) + ": " + status_name(status)), status_(status) {}

/// The realm's EL1 synchronous exception vector for injected SEAs.
void on_sea(Ipa ipa) {
  AbortGuardState* g = current_guard();
  if (g == nullptr || g->jump == nullptr) return;  // unhandled: the PE unwinds the realm's context
  g->abort_ipa = ipa;
  auto* env = static_cast<sigjmp_buf*>(g->jump);
  g->jump = nullptr;
  siglongjmp(*env, 1);
}

Realm::Realm(machine::Vcpu& vcpu, abi::Manifest manifest, Ipa ram_base, std::uint64_t ram_size,
             std::uint64_t context)
    : vcpu_(vcpu), manifest_(std::move(manifest)), ram_base_(ram_base), ram_size_(ram_size),
      context_(context) {
  vcpu_.set_tpidr_el1(reinterpret_cast<std::uintptr_t>(&guard_));
}

Realm::~Realm() {
  if (vcpu_.tpidr_el1() == reinterpret_cast<std::uintptr_t>(&guard_)) vcpu_.set_tpidr_el1(0);
}

std::byte* Realm::ptr(Ipa ipa) const {
  std::byte* p = vcpu_.stage2().pointer(ipa);
  if (p == nullptr) throw std::out_of_range("IPA outside this realm's reachable IPA space");
  return p;
}

std::pair<Ipa, std::uint64_t> Realm::ram() const {
  const std::uint64_t reserved = kScratchPages * kGranuleSize;
  return {ram_base_ + reserved, ram_size_ > reserved ? ram_size_ - reserved : 0};
}

Ipa Realm::scratch() const { return ram_base_ + rec_index() * kGranuleSize; }

unsigned Realm::ipa_width() {
  if (ipa_width_ == 0) ipa_width_ = static_cast<unsigned>(config().ipa_width);
  return ipa_width_;
}

Ipa Realm::unprotected_alias(Ipa ipa) {
  return Ipa{ipa.value() | (std::uint64_t{1} << (ipa_width() - 1))};
}

std::optional<Abort> Realm::guarded(const std::function<void()>& fn) {
  sigjmp_buf env;
  void* outer = guard_.jump;
  // No signal mask to save: the fault handler runs with SA_NODEFER, so jumping out of it leaves
  // the mask as it was, and guarded() costs no system call (channels guard every operation).
  if (sigsetjmp(env, 0) != 0) {
    guard_.jump = outer;
    return Abort{guard_.abort_ipa};
  }
  guard_.jump = &env;
  fn();
  guard_.jump = outer;
  return std::nullopt;
}

abi::SmcRegs Realm::smc(std::uint32_t f, std::initializer_list<std::uint64_t> args) {
  return smc(abi::SmcRegs::call(f, args));
}

abi::SmcRegs Realm::smc(abi::SmcRegs regs) {
  vcpu_.smc(regs);
  return regs;
}

std::uint64_t Realm::rsi_version() { return checked(abi::rsi::Version{abi::kRsiVersion}).higher; }

abi::RsiRealmConfig Realm::config() {
  const Ipa buf = scratch();
  (void)checked(abi::rsi::RealmConfig{buf});
  abi::RsiRealmConfig cfg;
  std::memcpy(&cfg, ptr(buf), sizeof cfg);
  return cfg;
}

Measurement Realm::measurement(unsigned index) {
  const auto r = checked(abi::rsi::MeasurementRead{index});
  Measurement m;
  std::memcpy(m.data(), r.value.data(), m.size());
  return m;
}

void Realm::extend_measurement(unsigned index, std::span<const std::uint8_t> value) {
  abi::rsi::MeasurementExtend call{.index = index, .size = value.size()};
  std::memcpy(call.value.data(), value.data(), std::min<std::size_t>(value.size(), 64));
  (void)checked(call);
}

void Realm::set_ripas(Ipa base, Ipa top, abi::Ripas ripas, bool allow_destroyed) {
  while (base < top) {
    const auto r = checked(abi::rsi::IpaStateSet{
        base, top, static_cast<std::uint64_t>(ripas),
        allow_destroyed ? abi::ipa_state_set_flags::kChangeDestroyed : 0U});
    if (r.response == abi::RsiRipasResponse::kReject) {
      throw RsiError("RSI_IPA_STATE_SET (host rejected)", abi::RsiStatus::kErrorState);
    }
    if (r.new_base <= base) {
      throw RsiError("RSI_IPA_STATE_SET (no progress)", abi::RsiStatus::kErrorState);
    }
    base = r.new_base;
  }
}

std::pair<abi::Ripas, Ipa> Realm::ripas(Ipa base, Ipa top) {
  const auto r = checked(abi::rsi::IpaStateGet{base, top});
  return {r.ripas, r.top};
}

std::array<std::uint64_t, 31> Realm::host_call(std::uint16_t imm,
                                               std::span<const std::uint64_t> args) {
  const Ipa buf = scratch();
  abi::RsiHostCall call{};
  call.imm = imm;
  std::copy_n(args.begin(), std::min<std::size_t>(args.size(), call.gprs.size()), call.gprs.begin());
  std::memcpy(ptr(buf), &call, sizeof call);
  (void)checked(abi::rsi::HostCall{buf});
  std::memcpy(&call, ptr(buf), sizeof call);
  return call.gprs;
}

void Realm::print(std::string_view text) {
  while (!text.empty()) {
    std::array<std::uint64_t, 31> regs{};
    const std::size_t n = std::min<std::size_t>(text.size(), abi::host_call::kConsoleBytes);
    regs[0] = n;
    std::memcpy(&regs[1], text.data(), n);
    (void)host_call(abi::host_call::kConsole, std::span(regs.data(), 1 + (n + 7) / 8));
    text.remove_prefix(n);
  }
}

std::byte* Realm::share_with_host(Ipa base, std::uint64_t size) {
  set_ripas(base, base + size, abi::Ripas::kEmpty);
  return ptr(unprotected_alias(base));
}

std::byte* Realm::map_host_buffer(std::uint64_t id, Ipa ipa, std::uint64_t size) {
  const std::array<std::uint64_t, 3> args{id, ipa.value(), size};
  const auto reply = host_call(abi::host_call::kMapShared, args);
  if (reply[0] != abi::host_call::kOk) {
    throw std::runtime_error("host refused to map shared buffer " + std::to_string(id));
  }
  return ptr(ipa);
}

std::int64_t Realm::start_cpu(std::uint64_t index, std::uint64_t context) {
  // The target learns the memory layout from a boot block in its own scratch page.
  const Ipa block = ram_base_ + index * kGranuleSize;
  const std::array<std::uint64_t, 3> boot{ram_base_.value(), ram_size_, context};
  std::memcpy(ptr(block), boot.data(), sizeof boot);
  return psci(abi::psci::CpuOn{abi::mpidr_from_rec_index(index), kEntryIpa, block.value()});
}

std::int64_t Realm::cpu_state(std::uint64_t index) {
  return psci(abi::psci::AffinityInfo{abi::mpidr_from_rec_index(index), 0});
}

void Realm::cpu_off() {
  (void)psci(abi::psci::CpuOff{});
  throw std::logic_error("PSCI CPU_OFF returned");
}

void Realm::system_off() {
  (void)psci(abi::psci::SystemOff{});
  throw std::logic_error("PSCI SYSTEM_OFF returned");
}

void Realm::cpu_relax() {
  if (vcpu_.irq_pending()) {
    (void)call(abi::rsi::Features{0});  // an SMC: the RMM takes the IRQ exit
  } else {
    _mm_pause();
  }
}

}  // namespace caec::realm
