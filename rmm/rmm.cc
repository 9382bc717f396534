#include "rmm/rmm.h"

#include "rmm/context.h"
#include "rmm/rmi_command.h"

namespace caec::rmm {

Rmm::Rmm(Platform& platform) : ctx_(std::make_unique<RmmContext>(platform)) {}
Rmm::~Rmm() = default;

void Rmm::handle_rmi(abi::SmcRegs& regs) {
  const RmiCommand* cmd = find_rmi_command(regs.fid());
  if (cmd == nullptr) {
    regs = {};
    regs.x[0] = abi::kSmcUnknown;
    return;
  }
  const RmiResult r = cmd->handler(*ctx_, regs);
  // Outputs the command does not define are zero (SMCCC: unused results MBZ).
  regs = {};
  regs.x[0] = r.ret.pack();
  for (std::size_t i = 0; i < cmd->num_results; ++i) regs.x[1 + i] = r.out[i];
}

}  // namespace caec::rmm
