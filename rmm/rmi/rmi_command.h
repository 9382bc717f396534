// The RMI command table (rmm/runtime/command_table.h: one row shape for RMI, RSI and PSCI) and what an
// RMI handler returns.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "caec/abi/command_regs.h"
#include "caec/abi/rmi.h"
#include "caec/abi/smc.h"
#include "rmm/runtime/command_table.h"
#include "rmm/runtime/conditions.h"
#include "rmm/core/context.h"

namespace caec::rmm {

using RmiConditionInfo = ConditionInfo<abi::RmiStatus>;
template <class Ctx>
using RmiCondition = Condition<Ctx, abi::RmiStatus>;

/// A handler's reply: the return code and up to four output registers (X1..X4).
struct RmiResult {
  abi::RmiReturn ret;
  std::array<std::uint64_t, 4> out{};

  RmiResult(abi::RmiReturn r) : ret(r) {}  // NOLINT(google-explicit-constructor)
  RmiResult(Failure<abi::RmiStatus> f) : ret{f.status, f.index} {}  // NOLINT
  /// A return code with outputs (VERSION defines them on failure too).
  template <class Out>
  RmiResult(abi::RmiReturn r, const Out& outs) : ret(r) {
    set(outs);
  }
  /// A failure that still defines outputs (RTT_DESTROY's and UNMAP_UNPROTECTED's `top`).
  template <class Out>
  RmiResult(Failure<abi::RmiStatus> f, const Out& outs) : RmiResult(f) {
    set(outs);
  }
  [[nodiscard]] static RmiResult success() { return {abi::RmiReturn{}}; }
  /// Success with the command's result view (abi/rmi_commands.h).
  template <class Out>
  [[nodiscard]] static RmiResult success(const Out& outs) {
    RmiResult r{abi::RmiReturn{}};
    r.set(outs);
    return r;
  }

 private:
  template <class Out>
  void set(const Out& outs) {
    static_assert(abi::kNumRegs<Out> <= 4, "RMI commands have at most four results");
    abi::SmcRegs regs;
    abi::encode(outs, regs);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = regs.x[1 + i];
  }
};

using RmiCommand = CommandRow<RmiResult (*)(RmmContext&, const abi::SmcRegs&), abi::RmiStatus>;

[[nodiscard]] std::span<const RmiCommand> rmi_commands();
[[nodiscard]] const RmiCommand* find_rmi_command(std::uint32_t fid);

}  // namespace caec::rmm
