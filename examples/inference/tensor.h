// The shapes the inference pipeline passes around: 16x16 grey images, their int8 tensors, and
// the classes the model picks from.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace caec::examples::inference {

inline constexpr std::size_t kSide = 16;
inline constexpr std::size_t kPixels = kSide * kSide;
inline constexpr std::size_t kHidden = 32;
inline constexpr std::size_t kClasses = 10;

/// A grey image, row by row.
using Image = std::array<std::uint8_t, kPixels>;
/// A quantized image: int8 values carried as bytes, so it can be built in a channel's ring.
using TensorBytes = std::array<std::byte, kPixels>;

}  // namespace caec::examples::inference
