// The inline 8-bit coverage counters libFuzzer reads after every input (fuzz/CMakeLists.txt
// builds coverage_counters.cc without instrumentation: a file that has counters of its own must
// not name the section's bounds, or the compiler renames its own references to them and the
// fuzzer sees no counters at all).
#pragma once

#include <cstdint>
#include <span>

namespace caec::fuzz {

/// Every counter of the binary (empty if it has none).
[[nodiscard]] std::span<std::uint8_t> coverage_counters();

}  // namespace caec::fuzz
