// How a command's typed argument and result views map onto SMC registers, written once for
// every command of every interface (RMI, RSI, PSCI): the host's RMI client and the realm SDK
// encode with it, the RMM decodes with it, and the fuzzer's grammar builds its calls with it.
//
// A view is a plain aggregate that lists its register fields, in register order, in a static
// `regs(self)` returning `std::tie(self.a, self.b, ...)`. Arguments start at X1 (X0 is the FID);
// results start at X1 too (X0 is the status). A command view also names its interface's `kFid`,
// its `kName` and its result view `Out`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "caec/abi/smc.h"
#include "caec/abi/types.h"

namespace caec::abi {

/// One register <-> one field. Integers and enums are cast; addresses and levels are their value.
template <class T>
struct RegCodec {
  static_assert(std::is_integral_v<T> || std::is_enum_v<T>, "a register field is an integer, enum or address");
  [[nodiscard]] static constexpr std::uint64_t to_reg(T v) { return static_cast<std::uint64_t>(v); }
  [[nodiscard]] static constexpr T from_reg(std::uint64_t r) { return static_cast<T>(r); }
};
template <class Tag>
struct RegCodec<Address<Tag>> {
  [[nodiscard]] static constexpr std::uint64_t to_reg(Address<Tag> v) { return v.value(); }
  [[nodiscard]] static constexpr Address<Tag> from_reg(std::uint64_t r) { return Address<Tag>{r}; }
};

/// A level is a signed register (rmm-1.0.md: Int64), kept whole.
template <>
struct RegCodec<RttLevel> {
  [[nodiscard]] static constexpr std::uint64_t to_reg(RttLevel v) { return static_cast<std::uint64_t>(v.value()); }
  [[nodiscard]] static constexpr RttLevel from_reg(std::uint64_t r) { return RttLevel{static_cast<std::int64_t>(r)}; }
};

/// A command without results (beyond the status in X0).
struct NoResults {
  static constexpr auto regs(auto& /*self*/) { return std::tie(); }
};

/// The VERSION commands' results (RMI, RSI and their CAEC extensions): the lower and higher
/// revisions the implementation supports.
struct VersionOut {
  std::uint64_t lower = 0;
  std::uint64_t higher = 0;
  static constexpr auto regs(auto& s) { return std::tie(s.lower, s.higher); }
};

template <class View>
using RegFields = decltype(View::regs(std::declval<View&>()));

/// How many registers a view occupies.
template <class View>
inline constexpr std::size_t kNumRegs = std::tuple_size_v<RegFields<View>>;

/// True if every field of `View` is as wide as a register: decoding one from hostile registers
/// then never drops bits that a check should have seen (a level of 0x1'0000'0003 is not 3).
template <class View, std::size_t... I>
constexpr bool register_wide(std::index_sequence<I...> /*fields*/) {
  return ((sizeof(std::remove_cvref_t<std::tuple_element_t<I, RegFields<View>>>) == sizeof(std::uint64_t)) && ...);
}
template <class View>
inline constexpr bool kRegisterWide = register_wide<View>(std::make_index_sequence<kNumRegs<View>>{});

/// Reads `View` from X`first`, X`first`+1, ...
template <class View>
[[nodiscard]] constexpr View decode(const SmcRegs& r, std::size_t first = 1) {
  View v{};
  std::apply(
      [&](auto&... field) {
        std::size_t i = first;
        ((field = RegCodec<std::remove_cvref_t<decltype(field)>>::from_reg(r.x[i++])), ...);
      },
      View::regs(v));
  return v;
}

/// Writes `v` to X`first`, X`first`+1, ...
template <class View>
constexpr void encode(const View& v, SmcRegs& r, std::size_t first = 1) {
  std::apply(
      [&](const auto&... field) {
        std::size_t i = first;
        ((r.x[i++] = RegCodec<std::remove_cvref_t<decltype(field)>>::to_reg(field)), ...);
      },
      View::regs(v));
}

/// The registers of a call: X0 the command's FID, its arguments from X1, the rest zero (SBZ).
template <class Command>
[[nodiscard]] constexpr SmcRegs call_regs(const Command& c) {
  SmcRegs r;
  r.x[0] = static_cast<std::uint32_t>(Command::kFid);
  encode(c, r);
  return r;
}

/// The arguments a handler sees: decoded from hostile registers, so every field must be
/// register-wide (see kRegisterWide).
template <class Command>
[[nodiscard]] constexpr Command decode_args(const SmcRegs& r) {
  static_assert(kRegisterWide<Command>, "an argument field narrower than its register");
  return decode<Command>(r);
}

/// A command's reply as its caller sees it: the status (interface-specific, from X0) and the
/// result fields by name.
template <class Status, class Out>
struct Reply : Out {
  Status ret{};
};

}  // namespace caec::abi
