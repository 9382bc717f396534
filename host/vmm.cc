#include "host/vmm.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "caec/abi/esr.h"
#include "caec/abi/hex.h"
#include "caec/abi/host_call.h"
#include "caec/abi/rsi.h"
#include "caec/abi/s2tt.h"
#include "host/mmio_console.h"
#include "host/rec_exit_check.h"

namespace caec::host {

namespace s2 = abi::s2tt;

/// The EL1 virtual timer's interrupt (a PPI, as on every Arm platform).
constexpr std::uint32_t kVirtualTimerIntid = 27;

namespace {

using abi::kEntryIpa;
using abi::kRamBase;

const char* exit_name(const abi::RmiRecExit& e) {
  switch (static_cast<abi::RmiRecExitReason>(e.exit_reason)) {
    case abi::RmiRecExitReason::kSync:
      return abi::esr::ec(e.esr) == abi::esr::kEcWfx ? "wfx" : "data-abort";
    case abi::RmiRecExitReason::kIrq: return "irq";
    case abi::RmiRecExitReason::kFiq: return "fiq";
    case abi::RmiRecExitReason::kPsci: return "psci";
    case abi::RmiRecExitReason::kRipasChange: return "ripas-change";
    case abi::RmiRecExitReason::kHostCall: return "host-call";
    case abi::RmiRecExitReason::kSError: return "serror";
    case abi::RmiRecExitReason::kCsmProvider: return "csm-provider";
    case abi::RmiRecExitReason::kCsmConsumer: return "csm-consumer";
    case abi::RmiRecExitReason::kCsmRemove: return "csm-remove";
  }
  return "unknown";
}

}  // namespace

// ---- VmRealm --------------------------------------------------------------------------------

std::optional<std::int64_t> VmRealm::exit_status() const {
  std::lock_guard lock(mutex_);
  return exit_status_;
}
std::string VmRealm::console() const {
  std::lock_guard lock(mutex_);
  return console_;
}
std::string VmRealm::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}
std::map<std::string, std::uint64_t> VmRealm::exit_counts() const {
  std::lock_guard lock(mutex_);
  return exits_;
}
bool VmRealm::finished() const {
  std::lock_guard lock(mutex_);
  return active_ == 0;
}

// ---- Vmm ------------------------------------------------------------------------------------

Vmm::Vmm(Host& host, std::function<void(Pa)> ipi, MeasurementObserver observer)
    : host_(host), ipi_(std::move(ipi)), builder_(host, std::move(observer)) {}

Vmm::~Vmm() {
  std::vector<VmRealm*> live;
  {
    std::lock_guard lock(realms_mutex_);
    for (auto& r : realms_) live.push_back(r.get());
  }
  for (VmRealm* r : live) stop(*r);
}

VmRealm& Vmm::launch(const LaunchSpec& spec) {
  auto owned = std::make_unique<VmRealm>();
  VmRealm& r = *owned;
  r.name_ = spec.name.empty() ? spec.manifest.program : spec.name;
  r.built = builder_.create(spec.realm);
  try {
    build(r, spec);
  } catch (const HostError&) {
    // Out of memory, or a refused RMI call: give back what was built so far.
    builder_.destroy(r.built);  // no RAM was populated yet: nothing reserved
    for (Pa run : r.run_pages) host_.pool().free(run);
    throw;
  }
  r.vcpus_ = std::vector<VmRealm::Vcpu>(spec.num_recs);
  std::lock_guard lock(realms_mutex_);
  realms_.push_back(std::move(owned));
  return r;
}

void Vmm::build(VmRealm& r, const LaunchSpec& spec) {
  (void)builder_.add_apt(r.built);  // room for CSM records; more on request
  std::vector<std::byte> image = abi::encode_manifest(spec.manifest);
  image.insert(image.end(), spec.payload.begin(), spec.payload.end());
  builder_.load(r.built, abi::kManifestIpa, image, /*measured=*/true);
  builder_.init_ripas(r.built, kRamBase, kRamBase + spec.ram_size);
  for (unsigned i = 0; i < spec.num_recs; ++i) {
    std::array<std::uint64_t, 8> gprs{};
    if (i == 0) gprs = {kRamBase.value(), spec.ram_size};
    builder_.create_rec(r.built, i == 0, kEntryIpa.value(), gprs);
    const auto run = host_.allocate();
    if (!run) throw HostError("host out of memory for a REC run page");
    r.run_pages.push_back(*run);
  }
  builder_.activate(r.built);
}

void Vmm::start(VmRealm& r) { start_vcpu(r, 0); }

void Vmm::start_vcpu(VmRealm& r, std::size_t rec) {
  std::lock_guard lock(r.mutex_);
  auto& v = r.vcpus_.at(rec);
  if (v.running || r.stopping_) return;
  if (v.thread.joinable()) v.thread.join();
  v.running = true;
  ++r.active_;
  v.thread = std::thread([this, &r, rec] { vcpu_loop(r, rec); });
}

bool Vmm::wait(VmRealm& r, std::chrono::milliseconds timeout) {
  std::unique_lock lock(r.mutex_);
  return r.cv_.wait_for(lock, timeout, [&] { return r.active_ == 0; });
}

void Vmm::stop(VmRealm& r) {
  {
    std::lock_guard lock(r.mutex_);
    r.stopping_ = true;
    for (auto& v : r.vcpus_) v.kicked = true;
  }
  r.cv_.notify_all();
  for (std::size_t i = 0; i < r.vcpus_.size(); ++i) {
    if (ipi_ && i < r.built.recs.size()) ipi_(r.built.recs[i].rec);
  }
  for (auto& v : r.vcpus_) {
    if (v.thread.joinable()) v.thread.join();
  }
}

void Vmm::destroy(VmRealm& r) {
  stop(r);
  host_.ram_backing().release(r.built.rd);  // while the RD is still this realm's
  builder_.destroy(r.built);
  for (Pa run : r.run_pages) host_.pool().free(run);
  r.run_pages.clear();
  std::lock_guard lock(realms_mutex_);
  std::erase_if(realms_, [&](const auto& p) { return p.get() == &r; });
}

Vmm::State Vmm::state() {
  State s;
  {
    std::lock_guard lock(realms_mutex_);
    for (const auto& r : realms_) {
      std::lock_guard realm_lock(r->mutex_);
      s.realms.push_back({r.get(), r->built, r->run_pages, r->vcpus_.size()});
    }
  }
  s.shared = shared_;
  std::lock_guard lock(names_mutex_);
  s.published_rids = published_rids_;
  s.signals = signals_;
  return s;
}

void Vmm::restore(const State& s) {
  {
    std::lock_guard lock(realms_mutex_);
    for (const auto& r : realms_) {
      std::lock_guard realm_lock(r->mutex_);
      for (const auto& v : r->vcpus_) {
        if (v.running || v.thread.joinable()) throw std::logic_error("restore while a vCPU loop runs");
      }
    }
    std::vector<std::unique_ptr<VmRealm>> kept;
    for (const State::Realm& record : s.realms) {
      const auto it = std::find_if(realms_.begin(), realms_.end(),
                                   [&](const auto& p) { return p.get() == record.realm; });
      if (it == realms_.end()) throw std::logic_error("restore: a realm of the snapshot was destroyed since");
      VmRealm& r = **it;
      {
        std::lock_guard realm_lock(r.mutex_);
        r.built = record.built;
        r.run_pages = record.run_pages;
        r.vcpus_ = std::vector<VmRealm::Vcpu>(record.num_recs);
        r.stopping_ = false;
        r.active_ = 0;
        r.exit_status_.reset();
        r.console_.clear();
        r.error_.clear();
        r.exits_.clear();
      }
      kept.push_back(std::move(*it));
    }
    realms_ = std::move(kept);  // in the snapshot's order; realms launched since are dropped
  }
  shared_ = s.shared;
  std::lock_guard lock(names_mutex_);
  published_rids_ = s.published_rids;
  signals_ = s.signals;
}

Pa Vmm::create_shared_buffer(std::uint64_t id, std::uint64_t size, bool read_only) {
  const std::uint64_t granules = (size + kGranuleSize - 1) / kGranuleSize;
  const auto pa = host_.allocate(granules);
  if (!pa) throw HostError("host out of memory for shared buffer " + std::to_string(id));
  if (host_.memory().fill(*pa, std::byte{0}, granules * kGranuleSize) != machine::Access::kOk) {
    throw HostError("shared buffer is not host memory");
  }
  shared_[id] = {*pa, granules, read_only};
  return *pa;
}

void Vmm::free_shared_buffer(std::uint64_t id) {
  const auto it = shared_.find(id);
  if (it == shared_.end()) throw HostError("no shared buffer " + std::to_string(id));
  host_.pool().free(it->second.pa, it->second.granules);
  shared_.erase(it);
}

void Vmm::raise_signal(const std::string& name) {
  std::lock_guard lock(names_mutex_);
  signals_.insert(name);
}

bool Vmm::signaled(const std::string& name) {
  std::lock_guard lock(names_mutex_);
  return signals_.contains(name);
}

std::optional<Rid> Vmm::published_rid(const std::string& name) {
  std::lock_guard lock(names_mutex_);
  const auto it = published_rids_.find(name);
  if (it == published_rids_.end()) return std::nullopt;
  return Rid{it->second};
}

void Vmm::queue_virq(VmRealm& r, std::size_t rec, std::uint32_t vintid) {
  auto& q = r.vcpus_.at(rec).virqs;
  // An interrupt already queued is not queued twice (edge interrupts coalesce).
  if (std::find(q.begin(), q.end(), vintid) == q.end()) q.push_back(vintid);
}

void Vmm::post_interrupt(VmRealm& r, std::size_t rec, std::uint32_t vintid) {
  {
    std::lock_guard lock(r.mutex_);
    queue_virq(r, rec, vintid);
    r.vcpus_.at(rec).kicked = true;
  }
  r.cv_.notify_all();
  if (ipi_) ipi_(r.built.recs.at(rec).rec);
}

std::uint64_t Vmm::ring_doorbell(std::uint64_t rid, std::uint64_t rec) {
  std::string name;
  {
    std::lock_guard lock(names_mutex_);
    for (const auto& [n, published] : published_rids_) {
      if (published == rid) name = n;
    }
  }
  // Held while posting, so the target cannot be destroyed meanwhile (lock order: realms_mutex_,
  // then a realm's mutex).
  std::lock_guard lock(realms_mutex_);
  VmRealm* target = nullptr;
  for (const auto& r : realms_) {
    if (!name.empty() && r->name_ == name) target = r.get();
  }
  if (target == nullptr) return abi::host_call::kErrNotYet;
  if (rec >= target->built.recs.size()) return abi::host_call::kErrRefused;
  post_interrupt(*target, rec, abi::host_call::kDoorbellIntid);
  return abi::host_call::kOk;
}

void Vmm::fail(VmRealm& r, const std::string& why) {
  std::lock_guard lock(r.mutex_);
  if (r.error_.empty()) r.error_ = why;
}

void Vmm::vcpu_loop(VmRealm& r, std::size_t rec) {
  const Pa rec_pa = r.built.recs.at(rec).rec;
  const Pa run = r.run_pages.at(rec);
  abi::RmiRecEnter enter{};
  for (;;) {
    {
      std::lock_guard lock(r.mutex_);
      if (r.stopping_) break;
      auto& v = r.vcpus_[rec];
      // Deliver queued virtual interrupts through the list registers; one still pending in a
      // list register is not injected twice.
      const auto pending = [&](std::uint32_t vintid) {
        return std::any_of(enter.gicv3_lrs.begin(), enter.gicv3_lrs.end(), [&](std::uint64_t lr) {
          return (lr & abi::gic::kStateMask) != 0 && (lr & abi::gic::kVintidMask) == vintid;
        });
      };
      std::erase_if(v.virqs, pending);
      for (std::size_t lr = 0; lr < enter.gicv3_lrs.size() && !v.virqs.empty(); ++lr) {
        if ((enter.gicv3_lrs[lr] & abi::gic::kStateMask) != 0) continue;
        enter.gicv3_lrs[lr] = abi::gic::pending_lr(v.virqs.front());
        v.virqs.pop_front();
      }
    }
    enter.flags |= abi::rec_enter_flags::kTrapWfi;
    if (host_.memory().write(run, std::as_bytes(std::span(&enter, 1))) != machine::Access::kOk) {
      fail(r, "REC run page is not host memory");
      break;
    }
    const auto ret = host_.rmi().rec_enter(rec_pa, run);
    if (!ret.ok()) {
      // A REC that turned off, or a realm that did, cannot be entered; anything else is a bug.
      const bool realm_off = ret == abi::RmiReturn{abi::RmiStatus::kErrorRealm, 1};
      if (!realm_off && ret.status != abi::RmiStatus::kErrorRec) {
        fail(r, "RMI_REC_ENTER REC " + std::to_string(rec) + ": " + describe(ret));
      }
      break;
    }
    abi::RmiRecRun state{};
    (void)host_.memory().read(run, std::as_writable_bytes(std::span(&state, 1)));
    {
      std::lock_guard lock(r.mutex_);
      ++r.exits_[exit_name(state.exit)];
    }
    enter = abi::RmiRecEnter{};
    // Interrupts the realm did not take stay in the list registers.
    enter.gicv3_lrs = state.exit.gicv3_lrs;
    Next next = Next::kStopRealm;
    try {
      next = dispatch(r, rec, state.exit, enter);
    } catch (const std::exception& e) {
      // The host could not serve the exit (out of memory, a refused RMI call): stop the realm.
      fail(r, std::string("REC ") + std::to_string(rec) + ": " + e.what());
    }
    if (next == Next::kStopVcpu) break;
    if (next == Next::kStopRealm) {
      {
        std::lock_guard lock(r.mutex_);
        r.stopping_ = true;
        for (auto& v : r.vcpus_) v.kicked = true;
      }
      r.cv_.notify_all();
      for (std::size_t i = 0; i < r.built.recs.size(); ++i) {
        if (i != rec && ipi_) ipi_(r.built.recs[i].rec);
      }
      break;
    }
  }
  std::lock_guard lock(r.mutex_);
  r.vcpus_[rec].running = false;
  --r.active_;
  r.cv_.notify_all();
}

bool Vmm::serves(VmRealm&, std::size_t, const abi::RmiRecExit&) { return true; }

Vmm::Next Vmm::dispatch(VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                        abi::RmiRecEnter& enter) {
  if (!serves(r, rec, exit)) return Next::kStopVcpu;
  switch (static_cast<abi::RmiRecExitReason>(exit.exit_reason)) {
    case abi::RmiRecExitReason::kSync:
      if (abi::esr::ec(exit.esr) == abi::esr::kEcWfx) return on_wfx(r, rec, enter);
      if (abi::esr::ec(exit.esr) == abi::esr::kEcDataAbortLower ||
          abi::esr::ec(exit.esr) == abi::esr::kEcInstAbortLower) {
        return on_data_abort(r, rec, exit, enter);  // an instruction abort is handled alike
      }
      return on_other_exit(r, rec, exit, enter);
    case abi::RmiRecExitReason::kIrq:
    case abi::RmiRecExitReason::kFiq: {
      // The realm's virtual timer fired: its interrupt (PPI 27) goes in on the next entry, as
      // KVM injects it; queued, not signalled, since this REC is about to be entered anyway.
      namespace ctl = abi::timer_ctl;
      if ((exit.cntv_ctl & (ctl::kEnable | ctl::kImask | ctl::kIstatus)) == (ctl::kEnable | ctl::kIstatus)) {
        std::lock_guard lock(r.mutex_);
        queue_virq(r, rec, kVirtualTimerIntid);
      }
      return Next::kEnter;
    }
    case abi::RmiRecExitReason::kHostCall: return on_host_call(r, rec, exit, enter);
    case abi::RmiRecExitReason::kRipasChange: return on_ripas_change(r, rec, exit, enter);
    case abi::RmiRecExitReason::kPsci: return on_psci(r, rec, exit, enter);
    case abi::RmiRecExitReason::kCsmProvider: return on_csm_provider(r, rec, exit, enter);
    case abi::RmiRecExitReason::kCsmConsumer: return on_csm_consumer(r, rec, exit, enter);
    case abi::RmiRecExitReason::kCsmRemove: return on_csm_remove(r, rec, exit, enter);
    default: return on_other_exit(r, rec, exit, enter);
  }
}

void Vmm::populate(VmRealm& r, Ipa ipa) {
  std::lock_guard lock(r.mutex_);
  builder_.ensure_tables(r.built, ipa, s2::kMaxLevel);
  const Pa data = delegate_for(r, ipa);
  if (const auto ret = host_.rmi().data_create_unknown(r.built.rd, data, ipa); !ret.ok()) {
    host_.undelegate_and_free(data);
    throw HostError("RMI_DATA_CREATE_UNKNOWN " + hex_number(ipa.value()) + ": " + describe(ret));
  }
  r.built.data[ipa.value()] = data;
}

Pa Vmm::delegate_for(VmRealm& r, Ipa ipa) {
  if (const auto pa = host_.ram_backing().take(r.built.rd, ipa)) {
    host_.delegate_held(*pa);
    return *pa;
  }
  return host_.delegate_new();
}

Vmm::Next Vmm::on_data_abort(VmRealm& r, std::size_t, const abi::RmiRecExit& exit,
                             abi::RmiRecEnter& enter) {
  const Ipa ipa{abi::esr::ipa_from_hpfar(exit.hpfar)};
  const std::uint64_t unprotected_base = std::uint64_t{1} << (r.built.params.s2sz - 1U);
  if (const auto defect = data_abort_exit_defect(exit, unprotected_base)) {
    fail(r, "malformed data-abort exit: " + *defect);
    return Next::kStopRealm;
  }
  const bool prot = ipa.value() < unprotected_base;
  const std::uint64_t dfsc = exit.esr & abi::esr::kDfscMask;
  if (!prot) {
    // The console's page: emulate the access if the realm's instruction can be emulated.
    if ((exit.esr & abi::esr::kIsv) != 0 && on_mmio_console(ipa, unprotected_base)) {
      std::lock_guard lock(r.mutex_);
      emulate_mmio_console(exit, enter, r.console_);
      return Next::kEnter;
    }
    // Nothing is mapped there for this realm: it gets an external abort.
    enter.flags |= abi::rec_enter_flags::kInjectSea;
    return Next::kEnter;
  }
  const auto e = host_.rmi().rtt_read_entry(r.built.rd, ipa, s2::kMaxLevel);
  const bool translation = (dfsc & ~0x3ULL) == abi::esr::kDfscTranslation;
  if (e.ret.ok() && translation && e.state == abi::RmiRttEntryState::kUnassigned &&
      e.ripas == abi::Ripas::kRam) {
    populate(r, ipa);
    return Next::kEnter;
  }
  fail(r, "realm aborted on IPA " + hex_number(ipa.value()) + " the host cannot back (esr " +
              hex_number(exit.esr) + ")");
  return Next::kStopRealm;
}

void Vmm::map_shared(VmRealm& r, std::uint64_t id, Ipa ipa, std::uint64_t size,
                     std::uint64_t& reply) {
  const auto it = shared_.find(id);
  const bool fits = it != shared_.end() && size <= it->second.granules * kGranuleSize &&
                    ipa.is_granule_aligned() &&
                    ipa.value() >= (std::uint64_t{1} << (r.built.params.s2sz - 1U));
  if (!fits) {
    reply = abi::host_call::kErrRefused;
    return;
  }
  std::lock_guard lock(r.mutex_);
  for (std::uint64_t off = 0; off < size; off += kGranuleSize) {
    builder_.ensure_tables(r.built, ipa + off, s2::kMaxLevel);
    const std::uint64_t desc = (it->second.pa + off).value() | s2::kMemAttrNormalWb |
                               (it->second.read_only ? s2::kS2apRo : s2::kS2apRw);
    const auto ret = host_.rmi().rtt_map_unprotected(r.built.rd, ipa + off, s2::kMaxLevel, desc);
    // Mapped already (the realm asked twice) is fine; anything else is refused.
    if (!ret.ok() && ret.status != abi::RmiStatus::kErrorRtt) {
      reply = abi::host_call::kErrRefused;
      return;
    }
  }
  reply = abi::host_call::kOk;
}

Vmm::Next Vmm::on_host_call(VmRealm& r, std::size_t, const abi::RmiRecExit& exit,
                            abi::RmiRecEnter& enter) {
  switch (exit.imm) {
    case abi::host_call::kConsole: {
      const std::size_t n = std::min<std::uint64_t>(exit.gprs[0], abi::host_call::kConsoleBytes);
      std::string text(n, '\0');
      std::memcpy(text.data(), &exit.gprs[1], n);
      std::lock_guard lock(r.mutex_);
      r.console_ += text;
      break;
    }
    case abi::host_call::kExit: {
      std::lock_guard lock(r.mutex_);
      r.exit_status_ = static_cast<std::int64_t>(exit.gprs[0]);
      break;
    }
    case abi::host_call::kMapShared:
      map_shared(r, exit.gprs[0], Ipa{exit.gprs[1]}, exit.gprs[2], enter.gprs[0]);
      return Next::kEnter;
    case abi::host_call::kAptMore: {
      std::lock_guard lock(r.mutex_);
      enter.gprs[0] = builder_.add_apt(r.built) ? abi::host_call::kOk : abi::host_call::kErrRefused;
      return Next::kEnter;
    }
    case abi::host_call::kPublishRid: {
      std::lock_guard lock(names_mutex_);
      published_rids_[r.name_] = exit.gprs[0];
      break;
    }
    case abi::host_call::kSignal:
    case abi::host_call::kPollSignal: {
      char name[33] = {};
      std::memcpy(name, &exit.gprs[0], 32);
      std::lock_guard lock(names_mutex_);
      if (exit.imm == abi::host_call::kSignal) signals_.insert(name);
      enter.gprs[0] = signals_.contains(name) ? abi::host_call::kOk : abi::host_call::kErrNotYet;
      return Next::kEnter;
    }
    case abi::host_call::kDoorbell: {
      enter.gprs[0] = ring_doorbell(exit.gprs[0], exit.gprs[1]);
      return Next::kEnter;
    }
    case abi::host_call::kLookupRid: {
      char name[33] = {};
      std::memcpy(name, &exit.gprs[0], 32);
      std::lock_guard lock(names_mutex_);
      const auto it = published_rids_.find(name);
      enter.gprs[0] = it == published_rids_.end() ? abi::host_call::kErrNotYet : abi::host_call::kOk;
      enter.gprs[1] = it == published_rids_.end() ? 0 : it->second;
      return Next::kEnter;
    }
    default:
      enter.gprs[0] = abi::host_call::kErrUnknownCall;
      return Next::kEnter;
  }
  enter.gprs[0] = abi::host_call::kOk;
  return Next::kEnter;
}

Vmm::Next Vmm::on_ripas_change(VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                               abi::RmiRecEnter& enter) {
  const Pa rec_pa = r.built.recs.at(rec).rec;
  Ipa base{exit.ripas_base};
  const Ipa top{exit.ripas_top};
  while (base < top) {
    const auto out = host_.rmi().rtt_set_ripas(r.built.rd, rec_pa, base, top);
    if (out.ret.status == abi::RmiStatus::kErrorRtt) {
      // The range covers part of a block: split it and try again.
      std::lock_guard lock(r.mutex_);
      builder_.ensure_tables(r.built, base, RttLevel{out.ret.index}.child());
      continue;
    }
    if (out.ret.status == abi::RmiStatus::kErrorCsm) {
      // The realm made a CSM region or reservation over the range since it asked: the RMM
      // keeps its RIPAS, and the realm learns it went no further.
      enter.flags |= abi::rec_enter_flags::kRipasResponseReject;
      return Next::kEnter;
    }
    if (!out.ret.ok()) {
      fail(r, "RMI_RTT_SET_RIPAS " + hex_number(base.value()) + ": " + describe(out.ret));
      return Next::kStopRealm;
    }
    base = out.top;
  }
  return Next::kEnter;  // accepted
}

Vmm::Next Vmm::on_psci(VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                       abi::RmiRecEnter&) {
  const auto fid = static_cast<std::uint32_t>(exit.gprs[0]);
  const Pa caller = r.built.recs.at(rec).rec;
  const auto target_of = [&](std::uint64_t mpidr) -> std::optional<std::size_t> {
    const std::uint64_t i = abi::rec_index_from_mpidr(mpidr);
    if (i >= r.built.recs.size()) return std::nullopt;
    return i;
  };
  const auto is = [&](abi::PsciFid f) {
    return (fid | 0x40000000U) == (static_cast<std::uint32_t>(f) | 0x40000000U);
  };
  if (is(abi::PsciFid::kCpuOn) || is(abi::PsciFid::kAffinityInfo)) {
    const auto target = target_of(exit.gprs[1]);
    if (!target) {
      fail(r, "PSCI request names an unknown REC");
      return Next::kStopRealm;
    }
    const auto ret = host_.rmi().psci_complete(caller, r.built.recs[*target].rec, 0);
    if (!ret.ok()) {
      fail(r, "RMI_PSCI_COMPLETE: " + describe(ret));
      return Next::kStopRealm;
    }
    if (is(abi::PsciFid::kCpuOn)) start_vcpu(r, *target);
    return Next::kEnter;
  }
  if (is(abi::PsciFid::kCpuOff)) return Next::kStopVcpu;
  if (is(abi::PsciFid::kSystemOff) || is(abi::PsciFid::kSystemReset)) return Next::kStopRealm;
  return Next::kEnter;  // CPU_SUSPEND: nothing to do
}

Vmm::Next Vmm::on_csm_provider(VmRealm& r, std::size_t, const abi::RmiRecExit& exit,
                               abi::RmiRecEnter&) {
  // The granules this host populated are ASSIGNED (only the host destroys DATA): one pass over
  // its own map finds the others, and only those need the RMM's view of their RIPAS.
  std::vector<Ipa> unpopulated;
  {
    std::lock_guard lock(r.mutex_);
    auto it = r.built.data.lower_bound(exit.csm_base);
    for (Ipa ipa{exit.csm_base}; ipa < Ipa{exit.csm_top}; ipa = ipa + kGranuleSize) {
      if (it != r.built.data.end() && it->first == ipa.value()) {
        ++it;
      } else {
        unpopulated.push_back(ipa);
      }
    }
  }
  for (Ipa ipa : unpopulated) {
    const auto e = host_.rmi().rtt_read_entry(r.built.rd, ipa, s2::kMaxLevel);
    if (e.ret.ok() && e.state == abi::RmiRttEntryState::kUnassigned && e.ripas == abi::Ripas::kRam) {
      populate(r, ipa);
    }
  }
  return Next::kEnter;
}

Vmm::Next Vmm::on_csm_consumer(VmRealm& r, std::size_t, const abi::RmiRecExit& exit,
                               abi::RmiRecEnter&) {
  std::lock_guard lock(r.mutex_);
  // The level-3 tables covering the range, one per 2 MiB...
  for (Ipa ipa{exit.csm_base}; ipa < Ipa{exit.csm_top};
       ipa = ipa.align_down(s2::kLeafTableSpan) + s2::kLeafTableSpan) {
    builder_.ensure_tables(r.built, ipa, s2::kMaxLevel);
  }
  // ...and no private granule in it: the consumer must not keep one.
  auto it = r.built.data.lower_bound(exit.csm_base);
  while (it != r.built.data.end() && it->first < exit.csm_top) {
    const Ipa ipa{it->first};
    const auto out = host_.rmi().data_destroy(r.built.rd, ipa);
    if (!out.ret.ok()) throw HostError("RMI_DATA_DESTROY " + hex_number(ipa.value()) + ": " + describe(out.ret));
    host_.undelegate_and_free(it->second);
    it = r.built.data.erase(it);
  }
  return Next::kEnter;
}

Vmm::Next Vmm::on_csm_remove(VmRealm&, std::size_t, const abi::RmiRecExit&, abi::RmiRecEnter&) {
  return Next::kEnter;
}

Vmm::Next Vmm::on_wfx(VmRealm& r, std::size_t rec, abi::RmiRecEnter&) {
  std::unique_lock lock(r.mutex_);
  auto& v = r.vcpus_[rec];
  const auto woken = [&] { return v.kicked || !v.virqs.empty() || r.stopping_; };
  if (const auto tick = timer_tick_.load(); tick.count() > 0) {
    (void)r.cv_.wait_for(lock, tick, woken);  // the timer ends the wait if nothing else does
  } else {
    r.cv_.wait(lock, woken);
  }
  v.kicked = false;
  return Next::kEnter;
}

Vmm::Next Vmm::on_other_exit(VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                             abi::RmiRecEnter&) {
  fail(r, std::string("REC ") + std::to_string(rec) + ": unexpected exit " + exit_name(exit));
  return Next::kStopRealm;
}

}  // namespace caec::host
