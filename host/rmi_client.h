// The host's RMI: typed calls that become SMCs with the real function IDs and register
// conventions, issued through the EL3 monitor like an `smc #0` from NS-EL2.
#pragma once

#include <cstdint>
#include <string>

#include "caec/abi/rmi.h"
#include "caec/abi/rsi.h"
#include "caec/abi/smc.h"
#include "caec/abi/types.h"
#include "machine/el3_monitor.h"

namespace caec::host {

struct VersionOut {
  abi::RmiReturn ret;
  std::uint64_t lower;
  std::uint64_t higher;
};
struct ValueOut {
  abi::RmiReturn ret;
  std::uint64_t value;
};
/// Commands that return a granule and a `top` (RTT_DESTROY, DATA_DESTROY).
struct GranuleTopOut {
  abi::RmiReturn ret;
  Pa granule;
  Ipa top;
};
struct TopOut {
  abi::RmiReturn ret;
  Ipa top;
};
struct RttEntryOut {
  abi::RmiReturn ret;
  int walk_level;
  abi::RmiRttEntryState state;
  std::uint64_t desc;
  abi::Ripas ripas;
};

class RmiClient {
 public:
  explicit RmiClient(machine::El3Monitor& el3) : el3_(el3) {}

  /// A raw SMC; returns the result registers.
  [[nodiscard]] abi::SmcRegs smc(std::uint32_t fid, std::initializer_list<std::uint64_t> args);

  [[nodiscard]] VersionOut version(std::uint64_t requested);
  [[nodiscard]] ValueOut features(std::uint64_t index);
  [[nodiscard]] abi::RmiReturn granule_delegate(Pa addr);
  [[nodiscard]] abi::RmiReturn granule_undelegate(Pa addr);
  [[nodiscard]] abi::RmiReturn realm_create(Pa rd, Pa params);
  [[nodiscard]] abi::RmiReturn realm_activate(Pa rd);
  [[nodiscard]] abi::RmiReturn realm_destroy(Pa rd);
  [[nodiscard]] ValueOut rec_aux_count(Pa rd);
  [[nodiscard]] abi::RmiReturn rtt_create(Pa rd, Pa rtt, Ipa ipa, std::int64_t level);
  [[nodiscard]] GranuleTopOut rtt_destroy(Pa rd, Ipa ipa, std::int64_t level);
  [[nodiscard]] ValueOut rtt_fold(Pa rd, Ipa ipa, std::int64_t level);
  [[nodiscard]] RttEntryOut rtt_read_entry(Pa rd, Ipa ipa, std::int64_t level);
  [[nodiscard]] abi::RmiReturn rtt_map_unprotected(Pa rd, Ipa ipa, std::int64_t level,
                                                   std::uint64_t desc);
  [[nodiscard]] TopOut rtt_unmap_unprotected(Pa rd, Ipa ipa, std::int64_t level);
  [[nodiscard]] TopOut rtt_init_ripas(Pa rd, Ipa base, Ipa top);
  [[nodiscard]] abi::RmiReturn data_create(Pa rd, Pa data, Ipa ipa, Pa src, std::uint64_t flags);
  [[nodiscard]] abi::RmiReturn data_create_unknown(Pa rd, Pa data, Ipa ipa);
  [[nodiscard]] GranuleTopOut data_destroy(Pa rd, Ipa ipa);
  [[nodiscard]] abi::RmiReturn rec_create(Pa rd, Pa rec, Pa params);
  [[nodiscard]] abi::RmiReturn rec_destroy(Pa rec);
  [[nodiscard]] abi::RmiReturn rec_enter(Pa rec, Pa run);
  [[nodiscard]] abi::RmiReturn psci_complete(Pa calling, Pa target, std::uint64_t status);
  [[nodiscard]] TopOut rtt_set_ripas(Pa rd, Pa rec, Ipa base, Ipa top);
  // CAEC extension (csm-abi.md §2).
  [[nodiscard]] VersionOut caec_version(std::uint64_t requested);
  [[nodiscard]] abi::RmiReturn apt_create(Pa rd, Pa apt);
  [[nodiscard]] abi::RmiReturn apt_destroy(Pa rd, Pa apt);

 private:
  machine::El3Monitor& el3_;
};

/// "RMI_ERROR_RTT (level 2)" style text for messages.
[[nodiscard]] std::string describe(abi::RmiReturn ret);

}  // namespace caec::host
