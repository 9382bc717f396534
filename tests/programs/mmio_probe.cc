// "test-mmio STEP...": a realm program that makes MMIO accesses through the SDK's accessors,
// one per STEP, and reports each with host call kMmioReport (gprs[0] = the value a load got,
// 0 for a store; gprs[1] = 1 if the access took a synchronous external abort). A STEP is
//   r8@IPA r16@IPA r32@IPA r64@IPA          a load
//   w8@IPA=V w16@IPA=V w32@IPA=V w64@IPA=V  a store of V
//   x@IPA                                   an instruction fetch (Realm::fetch)
//   wfi wfe hvc                             the instruction (hvc reports 1 if undefined)
//   timer@+T                                arms the virtual timer T ticks ahead, WFIs until it
//                                           fires, disarms it; reports CVAL and ISTATUS as seen
//   counter                                 reports CNTVCT_EL0
// with IPA and V in any stoull base. "test-uart" (below) drives the reference host's UART. The exception-model tests (rmm/rmi/rec_exit_test.cc)
// check the data-abort exits these accesses cause and emulate them as a host would.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "caec/abi/mmio_console.h"
#include "realm/program.h"
#include "realm/realm.h"
#include "tests/programs/mmio_probe.h"

namespace caec::testing {
namespace {

using realm::Realm;

template <class T>
std::uint64_t access(Realm& r, bool store, Ipa ipa, std::uint64_t value) {
  if (store) {
    r.mmio_write<T>(ipa, static_cast<T>(value));
    return 0;
  }
  return r.mmio_read<T>(ipa);
}

std::uint64_t sized_access(Realm& r, unsigned bits, bool store, Ipa ipa, std::uint64_t value) {
  switch (bits) {
    case 8: return access<std::uint8_t>(r, store, ipa, value);
    case 16: return access<std::uint16_t>(r, store, ipa, value);
    case 32: return access<std::uint32_t>(r, store, ipa, value);
    default: return access<std::uint64_t>(r, store, ipa, value);
  }
}

int mmio_probe(Realm& r) {
  for (const std::string& step : r.args()) {
    const auto at = step.find('@');
    if (step.starts_with("timer@+") || step == "counter") {
      std::array<std::uint64_t, 2> report{Realm::counter(), 0};
      if (step != "counter") {
        report[0] += std::stoull(step.substr(7), nullptr, 0);
        r.arm_timer(report[0]);
        while (!r.timer_fired()) r.wfi();
        report[1] = 0;  // (no SEA)
        r.disarm_timer();
      }
      (void)r.host_call(kMmioReport, report);
      continue;
    }
    if (step == "wfi" || step == "wfe" || step == "hvc") {
      std::uint64_t undefined = 0;
      if (step == "wfi") r.wfi();
      if (step == "wfe") r.wfe();
      if (step == "hvc") undefined = r.hvc() ? 1U : 0U;
      const std::array<std::uint64_t, 2> report{undefined, 0};
      (void)r.host_call(kMmioReport, report);
      continue;
    }
    if (step.starts_with("x@")) {
      const Ipa ipa{std::stoull(step.substr(2), nullptr, 0)};
      std::uint64_t word = 0;
      const auto abort = r.guarded([&] { word = r.fetch(ipa); });
      const std::array<std::uint64_t, 2> report{word, abort ? 1U : 0U};
      (void)r.host_call(kMmioReport, report);
      continue;
    }
    const auto eq = step.find('=');
    const bool store = !step.empty() && step[0] == 'w';
    const unsigned bits = at == std::string::npos ? 0U : static_cast<unsigned>(std::stoul(step.substr(1, at - 1)));
    if ((step[0] != 'r' && !store) || (bits != 8 && bits != 16 && bits != 32 && bits != 64) ||
        store != (eq != std::string::npos)) {
      r.print("test-mmio: bad step '" + step + "'\n");
      return 2;
    }
    const Ipa ipa{std::stoull(step.substr(at + 1, eq - at - 1), nullptr, 0)};
    const std::uint64_t value = store ? std::stoull(step.substr(eq + 1), nullptr, 0) : 0;
    std::uint64_t got = 0;
    const auto abort = r.guarded([&] { got = sized_access(r, bits, store, ipa, value); });
    const std::array<std::uint64_t, 2> report{got, abort ? 1U : 0U};
    (void)r.host_call(kMmioReport, report);
  }
  return 0;
}
CAEC_REALM_PROGRAM("test-mmio", mmio_probe);

/// "test-uart TEXT": probes the host's emulated UART as a PL011 driver would (its peripheral
/// and cell identification, one byte per 32-bit register, and its flags), prints TEXT through
/// it and returns 0; 1 if the device did not identify as a PL011.
int uart_probe(Realm& r) {
  namespace uart = abi::mmio_console;
  const Ipa base = r.unprotected_alias(Ipa{uart::kOffset});
  std::uint64_t ids = 0;
  for (unsigned i = 0; i < 8; ++i) {
    ids |= std::uint64_t{r.mmio_read<std::uint32_t>(base + uart::kPeriphId0 + 4 * i) & 0xFFU} << (8 * i);
  }
  const bool pl011 = ids == ((std::uint64_t{uart::kCellId} << 32U) | uart::kPeriphId) &&
                     r.mmio_read<std::uint32_t>(base + uart::kFlags) == uart::kFlagsValue;
  for (const auto& a : r.args()) r.uart_print(a + "\n");
  return pl011 ? 0 : 1;
}
CAEC_REALM_PROGRAM("test-uart", uart_probe);

}  // namespace
}  // namespace caec::testing
