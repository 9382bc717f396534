// "csm-remote": a realm program driven step by step by its host, for property tests. It asks
// the host for a command (host call 0x310, passing the previous result), executes it, and asks
// again. Commands: [0] stop; [1, fid, args...] raw SMC, result = X0; [2, ipa] read (result 0
// = data, 1 = abort); [3, ipa] write (same).
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::testing {
namespace {

constexpr std::uint16_t kNextCommand = 0x310;

int csm_remote(realm::Realm& r) {
  std::array<std::uint64_t, 1> result{};
  for (;;) {
    const auto cmd = r.host_call(kNextCommand, result);
    switch (cmd[0]) {
      case 0: return 0;
      case 1: {
        abi::SmcRegs regs;
        for (std::size_t i = 0; i < 8; ++i) regs.x[i] = cmd[1 + i];
        (void)r;  // raw SMC through the PE
        const auto out = r.smc(static_cast<std::uint32_t>(regs.x[0]),
                               {regs.x[1], regs.x[2], regs.x[3], regs.x[4], regs.x[5]});
        result[0] = out.x[0];
        break;
      }
      case 2:
      case 3: {
        auto* p = r.as<volatile std::uint64_t>(Ipa{cmd[1]});
        const auto abort = r.guarded([&] {
          if (cmd[0] == 2) {
            (void)*p;
          } else {
            *p = cmd[2];
          }
        });
        result[0] = abort ? 1 : 0;
        break;
      }
      default: result[0] = ~0ULL;
    }
  }
}
CAEC_REALM_PROGRAM("csm-remote", csm_remote);

}  // namespace
}  // namespace caec::testing
