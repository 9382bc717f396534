#include "examples/inference/model.h"

#include <algorithm>

#include "examples/common/random.h"

namespace caec::examples::inference {
namespace {

/// Hidden activations are requantized to int8 by this shift: a sum of 256 products of int8
/// values is about 2^16 in size for random weights, so 2^10 keeps most of them inside 0..127.
constexpr unsigned kHiddenShift = 10;

template <std::size_t N>
void fill(SplitMix64& g, std::array<std::int8_t, N>& weights) {
  for (auto& w : weights) w = static_cast<std::int8_t>(g.between(-127, 127));
}

template <std::size_t N>
void fill(SplitMix64& g, std::array<std::int32_t, N>& biases) {
  for (auto& b : biases) b = static_cast<std::int32_t>(g.between(-2048, 2048));
}

}  // namespace

Mlp::Mlp(std::uint64_t seed) {
  SplitMix64 g(seed);
  fill(g, w1_);
  fill(g, b1_);
  fill(g, w2_);
  fill(g, b2_);
}

std::uint8_t Mlp::classify(std::span<const std::byte, kPixels> input) const {
  std::array<std::int32_t, kPixels> x{};
  for (std::size_t i = 0; i < kPixels; ++i) x[i] = static_cast<std::int8_t>(static_cast<std::uint8_t>(input[i]));
  std::array<std::int32_t, kHidden> hidden{};
  for (std::size_t h = 0; h < kHidden; ++h) {
    std::int32_t acc = b1_[h];
    for (std::size_t i = 0; i < kPixels; ++i) acc += w1_[h * kPixels + i] * x[i];
    hidden[h] = std::min(std::max(acc, 0) >> kHiddenShift, 127);  // ReLU, then back to int8
  }
  std::size_t best = 0;
  std::int32_t best_logit = 0;
  for (std::size_t c = 0; c < kClasses; ++c) {
    std::int32_t logit = b2_[c];
    for (std::size_t h = 0; h < kHidden; ++h) logit += w2_[c * kHidden + h] * hidden[h];
    if (c == 0 || logit > best_logit) {  // ties go to the lower class
      best = c;
      best_logit = logit;
    }
  }
  return static_cast<std::uint8_t>(best);
}

}  // namespace caec::examples::inference
