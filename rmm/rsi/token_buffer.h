// A REC's attestation token buffer: its aux granules, used as one byte array. Only the PE
// running the REC touches it (rmm/core/rec.h), so it needs no lock.
#pragma once

#include <algorithm>
#include <cstring>
#include <span>
#include <type_traits>

#include "rmm/core/context.h"
#include "rmm/core/rec.h"

namespace caec::rmm {

class TokenBuffer {
 public:
  TokenBuffer(Platform& platform, const Rec& rec) : platform_(platform), rec_(rec) {}

  [[nodiscard]] std::size_t capacity() const { return rec_.num_aux * kGranuleSize; }

  /// Copies `data` to [offset, offset + data.size()); false (nothing written) if it does not fit.
  [[nodiscard]] bool store(std::size_t offset, std::span<const std::uint8_t> data) {
    if (offset > capacity() || data.size() > capacity() - offset) return false;
    for_each_piece(offset, data.size(), [&](std::byte* p, std::size_t at, std::size_t n) {
      std::memcpy(p, data.data() + (at - offset), n);
    });
    return true;
  }
  /// Bytes [offset, offset + out.size()) of the buffer; false (nothing read) past its end.
  [[nodiscard]] bool load(std::size_t offset, std::span<std::uint8_t> out) {
    if (offset > capacity() || out.size() > capacity() - offset) return false;
    for_each_piece(offset, out.size(), [&](std::byte* p, std::size_t at, std::size_t n) {
      std::memcpy(out.data() + (at - offset), p, n);
    });
    return true;
  }
  /// A trivially copyable `T` at `offset`, as store and load do its bytes.
  template <class T>
  [[nodiscard]] bool store_object(std::size_t offset, const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    // SAFETY: a trivially copyable object is its bytes.
    return store(offset, {reinterpret_cast<const std::uint8_t*>(&value), sizeof(T)});
  }
  template <class T>
  [[nodiscard]] bool load_object(std::size_t offset, T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    // SAFETY: as store_object.
    return load(offset, {reinterpret_cast<std::uint8_t*>(&value), sizeof(T)});
  }

 private:
  // Calls fn(granule pointer, buffer offset, length) for each granule-sized piece of the range.
  template <class Fn>
  void for_each_piece(std::size_t offset, std::size_t size, Fn&& fn) {
    std::size_t at = offset;
    while (at < offset + size) {
      const std::size_t g = at / kGranuleSize, in = at % kGranuleSize;
      const std::size_t n = std::min(kGranuleSize - in, offset + size - at);
      fn(platform_.map_granule(rec_.aux[g]) + in, at, n);
      at += n;
    }
  }

  Platform& platform_;
  const Rec& rec_;
};

}  // namespace caec::rmm
