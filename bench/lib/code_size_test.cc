// The code-size figures every summary carries: those embedded at build time are the RMM this
// binary runs, and the summary puts the freestanding AArch64 core beside the hosted objects.
#include <gtest/gtest.h>

#include "bench/lib/code_size.h"
#include "bench/lib/results.h"

namespace caec::bench {
namespace {

TEST(CodeSize, the_embedded_figures_describe_an_rmm_with_a_csm_part) {
  const CodeSize c = rmm_code_size();
  EXPECT_GT(c.rmm_lines, c.csm_lines);
  EXPECT_GT(c.csm_lines, 0U);
  // The build machine has the cross compiler (scripts/setup.sh installs it).
  EXPECT_GT(c.aarch64_core_text_bytes, c.aarch64_csm_text_bytes);
  EXPECT_GT(c.aarch64_csm_text_bytes, 0U);
}

TEST(CodeSize, the_summary_shows_the_aarch64_core_beside_the_x86_objects) {
  Results r;
  r.code_size = {.rmm_lines = 1000, .rmm_code_lines = 900, .csm_lines = 100, .csm_code_lines = 90,
                 .csm_hook_lines = 5, .rmm_object_bytes = 50000, .csm_object_bytes = 5000,
                 .aarch64_core_text_bytes = 40000, .aarch64_csm_text_bytes = 4000};
  const std::string md = markdown_summary(r);
  EXPECT_NE(md.find("| object bytes (text + data) | 50000 | 5000 | 10.0% |"), std::string::npos) << md;
  EXPECT_NE(md.find("| AArch64 text, freestanding core (`scripts/firmware_build.sh`) | 40000 | 4000 | 10.0% |"),
            std::string::npos) << md;
  r.code_size.aarch64_core_text_bytes = 0;
  r.code_size.aarch64_csm_text_bytes = 0;
  EXPECT_NE(markdown_summary(r).find("not measured (no g++-aarch64-linux-gnu when built)"), std::string::npos);
}

}  // namespace
}  // namespace caec::bench
