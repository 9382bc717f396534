// The one shape of a command table, for RMI, RSI and PSCI alike: a row per command with its
// FID, name, family, register counts (from the command's view in abi/), handler and ordered
// failure conditions. Dispatch, PSCI_FEATURES, log names, the tests' coverage check, the ABI
// reference and the fuzzer's grammar all read the rows (style.md §2).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "caec/abi/smc.h"
#include "rmm/runtime/conditions.h"

namespace caec::rmm {

/// Which interface a command belongs to. PSCI_FEATURES answers for the PSCI and SMCCC rows.
enum class CommandFamily : std::uint8_t { kRmi, kCaecRmi, kRsi, kCaecRsi, kPsci, kSmccc };

template <class Handler, class Status>
struct CommandRow {
  std::uint32_t fid;
  std::string_view name;
  CommandFamily family;
  std::uint8_t num_args;
  std::uint8_t num_results;
  Handler handler;
  std::span<const ConditionInfo<Status>> (*conditions)();
};

/// The condition list of a command whose checks are not table-driven (none).
template <class Status>
constexpr std::span<const ConditionInfo<Status>> no_conditions() {
  return {};
}

/// One check for every table: no two rows answer the same FID, and no row has more registers
/// than SMCCC carries (17 arguments) or than its interface returns (`max_results`).
template <class Row, std::size_t N>
constexpr bool table_is_well_formed(const std::array<Row, N>& rows, std::size_t max_results) {
  for (std::size_t i = 0; i < N; ++i) {
    if (rows[i].num_args > 17 || rows[i].num_results > max_results) return false;
    for (std::size_t j = i + 1; j < N; ++j) {
      if (rows[i].fid == rows[j].fid) return false;
    }
  }
  return true;
}

/// The row answering `fid` (the SMCCC SVE hint bit ignored), or null.
template <class Row>
[[nodiscard]] const Row* find_row(std::span<const Row> rows, std::uint32_t fid) {
  const std::uint32_t f = fid & ~abi::kSmcSveHint;
  for (const auto& r : rows) {
    if (r.fid == f) return &r;
  }
  return nullptr;
}

}  // namespace caec::rmm
