// The RMI command table: FID, name, argument and result counts, handler, and the ordered
// failure conditions. Dispatch, FEATURES-style answers, log names, the tests' coverage check
// and the fuzzer's grammar all derive from it (style.md §2).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "caec/abi/rmi.h"
#include "caec/abi/smc.h"
#include "rmm/conditions.h"
#include "rmm/context.h"

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
  RmiResult(abi::RmiReturn r, std::initializer_list<std::uint64_t> outs) : ret(r) {
    std::size_t i = 0;
    for (auto v : outs) out[i++] = v;
  }
  [[nodiscard]] static RmiResult success(std::initializer_list<std::uint64_t> outs = {}) {
    return {abi::RmiReturn{}, outs};
  }
};

struct RmiCommand {
  std::uint32_t fid;
  std::string_view name;
  std::uint8_t num_args;
  std::uint8_t num_results;
  RmiResult (*handler)(RmmContext&, const abi::SmcRegs&);
  std::span<const RmiConditionInfo> (*conditions)();
};

[[nodiscard]] std::span<const RmiCommand> rmi_commands();
[[nodiscard]] const RmiCommand* find_rmi_command(std::uint32_t fid);

}  // namespace caec::rmm
