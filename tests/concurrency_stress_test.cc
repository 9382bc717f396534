// Concurrency stress: realms whose RECs (several per realm, each on its own host thread, spread
// over both cores) issue CSM calls as providers and consumers of each other ("csm-churn",
// tests/programs/csm_churn.cc), while a host thread launches, runs, kills and destroys another
// realm they share with. A watchdog turns a deadlock into a failure. The CSM invariants and the
// PAS accounting are checked at every quiescent point (every realm stopped) and after
// teardown, and the memory the host and the RMM hold returns to its baseline after every round.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>

#include "testing/rmm_fixture.h"
#include "testing/system_checks.h"
#include "testing/watchdog.h"
#include "tests/programs/csm_churn.h"

namespace caec::testing {
namespace {

using Clock = std::chrono::steady_clock;

/// What the RECs of one csm-churn realm reported ("churn rec=J calls=N attached=A bad=B").
struct ChurnReport {
  std::uint64_t recs = 0;
  std::uint64_t calls = 0;
  std::uint64_t attached = 0;
  std::uint64_t bad = 0;

  static ChurnReport parse(const std::string& console) {
    ChurnReport rep;
    std::istringstream lines(console);
    for (std::string line; std::getline(lines, line);) {
      unsigned long long rec = 0, calls = 0, attached = 0, bad = 0;
      if (std::sscanf(line.c_str(), "churn rec=%llu calls=%llu attached=%llu bad=%llu", &rec, &calls,
                      &attached, &bad) != 4) {
        continue;
      }
      ++rep.recs;
      rep.calls += calls;
      rep.attached += attached;
      rep.bad += bad;
    }
    return rep;
  }
};

class ConcurrencyStress : public RmmTest {
 protected:
  ConcurrencyStress() { (void)vmm.create_shared_buffer(kChurnBoardId, kGranuleSize); }
  void SetUp() override { baseline_ = MemoryBaseline::take(host_, rmm(), machine()); }

  host::VmRealm& launch_churn(const std::string& self, const std::string& peers, unsigned rounds,
                              unsigned recs, std::uint16_t vmid) {
    host::LaunchSpec spec = program_spec(
        "csm-churn", {self, peers, std::to_string(rounds), std::to_string(recs)}, recs, vmid, 12);
    spec.name = self;
    return vmm.launch(spec);
  }
  /// Waits for a churn realm and returns what its RECs reported; every REC must have finished
  /// its rounds without a bad outcome.
  ChurnReport finish(host::VmRealm& r, unsigned recs) {
    // Generous: six spinning realm threads share two cores with whatever else runs (a parallel
    // ctest, a fuzzer); on an idle machine the churn takes about 9 s. A hang is the watchdog's.
    EXPECT_TRUE(vmm.wait(r, std::chrono::seconds(120))) << r.name() << " did not finish";
    EXPECT_EQ(r.exit_status(), 0) << r.name() << ": " << r.console() << r.error();
    EXPECT_EQ(r.error(), "") << r.name();
    const ChurnReport rep = ChurnReport::parse(r.console());
    EXPECT_EQ(rep.recs, recs) << r.name() << ": " << r.console();
    EXPECT_EQ(rep.bad, 0U) << r.name() << ": " << r.console();
    return rep;
  }
  void expect_consistent(const std::string& when) { testing::expect_consistent(rmm(), machine(), when); }
  void expect_baseline(const std::string& when) {
    testing::expect_baseline(baseline_, host_, rmm(), machine(), when);
  }

  host::Vmm vmm{host_, [this](Pa rec) { system_.platform().interrupt(rec); }};
  MemoryBaseline baseline_;
};

void report(const char* what, std::uint64_t calls, std::uint64_t attached, Clock::duration took) {
  const double s = std::chrono::duration<double>(took).count();
  std::printf("[ figures  ] %s: %llu CSM calls, %llu attaches in %.2f s (%.0f calls/s)\n", what,
              static_cast<unsigned long long>(calls), static_cast<unsigned long long>(attached), s,
              static_cast<double>(calls) / s);
}

TEST_F(ConcurrencyStress, two_realms_attach_to_each_other_from_several_recs_at_once) {
  const Watchdog watchdog(std::chrono::seconds(180), "two realms attaching to each other");
  constexpr unsigned kRecs = 3;
  constexpr unsigned kRounds = 3000;
  const auto t0 = Clock::now();
  auto& a = launch_churn("a", "b", kRounds, kRecs, 1);
  auto& b = launch_churn("b", "a", kRounds, kRecs, 2);
  vmm.start(a);
  vmm.start(b);
  const ChurnReport ra = finish(a, kRecs);
  const ChurnReport rb = finish(b, kRecs);
  const auto took = Clock::now() - t0;
  // Both directions really attached: the race was run, not skipped. How often an attach beats
  // the provider's revoke of the round is lopsided: on an idle 2-vCPU machine b (launched
  // second) attaches about 7,000 times in its 9,000 rounds and a about 300 (every run), and with
  // a parallel ctest beside it a fell to 100. Safety does not depend on it (every outcome is
  // checked); so only "many times" is asserted and the split is printed.
  EXPECT_GE(ra.attached, kRounds / 100);
  EXPECT_GE(rb.attached, kRounds / 100);
  std::printf("[ figures  ] attaches by direction: a %llu, b %llu\n", static_cast<unsigned long long>(ra.attached),
              static_cast<unsigned long long>(rb.attached));
  expect_consistent("every REC done, realms alive");
  vmm.destroy(a);
  vmm.destroy(b);
  expect_consistent("realms destroyed");
  expect_baseline("realms destroyed");
  report("two realms x 3 RECs", ra.calls + rb.calls, ra.attached + rb.attached, took);
  RecordProperty("calls", static_cast<int>(ra.calls + rb.calls));
}

TEST_F(ConcurrencyStress, csm_calls_on_many_recs_while_the_host_creates_kills_and_destroys_realms) {
  const Watchdog watchdog(std::chrono::seconds(180), "CSM churn with realms created and destroyed");
  constexpr unsigned kRoundsOfTest = 4;
  constexpr unsigned kRecs = 2;
  constexpr unsigned kRounds = 1500;
  std::uint64_t calls = 0;
  std::uint64_t attached = 0;
  unsigned launched = 0;
  unsigned killed = 0;
  std::uint64_t rss_after_first = 0;
  std::uint64_t heap_after_first = 0;
  const auto t0 = Clock::now();
  for (unsigned round = 0; round < kRoundsOfTest; ++round) {
    const std::string when = "round " + std::to_string(round);
    auto& a = launch_churn("a", "b,x", kRounds, kRecs, 1);
    auto& b = launch_churn("b", "a,x", kRounds, kRecs, 2);
    vmm.start(a);
    vmm.start(b);
    // The host meanwhile keeps launching a third realm both share with, and alternately lets
    // it run to the end or kills it mid-run (while it is attached, most of the time).
    std::atomic<bool> stop{false};
    std::thread host_thread([&] {
      for (unsigned cycle = 0; !stop.load(); ++cycle) {
        const bool kill = cycle % 2 == 1;
        auto& x = launch_churn("x", "a,b", kill ? 100000 : 20, 1, 3);
        ++launched;
        vmm.start(x);
        if (kill) {
          std::this_thread::sleep_for(std::chrono::milliseconds(15));
          ++killed;
        } else {
          (void)finish(x, 1);
        }
        vmm.destroy(x);
      }
    });
    const ChurnReport ra = finish(a, kRecs);
    const ChurnReport rb = finish(b, kRecs);
    stop = true;
    host_thread.join();
    calls += ra.calls + rb.calls;
    attached += ra.attached + rb.attached;
    EXPECT_GT(ra.attached + rb.attached, 0U) << when;
    expect_consistent(when + ": every REC done, realms alive");
    vmm.destroy(a);
    vmm.destroy(b);
    expect_consistent(when + ": realms destroyed");
    expect_baseline(when + ": realms destroyed");
    if (round == 0) {
      rss_after_first = anonymous_rss_kib();
      heap_after_first = live_heap_bytes();
    }
  }
  const auto took = Clock::now() - t0;
  const std::uint64_t rss = anonymous_rss_kib();
  const std::uint64_t heap = live_heap_bytes();
  EXPECT_GT(killed, 0U) << "no realm was killed mid-run";
  // The live heap stays put from round to round (the emulated DRAM is not heap). RSS is
  // reported, not bounded: under ASan the quarantine of freed blocks grows it by design.
  EXPECT_LT(heap, heap_after_first + (std::uint64_t{32} << 20U))
      << "live heap grew from " << heap_after_first << " bytes to " << heap;
  report("4 rounds, 2 realms x 2 RECs + a realm launched/killed", calls, attached, took);
  std::printf("[ figures  ] third realm launched %u times, killed mid-run %u times; live heap %llu KiB after "
              "round 1, %llu KiB at the end; RssAnon %llu KiB after round 1, %llu KiB at the end\n",
              launched, killed, static_cast<unsigned long long>(heap_after_first >> 10U),
              static_cast<unsigned long long>(heap >> 10U), static_cast<unsigned long long>(rss_after_first),
              static_cast<unsigned long long>(rss));
  RecordProperty("calls", static_cast<int>(calls));
  RecordProperty("realms_killed", static_cast<int>(killed));
}

}  // namespace
}  // namespace caec::testing
