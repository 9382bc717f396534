// A REC runs on the PE (host thread) that enters it, and follows the host from thread to
// thread: here every REC_ENTER comes from a new thread, so each run resumes the realm where
// the last one left it on another thread: in the middle of a stage-2 fault handler (a RAM
// page's first touch), or with the realm SDK's abort guard armed.
#include <dirent.h>

#include <thread>

#include "caec/abi/esr.h"
#include "caec/abi/host_call.h"
#include "testing/rec_fixture.h"
#include "testing/system_checks.h"

namespace caec::testing {
namespace {

/// Threads of this process now.
std::size_t threads() {
  std::size_t n = 0;
  DIR* d = opendir("/proc/self/task");
  if (d == nullptr) return 0;
  while (const dirent* e = readdir(d)) n += e->d_name[0] != '.' ? 1U : 0U;
  closedir(d);
  return n;
}

class RecMigration : public RecTest {
 protected:
  struct Outcome {
    std::int64_t status = -1;  // the program's return value (its exit host call)
    std::size_t fault_exits = 0;
    std::size_t entries = 0;
    std::size_t max_threads_during_runs = 0;  // threads seen from inside a run's exits
  };

  /// Enters REC 0 of `r`, each time from a new thread, until the program reports its status.
  Outcome run_hopping(host::VmRealm& r) {
    Outcome out;
    const Pa rec = rec_of(r, 0);
    const Pa run = r.run_pages.at(0);
    for (int n = 0; n < 256; ++n) {
      abi::RmiReturn ret{};
      std::thread pe([&] { ret = enter(rec, run); });
      pe.join();
      ++out.entries;
      if (!ret.ok()) {
        ADD_FAILURE() << "RMI_REC_ENTER: " << host::describe(ret);
        return out;
      }
      out.max_threads_during_runs = std::max(out.max_threads_during_runs, threads());
      const abi::RmiRecExit exit = exit_of(run);
      const auto why = static_cast<RmiRecExitReason>(exit.exit_reason);
      if (why == RmiRecExitReason::kHostCall && exit.imm == abi::host_call::kExit) {
        out.status = static_cast<std::int64_t>(exit.gprs[0]);
        return out;
      }
      if (why == RmiRecExitReason::kSync && abi::esr::ec(exit.esr) == abi::esr::kEcDataAbortLower) {
        ++out.fault_exits;
        populate(r.built, Ipa{abi::esr::ipa_from_hpfar(exit.hpfar)});
      } else if (why != RmiRecExitReason::kHostCall && why != RmiRecExitReason::kIrq) {
        ADD_FAILURE() << "unexpected REC exit " << exit.exit_reason;
        return out;
      }
    }
    ADD_FAILURE() << "the program never reported its status";
    return out;
  }
};

TEST_F(RecMigration, a_rec_resumes_inside_its_fault_handler_on_whichever_thread_enters_it) {
  auto& r = launch("test-touch-ram", {"24"});
  const std::size_t before = threads();
  const Outcome o = run_hopping(r);
  EXPECT_EQ(o.status, 24) << "every page written on one thread read back on another";
  EXPECT_GE(o.fault_exits, 24U) << "each first touch exits from inside the fault handler";
  // The REC has no thread of its own: while the runs' exits were handled, only the entering
  // thread existed beside the test's.
  EXPECT_LE(o.max_threads_during_runs, before + 1);
}

TEST_F(RecMigration, the_abort_guard_follows_the_rec_to_another_thread) {
  // The realm arms its guard, exits twice inside it and then touches RIPAS EMPTY memory, each
  // run on another thread: the SEA must reach its guard (TPIDR_EL1), not the storage of the
  // thread that entered it last.
  auto& r = launch("test-guard-across-exits");
  const Outcome o = run_hopping(r);
  EXPECT_GE(o.entries, 3U);
  EXPECT_EQ(o.status, 0);
}

TEST_F(RecMigration, destroying_a_rec_parked_in_its_fault_handler_unwinds_it_on_the_destroying_thread) {
  auto& r = launch("test-touch-ram", {"24"});
  const Pa rec = rec_of(r, 0);
  const Pa run = r.run_pages.at(0);
  abi::RmiReturn ret{};
  std::thread pe([&] { ret = enter(rec, run); });
  pe.join();
  ASSERT_TRUE(ret.ok());
  const abi::RmiRecExit exit = exit_of(run);
  ASSERT_EQ(abi::esr::ec(exit.esr), abi::esr::kEcDataAbortLower) << "parked in its fault handler";
  vmm.destroy(r);  // REC_DESTROY on this thread, which never entered the REC
  expect_consistent(rmm(), machine(), "a REC destroyed while parked in a fault handler");
}

}  // namespace
}  // namespace caec::testing
