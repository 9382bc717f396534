// The pipeline's input and its preprocessing: synthetic images (noise plus one bright
// rectangle, a function of seed and index) and their normalization to int8 tensors.
#pragma once

#include <cstdint>
#include <span>

#include "examples/inference/tensor.h"

namespace caec::examples::inference {

/// Image `index` of the stream `seed` (each image can be made on its own).
[[nodiscard]] Image make_image(std::uint64_t seed, std::uint64_t index);

/// Subtracts the image's mean and scales it symmetrically into [-127, 127] (per-tensor int8
/// quantization, integer arithmetic only so that every realm computes the same bytes). Writes
/// into `out`, which may be a slot in a channel's ring.
void quantize(const Image& image, std::span<std::byte, kPixels> out);

}  // namespace caec::examples::inference
