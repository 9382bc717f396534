#include "host/mmio_console.h"

#include "caec/abi/esr.h"
#include "caec/abi/mmio_console.h"

namespace caec::host {

namespace {

namespace uart = abi::mmio_console;

/// What a load of register `offset` returns; 0 for registers the device does not model.
std::uint64_t read_register(std::uint64_t offset) {
  if (offset == uart::kFlags) return uart::kFlagsValue;
  if (offset >= uart::kPeriphId0 && offset < uart::kPeriphId0 + 8 * 4 && offset % 4 == 0) {
    const std::uint64_t ids = (std::uint64_t{uart::kCellId} << 32U) | uart::kPeriphId;
    return (ids >> ((offset - uart::kPeriphId0) / 4 * 8)) & 0xFFU;
  }
  return 0;
}

}  // namespace

bool on_mmio_console(Ipa ipa, std::uint64_t unprotected_base) {
  const std::uint64_t base = unprotected_base + uart::kOffset;
  return ipa.value() >= base && ipa.value() - base < uart::kSize;
}

void emulate_mmio_console(const abi::RmiRecExit& exit, abi::RmiRecEnter& enter, std::string& output) {
  // The RMM shows the offset within the granule in FAR, and the direction in WnR.
  const std::uint64_t offset = exit.far & (uart::kSize - 1U);
  if ((exit.esr & abi::esr::kWnR) != 0) {
    if (offset == uart::kData) output.push_back(static_cast<char>(exit.gprs[0] & 0xFFU));
  } else {
    enter.gprs[0] = read_register(offset);
  }
  enter.flags |= abi::rec_enter_flags::kEmulMmio;
}

}  // namespace caec::host
