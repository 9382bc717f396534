// The VMM that runs a scenario's script: the reference VMM, plus the one thing `caec inspect`
// needs of it, stopping the script after a step. Steps are ordered by host-relayed events
// (compile.h: a realm acts in step i+1 only once step i's event is raised), so holding back
// step i's event stops every realm before step i+1, with what they share still in place.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>

#include "host/vmm.h"

namespace caec::app {

class ScriptVmm final : public host::Vmm {
 public:
  using host::Vmm::Vmm;

  /// Realms will not go past step `i`: its event, once raised, is held back.
  void stop_after(std::size_t i);
  /// Whether step `i` is done: its event was raised (or held back).
  [[nodiscard]] bool step_done(std::size_t i);
  /// The host did step `i` itself (an `inspect` step): raises its event, unless it is held back.
  void finish_step(std::size_t i);

 protected:
  Next on_host_call(host::VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                    abi::RmiRecEnter& enter) override;

 private:
  std::optional<std::size_t> stop_after_;
  std::atomic<bool> held_{false};
};

}  // namespace caec::app
