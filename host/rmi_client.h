// The host's RMI: typed calls that become SMCs with the real function IDs and register
// conventions, issued through the EL3 monitor like an `smc #0` from NS-EL2. Every register
// layout comes from the command's view in abi/rmi_commands.h; the named calls below only spell
// the arguments for readability.
#pragma once

#include <cstdint>
#include <string>

#include "caec/abi/rmi_commands.h"
#include "caec/abi/smc.h"
#include "caec/abi/types.h"
#include "machine/el3_monitor.h"

namespace caec::host {

class RmiClient {
 public:
  explicit RmiClient(machine::El3Monitor& el3) : el3_(el3) {}

  /// A raw SMC; returns the result registers (for hostile hosts and unknown FIDs).
  [[nodiscard]] abi::SmcRegs smc(std::uint32_t fid, std::initializer_list<std::uint64_t> args);

  /// Any RMI command, by its view: its status and its results by name.
  template <class Command>
  [[nodiscard]] abi::rmi::Reply<Command> call(const Command& c) {
    abi::SmcRegs regs = abi::call_regs(c);
    el3_.host_smc(regs);
    abi::rmi::Reply<Command> reply{abi::decode<typename Command::Out>(regs)};
    reply.ret = abi::RmiReturn::unpack(regs.x[0]);
    return reply;
  }

  [[nodiscard]] abi::rmi::Reply<abi::rmi::Version> version(std::uint64_t requested) { return call(abi::rmi::Version{requested}); }
  [[nodiscard]] abi::rmi::Reply<abi::rmi::Features> features(std::uint64_t index) { return call(abi::rmi::Features{index}); }
  [[nodiscard]] abi::RmiReturn granule_delegate(Pa addr) { return call(abi::rmi::GranuleDelegate{addr}).ret; }
  [[nodiscard]] abi::RmiReturn granule_undelegate(Pa addr) { return call(abi::rmi::GranuleUndelegate{addr}).ret; }
  [[nodiscard]] abi::RmiReturn realm_create(Pa rd, Pa params) { return call(abi::rmi::RealmCreate{rd, params}).ret; }
  [[nodiscard]] abi::RmiReturn realm_activate(Pa rd) { return call(abi::rmi::RealmActivate{rd}).ret; }
  [[nodiscard]] abi::RmiReturn realm_destroy(Pa rd) { return call(abi::rmi::RealmDestroy{rd}).ret; }
  [[nodiscard]] abi::rmi::Reply<abi::rmi::RecAuxCount> rec_aux_count(Pa rd) { return call(abi::rmi::RecAuxCount{rd}); }
  [[nodiscard]] abi::RmiReturn rtt_create(Pa rd, Pa rtt, Ipa ipa, RttLevel level) {
    return call(abi::rmi::RttCreate{rd, rtt, ipa, level}).ret;
  }
  [[nodiscard]] abi::rmi::Reply<abi::rmi::RttDestroy> rtt_destroy(Pa rd, Ipa ipa, RttLevel level) {
    return call(abi::rmi::RttDestroy{rd, ipa, level});
  }
  [[nodiscard]] abi::rmi::Reply<abi::rmi::RttFold> rtt_fold(Pa rd, Ipa ipa, RttLevel level) {
    return call(abi::rmi::RttFold{rd, ipa, level});
  }
  [[nodiscard]] abi::rmi::Reply<abi::rmi::RttReadEntry> rtt_read_entry(Pa rd, Ipa ipa, RttLevel level) {
    return call(abi::rmi::RttReadEntry{rd, ipa, level});
  }
  [[nodiscard]] abi::RmiReturn rtt_map_unprotected(Pa rd, Ipa ipa, RttLevel level, std::uint64_t desc) {
    return call(abi::rmi::RttMapUnprotected{rd, ipa, level, desc}).ret;
  }
  [[nodiscard]] abi::rmi::Reply<abi::rmi::RttUnmapUnprotected> rtt_unmap_unprotected(Pa rd, Ipa ipa, RttLevel level) {
    return call(abi::rmi::RttUnmapUnprotected{rd, ipa, level});
  }
  [[nodiscard]] abi::rmi::Reply<abi::rmi::RttInitRipas> rtt_init_ripas(Pa rd, Ipa base, Ipa top) {
    return call(abi::rmi::RttInitRipas{rd, base, top});
  }
  [[nodiscard]] abi::RmiReturn data_create(Pa rd, Pa data, Ipa ipa, Pa src, std::uint64_t flags) {
    return call(abi::rmi::DataCreate{rd, data, ipa, src, flags}).ret;
  }
  [[nodiscard]] abi::RmiReturn data_create_unknown(Pa rd, Pa data, Ipa ipa) {
    return call(abi::rmi::DataCreateUnknown{rd, data, ipa}).ret;
  }
  [[nodiscard]] abi::rmi::Reply<abi::rmi::DataDestroy> data_destroy(Pa rd, Ipa ipa) { return call(abi::rmi::DataDestroy{rd, ipa}); }
  [[nodiscard]] abi::RmiReturn rec_create(Pa rd, Pa rec, Pa params) { return call(abi::rmi::RecCreate{rd, rec, params}).ret; }
  [[nodiscard]] abi::RmiReturn rec_destroy(Pa rec) { return call(abi::rmi::RecDestroy{rec}).ret; }
  [[nodiscard]] abi::RmiReturn rec_enter(Pa rec, Pa run) { return call(abi::rmi::RecEnter{rec, run}).ret; }
  [[nodiscard]] abi::RmiReturn psci_complete(Pa calling, Pa target, std::uint64_t status) {
    return call(abi::rmi::PsciComplete{calling, target, status}).ret;
  }
  [[nodiscard]] abi::rmi::Reply<abi::rmi::RttSetRipas> rtt_set_ripas(Pa rd, Pa rec, Ipa base, Ipa top) {
    return call(abi::rmi::RttSetRipas{rd, rec, base, top});
  }
  // CAEC extension (csm-abi.md §2).
  [[nodiscard]] abi::rmi::Reply<abi::rmi::CaecVersion> caec_version(std::uint64_t requested) {
    return call(abi::rmi::CaecVersion{requested});
  }
  [[nodiscard]] abi::RmiReturn apt_create(Pa rd, Pa apt) { return call(abi::rmi::AptCreate{rd, apt}).ret; }
  [[nodiscard]] abi::RmiReturn apt_destroy(Pa rd, Pa apt) { return call(abi::rmi::AptDestroy{rd, apt}).ret; }

 private:
  machine::El3Monitor& el3_;
};

/// "RMI_ERROR_RTT (level 2)" style text for messages.
[[nodiscard]] std::string describe(abi::RmiReturn ret);

}  // namespace caec::host
