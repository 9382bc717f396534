// A one-shot wake-up between two threads (a binary semaphore) on a Linux futex. Used for the
// world switch; safe to wait on from the stage-2 fault handler (futex is a plain syscall).
// libstdc++ 12's std::binary_semaphore can lose a wake-up under this hand-off pattern, which
// is why caec does not use it.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <cstdint>

namespace caec::machine {

class Event {
 public:
  /// Makes one wait() return (now or when it is called).
  void post() {
    word_.store(1, std::memory_order_release);
    syscall(SYS_futex, &word_, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }
  /// Returns once post() was called, consuming it.
  void wait() {
    while (word_.exchange(0, std::memory_order_acquire) == 0) {
      syscall(SYS_futex, &word_, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
    }
  }
  /// Like wait(), but gives up after about `ns` nanoseconds; true if it was posted.
  [[nodiscard]] bool wait_for(std::uint64_t ns) {
    if (word_.exchange(0, std::memory_order_acquire) != 0) return true;
    const timespec timeout{static_cast<time_t>(ns / 1'000'000'000U), static_cast<long>(ns % 1'000'000'000U)};
    syscall(SYS_futex, &word_, FUTEX_WAIT_PRIVATE, 0, &timeout, nullptr, 0);
    return word_.exchange(0, std::memory_order_acquire) != 0;
  }

 private:
  std::atomic<std::uint32_t> word_{0};
};

}  // namespace caec::machine
