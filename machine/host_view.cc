#include "machine/host_view.h"

#include <sys/mman.h>

#include <cstring>
#include <stdexcept>

#include "machine/fatal.h"
#include "machine/fault_handler.h"

namespace caec::machine {

const char* access_name(Access a) {
  switch (a) {
    case Access::kOk: return "ok";
    case Access::kGranuleProtectionFault: return "granule protection fault";
    case Access::kOutOfRange: return "address outside DRAM";
  }
  return "?";
}

HostView::HostView(const PhysMem& mem) : mem_(mem) {
  install_fault_handler();
  const std::size_t bytes = mem.num_granules() * kGranuleSize;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, mem.fd(), 0);
  if (p == MAP_FAILED) throw std::runtime_error("mmap host view failed");
  window_ = static_cast<std::byte*>(p);
}

HostView::~HostView() { munmap(window_, mem_.num_granules() * kGranuleSize); }

std::byte* HostView::ptr(Pa pa) const {
  MACHINE_CHECK(mem_.contains(pa), "host view: PA outside DRAM");
  return window_ + mem_.file_offset(pa);
}

void HostView::revoke(Pa pa) const {
  MACHINE_CHECK(mprotect(ptr(pa.align_down(kGranuleSize)), kGranuleSize, PROT_NONE) == 0,
                "host view: mprotect(PROT_NONE) failed (more mappings than vm.max_map_count allows?)");
}

void HostView::restore(Pa pa) const {
  MACHINE_CHECK(
      mprotect(ptr(pa.align_down(kGranuleSize)), kGranuleSize, PROT_READ | PROT_WRITE) == 0,
      "host view: mprotect(RW) failed (more mappings than vm.max_map_count allows?)");
}

bool HostView::range_ok(Pa pa, std::uint64_t size) const {
  return mem_.contains(pa) && size <= mem_.end() - pa;
}

// Each accessor is a recoverable access through the window, so a granule delegated while the
// copy runs stops it with a fault exactly as the GPC would.
Access HostView::read(Pa pa, std::span<std::byte> out) const {
  if (!range_ok(pa, out.size())) return Access::kOutOfRange;
  return recoverable_copy(out.data(), ptr(pa), out.size()) ? Access::kOk
                                                            : Access::kGranuleProtectionFault;
}

Access HostView::write(Pa pa, std::span<const std::byte> in) const {
  if (!range_ok(pa, in.size())) return Access::kOutOfRange;
  mem_.note_write(pa, in.size());
  return recoverable_copy(ptr(pa), in.data(), in.size()) ? Access::kOk
                                                          : Access::kGranuleProtectionFault;
}

Access HostView::fill(Pa pa, std::byte value, std::uint64_t size) const {
  if (!range_ok(pa, size)) return Access::kOutOfRange;
  mem_.note_write(pa, size);
  std::byte chunk[kGranuleSize];
  std::memset(chunk, static_cast<int>(value), sizeof chunk);
  for (std::uint64_t off = 0; off < size; off += kGranuleSize) {
    const std::uint64_t n = std::min<std::uint64_t>(kGranuleSize, size - off);
    if (!recoverable_copy(ptr(pa + off), chunk, n)) return Access::kGranuleProtectionFault;
  }
  return Access::kOk;
}

}  // namespace caec::machine
