// The reference host's emulated console: a PL011-like UART that realms reach by MMIO in the
// unprotected IPA half, as a kernel reaches a board's UART. The host maps nothing there, so
// every access is an emulatable data abort (ISV = 1) that the host completes with REC_ENTER's
// emul_mmio (rmm-1.0.md §2.3). A convention between the realm SDK and the reference host, like
// abi/host_call.h; the RMM does not know it.
#pragma once

#include <cstdint>

namespace caec::abi::mmio_console {

/// Where the device sits: this offset from the base of the unprotected half (QEMU virt's PL011
/// address), one granule. A realm that shares protected memory at the same offset with the host
/// shadows it, as RAM over a device would on a board.
inline constexpr std::uint64_t kOffset = 0x0900'0000;
inline constexpr std::uint64_t kSize = 0x1000;

/// UARTDR: a write sends bits 7:0 as one byte of output; a read returns 0 (no input).
inline constexpr std::uint64_t kData = 0x000;
/// UARTFR: transmit FIFO empty and receive FIFO empty (the host takes each byte at once).
inline constexpr std::uint64_t kFlags = 0x018;
inline constexpr std::uint64_t kFlagsValue = 0x90;
/// UARTPeriphID0..3 and UARTPCellID0..3: a PL011's identification (0x00041011, 0xB105F00D),
/// one byte per 32-bit register, read by drivers that probe the device.
inline constexpr std::uint64_t kPeriphId0 = 0xFE0;
inline constexpr std::uint32_t kPeriphId = 0x0004'1011;
inline constexpr std::uint32_t kCellId = 0xB105'F00D;

}  // namespace caec::abi::mmio_console
