#include "examples/inference/images.h"

#include <algorithm>
#include <cstdlib>

#include "examples/common/random.h"

namespace caec::examples::inference {

Image make_image(std::uint64_t seed, std::uint64_t index) {
  SplitMix64 g(seed * 0x9E3779B97F4A7C15ULL + index * 0xD1B54A32D192ED03ULL);
  Image image{};
  const std::int64_t background = g.between(0, 40);
  for (auto& p : image) p = static_cast<std::uint8_t>(background + g.between(0, 30));
  // One bright rectangle, so images differ in structure and not only in noise.
  const auto x0 = static_cast<std::size_t>(g.below(kSide - 3));
  const auto y0 = static_cast<std::size_t>(g.below(kSide - 3));
  const std::size_t x1 = std::min(kSide, x0 + 3 + static_cast<std::size_t>(g.below(6)));
  const std::size_t y1 = std::min(kSide, y0 + 3 + static_cast<std::size_t>(g.below(6)));
  const auto level = static_cast<std::uint8_t>(g.between(150, 255));
  for (std::size_t y = y0; y < y1; ++y) {
    for (std::size_t x = x0; x < x1; ++x) image[y * kSide + x] = level;
  }
  return image;
}

void quantize(const Image& image, std::span<std::byte, kPixels> out) {
  std::int64_t sum = 0;
  for (const std::uint8_t p : image) sum += p;
  const std::int64_t n = static_cast<std::int64_t>(kPixels);
  const std::int64_t mean = (sum + n / 2) / n;
  std::int64_t max_abs = 0;
  for (const std::uint8_t p : image) max_abs = std::max(max_abs, std::abs(p - mean));
  for (std::size_t i = 0; i < kPixels; ++i) {
    const std::int64_t d = image[i] - mean;
    // Rounded half away from zero; a flat image quantizes to zeros.
    const std::int64_t q = max_abs == 0 ? 0 : (d * 127 + (d < 0 ? -max_abs : max_abs) / 2) / max_abs;
    out[i] = static_cast<std::byte>(static_cast<std::uint8_t>(static_cast<std::int8_t>(q)));
  }
}

}  // namespace caec::examples::inference
