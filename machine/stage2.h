// Stage-2 translation for one VMID: the realm's IPA space as host virtual memory.
//
// Each half of the IPA space (protected, unprotected) is a PROT_NONE reservation that acts as
// the realm's TLB. An access to a page that is not present faults; the fault is resolved by a
// hardware-style walk of the RTTs the RMM wrote (real stage-2 descriptors in RTT granules,
// read lock-free as the MMU does) and, if the walk yields a valid leaf whose output passes the
// granule protection check, by mapping the physical granules there with the descriptor's
// permission. TLB invalidation unmaps. So every mapping a realm can use came from the RMM.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "caec/abi/pe_state.h"
#include "caec/abi/types.h"
#include "machine/gpt.h"
#include "machine/host_mapping_count.h"
#include "machine/phys_mem.h"

namespace caec::machine {

/// VTTBR/VTCR (what the RMM programs for a realm) and the class of a failed walk.
using abi::S2Config;
using abi::S2Fault;
using abi::Vmid;

struct S2Outcome {
  S2Fault fault = S2Fault::kNone;
  RttLevel level;
};

class Stage2;

/// Where an access that the walk cannot satisfy goes: the PE takes a stage-2 abort to R-EL2.
/// Returns true when the access should be retried; false means nobody resolved it.
class AbortSink {
 public:
  virtual ~AbortSink() = default;
  virtual bool stage2_abort(Stage2& s2, Ipa ipa, bool write, S2Outcome outcome) = 0;
};

class Stage2 {
 public:
  Stage2(const PhysMem& mem, const Gpt& gpt, AbortSink& sink, Vmid vmid,
         const S2Config& config, std::uint64_t max_mappings, std::uint64_t max_half_window);
  ~Stage2();
  Stage2(const Stage2&) = delete;
  Stage2& operator=(const Stage2&) = delete;

  [[nodiscard]] Vmid vmid() const { return vmid_; }
  [[nodiscard]] const S2Config& config() const { return config_; }

  /// Host pointer through which the realm reaches `ipa`, or nullptr if outside the window.
  [[nodiscard]] std::byte* pointer(Ipa ipa) const;
  /// The IPA a window address stands for (the address must be inside the window).
  [[nodiscard]] bool contains(std::uintptr_t addr) const;
  [[nodiscard]] Ipa ipa_of(std::uintptr_t addr) const;

  /// Walk + TLB fill for an access (signal context safe). kNone: retry the access. A `fetch`
  /// also needs the leaf to permit execution (XN clear); the window maps readable only, so
  /// the caller makes the fetch's read itself.
  [[nodiscard]] S2Outcome fill(Ipa ipa, bool write, bool fetch = false);

  /// TLBI by IPA range / whole VMID.
  void invalidate(Ipa base, std::uint64_t size);
  void invalidate_all();
  /// The GPT entry of `pa` changed: drop any NS mapping of it (TLBI by PA).
  void invalidate_pa(Pa pa);

  /// Times this window dropped its whole TLB to stay under the mapping budget.
  [[nodiscard]] std::uint64_t flushes() const { return flushes_.load(std::memory_order_relaxed); }

 private:
  struct Half {
    std::byte* base = nullptr;
    std::uint64_t size = 0;
    Ipa first;
    std::size_t fault_slot = 0;
    std::unique_ptr<HostMappingCount> mappings;
  };
  /// Whether a fill's pages join mapped neighbours (same run of the walk: the kernel merges).
  struct Joins {
    bool left = false;
    bool right = false;
  };
  struct NsMapping {  // a run of NS granules mapped by one fill
    Ipa ipa;
    Pa pa;
    std::uint64_t size = 0;
  };

  [[nodiscard]] const Half* half_of(Ipa ipa) const;
  [[nodiscard]] S2Outcome walk(Ipa ipa, bool write, bool fetch, Ipa& map_ipa, Pa& map_pa,
                               std::uint64_t& map_size, int& prot) const;
  [[nodiscard]] std::uint64_t read_desc(Pa table, std::uint64_t index) const;
  void unmap(Ipa base, std::uint64_t size);
  /// Shrinks the run to map to the pages around `ipa` that the window does not map yet.
  [[nodiscard]] Joins keep_mapped_neighbours(const Half& h, Ipa ipa, Ipa& map_ipa, Pa& map_pa,
                                             std::uint64_t& map_size) const;
  /// Adds a change in this window's host mappings (its halves' HostMappingCount) to the
  /// process's total.
  void count_mappings(std::int64_t delta);
  /// Forgets the NS runs `hit` selects, unmapping those not inside [unmapped_base,
  /// unmapped_end), a range the caller unmapped already (caller holds mutex_).
  template <typename Pred>
  void drop_ns_runs(Pred hit, Ipa unmapped_base = Ipa{0}, std::uint64_t unmapped_end = 0);
  static bool on_fault(void* self, std::uintptr_t addr, bool is_write);

  const PhysMem& mem_;
  const Gpt& gpt_;
  AbortSink& sink_;
  Vmid vmid_;
  S2Config config_;
  std::uint64_t max_mappings_;
  std::array<Half, 2> halves_{};
  std::mutex mutex_;  // orders fills against invalidations (break-before-make)
  std::array<NsMapping, 1024> ns_{};
  std::size_t ns_count_ = 0;
  std::atomic<std::uint64_t> flushes_{0};
};

/// The emulator keeps its stage-2 mappings well below Linux's vm.max_map_count (65530): when
/// all windows together hold MachineConfig::max_stage2_mappings host mappings, the window that
/// needs another drops its whole TLB first — a TLB may drop entries at any time; the next
/// access simply walks again.

}  // namespace caec::machine
