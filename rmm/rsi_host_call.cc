// RSI_HOST_CALL (rmm-1.0.md §2.3): the realm's RsiHostCall travels to the host as a REC exit,
// and the host's answer comes back from the next REC_ENTER.
#include <cstring>

#include "rmm/realm_buffer.h"
#include "rmm/rsi_command.h"

namespace caec::rmm {

namespace {

constexpr auto kInput = abi::RsiStatus::kErrorInput;

constexpr std::array<RsiCondition<RsiCtx>, 3> kConditions{{
    {"addr_align", kInput, [](RsiCtx& c) { return !Ipa{c.in.x[1]}.is_aligned(abi::kHostCallAlign); }},
    {"addr_bound", kInput,
     [](RsiCtx& c) {
       return !c.with_realm([&](RealmDescriptor& r) { return r.is_protected(Ipa{c.in.x[1]}); });
     }},
    // The host's answer is written back into the structure: the realm must be able to write it.
    {"buffer", kInput,
     [](RsiCtx& c) {
       return c.with_realm([&](RealmDescriptor& r) {
         return realm_buffer_refused(c.rmm, r, Ipa{c.in.x[1]}, sizeof(abi::RsiHostCall));
       });
     }},
}};
constexpr auto kInfo = describe(kConditions);

}  // namespace

RsiResult rsi_host_call(RsiCtx& c) {
  if (auto f = first_failure(kConditions, c)) return *f;
  const Ipa ipa{c.in.x[1]};
  abi::RsiHostCall call{};
  // The host's answer is written back into the structure: the realm must be able to write it,
  // which is checked before the host sees the call (and again when the answer is written).
  auto read_in = [&](std::span<std::byte> p) { std::memcpy(&call, p.data(), sizeof call); };
  if (access_realm(c.rmm, c.rec, ipa, sizeof call, RealmAccess::kWrite, read_in) != BufferAccess::kDone) {
    return kInput;
  }
  RecExit exit{.reason = abi::RmiRecExitReason::kHostCall};
  exit.imm = call.imm;
  exit.gprs = call.gprs;
  c.rec.host_call_pending = true;
  c.rec.host_call_ipa = ipa;
  rec_exit(c.rmm, c.rec, exit);
  // The host's X0..X30 go back into the realm's structure (which may need mapping first).
  call.gprs = c.rec.entry_gprs;
  const auto back = access_realm(c.rmm, c.rec, ipa, sizeof call, RealmAccess::kWrite,
                                 [&](std::span<std::byte> p) {
                                   std::memcpy(p.data() + offsetof(abi::RsiHostCall, gprs),
                                               &call.gprs, sizeof call.gprs);
                                 });
  c.rec.host_call_pending = false;
  return back == BufferAccess::kDone ? RsiResult::success() : RsiResult(kInput);
}
std::span<const RsiConditionInfo> rsi_host_call_conditions() { return kInfo; }

}  // namespace caec::rmm
