#include "testing/system_snapshot.h"

#include <vector>

namespace caec::testing {

SystemSnapshot::SystemSnapshot(platform::System& system, host::Host& host, host::Vmm& vmm)
    : system_(system),
      host_(host),
      vmm_(vmm),
      rmm_(system.rmm()),
      machine_(system.machine()),
      rmm_state_(rmm_.snapshot()),
      host_state_(host.state()),
      vmm_state_(vmm.state()) {
  for (std::uint64_t i = 0; i < rmm_state_.granules.size(); ++i) {
    if (rmm_state_.granules[i].first != rmm::GranuleState::kUndelegated) held_.push_back(i);
  }
}

void SystemSnapshot::restore() {
  // Realm threads first: they hold stage-2 windows and may be parked inside RMM code.
  system_.platform().release_all();
  // The RMM's granules move through DELEGATED, which scrubs through the Realm PAS: leave the
  // states the commands made while the GPT still matches them, then put the GPT back, then the
  // snapshot's states (whose GPT entries are now back).
  // A granule the RMM holds is in the Realm PAS: the ones to look at are in it now, or were
  // held at the snapshot.
  std::vector<std::uint64_t> look = held_;
  const machine::Gpt& gpt = system_.machine().gpt();
  for (std::uint64_t i = 0; i < gpt.num_granules(); ++i) {
    if (gpt.pas(machine::GranuleIndex{i}) != machine::Pas::kNonSecure && rmm_state_.granules[i].first == rmm::GranuleState::kUndelegated) {
      look.push_back(i);
    }
  }
  stats_.granules_moved = rmm_.rewind_granules(rmm_state_, look);
  stats_.pas_changed = machine_.restore_pas();
  const std::vector<std::uint16_t> vmids(vmids_.begin(), vmids_.end());
  rmm_.restore(rmm_state_, vmids);
  vmids_.clear();
  // Last: DRAM, scrubs of the two steps above included.
  stats_.granules_copied = machine_.restore_memory();
  host_.restore(host_state_);
  vmm_.restore(vmm_state_);
}

}  // namespace caec::testing
