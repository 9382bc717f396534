// A REC's context on the emulated PE.
#include "machine/vcpu.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "machine/machine.h"

namespace caec::machine {
namespace {

TEST(Vcpu, realm_software_that_throws_ends_its_context_not_the_emulator) {
  // The rmi_stream fuzzer met realm firmware that read a corrupt boot block and threw on the
  // realm thread, which terminated the whole process (fuzz/regressions/rmi_stream/).
  Machine m({.dram_base = Pa{0x8000'0000}, .dram_bytes = 1ULL << 20U, .secure_granules = 1,
             .stage2_half_window = 1ULL << 30U});
  m.set_realm_boot([](Vcpu&) { throw std::runtime_error("corrupt boot block"); });
  Stage2& s2 = m.mmu().configure(Vmid{1}, {m.memory().base(), RttLevel{1}, 2, 40});
  const auto v = m.create_vcpu(m.memory().base(), s2, {});
  v->run();
  EXPECT_TRUE(v->ended());
}

}  // namespace
}  // namespace caec::machine
