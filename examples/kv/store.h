// The key-value server's state and logic, apart from any channel: the realm program feeds it
// the requests it receives, and the test can feed it requests directly.
#pragma once

#include <map>
#include <span>
#include <string>

#include "examples/kv/kv_protocol.h"

namespace caec::examples::kv {

class Store {
 public:
  /// The response to one request (kv/protocol.h).
  [[nodiscard]] Bytes handle(std::span<const std::byte> request);

  [[nodiscard]] std::size_t size() const { return map_.size(); }
  [[nodiscard]] std::uint64_t requests() const { return requests_; }
  /// True once a QUIT was handled.
  [[nodiscard]] bool quit() const { return quit_; }

 private:
  std::map<std::string, Bytes, std::less<>> map_;
  std::uint64_t requests_ = 0;
  bool quit_ = false;
};

}  // namespace caec::examples::kv
