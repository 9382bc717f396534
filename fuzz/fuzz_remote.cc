// "fuzz-remote": the realm program of the rmi_stream fuzzer (fuzz/rmi_stream_fuzzer.cc), driven
// step by step by its host. Each REC asks for a command (host call 0x310, passing the results
// of the previous one in X0..X3 and that command's tag, X30 of the answer, in X4), runs it, and
// asks again. Commands (X0 of the answer):
//   [0]                         the program ends (the REC makes its exit host call and turns off)
//   [1, fid, a1..a5]            an SMC (RSI, CAEC or PSCI); results X0, X1
//   [2, ipa]                    read 8 bytes; result 0 = data, 1 = abort
//   [3, ipa, value]             write 8 bytes; same results
//   [4, index]                  PSCI CPU_ON of REC `index` (the SDK's start_cpu); result X0
//   [5, mailbox, n, (fid, a1..a5) x n]  (n <= 4) tell the host this REC is running (word
//       2 * rec of the mailbox, an unprotected IPA of host memory, becomes 1), spin until the
//       host sets word 2 * rec + 1, then make the SMCs; results their X0s, or ~0 if the mailbox
//       cannot be reached. The host uses it to act (tear the realm down, say) while the REC is
//       running, at a point it chooses, so that the run stays deterministic.
#include <array>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "caec/abi/rsi.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::fuzz {
namespace {

constexpr std::uint16_t kNextCommand = 0x310;
constexpr std::size_t kMaxBatch = 4;
constexpr std::size_t kTagRegister = 30;  // the command's tag, echoed in X4 of the next request
/// A host that never answers the mailbox must not hang the fuzzer: the REC goes on after this.
constexpr auto kMaxSpin = std::chrono::seconds(10);

std::uint64_t smc(realm::Realm& r, const std::uint64_t* regs, std::uint64_t* x1 = nullptr) {
  const auto out = r.smc(static_cast<std::uint32_t>(regs[0]), {regs[1], regs[2], regs[3], regs[4], regs[5]});
  if (x1 != nullptr) *x1 = out.x[1];
  return out.x[0];
}

/// Command 5: wait at the mailbox while the host acts, then run the batch.
void batch(realm::Realm& r, const std::array<std::uint64_t, 31>& cmd, std::array<std::uint64_t, 4>& result) {
  result.fill(~0ULL);
  const std::uint64_t slot = 2 * r.rec_index();
  auto* words = r.as<volatile std::uint64_t>(Ipa{cmd[1]});
  if (r.guarded([&] { words[slot] = 1; })) return;
  const auto give_up = std::chrono::steady_clock::now() + kMaxSpin;
  while (words[slot + 1] == 0 && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
  const std::uint64_t n = std::min<std::uint64_t>(cmd[2], kMaxBatch);
  for (std::uint64_t i = 0; i < n; ++i) result[i] = smc(r, &cmd[3 + 6 * i]);
}

void run(realm::Realm& r, const std::array<std::uint64_t, 31>& cmd, std::array<std::uint64_t, 4>& result) {
  switch (cmd[0]) {
    case 1: result[0] = smc(r, &cmd[1], &result[1]); break;
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
    case 4: result[0] = static_cast<std::uint64_t>(r.start_cpu(cmd[1], 0)); break;
    case 5: batch(r, cmd, result); break;
    default: result[0] = ~0ULL;
  }
}

int fuzz_remote(realm::Realm& r) {
  std::array<std::uint64_t, 4> result{};
  std::uint64_t tag = 0;
  for (;;) {
    std::array<std::uint64_t, 31> cmd{};
    try {
      const std::array<std::uint64_t, 5> answer{result[0], result[1], result[2], result[3], tag};
      cmd = r.host_call(kNextCommand, answer);
    } catch (const realm::RsiError&) {
      // Its host can no longer be asked (the RMM refused the host-call structure: the scratch
      // page became a CSM range or left RAM): the REC turns itself off. Letting the error reach
      // the SDK would have it print its report through that same page, and fail again.
      for (;;) (void)r.smc(static_cast<std::uint32_t>(abi::PsciFid::kCpuOff), {});
    }
    result.fill(0);
    tag = cmd[kTagRegister];
    if (cmd[0] == 0) return 0;
    try {
      run(r, cmd, result);
    } catch (const std::out_of_range&) {
      result[0] = 2;  // an IPA outside the part of the IPA space the emulator can reach
    }
  }
}
CAEC_REALM_PROGRAM("fuzz-remote", fuzz_remote);

}  // namespace
}  // namespace caec::fuzz
