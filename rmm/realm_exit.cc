#include "rmm/realm_exit.h"

#include "caec/abi/esr.h"
#include "rmm/s2tt.h"

namespace caec::rmm {

void rec_exit(RmmContext& rmm, Rec& rec, const RecExit& exit) {
  rec.exit = exit;
  rmm.platform.realm_yield();
}

bool take_pending_irq(RmmContext& rmm, Rec& rec) {
  if (!rmm.platform.realm_take_irq()) return false;
  rec_exit(rmm, rec, RecExit{.reason = abi::RmiRecExitReason::kIrq});
  return true;
}

RecExit data_abort_exit(Ipa ipa, bool write, std::uint64_t dfsc) {
  RecExit e;
  e.reason = abi::RmiRecExitReason::kSync;
  // Not emulatable (ISV = 0): the emulator cannot decode the faulting instruction, so FAR
  // carries nothing and the host learns only the IPA (hpfar) and the direction.
  e.esr = abi::esr::make(abi::esr::kEcDataAbortLower, (write ? abi::esr::kWnR : 0U) | dfsc);
  e.hpfar = abi::esr::hpfar(ipa.value());
  return e;
}

BufferAccess with_realm_buffer(RmmContext& rmm, Rec& rec, Ipa ipa,
                               const std::function<void(std::byte*)>& fn) {
  for (;;) {
    std::uint64_t dfsc = 0;
    {
      LockedGranule rd = rmm.granules.lock(rec.owner);
      const RealmDescriptor& realm = realm_of(rmm, rd);
      if (!realm.is_protected(ipa)) return BufferAccess::kEmpty;
      RttWalk w = rtt_walk(rmm.platform, rmm.granules, realm, ipa, abi::s2tt::kMaxLevel);
      const RttEntry& e = w.entry;
      if (e.ripas == abi::Ripas::kEmpty && e.hipas != Hipas::kTable) return BufferAccess::kEmpty;
      if (e.hipas == Hipas::kAssigned && e.ripas == abi::Ripas::kRam) {
        const Pa pa = e.addr + (ipa - w.entry_ipa());
        fn(rmm.platform.map_granule(pa.align_down(kGranuleSize)) + (pa.value() % kGranuleSize));
        return BufferAccess::kDone;
      }
      dfsc = abi::esr::kDfscTranslation + static_cast<std::uint64_t>(w.level());
    }
    // RAM not yet mapped, or DESTROYED: the host must act; the SMC is retried afterwards.
    rec_exit(rmm, rec, data_abort_exit(ipa.align_down(kGranuleSize), false, dfsc));
  }
}

}  // namespace caec::rmm
