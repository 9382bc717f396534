// RSI_HOST_CALL (rmm-1.0.md §2.3): the realm's RsiHostCall travels to the host as a REC exit,
// and the host's answer comes back from the next REC_ENTER.
#include <cstring>

#include "rmm/runtime/realm_buffer.h"
#include "rmm/rsi/rsi_command.h"
#include "rmm/rsi/rsi_conditions.h"

namespace caec::rmm {

namespace {

using C = RsiCall<abi::rsi::HostCall>;

constexpr std::array<RsiCondition<C>, 3> kConditions{{
    rsi_cond::addr_align<C, abi::kHostCallAlign>,
    rsi_cond::addr_bound<C>,
    // The host's answer is written back into the structure: the realm must be able to write it.
    rsi_cond::buffer<C, sizeof(abi::RsiHostCall)>,
}};
constexpr auto kInfo = describe(kConditions);

}  // namespace

RsiResult rsi_host_call(C& c) {
  if (auto f = first_failure(kConditions, c)) return *f;
  const Ipa ipa = c.args.addr;
  abi::RsiHostCall call{};
  // The host's answer is written back into the structure: the realm must be able to write it,
  // which is checked before the host sees the call (and again when the answer is written).
  auto read_in = [&](std::span<std::byte> p) { std::memcpy(&call, p.data(), sizeof call); };
  if (const auto in = access_realm(c.rmm, c.rec, ipa, sizeof call, read_in);
      in != BufferAccess::kDone) {
    return RsiResult::after(in, RsiResult::success());
  }
  RecExit exit = exit_record(abi::RmiRecExitReason::kHostCall);
  exit.imm = call.imm;
  exit.gprs = call.gprs;
  c.rec.host_call_pending = true;
  c.rec.host_call_ipa = ipa;
  if (rec_exit(c.rmm, c.rec, exit) == Reentry::kDestroyed) return RsiResult::destroyed();
  // The host's X0..X30 go back into the realm's structure (which may need mapping first).
  call.gprs = c.rec.entry_gprs;
  const auto back = access_realm(c.rmm, c.rec, ipa, sizeof call,
                                 [&](std::span<std::byte> p) {
                                   std::memcpy(p.data() + offsetof(abi::RsiHostCall, gprs),
                                               &call.gprs, sizeof call.gprs);
                                 });
  if (back == BufferAccess::kDestroyed) return RsiResult::destroyed();
  c.rec.host_call_pending = false;
  return RsiResult::after(back, RsiResult::success());
}
std::span<const RsiConditionInfo> rsi_host_call_conditions() { return kInfo; }

}  // namespace caec::rmm
