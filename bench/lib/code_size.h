// The code size of the CSM extension against the rest of the RMM (design/benchmarks.md, the
// paper's code-size figure), as scripts/count_rmm_lines.sh measured it when this binary was
// built: the figures describe exactly the RMM that `caec bench` runs.
#pragma once

#include <cstdint>

namespace caec::bench {

struct CodeSize {
  std::uint64_t rmm_lines = 0;       // non-blank lines of rmm/ (tests and introspection excluded)
  std::uint64_t rmm_code_lines = 0;  // the same without comment lines
  std::uint64_t csm_lines = 0;       // the CSM extension's own files
  std::uint64_t csm_code_lines = 0;
  std::uint64_t csm_hook_lines = 0;    // CSM lines inside files shared with RMM 1.0 (approximate)
  std::uint64_t rmm_object_bytes = 0;  // text + data of the RMM's objects
  std::uint64_t csm_object_bytes = 0;  // of the CSM files' objects
  // The RMM core built as freestanding AArch64 firmware (scripts/firmware_build.sh); 0 if the
  // build machine had no cross compiler.
  std::uint64_t aarch64_core_text_bytes = 0;
  std::uint64_t aarch64_csm_text_bytes = 0;
};

/// The figures embedded at build time.
[[nodiscard]] CodeSize rmm_code_size();

}  // namespace caec::bench
