#include "bench/lib/core_speed.h"

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>

namespace caec::bench {

std::vector<int> usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) throw std::runtime_error("sched_getaffinity failed");
  std::vector<int> cpus;
  for (std::size_t cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(static_cast<int>(cpu));
  }
  return cpus;
}

namespace {

void pin(std::thread& t, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (cpu < 0 || cpu >= CPU_SETSIZE) throw std::runtime_error("no CPU " + std::to_string(cpu));
  CPU_SET(static_cast<std::size_t>(cpu), &set);
  if (const int e = pthread_setaffinity_np(t.native_handle(), sizeof set, &set); e != 0) {
    throw std::runtime_error("cannot pin a thread to CPU " + std::to_string(cpu) + " (error " + std::to_string(e) + ")");
  }
}

}  // namespace

void run_pinned(int cpu, const std::function<void()>& work, bool others_spin) {
  enum : int { kWait, kRun, kCancel };
  std::atomic<int> state{kWait};
  std::atomic<bool> done{false};
  std::exception_ptr failure;
  std::vector<std::thread> crew;
  // Whatever happens, every thread is released and joined before the atomics go.
  struct Join {
    std::atomic<int>& state;
    std::atomic<bool>& done;
    std::vector<std::thread>& crew;
    ~Join() {
      int waiting = kWait;
      state.compare_exchange_strong(waiting, kCancel);
      done.store(true, std::memory_order_release);
      for (std::thread& t : crew) t.join();
    }
  } join{state, done, crew};
  crew.emplace_back([&] {
    int s = kWait;
    while ((s = state.load(std::memory_order_acquire)) == kWait) _mm_pause();  // starts only once pinned
    if (s != kRun) return;
    try {
      work();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  pin(crew.back(), cpu);
  if (others_spin) {
    for (int other : usable_cpus()) {
      if (other == cpu) continue;
      crew.emplace_back([&] {
        while (!done.load(std::memory_order_acquire)) _mm_pause();
      });
      pin(crew.back(), other);
    }
  }
  state.store(kRun, std::memory_order_release);
  crew.front().join();
  crew.erase(crew.begin());
  if (failure) std::rethrow_exception(failure);
}

std::uint64_t fastest(const std::vector<CoreSpeed>& speeds) {
  std::uint64_t best = UINT64_MAX;
  for (const CoreSpeed& c : speeds) best = std::min(best, c.kernel_ticks);
  return best;
}

std::vector<CoreSpeed> core_speeds(unsigned tries) {
  std::vector<CoreSpeed> out;
  for (int cpu : usable_cpus()) {
    std::uint64_t t = 0;
    run_pinned(cpu, [&] { t = core_kernel_ticks(tries); }, true);
    out.push_back({cpu, t});
  }
  return out;
}

}  // namespace caec::bench
