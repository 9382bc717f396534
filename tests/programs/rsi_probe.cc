// "rsi-probe STATUS FID_HEX ARG...": a realm program that makes exactly one raw RSI call (FID
// with X1.. = ARG..., at most 10, in any stoull base) and returns 0 if X0 came back as STATUS,
// else prints X0 and returns 1. The condition tests use it for the RSI commands whose bad
// arguments the SDK never passes (e.g. `rsi-probe 1 0xC4000192 5`: RSI_MEASUREMENT_READ of
// index 5 must fail with RSI_ERROR_INPUT).
#include <array>
#include <cstdint>
#include <string>

#include "realm/program.h"
#include "realm/realm.h"

namespace caec::testing {
namespace {

using realm::Realm;

int rsi_probe(Realm& r) {
  const auto& args = r.args();
  std::array<std::uint64_t, 10> x{};
  if (args.size() < 2 || args.size() - 2 > x.size()) {
    r.print("rsi-probe: usage: STATUS FID_HEX [ARG...] (at most 10 ARGs)\n");
    return 2;
  }
  const std::uint64_t want = std::stoull(args[0], nullptr, 0);
  const auto fid = static_cast<std::uint32_t>(std::stoull(args[1], nullptr, 16));
  for (std::size_t i = 2; i < args.size(); ++i) x[i - 2] = std::stoull(args[i], nullptr, 0);
  const auto out = r.smc(fid, {x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9]});
  if (out.x[0] == want) return 0;
  r.print("rsi-probe: X0 = " + std::to_string(out.x[0]) + ", expected " + std::to_string(want) +
          "\n");
  return 1;
}
CAEC_REALM_PROGRAM("rsi-probe", rsi_probe);

}  // namespace
}  // namespace caec::testing
