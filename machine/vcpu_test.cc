// A REC's context on the emulated PE.
#include "machine/vcpu.h"

#include <gtest/gtest.h>

#include <exception>
#include <stdexcept>
#include <string>
#include <thread>

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

TEST(Vcpu, a_realm_parked_inside_a_catch_block_keeps_its_exception_to_itself) {
  // The C++ runtime keeps the exceptions being handled per thread; a REC context moves between
  // threads (machine/exception_state.h). The rmi_stream fuzzer found a realm's exception leaked
  // when its REC, parked at an exit inside a catch block, was torn down from another thread.
  Machine m({.dram_base = Pa{0x8000'0000}, .dram_bytes = 1ULL << 20U, .secure_granules = 1,
             .stage2_half_window = 1ULL << 30U});
  std::string realm_saw;
  m.set_realm_boot([&](Vcpu& v) {
    try {
      throw std::runtime_error("the realm's");
    } catch (const std::runtime_error&) {
      (void)v.yield();  // a REC exit from inside the catch block
      try {
        throw;  // the exception this catch block handles, whichever thread resumed it
      } catch (const std::exception& e) {
        realm_saw = e.what();
      }
    }
  });
  Stage2& s2 = m.mmu().configure(Vmid{1}, {m.memory().base(), RttLevel{1}, 2, 40});
  const auto v = m.create_vcpu(m.memory().base(), s2, {});
  v->run();
  ASSERT_FALSE(v->ended());
  EXPECT_FALSE(std::current_exception()) << "the host thread holds the realm's exception";

  std::string host_kept;
  std::thread([&] {
    try {
      throw std::logic_error("the other host thread's");
    } catch (const std::logic_error&) {
      v->run();  // the REC resumes on this thread, inside this thread's own catch block
      try {
        throw;
      } catch (const std::exception& e) {
        host_kept = e.what();
      }
    }
  }).join();
  EXPECT_TRUE(v->ended());
  EXPECT_EQ(realm_saw, "the realm's");
  EXPECT_EQ(host_kept, "the other host thread's");
  EXPECT_FALSE(std::current_exception());
}

}  // namespace
}  // namespace caec::machine
