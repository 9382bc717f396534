// Error injection for the emulated EL3 firmware's GTSI_DELEGATE / GTSI_UNDELEGATE, in the
// spirit of QEMU's error-injection hooks: tests arm rules on the machine, and the monitor then
// answers matching calls with an EL3 error instead of changing the GPT. Real firmware can
// refuse a delegation (E_RMM_AGAIN while another CPU holds the GPT lock, E_RMM_NOMEM when a
// GPT L1 table cannot be split); the RMM must cope as it would on hardware. Nothing outside
// the machine knows whether a failure was injected: the RMM sees only the EL3 status.
//
// An injected failure is atomic, as a refusal by real firmware is: the GPT, the host window
// and the TLB are left exactly as they were.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "caec/abi/el3.h"
#include "caec/abi/types.h"

namespace caec::machine {

class GtsiFaultPlan {
 public:
  /// Fails the `nth` (1-based) next call of `fid`, on any granule.
  void fail_nth(abi::El3Fid fid, std::uint64_t nth, abi::El3Status status = abi::El3Status::kAgain);
  /// Fails the next `count` calls of `fid` on granule `pa`.
  void fail_at(abi::El3Fid fid, Pa pa, std::uint64_t count = 1,
               abi::El3Status status = abi::El3Status::kAgain);
  /// Drops every rule (counters stay).
  void clear();

  /// The monitor asks before serving a GTSI call: the error to answer, if a rule fires.
  [[nodiscard]] std::optional<abi::El3Status> check(abi::El3Fid fid, Pa pa);

  /// Failures injected since the machine booted.
  [[nodiscard]] std::uint64_t injected() const { return injected_.load(); }
  /// Rules still waiting to fire.
  [[nodiscard]] bool armed() const { return armed_.load(std::memory_order_acquire); }

 private:
  /// Which calls a rule fails. Calls that match are counted; the first `skip` of them pass,
  /// the next `count` fail with `status`, and the rule is then spent.
  struct Rule {
    abi::El3Fid fid;        // GTSI_DELEGATE or GTSI_UNDELEGATE
    std::optional<Pa> pa;   // only calls on this granule; unset: any
    std::uint64_t skip = 0;
    std::uint64_t count = 1;
    abi::El3Status status = abi::El3Status::kAgain;
  };
  void add(const Rule& rule);

  struct Armed {
    Rule rule;
    std::uint64_t seen = 0;
  };
  std::mutex mutex_;
  std::vector<Armed> rules_;
  std::atomic<bool> armed_{false};  // lets every unplanned call skip the mutex
  std::atomic<std::uint64_t> injected_{0};
};

}  // namespace caec::machine
