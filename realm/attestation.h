// The realm SDK's attestation call, shaped like Linux's configfs-tsm report
// (/sys/kernel/config/tsm/report/X: write `inblob`, read `outblob`): a challenge of up to 64
// bytes in, the whole CCA token out.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "realm/realm.h"

namespace caec::realm {

/// The most challenge bytes a token carries; shorter challenges are zero-padded (as Linux does).
inline constexpr std::size_t kChallengeSize = 64;

/// RSI_ATTESTATION_TOKEN_INIT with `challenge`, then RSI_ATTESTATION_TOKEN_CONTINUE until the
/// token is complete (RSI_INCOMPLETE, after an interrupt or between chunks, just continues).
/// Throws RsiError if the RMM refuses, std::invalid_argument if the challenge is too long.
[[nodiscard]] std::vector<std::uint8_t> attestation_report(Realm& r, std::span<const std::uint8_t> challenge);

}  // namespace caec::realm
