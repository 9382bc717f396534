// "csm-remote": a realm program driven step by step by its host, for property tests.
//
// REC 0 asks the host for a command (host call 0x310, passing the previous result: X0 and X1),
// executes it, and asks again. Commands: [0] stop; [1, fid, args...] raw SMC, result = X0, X1;
// [2, ipa] read (result 0 = data, 1 = abort; X1 = the word read); [3, ipa, value] write (same);
// [4, mailbox] start REC 1 (PSCI CPU_ON) with `mailbox` as its context, result = the PSCI status.
//
// Any other REC started by a raw PSCI CPU_ON with context 0 asks for commands as REC 0 does.
// REC 1 started by [4] (testing/remote_vmm.h, RemoteMailbox) takes commands [1]-[3] from a buffer of
// host memory it maps once, polling it without ever exiting to the host: it keeps running after
// REC 0 turned the realm off (PSCI SYSTEM_OFF), when no REC of the realm can be entered again,
// so a test can drive a realm whose CSM teardown has begun (docs/csm.md, "closing").
#include <atomic>
#include <chrono>
#include <thread>

#include "realm/program.h"
#include "realm/realm.h"
#include "testing/remote_mailbox.h"

namespace caec::testing {
namespace {

constexpr std::uint16_t kNextCommand = 0x310;

/// Runs command `cmd` (words [0]..[8]); returns X0 and X1 of the result.
std::array<std::uint64_t, 2> execute(realm::Realm& r, const std::uint64_t* cmd) {
  switch (cmd[0]) {
    case 1: {
      const auto out = r.smc(static_cast<std::uint32_t>(cmd[1]), {cmd[2], cmd[3], cmd[4], cmd[5], cmd[6]});
      return {out.x[0], out.x[1]};
    }
    case 2:
    case 3: {
      // One reference captured: the std::function guarded() takes keeps it inline, so an abort
      // (which leaves by siglongjmp, skipping its destructor) leaks nothing.
      struct {
        volatile std::uint64_t* p;
        const std::uint64_t* cmd;
        std::uint64_t value;
      } a{r.as<volatile std::uint64_t>(Ipa{cmd[1]}), cmd, 0};
      const auto abort = r.guarded([&a] {
        if (a.cmd[0] == 2) {
          a.value = *a.p;
        } else {
          *a.p = a.cmd[2];
        }
      });
      return {abort ? 1U : 0U, a.value};
    }
    case 4: return {static_cast<std::uint64_t>(r.start_cpu(1, cmd[1])), 0};
    default: return {~0ULL, 0};
  }
}

/// REC 1: commands from the mailbox (RemoteMailbox's layout), never a host call after the map.
int poll_mailbox(realm::Realm& r) {
  auto* box = reinterpret_cast<std::uint64_t*>(r.map_host_buffer(r.context(), Ipa{kMailboxIpa}, kGranuleSize));
  std::atomic_ref<std::uint64_t> posted(box[mailbox::kPosted]);
  std::atomic_ref<std::uint64_t> done(box[mailbox::kDone]);
  std::atomic_ref<std::uint64_t> ready(box[mailbox::kReady]);
  ready.store(1, std::memory_order_release);
  std::uint64_t seen = done.load(std::memory_order_acquire);
  for (;;) {
    const std::uint64_t n = posted.load(std::memory_order_acquire);
    if (n == seen) {
      r.cpu_relax();  // lets the host's interrupt in (it stops the realm that way)
      std::this_thread::sleep_for(std::chrono::microseconds(20));
      continue;
    }
    if (box[mailbox::kCommand] == 0) return 0;
    const auto result = execute(r, &box[mailbox::kCommand]);
    box[mailbox::kResult] = result[0];
    box[mailbox::kResult + 1] = result[1];
    seen = n;
    done.store(n, std::memory_order_release);
  }
}

int csm_remote(realm::Realm& r) {
  // Another REC started with a mailbox (command [4]) polls it; one started by a raw CPU_ON with
  // context 0 (RemoteVmm::start_remote_rec) asks its host for commands like REC 0.
  if (r.rec_index() != 0 && r.context() != 0) return poll_mailbox(r);
  std::array<std::uint64_t, 2> result{};
  for (;;) {
    const auto cmd = r.host_call(kNextCommand, result);
    if (cmd[0] == 0) return 0;
    result = execute(r, cmd.data());
  }
}
CAEC_REALM_PROGRAM("csm-remote", csm_remote);

}  // namespace
}  // namespace caec::testing
