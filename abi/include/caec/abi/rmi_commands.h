// The RMI commands' typed argument and result views (rmm-1.0.md §1.3, csm-abi.md §2): each
// command's register layout, written once (command_regs.h says how a view maps onto registers).
// Argument fields are register-wide: the RMM decodes them from hostile registers and checks the
// whole value (a level is an Int64, a flags word is 64 bits).
#pragma once

#include <cstdint>
#include <string_view>
#include <tuple>

#include "caec/abi/command_regs.h"
#include "caec/abi/csm.h"
#include "caec/abi/rmi.h"
#include "caec/abi/rsi.h"
#include "caec/abi/types.h"

namespace caec::abi::rmi {

/// RMI_VERSION and RMI_CAEC_VERSION's results.
/// The `top` result of the commands that walk a range (UNMAP_UNPROTECTED, INIT/SET_RIPAS).
struct TopOut {
  Ipa top;
  static constexpr auto regs(auto& s) { return std::tie(s.top); }
};

struct Version {
  static constexpr auto kFid = RmiFid::kVersion;
  static constexpr std::string_view kName = "RMI_VERSION";
  std::uint64_t requested = 0;
  static constexpr auto regs(auto& s) { return std::tie(s.requested); }
  using Out = VersionOut;
};

struct GranuleDelegate {
  static constexpr auto kFid = RmiFid::kGranuleDelegate;
  static constexpr std::string_view kName = "RMI_GRANULE_DELEGATE";
  Pa addr;
  static constexpr auto regs(auto& s) { return std::tie(s.addr); }
  using Out = NoResults;
};

struct GranuleUndelegate {
  static constexpr auto kFid = RmiFid::kGranuleUndelegate;
  static constexpr std::string_view kName = "RMI_GRANULE_UNDELEGATE";
  Pa addr;
  static constexpr auto regs(auto& s) { return std::tie(s.addr); }
  using Out = NoResults;
};

struct DataCreate {
  static constexpr auto kFid = RmiFid::kDataCreate;
  static constexpr std::string_view kName = "RMI_DATA_CREATE";
  Pa rd;
  Pa data;
  Ipa ipa;
  Pa src;
  std::uint64_t flags = 0;  // data_flags
  static constexpr auto regs(auto& s) { return std::tie(s.rd, s.data, s.ipa, s.src, s.flags); }
  using Out = NoResults;
};

struct DataCreateUnknown {
  static constexpr auto kFid = RmiFid::kDataCreateUnknown;
  static constexpr std::string_view kName = "RMI_DATA_CREATE_UNKNOWN";
  Pa rd;
  Pa data;
  Ipa ipa;
  static constexpr auto regs(auto& s) { return std::tie(s.rd, s.data, s.ipa); }
  using Out = NoResults;
};

struct DataDestroy {
  static constexpr auto kFid = RmiFid::kDataDestroy;
  static constexpr std::string_view kName = "RMI_DATA_DESTROY";
  Pa rd;
  Ipa ipa;
  static constexpr auto regs(auto& s) { return std::tie(s.rd, s.ipa); }
  struct Out {
    Pa data;  // the granule the realm gave back (DELEGATED now)
    Ipa top;
    static constexpr auto regs(auto& s) { return std::tie(s.data, s.top); }
  };
};

struct RealmActivate {
  static constexpr auto kFid = RmiFid::kRealmActivate;
  static constexpr std::string_view kName = "RMI_REALM_ACTIVATE";
  Pa rd;
  static constexpr auto regs(auto& s) { return std::tie(s.rd); }
  using Out = NoResults;
};

struct RealmCreate {
  static constexpr auto kFid = RmiFid::kRealmCreate;
  static constexpr std::string_view kName = "RMI_REALM_CREATE";
  Pa rd;
  Pa params;  // RmiRealmParams, in NS memory
  static constexpr auto regs(auto& s) { return std::tie(s.rd, s.params); }
  using Out = NoResults;
};

struct RealmDestroy {
  static constexpr auto kFid = RmiFid::kRealmDestroy;
  static constexpr std::string_view kName = "RMI_REALM_DESTROY";
  Pa rd;
  static constexpr auto regs(auto& s) { return std::tie(s.rd); }
  using Out = NoResults;
};

struct RecCreate {
  static constexpr auto kFid = RmiFid::kRecCreate;
  static constexpr std::string_view kName = "RMI_REC_CREATE";
  Pa rd;
  Pa rec;
  Pa params;  // RmiRecParams, in NS memory
  static constexpr auto regs(auto& s) { return std::tie(s.rd, s.rec, s.params); }
  using Out = NoResults;
};

struct RecDestroy {
  static constexpr auto kFid = RmiFid::kRecDestroy;
  static constexpr std::string_view kName = "RMI_REC_DESTROY";
  Pa rec;
  static constexpr auto regs(auto& s) { return std::tie(s.rec); }
  using Out = NoResults;
};

struct RecEnter {
  static constexpr auto kFid = RmiFid::kRecEnter;
  static constexpr std::string_view kName = "RMI_REC_ENTER";
  Pa rec;
  Pa run;  // RmiRecRun, in NS memory
  static constexpr auto regs(auto& s) { return std::tie(s.rec, s.run); }
  using Out = NoResults;
};

struct RttCreate {
  static constexpr auto kFid = RmiFid::kRttCreate;
  static constexpr std::string_view kName = "RMI_RTT_CREATE";
  Pa rd;
  Pa rtt;
  Ipa ipa;
  RttLevel level;
  static constexpr auto regs(auto& s) { return std::tie(s.rd, s.rtt, s.ipa, s.level); }
  using Out = NoResults;
};

struct RttDestroy {
  static constexpr auto kFid = RmiFid::kRttDestroy;
  static constexpr std::string_view kName = "RMI_RTT_DESTROY";
  Pa rd;
  Ipa ipa;
  RttLevel level;
  static constexpr auto regs(auto& s) { return std::tie(s.rd, s.ipa, s.level); }
  struct Out {
    Pa rtt;  // the table given back (DELEGATED now)
    Ipa top;
    static constexpr auto regs(auto& s) { return std::tie(s.rtt, s.top); }
  };
};

struct RttMapUnprotected {
  static constexpr auto kFid = RmiFid::kRttMapUnprotected;
  static constexpr std::string_view kName = "RMI_RTT_MAP_UNPROTECTED";
  Pa rd;
  Ipa ipa;
  RttLevel level;
  std::uint64_t desc = 0;  // RmiRttEntry: output address and S2AP/MemAttr of an NS page
  static constexpr auto regs(auto& s) { return std::tie(s.rd, s.ipa, s.level, s.desc); }
  using Out = NoResults;
};

struct RttReadEntry {
  static constexpr auto kFid = RmiFid::kRttReadEntry;
  static constexpr std::string_view kName = "RMI_RTT_READ_ENTRY";
  Pa rd;
  Ipa ipa;
  RttLevel level;
  static constexpr auto regs(auto& s) { return std::tie(s.rd, s.ipa, s.level); }
  struct Out {
    RttLevel walk_level;  // where the walk stopped
    RmiRttEntryState state = RmiRttEntryState::kUnassigned;
    std::uint64_t desc = 0;
    Ripas ripas = Ripas::kEmpty;
    static constexpr auto regs(auto& s) { return std::tie(s.walk_level, s.state, s.desc, s.ripas); }
  };
};

struct RttUnmapUnprotected {
  static constexpr auto kFid = RmiFid::kRttUnmapUnprotected;
  static constexpr std::string_view kName = "RMI_RTT_UNMAP_UNPROTECTED";
  Pa rd;
  Ipa ipa;
  RttLevel level;
  static constexpr auto regs(auto& s) { return std::tie(s.rd, s.ipa, s.level); }
  using Out = TopOut;
};

struct PsciComplete {
  static constexpr auto kFid = RmiFid::kPsciComplete;
  static constexpr std::string_view kName = "RMI_PSCI_COMPLETE";
  Pa calling_rec;
  Pa target_rec;
  std::uint64_t status = 0;  // a PSCI return code
  static constexpr auto regs(auto& s) { return std::tie(s.calling_rec, s.target_rec, s.status); }
  using Out = NoResults;
};

struct Features {
  static constexpr auto kFid = RmiFid::kFeatures;
  static constexpr std::string_view kName = "RMI_FEATURES";
  std::uint64_t index = 0;
  static constexpr auto regs(auto& s) { return std::tie(s.index); }
  struct Out {
    std::uint64_t value = 0;
    static constexpr auto regs(auto& s) { return std::tie(s.value); }
  };
};

struct RttFold {
  static constexpr auto kFid = RmiFid::kRttFold;
  static constexpr std::string_view kName = "RMI_RTT_FOLD";
  Pa rd;
  Ipa ipa;
  RttLevel level;
  static constexpr auto regs(auto& s) { return std::tie(s.rd, s.ipa, s.level); }
  struct Out {
    Pa rtt;  // the folded table given back (DELEGATED now)
    static constexpr auto regs(auto& s) { return std::tie(s.rtt); }
  };
};

struct RecAuxCount {
  static constexpr auto kFid = RmiFid::kRecAuxCount;
  static constexpr std::string_view kName = "RMI_REC_AUX_COUNT";
  Pa rd;
  static constexpr auto regs(auto& s) { return std::tie(s.rd); }
  struct Out {
    std::uint64_t aux_count = 0;
    static constexpr auto regs(auto& s) { return std::tie(s.aux_count); }
  };
};

struct RttInitRipas {
  static constexpr auto kFid = RmiFid::kRttInitRipas;
  static constexpr std::string_view kName = "RMI_RTT_INIT_RIPAS";
  Pa rd;
  Ipa base;
  Ipa top;
  static constexpr auto regs(auto& s) { return std::tie(s.rd, s.base, s.top); }
  using Out = TopOut;  // the spec's out_top
};

struct RttSetRipas {
  static constexpr auto kFid = RmiFid::kRttSetRipas;
  static constexpr std::string_view kName = "RMI_RTT_SET_RIPAS";
  Pa rd;
  Pa rec;
  Ipa base;
  Ipa top;
  static constexpr auto regs(auto& s) { return std::tie(s.rd, s.rec, s.base, s.top); }
  using Out = TopOut;  // the spec's out_top
};

// ---- CAEC extension (csm-abi.md §2) -----------------------------------------------------------
struct CaecVersion {
  static constexpr auto kFid = CaecRmiFid::kVersion;
  static constexpr std::string_view kName = "RMI_CAEC_VERSION";
  std::uint64_t requested = 0;
  static constexpr auto regs(auto& s) { return std::tie(s.requested); }
  using Out = VersionOut;
};

struct AptCreate {
  static constexpr auto kFid = CaecRmiFid::kAptCreate;
  static constexpr std::string_view kName = "RMI_APT_CREATE";
  Pa rd;
  Pa apt;
  static constexpr auto regs(auto& s) { return std::tie(s.rd, s.apt); }
  using Out = NoResults;
};

struct AptDestroy {
  static constexpr auto kFid = CaecRmiFid::kAptDestroy;
  static constexpr std::string_view kName = "RMI_APT_DESTROY";
  Pa rd;
  Pa apt;
  static constexpr auto regs(auto& s) { return std::tie(s.rd, s.apt); }
  using Out = NoResults;
};

/// Every RMI command, in FID order (the RMM's command table and the tests iterate over it).
using Commands = std::tuple<Version, GranuleDelegate, GranuleUndelegate, DataCreate, DataCreateUnknown,
                            DataDestroy, RealmActivate, RealmCreate, RealmDestroy, RecCreate, RecDestroy,
                            RecEnter, RttCreate, RttDestroy, RttMapUnprotected, RttReadEntry,
                            RttUnmapUnprotected, PsciComplete, Features, RttFold, RecAuxCount, RttInitRipas,
                            RttSetRipas, CaecVersion, AptCreate, AptDestroy>;

/// A command's reply: RmiCommandReturnCode and the results by name.
template <class Command>
using Reply = abi::Reply<RmiReturn, typename Command::Out>;

}  // namespace caec::abi::rmi
