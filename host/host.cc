#include "caec/abi/hex.h"
#include "host/host.h"

#include <sstream>

namespace caec::host {

namespace {
}  // namespace

Host::Host(machine::Machine& m)
    : machine_(m),
      rmi_(m.el3()),
      pool_(m.memory().base(), m.memory().num_granules() - m.config().secure_granules) {}

std::optional<Pa> Host::allocate(std::uint64_t count, std::uint64_t align) {
  if (auto pa = pool_.allocate(count, align)) return pa;
  const std::size_t stranded_before = stranded().size();
  const bool freed = ram_backing_.trim() > 0 || reclaim() < stranded_before;
  if (!freed) return std::nullopt;
  return pool_.allocate(count, align);
}

bool Host::allocate_at(Pa pa) {
  if (pool_.allocate_at(pa)) return true;
  return ram_backing_.trim() > 0 && pool_.allocate_at(pa);
}

Pa Host::delegate_new(std::uint64_t count, std::uint64_t align) {
  const auto pa = allocate(count, align);
  if (!pa) {
    throw HostError("host out of memory: no run of " + std::to_string(count) +
                    " free granules (" + std::to_string(pool_.free_granules()) + " free)");
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    const Pa g = *pa + i * kGranuleSize;
    try {
      delegate_held(g);  // gives `g` back if refused
    } catch (const HostError&) {
      // Leave nothing behind: give back what this call already delegated, and the rest.
      undelegate_and_free(*pa, i);
      if (count - i > 1) pool_.free(g + kGranuleSize, count - i - 1);
      throw;
    }
  }
  return *pa;
}

void Host::delegate_held(Pa pa) {
  if (const auto ret = rmi_.granule_delegate(pa); !ret.ok()) {
    pool_.free(pa);
    throw HostError("RMI_GRANULE_DELEGATE " + hex_number(pa.value()) + ": " + describe(ret));
  }
  delegated_.fetch_add(1, std::memory_order_relaxed);
}

void Host::undelegate_and_free(Pa pa, std::uint64_t count) {
  for (std::uint64_t i = 0; i < count; ++i) {
    const Pa g = pa + i * kGranuleSize;
    if (rmi_.granule_undelegate(g).ok()) {
      delegated_.fetch_sub(1, std::memory_order_relaxed);
      pool_.free(g);
    } else {
      std::lock_guard lock(stranded_mutex_);
      stranded_.push_back(g);
    }
  }
}

std::size_t Host::reclaim() {
  std::lock_guard lock(stranded_mutex_);
  std::erase_if(stranded_, [&](Pa g) {
    if (!rmi_.granule_undelegate(g).ok()) return false;
    delegated_.fetch_sub(1, std::memory_order_relaxed);
    pool_.free(g);
    return true;
  });
  return stranded_.size();
}

std::vector<Pa> Host::stranded() const {
  std::lock_guard lock(stranded_mutex_);
  return stranded_;
}

Host::State Host::state() const {
  return {pool_.state(), ram_backing_.state(), stranded(), delegated()};
}

void Host::restore(const State& s) {
  pool_.restore(s.pool);
  ram_backing_.restore(s.ram);
  {
    std::lock_guard lock(stranded_mutex_);
    stranded_ = s.stranded;
  }
  delegated_.store(s.delegated, std::memory_order_relaxed);
}

void expect_ok(abi::RmiReturn ret, const std::string& what) {
  if (!ret.ok()) throw HostError(what + ": " + describe(ret));
}

}  // namespace caec::host
