// The key-value client's deterministic workload: PUTs, GETs and DELs over a small key space
// (so GETs and DELs both hit and miss), plus malformed requests the server must refuse.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "examples/kv/kv_protocol.h"

namespace caec::examples::kv {

struct Step {
  /// What the request asks (meaningless when `malformed`).
  Op op = Op::kGet;
  std::string key;
  Bytes value;
  /// Breaks the protocol on purpose: the answer must be "bad request".
  bool malformed = false;
  /// The bytes sent.
  Bytes request;
};

/// `count` steps, a function of `seed` alone.
[[nodiscard]] std::vector<Step> workload(std::uint64_t seed, std::uint64_t count);

}  // namespace caec::examples::kv
