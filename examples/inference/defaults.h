// What the pipeline runs with when its launch says nothing else. The model seed is a launch
// argument of "pipeline-infer", so it is part of that realm's measurement: a preprocess realm
// that checks peer-rim also pins the weights its images are classified with.
#pragma once

#include <cstdint>

namespace caec::examples::inference {

inline constexpr std::uint64_t kDefaultImages = 64;
inline constexpr std::uint64_t kDefaultImageSeed = 1;
inline constexpr std::uint64_t kDefaultModelSeed = 7;
/// Tensors in flight before the preprocess realm waits for a result: preprocessing overlaps
/// inference, and neither ring can fill up (which would deadlock two blocking senders).
inline constexpr std::uint64_t kDefaultWindow = 8;

}  // namespace caec::examples::inference
