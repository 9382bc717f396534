#include "examples/inference/summary.h"

#include <array>

#include "examples/common/checksum.h"
#include "examples/inference/tensor.h"

namespace caec::examples::inference {

std::string summary(std::span<const std::uint8_t> classes) {
  std::array<std::size_t, kClasses> histogram{};
  Fnv1a checksum;
  for (const std::uint8_t c : classes) {
    ++histogram.at(c);
    checksum.add(c);
  }
  std::string line = "pipeline images=" + std::to_string(classes.size()) + " histogram=";
  for (std::size_t c = 0; c < kClasses; ++c) line += (c == 0 ? "" : ",") + std::to_string(histogram[c]);
  return line + " checksum=" + checksum.hex();
}

}  // namespace caec::examples::inference
