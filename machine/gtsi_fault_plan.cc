#include "machine/gtsi_fault_plan.h"

namespace caec::machine {

void GtsiFaultPlan::fail_nth(abi::El3Fid fid, std::uint64_t nth, abi::El3Status status) {
  add({.fid = fid, .pa = std::nullopt, .skip = nth == 0 ? 0 : nth - 1, .count = 1, .status = status});
}

void GtsiFaultPlan::fail_at(abi::El3Fid fid, Pa pa, std::uint64_t count, abi::El3Status status) {
  add({.fid = fid, .pa = pa, .skip = 0, .count = count, .status = status});
}

void GtsiFaultPlan::add(const Rule& rule) {
  std::lock_guard lock(mutex_);
  rules_.push_back({rule, 0});
  armed_.store(true, std::memory_order_release);
}

void GtsiFaultPlan::clear() {
  std::lock_guard lock(mutex_);
  rules_.clear();
  armed_.store(false, std::memory_order_release);
}

std::optional<abi::El3Status> GtsiFaultPlan::check(abi::El3Fid fid, Pa pa) {
  if (!armed()) return std::nullopt;
  std::lock_guard lock(mutex_);
  std::optional<abi::El3Status> fail;
  for (Armed& a : rules_) {
    const Rule& r = a.rule;
    if (r.fid != fid || (r.pa && *r.pa != pa)) continue;
    const std::uint64_t n = a.seen++;
    // Every matching rule counts the call, so rules armed together keep independent counts.
    if (!fail && n >= r.skip && n < r.skip + r.count) fail = r.status;
  }
  std::erase_if(rules_, [](const Armed& a) { return a.seen >= a.rule.skip + a.rule.count; });
  armed_.store(!rules_.empty(), std::memory_order_release);
  if (fail) injected_.fetch_add(1);
  return fail;
}

}  // namespace caec::machine
