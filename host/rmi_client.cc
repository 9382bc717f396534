#include "host/rmi_client.h"

#include "caec/abi/csm.h"

namespace caec::host {

abi::SmcRegs RmiClient::smc(std::uint32_t f, std::initializer_list<std::uint64_t> args) {
  abi::SmcRegs regs = abi::SmcRegs::call(f, args);
  el3_.host_smc(regs);
  return regs;
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
