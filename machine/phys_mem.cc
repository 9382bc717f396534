#include "machine/phys_mem.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

#include "machine/fatal.h"

namespace caec::machine {

PhysMem::PhysMem(Pa base, std::uint64_t num_granules) : base_(base), num_granules_(num_granules) {
  if (!base.is_granule_aligned() || num_granules == 0) {
    throw std::invalid_argument("physical memory needs an aligned base and at least one granule");
  }
  fd_ = memfd_create("caec-dram", MFD_CLOEXEC);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "memfd_create");
  const auto bytes = static_cast<off_t>(num_granules * kGranuleSize);
  if (ftruncate(fd_, bytes) != 0) {
    close(fd_);
    throw std::system_error(errno, std::generic_category(), "ftruncate dram");
  }
  void* p = mmap(nullptr, static_cast<std::size_t>(bytes), PROT_READ | PROT_WRITE, MAP_SHARED,
                 fd_, 0);
  if (p == MAP_FAILED) {
    close(fd_);
    throw std::system_error(errno, std::generic_category(), "mmap dram");
  }
  bus_ = static_cast<std::byte*>(p);
  written_ = std::make_unique<std::atomic<std::uint64_t>[]>(written_words());
  for (std::uint64_t w = 0; w < written_words(); ++w) written_[w].store(0, std::memory_order_relaxed);
}

PhysMem::~PhysMem() {
  munmap(bus_, num_granules_ * kGranuleSize);
  close(fd_);
}

void PhysMem::note_write(Pa pa, std::uint64_t size) const {
  if (!tracking_.load(std::memory_order_relaxed) || size == 0) return;
  const std::uint64_t top = size > UINT64_MAX - pa.value() ? UINT64_MAX : pa.value() + size;
  if (pa >= end() || top <= base_.value()) return;
  const std::uint64_t lo = std::max(pa.value(), base_.value()) - base_.value();
  const std::uint64_t hi = std::min(top, end().value()) - base_.value();  // exclusive, > lo
  for (std::uint64_t i = lo >> kGranuleShift; i <= (hi - 1) >> kGranuleShift; ++i) {
    written_[i / 64].fetch_or(std::uint64_t{1} << (i % 64), std::memory_order_relaxed);
  }
}

bool PhysMem::written(GranuleIndex index) const {
  MACHINE_CHECK(index < end_index(), "granule index outside DRAM");
  const std::uint64_t i = index.value();
  return ((written_[i / 64].load(std::memory_order_relaxed) >> (i % 64)) & 1U) != 0;
}

void PhysMem::track_writes(bool on) {
  tracking_.store(on, std::memory_order_relaxed);
  if (!on) {
    for (std::uint64_t w = 0; w < written_words(); ++w) written_[w].store(0, std::memory_order_relaxed);
  }
}

std::byte* PhysMem::bus(Pa pa) const {
  MACHINE_CHECK(contains(pa), "PA outside DRAM");
  return bus_ + (pa - base_);
}

}  // namespace caec::machine
