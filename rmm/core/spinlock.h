// The RMM's lock for small global tables (VMIDs, the RID registry): a test-and-test-and-set
// spin lock, as TF-RMM's spinlock_t. Held for a few loads and stores only, never across another
// lock or a REC exit, so it is a leaf of the lock order (rmm/core/lock_order.h).
#pragma once

#include <atomic>

#include "rmm/port/rmm_check.h"

namespace caec::rmm {

class SpinLock {
 public:
  void lock() {
    while (held_.exchange(true, std::memory_order_acquire)) {
      while (held_.load(std::memory_order_relaxed)) cpu_relax();
    }
  }
  void unlock() { held_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> held_{false};
};

/// Holds a SpinLock for its scope.
class SpinGuard {
 public:
  explicit SpinGuard(SpinLock& lock) : lock_(lock) { lock_.lock(); }
  ~SpinGuard() { lock_.unlock(); }
  SpinGuard(const SpinGuard&) = delete;
  SpinGuard& operator=(const SpinGuard&) = delete;

 private:
  SpinLock& lock_;
};

}  // namespace caec::rmm
