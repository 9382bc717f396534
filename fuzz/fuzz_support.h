// What the fuzzers in fuzz/ share: stopping with a message (libFuzzer saves the input that
// aborts), and running a harness over the steps an input encodes.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace caec::fuzz {

/// The property a fuzzer checks does not hold: say which, and abort.
[[noreturn]] inline void fail(const char* fuzzer, const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", fuzzer, what.c_str());
  std::abort();
}

/// Builds a `Harness` from the input and runs its step() until the input is used up or
/// `max_steps` steps have run.
template <class Harness>
void run_steps(const std::uint8_t* data, std::size_t size, std::size_t max_steps) {
  FuzzedDataProvider in(data, size);
  Harness harness(in);
  for (std::size_t i = 0; i < max_steps && in.remaining_bytes() > 0; ++i) harness.step();
}

}  // namespace caec::fuzz
