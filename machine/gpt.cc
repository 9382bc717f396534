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

bool Gpt::transition(std::uint64_t index, Pas from, Pas to) {
  MACHINE_CHECK(index < num_granules_, "GPT index out of range");
  std::uint32_t old = entries_[index].load(std::memory_order_relaxed);
  do {
    if (static_cast<Pas>(old & 0xFFU) != from) return false;
  } while (!entries_[index].compare_exchange_weak(
      old, (((old >> 8U) + 1U) << 8U) | static_cast<std::uint32_t>(to),
      std::memory_order_acq_rel));
  return true;
}

void Gpt::set(std::uint64_t index, Pas pas) {
  MACHINE_CHECK(index < num_granules_, "GPT index out of range");
  const std::uint32_t old = entries_[index].load(std::memory_order_relaxed);
  const std::uint32_t generation = (old >> 8U) + 1U;
  entries_[index].store((generation << 8U) | static_cast<std::uint32_t>(pas),
                        std::memory_order_release);
}

}  // namespace caec::machine
