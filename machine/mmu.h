// The stage-2 MMUs of the machine: one translation context (window + TLB) per VMID, and TLB
// maintenance by IPA, by VMID and by PA (after a GPT change).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "caec/abi/types.h"
#include "machine/gpt.h"
#include "machine/phys_mem.h"
#include "machine/stage2.h"

namespace caec::machine {

class Mmu {
 public:
  Mmu(const PhysMem& mem, const Gpt& gpt, AbortSink& sink, std::uint64_t max_mappings,
      std::uint64_t max_half_window)
      : mem_(mem), gpt_(gpt), sink_(sink), max_mappings_(max_mappings),
        max_half_window_(max_half_window) {}

  /// VTTBR/VTCR for `vmid`: returns its context, creating it on first use. A new configuration
  /// for an existing VMID replaces the context (and so drops its TLB).
  Stage2& configure(Vmid vmid, const S2Config& config);
  void release(Vmid vmid);
  /// Drops every context (machine/snapshot.h: no Vcpu may be using one).
  void release_all();
  [[nodiscard]] Stage2* find(Vmid vmid);

  void invalidate_ipa(Vmid vmid, Ipa base, std::uint64_t size);
  void invalidate_vmid(Vmid vmid);
  void invalidate_pa(Pa pa);

  [[nodiscard]] std::uint64_t invalidations() const { return invalidations_.load(); }
  /// Called after each TLB invalidation by IPA with its VMID, so a test can time an event (a
  /// host's interrupt, say) to the RMM's progress through a long operation. Set or clear it
  /// while no PE runs; it is called with no machine lock held.
  void set_invalidation_observer(std::function<void(Vmid)> observer) { observer_ = std::move(observer); }

 private:
  const PhysMem& mem_;
  const Gpt& gpt_;
  AbortSink& sink_;
  std::uint64_t max_mappings_;
  std::uint64_t max_half_window_;
  std::mutex mutex_;
  std::map<Vmid, std::unique_ptr<Stage2>> contexts_;
  std::atomic<std::uint64_t> invalidations_{0};
  std::function<void(Vmid)> observer_;
  friend class MachineSnapshot;
};

}  // namespace caec::machine
