#include "host/host.h"

#include <sstream>

namespace caec::host {

namespace {
std::string hex(std::uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}
}  // namespace

Host::Host(machine::Machine& m)
    : machine_(m),
      rmi_(m.el3()),
      pool_(m.memory().base(), m.memory().num_granules() - m.config().secure_granules) {}

Pa Host::delegate_new(std::uint64_t count, std::uint64_t align) {
  const auto pa = pool_.allocate(count, align);
  if (!pa) {
    throw HostError("host out of memory: no run of " + std::to_string(count) +
                    " free granules (" + std::to_string(pool_.free_granules()) + " free)");
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    const Pa g = *pa + i * kGranuleSize;
    if (const auto ret = rmi_.granule_delegate(g); !ret.ok()) {
      // Leave nothing behind: give back what this call already delegated.
      for (std::uint64_t j = 0; j < i; ++j) (void)rmi_.granule_undelegate(*pa + j * kGranuleSize);
      pool_.free(*pa, count);
      throw HostError("RMI_GRANULE_DELEGATE " + hex(g.value()) + ": " + describe(ret));
    }
  }
  return *pa;
}

void Host::undelegate_and_free(Pa pa, std::uint64_t count) {
  for (std::uint64_t i = 0; i < count; ++i) {
    expect_ok(rmi_.granule_undelegate(pa + i * kGranuleSize),
              "RMI_GRANULE_UNDELEGATE " + hex((pa + i * kGranuleSize).value()));
  }
  pool_.free(pa, count);
}

void expect_ok(abi::RmiReturn ret, const std::string& what) {
  if (!ret.ok()) throw HostError(what + ": " + describe(ret));
}

}  // namespace caec::host
