#include "host/rmi_client.h"

#include "caec/abi/csm.h"

namespace caec::host {

namespace {
using F = abi::RmiFid;
constexpr std::uint32_t fid(F f) { return static_cast<std::uint32_t>(f); }
abi::RmiReturn status(const abi::SmcRegs& r) { return abi::RmiReturn::unpack(r.x[0]); }
std::uint64_t u(std::int64_t v) { return static_cast<std::uint64_t>(v); }
}  // namespace

abi::SmcRegs RmiClient::smc(std::uint32_t f, std::initializer_list<std::uint64_t> args) {
  abi::SmcRegs regs = abi::SmcRegs::call(f, args);
  el3_.host_smc(regs);
  return regs;
}

VersionOut RmiClient::version(std::uint64_t requested) {
  const auto r = smc(fid(F::kVersion), {requested});
  return {status(r), r.x[1], r.x[2]};
}

ValueOut RmiClient::features(std::uint64_t index) {
  const auto r = smc(fid(F::kFeatures), {index});
  return {status(r), r.x[1]};
}

abi::RmiReturn RmiClient::granule_delegate(Pa addr) {
  return status(smc(fid(F::kGranuleDelegate), {addr.value()}));
}

abi::RmiReturn RmiClient::granule_undelegate(Pa addr) {
  return status(smc(fid(F::kGranuleUndelegate), {addr.value()}));
}

abi::RmiReturn RmiClient::realm_create(Pa rd, Pa params) {
  return status(smc(fid(F::kRealmCreate), {rd.value(), params.value()}));
}

abi::RmiReturn RmiClient::realm_activate(Pa rd) {
  return status(smc(fid(F::kRealmActivate), {rd.value()}));
}

abi::RmiReturn RmiClient::realm_destroy(Pa rd) {
  return status(smc(fid(F::kRealmDestroy), {rd.value()}));
}

ValueOut RmiClient::rec_aux_count(Pa rd) {
  const auto r = smc(fid(F::kRecAuxCount), {rd.value()});
  return {status(r), r.x[1]};
}

abi::RmiReturn RmiClient::rtt_create(Pa rd, Pa rtt, Ipa ipa, std::int64_t level) {
  return status(smc(fid(F::kRttCreate), {rd.value(), rtt.value(), ipa.value(), u(level)}));
}

GranuleTopOut RmiClient::rtt_destroy(Pa rd, Ipa ipa, std::int64_t level) {
  const auto r = smc(fid(F::kRttDestroy), {rd.value(), ipa.value(), u(level)});
  return {status(r), Pa{r.x[1]}, Ipa{r.x[2]}};
}

ValueOut RmiClient::rtt_fold(Pa rd, Ipa ipa, std::int64_t level) {
  const auto r = smc(fid(F::kRttFold), {rd.value(), ipa.value(), u(level)});
  return {status(r), r.x[1]};
}

RttEntryOut RmiClient::rtt_read_entry(Pa rd, Ipa ipa, std::int64_t level) {
  const auto r = smc(fid(F::kRttReadEntry), {rd.value(), ipa.value(), u(level)});
  return {status(r), static_cast<int>(r.x[1]), static_cast<abi::RmiRttEntryState>(r.x[2]),
          r.x[3], static_cast<abi::Ripas>(r.x[4])};
}

abi::RmiReturn RmiClient::rtt_map_unprotected(Pa rd, Ipa ipa, std::int64_t level,
                                              std::uint64_t desc) {
  return status(smc(fid(F::kRttMapUnprotected), {rd.value(), ipa.value(), u(level), desc}));
}

TopOut RmiClient::rtt_unmap_unprotected(Pa rd, Ipa ipa, std::int64_t level) {
  const auto r = smc(fid(F::kRttUnmapUnprotected), {rd.value(), ipa.value(), u(level)});
  return {status(r), Ipa{r.x[1]}};
}

TopOut RmiClient::rtt_init_ripas(Pa rd, Ipa base, Ipa top) {
  const auto r = smc(fid(F::kRttInitRipas), {rd.value(), base.value(), top.value()});
  return {status(r), Ipa{r.x[1]}};
}

abi::RmiReturn RmiClient::data_create(Pa rd, Pa data, Ipa ipa, Pa src, std::uint64_t flags) {
  return status(
      smc(fid(F::kDataCreate), {rd.value(), data.value(), ipa.value(), src.value(), flags}));
}

abi::RmiReturn RmiClient::data_create_unknown(Pa rd, Pa data, Ipa ipa) {
  return status(smc(fid(F::kDataCreateUnknown), {rd.value(), data.value(), ipa.value()}));
}

GranuleTopOut RmiClient::data_destroy(Pa rd, Ipa ipa) {
  const auto r = smc(fid(F::kDataDestroy), {rd.value(), ipa.value()});
  return {status(r), Pa{r.x[1]}, Ipa{r.x[2]}};
}

abi::RmiReturn RmiClient::rec_create(Pa rd, Pa rec, Pa params) {
  return status(smc(fid(F::kRecCreate), {rd.value(), rec.value(), params.value()}));
}

abi::RmiReturn RmiClient::rec_destroy(Pa rec) {
  return status(smc(fid(F::kRecDestroy), {rec.value()}));
}

abi::RmiReturn RmiClient::rec_enter(Pa rec, Pa run) {
  return status(smc(fid(F::kRecEnter), {rec.value(), run.value()}));
}

abi::RmiReturn RmiClient::psci_complete(Pa calling, Pa target, std::uint64_t status_code) {
  return status(smc(fid(F::kPsciComplete), {calling.value(), target.value(), status_code}));
}

TopOut RmiClient::rtt_set_ripas(Pa rd, Pa rec, Ipa base, Ipa top) {
  const auto r = smc(fid(F::kRttSetRipas), {rd.value(), rec.value(), base.value(), top.value()});
  return {status(r), Ipa{r.x[1]}};
}

VersionOut RmiClient::caec_version(std::uint64_t requested) {
  const auto r = smc(static_cast<std::uint32_t>(abi::CaecRmiFid::kVersion), {requested});
  return {status(r), r.x[1], r.x[2]};
}

abi::RmiReturn RmiClient::apt_create(Pa rd, Pa apt) {
  return status(smc(static_cast<std::uint32_t>(abi::CaecRmiFid::kAptCreate), {rd.value(), apt.value()}));
}

abi::RmiReturn RmiClient::apt_destroy(Pa rd, Pa apt) {
  return status(smc(static_cast<std::uint32_t>(abi::CaecRmiFid::kAptDestroy), {rd.value(), apt.value()}));
}

std::string describe(abi::RmiReturn ret) {
  std::string s;
  switch (ret.status) {
    case abi::RmiStatus::kSuccess: return "RMI_SUCCESS";
    case abi::RmiStatus::kErrorInput: s = "RMI_ERROR_INPUT"; break;
    case abi::RmiStatus::kErrorRealm: s = "RMI_ERROR_REALM"; break;
    case abi::RmiStatus::kErrorRec: s = "RMI_ERROR_REC"; break;
    case abi::RmiStatus::kErrorRtt: s = "RMI_ERROR_RTT"; break;
    case abi::RmiStatus::kErrorCsm: s = "RMI_ERROR_CSM"; break;
    default: s = "RMI status " + std::to_string(static_cast<int>(ret.status)); break;
  }
  if (ret.index != 0 || ret.status == abi::RmiStatus::kErrorRtt) {
    s += " (index " + std::to_string(ret.index) + ")";
  }
  return s;
}

}  // namespace caec::host
