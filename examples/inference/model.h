// The model the inference realm runs: a two-layer int8 MLP (256 -> 32 -> 10) with ReLU and
// argmax. Its weights are synthetic, drawn from a seed: the predictions mean nothing, but the
// arithmetic is that of a real quantized network, and it is deterministic.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "examples/inference/tensor.h"

namespace caec::examples::inference {

class Mlp {
 public:
  explicit Mlp(std::uint64_t seed);

  /// The class (0..kClasses-1) of an int8 tensor carried as bytes (possibly in a channel's ring).
  [[nodiscard]] std::uint8_t classify(std::span<const std::byte, kPixels> input) const;

 private:
  std::array<std::int8_t, kHidden * kPixels> w1_{};
  std::array<std::int32_t, kHidden> b1_{};
  std::array<std::int8_t, kClasses * kHidden> w2_{};
  std::array<std::int32_t, kClasses> b2_{};
};

}  // namespace caec::examples::inference
