#include "machine/phys_mem.h"

#include <sys/mman.h>
#include <unistd.h>

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
}

PhysMem::~PhysMem() {
  munmap(bus_, num_granules_ * kGranuleSize);
  close(fd_);
}

std::uint64_t PhysMem::granule_index(Pa pa) const {
  MACHINE_CHECK(contains(pa), "PA outside DRAM");
  return (pa - base_) >> kGranuleShift;
}

std::byte* PhysMem::bus(Pa pa) const {
  MACHINE_CHECK(contains(pa), "PA outside DRAM");
  return bus_ + (pa - base_);
}

}  // namespace caec::machine
