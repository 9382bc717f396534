// The reference host's check of data-abort exits: the well-formed exits of both kinds pass,
// and every field the spec keeps from the host is caught when it leaks.
#include "host/rec_exit_check.h"

#include <gtest/gtest.h>

#include <functional>
#include <utility>
#include <vector>

#include "caec/abi/esr.h"

namespace caec::host {
namespace {

namespace esr = abi::esr;

constexpr std::uint64_t kUnprotected = 1ULL << 39U;

abi::RmiRecExit abort_at(std::uint64_t ipa, std::uint64_t iss) {
  abi::RmiRecExit e{};
  e.exit_reason = static_cast<std::uint64_t>(abi::RmiRecExitReason::kSync);
  e.esr = (esr::kEcDataAbortLower << esr::kEcShift) | esr::dfsc_at(esr::kDfscTranslation, RttLevel{3}) | iss;
  e.hpfar = esr::hpfar(ipa);
  return e;
}
abi::RmiRecExit non_emulatable() { return abort_at(0x300000, 0); }
abi::RmiRecExit emulatable_store() {
  abi::RmiRecExit e = abort_at(kUnprotected + 0x5000, esr::access_syndrome(2, false, true));
  e.far = 0x24;
  e.gprs[0] = 0xCAFE'F00D;
  return e;
}

TEST(DataAbortExitCheck, passes_well_formed_exits) {
  EXPECT_FALSE(data_abort_exit_defect(non_emulatable(), kUnprotected));
  EXPECT_FALSE(data_abort_exit_defect(emulatable_store(), kUnprotected));
  abi::RmiRecExit load = emulatable_store();
  load.esr &= ~esr::kWnR;
  load.gprs[0] = 0;
  EXPECT_FALSE(data_abort_exit_defect(load, kUnprotected));
}

TEST(DataAbortExitCheck, catches_every_field_the_rmm_must_hide) {
  const std::vector<std::pair<const char*, std::function<void(abi::RmiRecExit&)>>> leaks{
      {"IL", [](abi::RmiRecExit& e) { e.esr |= esr::kIl; }},
      {"WnR", [](abi::RmiRecExit& e) { e.esr |= esr::kWnR; }},
      {"SRT", [](abi::RmiRecExit& e) { e.esr |= 5ULL << esr::kSrtShift; }},
      {"SSE", [](abi::RmiRecExit& e) { e.esr |= esr::kSse; }},
      {"ISV at a protected IPA", [](abi::RmiRecExit& e) { e.esr |= esr::kIsv; }},
      {"EA", [](abi::RmiRecExit& e) { e.esr |= esr::kEa; }},
      {"an external-abort DFSC", [](abi::RmiRecExit& e) { e.esr = (e.esr & ~esr::kDfscMask) | esr::kDfscSea; }},
      {"FAR", [](abi::RmiRecExit& e) { e.far = 0x10; }},
      {"gprs[0]", [](abi::RmiRecExit& e) { e.gprs[0] = 1; }},
      {"gprs[30]", [](abi::RmiRecExit& e) { e.gprs[30] = 1; }},
      {"HPFAR low bits", [](abi::RmiRecExit& e) { e.hpfar |= 1; }},
      {"imm", [](abi::RmiRecExit& e) { e.imm = 1; }},
  };
  for (const auto& [what, leak] : leaks) {
    abi::RmiRecExit e = non_emulatable();
    leak(e);
    EXPECT_TRUE(data_abort_exit_defect(e, kUnprotected)) << what;
  }
  abi::RmiRecExit wide = emulatable_store();
  wide.gprs[0] = 0x1'0000'0000;  // more than the 4 bytes stored
  EXPECT_TRUE(data_abort_exit_defect(wide, kUnprotected));
  abi::RmiRecExit far = emulatable_store();
  far.far = 0x1000;  // more than an offset within the granule
  EXPECT_TRUE(data_abort_exit_defect(far, kUnprotected));
  abi::RmiRecExit load_value = emulatable_store();
  load_value.esr &= ~esr::kWnR;  // a load shows no register
  EXPECT_TRUE(data_abort_exit_defect(load_value, kUnprotected));
}

}  // namespace
}  // namespace caec::host
