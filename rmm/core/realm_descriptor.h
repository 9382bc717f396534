// The realm descriptor: a realm's attributes (rmm-1.0.md §3.2), stored inside its RD granule,
// so the RMM's per-realm state lives in memory the host delegated, as on hardware.
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>

#include "caec/abi/pe_state.h"
#include "caec/abi/rmi.h"
#include "caec/abi/types.h"
#include "rmm/port/hash.h"

namespace caec::rmm {

enum class RealmState : std::uint8_t { kNew = 0, kActive = 1, kSystemOff = 2 };

struct RealmDescriptor {
  RealmState state;
  abi::RmiHashAlgorithm hash_algo;
  std::uint8_t ipa_width;
  RttLevel rtt_level_start;
  std::uint32_t rtt_num_start;
  Pa rtt_base;
  abi::Vmid vmid;
  /// RecIndex the next REC_CREATE must use.
  std::uint64_t rec_index;
  Rid rid;
  std::array<Measurement, 5> measurements;  // [0] RIM, [1..4] REMs
  std::array<std::uint8_t, 64> rpv;
  // CAEC: the realm's Access Policy Table granules (a list, rmm/csm/apt.h), and whether its CSM
  // relations were torn down (first RMI_APT_DESTROY); after that it can take part in no CSM
  // command. An APT granule holds the realm like a REC: REALM_DESTROY needs num_apt == 0.
  Pa apt_head;
  Pa apt_tail;
  std::uint64_t num_apt;
  bool csm_torn_down;
  /// Set before the teardown severs the first relation: from then on the realm starts no CSM
  /// command and no realm may offer it a sharing, so no relation can outlive it.
  bool csm_closing;

  [[nodiscard]] Measurement& rim() { return measurements[0]; }
  [[nodiscard]] std::uint64_t ipa_size() const { return std::uint64_t{1} << ipa_width; }
  /// AddrIsProtected: the lower half of the IPA space.
  [[nodiscard]] bool is_protected(Ipa ipa) const { return ipa.value() < ipa_size() / 2; }
  [[nodiscard]] bool in_ipa_space(Ipa ipa) const { return ipa.value() < ipa_size(); }
  [[nodiscard]] Pa start_rtt(std::uint64_t i) const { return rtt_base + i * kGranuleSize; }
};
static_assert(std::is_trivially_copyable_v<RealmDescriptor>);
static_assert(sizeof(RealmDescriptor) <= kGranuleSize);

}  // namespace caec::rmm
