// A reference host with one extra host call: when a realm makes host call `imm`, the test's
// hook runs (with the exit, and the entry it may fill) and the realm is re-entered; every other
// exit is the reference host's. Tests use it to play a host that acts at a chosen moment of
// the realm's program (destroys its memory, delegates a granule it maps, maps a stolen one).
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include "host/vmm.h"

namespace caec::testing {

class HostCallHook : public host::Vmm {
 public:
  using Hook = std::function<void(host::VmRealm& r, const abi::RmiRecExit& exit, abi::RmiRecEnter& enter)>;

  HostCallHook(host::Host& host, std::function<void(Pa rec)> ipi, std::uint64_t imm, Hook hook)
      : Vmm(host, std::move(ipi)), imm_(imm), hook_(std::move(hook)) {}

 protected:
  Next on_host_call(host::VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                    abi::RmiRecEnter& enter) override {
    if (exit.imm != imm_) return Vmm::on_host_call(r, rec, exit, enter);
    hook_(r, exit, enter);
    return Next::kEnter;
  }

 private:
  std::uint64_t imm_;
  Hook hook_;
};

}  // namespace caec::testing
