#include "machine/gpt.h"

#include "machine/fatal.h"

namespace caec::machine {

const char* pas_name(Pas pas) {
  switch (pas) {
    case Pas::kNonSecure: return "NS";
    case Pas::kRealm: return "Realm";
    case Pas::kSecure: return "Secure";
    case Pas::kRoot: return "Root";
  }
  return "?";
}

Gpt::Gpt(std::uint64_t num_granules)
    : num_granules_(num_granules),
      entries_(std::make_unique<std::atomic<std::uint32_t>[]>(num_granules)) {
  for (std::uint64_t i = 0; i < num_granules; ++i) entries_[i].store(0, std::memory_order_relaxed);
}

bool Gpt::transition(GranuleIndex index, Pas from, Pas to) {
  MACHINE_CHECK(index.value() < num_granules_, "GPT index out of range");
  std::atomic<std::uint32_t>& slot = entries_[index.value()];
  std::uint32_t old = slot.load(std::memory_order_relaxed);
  do {
    if (static_cast<Pas>(old & 0xFFU) != from) return false;
  } while (!slot.compare_exchange_weak(
      old, (((old >> 8U) + 1U) << 8U) | static_cast<std::uint32_t>(to),
      std::memory_order_acq_rel));
  return true;
}

void Gpt::set(GranuleIndex index, Pas pas) {
  MACHINE_CHECK(index.value() < num_granules_, "GPT index out of range");
  std::atomic<std::uint32_t>& slot = entries_[index.value()];
  const std::uint32_t old = slot.load(std::memory_order_relaxed);
  const std::uint32_t generation = (old >> 8U) + 1U;
  slot.store((generation << 8U) | static_cast<std::uint32_t>(pas),
                        std::memory_order_release);
}

}  // namespace caec::machine
