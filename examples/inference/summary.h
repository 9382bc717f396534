// The line "pipeline-preprocess" prints when every image has its class: the same for every
// transport, and the same as the pipeline computed outside any realm (tests/examples_test.cc).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace caec::examples::inference {

/// "pipeline images=N histogram=c0,c1,...,c9 checksum=<FNV-1a of the classes in image order>".
[[nodiscard]] std::string summary(std::span<const std::uint8_t> classes);

}  // namespace caec::examples::inference
