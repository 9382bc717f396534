// `caec demo`: the guided tour of the emulated machine and the RMM.
#pragma once

#include <cstdint>
#include <string>

namespace caec::app {

struct DemoOptions {
  unsigned ipa_width = 40;
  std::string hash = "sha256";
  std::uint64_t memory_mib = 256;
  /// Where to draw who shares what once the CSM exchange is over (.svg: SVG, else DOT); unset: nowhere.
  std::string picture{};
};

/// Runs the demo, printing to stdout; returns the process exit code.
int run_demo(const DemoOptions& options);

}  // namespace caec::app
