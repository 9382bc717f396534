// The key-value service's wire format. A request is
//
//   u8 op ('P' put, 'G' get, 'D' del, 'Q' quit)  u8 key length  u16 value length  key  value
//
// (GET, DEL and QUIT carry no value, QUIT no key; keys are 1..64 bytes). A response is
//
//   u8 status (0 ok, 1 not found, 2 bad request)  value (a GET that found its key only)
//
// The server answers anything it cannot decode with "bad request": its peer is another realm,
// trusted with nothing but well-formed requests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace caec::examples::kv {

enum class Op : std::uint8_t { kPut = 'P', kGet = 'G', kDel = 'D', kQuit = 'Q' };
enum class Reply : std::uint8_t { kOk = 0, kNotFound = 1, kBadRequest = 2 };

inline constexpr std::size_t kRequestHeader = 4;
inline constexpr std::size_t kMaxKey = 64;

using Bytes = std::vector<std::byte>;

struct Request {
  Op op = Op::kQuit;
  std::string key;
  std::span<const std::byte> value;  // into the decoded message
};

/// The request's bytes (no checks: the workload also makes malformed ones on purpose).
[[nodiscard]] Bytes encode_request(Op op, std::string_view key, std::span<const std::byte> value = {});
/// The request, or nullopt if it breaks any rule above.
[[nodiscard]] std::optional<Request> decode_request(std::span<const std::byte> message);

[[nodiscard]] Bytes encode_response(Reply reply, std::span<const std::byte> value = {});

}  // namespace caec::examples::kv
