#include "apps/caec/scenario/script_vmm.h"

#include <cstring>

#include "apps/caec/scenario/compile.h"
#include "caec/abi/host_call.h"

namespace caec::app {

void ScriptVmm::stop_after(std::size_t i) { stop_after_ = i; }

bool ScriptVmm::step_done(std::size_t i) {
  return (stop_after_ == i && held_.load()) || signaled(step_event(i));
}

void ScriptVmm::finish_step(std::size_t i) {
  if (stop_after_ == i) {
    held_.store(true);
  } else {
    raise_signal(step_event(i));
  }
}

host::Vmm::Next ScriptVmm::on_host_call(host::VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                                        abi::RmiRecEnter& enter) {
  if (exit.imm == abi::host_call::kSignal && stop_after_) {
    char name[33] = {};  // the event's name, as the realm passed it in X0..X3
    std::memcpy(name, &exit.gprs[0], 32);
    if (name == step_event(*stop_after_)) {
      held_.store(true);
      enter.gprs[0] = abi::host_call::kOk;  // the realm goes on; no other realm hears of it
      return Next::kEnter;
    }
  }
  return host::Vmm::on_host_call(r, rec, exit, enter);
}

}  // namespace caec::app
