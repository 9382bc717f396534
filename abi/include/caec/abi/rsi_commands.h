// The RSI, CAEC RSI and PSCI commands' typed argument and result views (rmm-1.0.md §2,
// csm-abi.md §3-4, PSCI 1.1): each command's register layout, written once (command_regs.h).
// Argument fields are register-wide: the RMM decodes them from a realm's registers, which are
// hostile input, and checks the whole value.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <tuple>

#include "caec/abi/command_regs.h"
#include "caec/abi/csm.h"
#include "caec/abi/rsi.h"
#include "caec/abi/smc.h"
#include "caec/abi/types.h"

namespace caec::abi::rsi {

/// 64 bytes in eight registers, little-endian (a measurement, a challenge).
using Bytes64 = std::array<std::uint64_t, 8>;
namespace detail {
constexpr auto tie8(auto& a) { return std::tie(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]); }
}  // namespace detail

/// A granule-sized output buffer in the caller's protected IPA space.
struct OutBuffer {
  Ipa addr;
  static constexpr auto regs(auto& s) { return std::tie(s.addr); }
};
/// PSCI calls answer in X0 only.
using PsciOut = NoResults;

struct Version {
  static constexpr auto kFid = RsiFid::kVersion;
  static constexpr std::string_view kName = "RSI_VERSION";
  std::uint64_t requested = 0;
  static constexpr auto regs(auto& s) { return std::tie(s.requested); }
  using Out = VersionOut;
};

struct Features {
  static constexpr auto kFid = RsiFid::kFeatures;
  static constexpr std::string_view kName = "RSI_FEATURES";
  std::uint64_t index = 0;
  static constexpr auto regs(auto& s) { return std::tie(s.index); }
  struct Out {
    std::uint64_t value = 0;
    static constexpr auto regs(auto& s) { return std::tie(s.value); }
  };
};

struct MeasurementRead {
  static constexpr auto kFid = RsiFid::kMeasurementRead;
  static constexpr std::string_view kName = "RSI_MEASUREMENT_READ";
  std::uint64_t index = 0;  // 0 = RIM, 1..4 = REM
  static constexpr auto regs(auto& s) { return std::tie(s.index); }
  struct Out {
    Bytes64 value{};  // zero-padded past the hash size
    static constexpr auto regs(auto& s) { return detail::tie8(s.value); }
  };
};

struct MeasurementExtend {
  static constexpr auto kFid = RsiFid::kMeasurementExtend;
  static constexpr std::string_view kName = "RSI_MEASUREMENT_EXTEND";
  std::uint64_t index = 0;  // 1..4
  std::uint64_t size = 0;   // bytes of `value` used
  Bytes64 value{};
  static constexpr auto regs(auto& s) {
    return std::tuple_cat(std::tie(s.index, s.size), detail::tie8(s.value));
  }
  using Out = NoResults;
};

struct AttestationTokenInit {
  static constexpr auto kFid = RsiFid::kAttestationTokenInit;
  static constexpr std::string_view kName = "RSI_ATTESTATION_TOKEN_INIT";
  Bytes64 challenge{};
  static constexpr auto regs(auto& s) { return detail::tie8(s.challenge); }
  struct Out {
    std::uint64_t max_size = 0;  // an upper bound on the token's size
    static constexpr auto regs(auto& s) { return std::tie(s.max_size); }
  };
};

struct AttestationTokenContinue {
  static constexpr auto kFid = RsiFid::kAttestationTokenContinue;
  static constexpr std::string_view kName = "RSI_ATTESTATION_TOKEN_CONTINUE";
  Ipa addr;  // a granule of the caller
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  static constexpr auto regs(auto& s) { return std::tie(s.addr, s.offset, s.size); }
  struct Out {
    std::uint64_t written = 0;
    static constexpr auto regs(auto& s) { return std::tie(s.written); }
  };
};

struct RealmConfig {
  static constexpr auto kFid = RsiFid::kRealmConfig;
  static constexpr std::string_view kName = "RSI_REALM_CONFIG";
  Ipa addr;  // RsiRealmConfig
  static constexpr auto regs(auto& s) { return std::tie(s.addr); }
  using Out = NoResults;
};

struct IpaStateSet {
  static constexpr auto kFid = RsiFid::kIpaStateSet;
  static constexpr std::string_view kName = "RSI_IPA_STATE_SET";
  Ipa base;
  Ipa top;
  std::uint64_t ripas = 0;  // EMPTY or RAM; bits 63:8 SBZ
  std::uint64_t flags = 0;  // ipa_state_set_flags
  static constexpr auto regs(auto& s) { return std::tie(s.base, s.top, s.ripas, s.flags); }
  struct Out {
    Ipa new_base;
    RsiRipasResponse response = RsiRipasResponse::kAccept;
    static constexpr auto regs(auto& s) { return std::tie(s.new_base, s.response); }
  };
};

struct IpaStateGet {
  static constexpr auto kFid = RsiFid::kIpaStateGet;
  static constexpr std::string_view kName = "RSI_IPA_STATE_GET";
  Ipa base;
  Ipa top;
  static constexpr auto regs(auto& s) { return std::tie(s.base, s.top); }
  struct Out {
    Ipa top;  // the spec's out_top: base < top <= the request's top
    Ripas ripas = Ripas::kEmpty;
    static constexpr auto regs(auto& s) { return std::tie(s.top, s.ripas); }
  };
};

struct HostCall {
  static constexpr auto kFid = RsiFid::kHostCall;
  static constexpr std::string_view kName = "RSI_HOST_CALL";
  Ipa addr;  // RsiHostCall, 256-byte aligned
  static constexpr auto regs(auto& s) { return std::tie(s.addr); }
  using Out = NoResults;
};

// ---- CAEC extension (csm-abi.md §3-4) ---------------------------------------------------------
struct CaecVersion {
  static constexpr auto kFid = CaecRsiFid::kVersion;
  static constexpr std::string_view kName = "RSI_CAEC_VERSION";
  std::uint64_t requested = 0;
  static constexpr auto regs(auto& s) { return std::tie(s.requested); }
  using Out = VersionOut;
};

struct CsmCreate {
  static constexpr auto kFid = CaecRsiFid::kCsmCreate;
  static constexpr std::string_view kName = "RSI_CSM_CREATE";
  Ipa base;
  std::uint64_t size = 0;
  static constexpr auto regs(auto& s) { return std::tie(s.base, s.size); }
  struct Out {
    CsmId csm_id = CsmId::kNone;
    static constexpr auto regs(auto& s) { return std::tie(s.csm_id); }
  };
};

struct CsmShare {
  static constexpr auto kFid = CaecRsiFid::kCsmShare;
  static constexpr std::string_view kName = "RSI_CSM_SHARE";
  CsmId csm_id = CsmId::kNone;
  Rid consumer = Rid::kNone;
  std::uint64_t perm = 0;  // CsmPerm; any other value is refused
  static constexpr auto regs(auto& s) { return std::tie(s.csm_id, s.consumer, s.perm); }
  struct Out {
    std::uint64_t k = 0;
    static constexpr auto regs(auto& s) { return std::tie(s.k); }
  };
};

struct CsmRevoke {
  static constexpr auto kFid = CaecRsiFid::kCsmRevoke;
  static constexpr std::string_view kName = "RSI_CSM_REVOKE";
  Rid consumer = Rid::kNone;
  std::uint64_t k = 0;
  static constexpr auto regs(auto& s) { return std::tie(s.consumer, s.k); }
  using Out = NoResults;
};

struct CsmDestroy {
  static constexpr auto kFid = CaecRsiFid::kCsmDestroy;
  static constexpr std::string_view kName = "RSI_CSM_DESTROY";
  CsmId csm_id = CsmId::kNone;
  static constexpr auto regs(auto& s) { return std::tie(s.csm_id); }
  using Out = NoResults;
};

struct CsmReserve {
  static constexpr auto kFid = CaecRsiFid::kCsmReserve;
  static constexpr std::string_view kName = "RSI_CSM_RESERVE";
  Rid provider = Rid::kNone;
  std::uint64_t k = 0;
  Ipa base;
  std::uint64_t size = 0;
  static constexpr auto regs(auto& s) { return std::tie(s.provider, s.k, s.base, s.size); }
  struct Out {
    CsmId csm_id = CsmId::kNone;  // of the region reserved for
    static constexpr auto regs(auto& s) { return std::tie(s.csm_id); }
  };
};

struct CsmAttach {
  static constexpr auto kFid = CaecRsiFid::kCsmAttach;
  static constexpr std::string_view kName = "RSI_CSM_ATTACH";
  Rid provider = Rid::kNone;
  std::uint64_t k = 0;
  static constexpr auto regs(auto& s) { return std::tie(s.provider, s.k); }
  struct Out {
    CsmPerm perm = CsmPerm::kRo;
    static constexpr auto regs(auto& s) { return std::tie(s.perm); }
  };
};

struct CsmDetachAndFree {
  static constexpr auto kFid = CaecRsiFid::kCsmDetachAndFree;
  static constexpr std::string_view kName = "RSI_CSM_DETACH_AND_FREE";
  Rid provider = Rid::kNone;
  std::uint64_t k = 0;
  static constexpr auto regs(auto& s) { return std::tie(s.provider, s.k); }
  using Out = NoResults;
};

struct CsmInfo {
  static constexpr auto kFid = CaecRsiFid::kCsmInfo;
  static constexpr std::string_view kName = "RSI_CSM_INFO";
  std::uint64_t id = 0;     // a CSM id, or (flags kBySharing) a provider's RID
  Ipa addr;                 // RsiCsmInfo
  std::uint64_t flags = 0;  // csm_info_flags
  std::uint64_t k = 0;      // the sharing, with kBySharing
  std::uint64_t first = 0;  // index of the first sharing to write
  static constexpr auto regs(auto& s) { return std::tie(s.id, s.addr, s.flags, s.k, s.first); }
  struct Out {
    std::uint64_t total_sharings = 0;
    static constexpr auto regs(auto& s) { return std::tie(s.total_sharings); }
  };
};

struct RealmMeasurements {
  static constexpr auto kFid = CaecRsiFid::kRealmMeasurements;
  static constexpr std::string_view kName = "RSI_REALM_MEASUREMENTS";
  Rid rid = Rid::kNone;
  Ipa addr;  // RsiRealmMeasurements
  static constexpr auto regs(auto& s) { return std::tie(s.rid, s.addr); }
  using Out = NoResults;
};

/// Every RSI command (Arm's, then CAEC's).
using Commands = std::tuple<Version, Features, MeasurementRead, MeasurementExtend, AttestationTokenInit,
                            AttestationTokenContinue, RealmConfig, IpaStateSet, IpaStateGet, HostCall,
                            CaecVersion, CsmCreate, CsmShare, CsmRevoke, CsmDestroy, CsmReserve, CsmAttach,
                            CsmDetachAndFree, CsmInfo, RealmMeasurements>;

/// A command's reply: RSI status (X0) and the results by name.
template <class Command>
using Reply = abi::Reply<RsiStatus, typename Command::Out>;

}  // namespace caec::abi::rsi

namespace caec::abi::psci {

/// SMCCC_VERSION (SMC32): the realm asks which SMCCC the RMM speaks.
struct SmcccVersion {
  static constexpr std::uint32_t kFid = kSmcccVersionFid;
  static constexpr std::string_view kName = "SMCCC_VERSION";
  static constexpr auto regs(auto& /*self*/) { return std::tie(); }
  using Out = NoResults;
};

struct Version {
  static constexpr auto kFid = PsciFid::kVersion;
  static constexpr std::string_view kName = "PSCI_VERSION";
  static constexpr auto regs(auto& /*self*/) { return std::tie(); }
  using Out = NoResults;
};

struct Features {
  static constexpr auto kFid = PsciFid::kFeatures;
  static constexpr std::string_view kName = "PSCI_FEATURES";
  std::uint64_t fid = 0;  // the function asked about
  static constexpr auto regs(auto& s) { return std::tie(s.fid); }
  using Out = NoResults;
};

struct CpuSuspend {
  static constexpr auto kFid = PsciFid::kCpuSuspend;
  static constexpr std::string_view kName = "PSCI_CPU_SUSPEND";
  static constexpr std::string_view kName32 = "PSCI_CPU_SUSPEND (SMC32)";
  std::uint64_t power_state = 0;
  Ipa entry;
  std::uint64_t context = 0;
  static constexpr auto regs(auto& s) { return std::tie(s.power_state, s.entry, s.context); }
  using Out = NoResults;
};

struct CpuOff {
  static constexpr auto kFid = PsciFid::kCpuOff;
  static constexpr std::string_view kName = "PSCI_CPU_OFF";
  static constexpr auto regs(auto& /*self*/) { return std::tie(); }
  using Out = NoResults;
};

struct CpuOn {
  static constexpr auto kFid = PsciFid::kCpuOn;
  static constexpr std::string_view kName = "PSCI_CPU_ON";
  static constexpr std::string_view kName32 = "PSCI_CPU_ON (SMC32)";
  std::uint64_t target_cpu = 0;  // MPIDR
  Ipa entry;
  std::uint64_t context = 0;     // X0 of the started REC
  static constexpr auto regs(auto& s) { return std::tie(s.target_cpu, s.entry, s.context); }
  using Out = NoResults;
};

struct AffinityInfo {
  static constexpr auto kFid = PsciFid::kAffinityInfo;
  static constexpr std::string_view kName = "PSCI_AFFINITY_INFO";
  static constexpr std::string_view kName32 = "PSCI_AFFINITY_INFO (SMC32)";
  std::uint64_t target_affinity = 0;  // MPIDR
  std::uint64_t lowest_level = 0;     // 0 only
  static constexpr auto regs(auto& s) { return std::tie(s.target_affinity, s.lowest_level); }
  using Out = NoResults;
};

struct SystemOff {
  static constexpr auto kFid = PsciFid::kSystemOff;
  static constexpr std::string_view kName = "PSCI_SYSTEM_OFF";
  static constexpr auto regs(auto& /*self*/) { return std::tie(); }
  using Out = NoResults;
};

struct SystemReset {
  static constexpr auto kFid = PsciFid::kSystemReset;
  static constexpr std::string_view kName = "PSCI_SYSTEM_RESET";
  static constexpr auto regs(auto& /*self*/) { return std::tie(); }
  using Out = NoResults;
};

/// Every PSCI (and SMCCC) function the RMM answers for realms.
using Commands =
    std::tuple<SmcccVersion, Version, Features, CpuSuspend, CpuOff, CpuOn, AffinityInfo, SystemOff, SystemReset>;

/// The SMC32 encoding of an SMC64 PSCI function (bit 30 clear): PSCI lets callers use either.
[[nodiscard]] constexpr std::uint32_t smc32(PsciFid fid) { return static_cast<std::uint32_t>(fid) & ~0x40000000U; }

/// A PSCI call's reply: X0 is a PSCI return code, or a value (PSCI_VERSION, AFFINITY_INFO).
template <class Command>
using Reply = abi::Reply<std::int64_t, typename Command::Out>;

}  // namespace caec::abi::psci
