// Order statistics for benchmark samples: medians with min and max, so noise stays visible.
#pragma once

#include <algorithm>
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

}  // namespace caec::bench
