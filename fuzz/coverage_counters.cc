#include "fuzz/coverage_counters.h"

// The linker's bounds of the section SanitizerCoverage's inline-8bit-counters fill.
extern "C" {
extern std::uint8_t __start___sancov_cntrs[] __attribute__((weak, visibility("hidden")));  // NOLINT
extern std::uint8_t __stop___sancov_cntrs[] __attribute__((weak, visibility("hidden")));   // NOLINT
}

namespace caec::fuzz {

std::span<std::uint8_t> coverage_counters() {
  if (__start___sancov_cntrs == nullptr || __stop___sancov_cntrs == nullptr) return {};
  return {__start___sancov_cntrs, __stop___sancov_cntrs};
}

}  // namespace caec::fuzz
