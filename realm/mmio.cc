// The realm SDK's MMIO accessors and instruction fetch. Realm code here is native C++, so the
// emulated PE cannot decode a faulting instruction; these accessors are the instructions whose
// syndrome it knows (a single load or store of X0/W0, a fetch), and they hand it to the PE
// when the access faults.
#include <bit>
#include <type_traits>

#include "caec/abi/mmio_console.h"
#include "machine/fault_handler.h"
#include "realm/realm.h"

namespace caec::realm {

namespace {

template <class T>
abi::MemoryAccess access_of(Ipa ipa, bool write, T value) {
  static_assert(std::is_unsigned_v<T> && sizeof(T) <= 8);
  abi::MemoryAccess a;
  a.write = write;
  a.syndrome_valid = ipa.value() % sizeof(T) == 0;  // the architecture gives none for unaligned
  a.size_log2 = static_cast<std::uint8_t>(std::countr_zero(sizeof(T)));
  a.reg = 0;
  a.reg64 = sizeof(T) == 8;
  a.store_value = value;
  return a;
}

}  // namespace

template <class T>
T Realm::mmio_read(Ipa ipa) {
  const abi::MemoryAccess access = access_of<T>(ipa, false, 0);
  for (;;) {
    T value{};
    if (machine::recoverable_copy(&value, ptr(ipa), sizeof value)) return value;
    const abi::AbortResolution r = vcpu_.translate(ipa, access);
    if (r.kind == abi::AbortResolution::Kind::kEmulated) return static_cast<T>(r.value);
  }
}

template <class T>
void Realm::mmio_write(Ipa ipa, T value) {
  const abi::MemoryAccess access = access_of<T>(ipa, true, value);
  for (;;) {
    if (machine::recoverable_copy(ptr(ipa), &value, sizeof value)) return;
    if (vcpu_.translate(ipa, access).kind == abi::AbortResolution::Kind::kEmulated) return;
  }
}

template std::uint8_t Realm::mmio_read<std::uint8_t>(Ipa);
template std::uint16_t Realm::mmio_read<std::uint16_t>(Ipa);
template std::uint32_t Realm::mmio_read<std::uint32_t>(Ipa);
template std::uint64_t Realm::mmio_read<std::uint64_t>(Ipa);
template void Realm::mmio_write<std::uint8_t>(Ipa, std::uint8_t);
template void Realm::mmio_write<std::uint16_t>(Ipa, std::uint16_t);
template void Realm::mmio_write<std::uint32_t>(Ipa, std::uint32_t);
template void Realm::mmio_write<std::uint64_t>(Ipa, std::uint64_t);

std::uint32_t Realm::fetch(Ipa ipa) {
  abi::MemoryAccess access;
  access.fetch = true;
  access.size_log2 = 2;
  for (;;) {
    // The fetch's walk first: the window maps readable pages that may not be executable.
    if (vcpu_.translate(ipa, access).kind != abi::AbortResolution::Kind::kRetry) continue;
    std::uint32_t word = 0;
    if (machine::recoverable_copy(&word, ptr(ipa), sizeof word)) return word;
  }
}

void Realm::uart_print(std::string_view text) {
  const Ipa uart = unprotected_alias(Ipa{abi::mmio_console::kOffset});
  for (const char c : text) {
    mmio_write<std::uint32_t>(uart + abi::mmio_console::kData, static_cast<unsigned char>(c));
  }
}

}  // namespace caec::realm
