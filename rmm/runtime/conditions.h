// Failure conditions as ordered data (style.md §4).
//
// Each command lists its conditions in the order they are checked, next to its handler; the
// handler runs `first_failure` and then the operation. The same lists answer the tests (one
// test per label) and the fuzzer's grammar, so the order exists exactly once.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rmm/runtime/diag.h"

namespace caec::rmm {

/// What a command's condition list says, without the predicate.
template <class Status>
struct ConditionInfo {
  std::string_view label;
  Status status;
};

template <class Ctx, class Status>
struct Condition {
  std::string_view label;  // the spec's name for the condition, e.g. "rtt_walk"
  Status status;
  /// True when the condition holds (the command fails). May lock or walk, recording in ctx.
  bool (*fails)(Ctx&);
  /// For statuses that carry an index (RMI_ERROR_RTT: the level); nullptr means index 0.
  std::uint8_t (*index)(const Ctx&) = nullptr;
};

/// One ordered list from groups of conditions, in order: a command's list reads as its groups
/// (an RD's three checks, a granule argument's) and its own rows, written as
/// std::to_array<Condition<...>>({...}). The order stays data, written once.
template <class T, std::size_t... N>
[[nodiscard]] constexpr std::array<T, (N + ...)> concat(const std::array<T, N>&... groups) {
  std::array<T, (N + ...)> out{};
  auto at = out.begin();
  ((at = std::copy(groups.begin(), groups.end(), at)), ...);
  return out;
}

template <class Status>
struct Failure {
  Status status;
  std::uint8_t index;
};

template <class Ctx, class Status, std::size_t N>
[[nodiscard]] std::optional<Failure<Status>> first_failure(
    const std::array<Condition<Ctx, Status>, N>& conditions, Ctx& ctx) {
  for (const auto& c : conditions) {
    if (c.fails(ctx)) {
      diag::record_failure(c.label);
      return Failure<Status>{c.status, c.index != nullptr ? c.index(ctx) : std::uint8_t{0}};
    }
  }
  diag::record_failure({});
  return std::nullopt;
}

template <class Ctx, class Status, std::size_t N>
[[nodiscard]] constexpr std::array<ConditionInfo<Status>, N> describe(
    const std::array<Condition<Ctx, Status>, N>& conditions) {
  std::array<ConditionInfo<Status>, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = {conditions[i].label, conditions[i].status};
  return out;
}

}  // namespace caec::rmm
