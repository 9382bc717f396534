// The RMM leaves R-EL2 by returning, never by unwinding (firmware has no unwinder): its code is
// built without exceptions and without unwind tables (rmm/CMakeLists.txt), so an exception that
// tries to cross an RMM frame ends the process. This test proves the guard is in the build; the
// rest of the suite, which destroys RECs parked at every kind of exit, then proves that no
// path still unwinds through the RMM (each would end the test run).
#include <gtest/gtest.h>

#include <stdexcept>

#include "rmm/runtime/rmm.h"
#include "rmm/port/scratch_platform_test.h"

namespace caec::rmm {
namespace {

/// EL3's boot manifest read fails with an exception: it must not pass through Rmm's constructor.
class ThrowingPlatform final : public ScratchPlatform {
 public:
  [[nodiscard]] DramBank dram() const override { throw std::runtime_error("platform exception"); }
};

TEST(RmmUnwind, an_exception_cannot_cross_an_rmm_frame) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ThrowingPlatform platform;
        try {
          Rmm rmm(platform, {});
        } catch (const std::runtime_error&) {
          // Reached only if the RMM's frames could be unwound.
          std::fputs("unwound through the RMM\n", stderr);
          std::exit(0);
        }
      },
      "terminate called after throwing");
}

}  // namespace
}  // namespace caec::rmm
