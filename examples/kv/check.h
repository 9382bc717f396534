// The key-value client's logic, apart from any channel: it runs a workload through `call` and
// checks every response against its own std::map model of what the server should hold.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "examples/kv/workload.h"

namespace caec::examples::kv {

/// Sends one request, returns its response.
using Call = std::function<Bytes(std::span<const std::byte> request)>;

struct Report {
  std::uint64_t mismatches = 0;
  /// "op N (GET key-3): expected ..., got ..." for the first response that was wrong.
  std::string first_mismatch;
  /// "kv ops=N put=N get=N hit=N del=N bad=N keys=N checksum=<FNV-1a of every response>".
  std::string summary;
};

[[nodiscard]] Report run_workload(std::span<const Step> steps, const Call& call);

}  // namespace caec::examples::kv
