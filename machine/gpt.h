// Granule Protection Table: the physical address space (PAS) of every granule.
//
// Only the EL3 monitor changes an entry (el3_monitor.h). Each entry also carries a generation
// count that moves on every change, so an access that straddles a change can tell (a check,
// copy, re-check sequence cannot be fooled by a granule that left and came back).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "caec/abi/types.h"
#include "machine/fatal.h"
#include "machine/granule_index.h"

namespace caec::machine {

enum class Pas : std::uint8_t { kNonSecure = 0, kRealm = 1, kSecure = 2, kRoot = 3 };
[[nodiscard]] const char* pas_name(Pas pas);

class Gpt {
 public:
  struct Entry {
    Pas pas;
    std::uint32_t generation;
    constexpr bool operator==(const Entry&) const = default;
  };

  explicit Gpt(std::uint64_t num_granules);

  [[nodiscard]] Entry entry(GranuleIndex index) const {  // inline: inspection reads every entry
    MACHINE_CHECK(index.value() < num_granules_, "GPT index out of range");
    const std::uint32_t raw = entries_[index.value()].load(std::memory_order_acquire);
    return {static_cast<Pas>(raw & 0xFFU), raw >> 8U};
  }
  [[nodiscard]] Pas pas(GranuleIndex index) const { return entry(index).pas; }
  [[nodiscard]] std::uint64_t num_granules() const { return num_granules_; }

 private:
  friend class El3Monitor;
  friend class Machine;          // boot-time carve-outs only
  friend class MachineSnapshot;  // puts entries back exactly (generations included)
  /// Atomically moves an entry from `from` to `to`; false if it was not in `from`.
  [[nodiscard]] bool transition(GranuleIndex index, Pas from, Pas to);
  void set(GranuleIndex index, Pas pas);

  std::uint64_t num_granules_;
  std::unique_ptr<std::atomic<std::uint32_t>[]> entries_;
};

}  // namespace caec::machine
