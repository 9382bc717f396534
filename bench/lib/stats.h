// Order statistics for benchmark samples: medians with min and max, so noise stays visible.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace caec::bench {

struct Summary {
  double min = 0;
  double median = 0;
  double max = 0;
};

template <class T>
[[nodiscard]] Summary summarize(std::vector<T> samples) {
  if (samples.empty()) return {};
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  const double median = n % 2 == 1 ? static_cast<double>(samples[n / 2])
                                   : (static_cast<double>(samples[n / 2 - 1]) + static_cast<double>(samples[n / 2])) / 2;
  return {static_cast<double>(samples.front()), median, static_cast<double>(samples.back())};
}

/// The mean of the samples within a factor of 2 of their median (the steady mean): robust to
/// the few calls an interrupt or a page fault stretches, like the median, but not bound to the
/// clock's step. This VM's TSC advances 21 ticks (10 ns) at a time, so every timed call is a
/// multiple of 21 and so is any median of them; a near-placement message costs 8-10 steps, and
/// a median cannot tell 5% of it. The call's phase against the step is random, so the mean of
/// the steps is the cost, to a fraction of a step; trimming a fixed share of each end instead
/// would bias it whenever one step holds fewer samples than the share.
template <class T>
[[nodiscard]] double steady_mean(const std::vector<T>& samples) {
  if (samples.empty()) return 0;
  const double median = summarize(samples).median;
  double sum = 0;
  std::size_t n = 0;
  for (const T& v : samples) {
    const auto x = static_cast<double>(v);
    if (x > 2 * median || 2 * x < median) continue;
    sum += x;
    ++n;
  }
  return sum / static_cast<double>(n);  // n > 0: the median itself is within
}

/// Like summarize, but the median is the lowest of the medians of `batches` consecutive runs of
/// samples: for a floor (the best the machine can do) taken on a cloud vCPU whose core other work
/// shares in bursts of a second or so (bench/lib/core_speed.h), a burst that covers half the
/// samples must not become the floor. Min and max stay those of every sample.
template <class T>
[[nodiscard]] Summary summarize_best_batch(const std::vector<T>& samples, std::size_t batches) {
  if (samples.empty()) return {};
  Summary all = summarize(samples);
  const std::size_t per = std::max<std::size_t>(samples.size() / std::max<std::size_t>(batches, 1), 1);
  for (std::size_t from = 0; from < samples.size(); from += per) {
    const auto first = samples.begin() + static_cast<std::ptrdiff_t>(from);
    const auto last = samples.begin() + static_cast<std::ptrdiff_t>(std::min(from + per, samples.size()));
    if (static_cast<std::size_t>(last - first) < per) break;  // a short tail is not a batch
    all.median = std::min(all.median, summarize(std::vector<T>(first, last)).median);
  }
  return all;
}

}  // namespace caec::bench
