// Per-PE diagnostics: the label of the failure condition that decided the last command on
// this PE, for logs and for tests that check which condition fired (not just which status).
// A link-time port (rmm/port/hosted_port.cc): per-PE storage is the platform's.
#pragma once

#include <string_view>

namespace caec::rmm::diag {
void record_failure(std::string_view label);
[[nodiscard]] std::string_view last_failure();
}  // namespace caec::rmm::diag
