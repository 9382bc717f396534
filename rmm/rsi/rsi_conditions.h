// Failure conditions that the RSI commands writing into a realm buffer share (docs/csm.md,
// "RSI buffers never reach CSM memory"), as variables over a command's RsiCall, whose view
// names the buffer `addr`.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rmm/rsi/rsi_command.h"

namespace caec::rmm::rsi_cond {

inline constexpr auto kInput = abi::RsiStatus::kErrorInput;

/// addr_align: the buffer is not aligned to `kAlign` bytes.
template <class C, std::uint64_t kAlign = kGranuleSize>
inline constexpr RsiCondition<C> addr_align{"addr_align", kInput,
                                            [](C& c) { return !c.args.addr.is_aligned(kAlign); }};

/// addr_bound: the buffer is not at a protected IPA of the calling realm.
template <class C>
inline constexpr RsiCondition<C> addr_bound{"addr_bound", kInput, [](C& c) {
  return !c.with_realm([&](RealmDescriptor& r) { return r.is_protected(c.args.addr); });
}};

/// buffer: the RMM may not write `kSize` bytes there on the realm's behalf (realm_buffer.h).
template <class C, std::size_t kSize>
inline constexpr RsiCondition<C> buffer{"buffer", kInput, [](C& c) {
  return c.with_realm([&](RealmDescriptor& r) { return realm_buffer_refused(c.rmm, r, c.args.addr, kSize); });
}};

}  // namespace caec::rmm::rsi_cond
