#include "examples/kv/kv_protocol.h"

#include "examples/common/wire.h"

namespace caec::examples::kv {

Bytes encode_request(Op op, std::string_view key, std::span<const std::byte> value) {
  Bytes out(kRequestHeader + key.size() + value.size());
  put(out, 0, static_cast<std::uint8_t>(op));
  put(out, 1, static_cast<std::uint8_t>(key.size()));
  put(out, 2, static_cast<std::uint16_t>(value.size()));
  const auto k = std::as_bytes(std::span(key));
  std::copy(k.begin(), k.end(), out.begin() + kRequestHeader);
  std::copy(value.begin(), value.end(), out.begin() + static_cast<std::ptrdiff_t>(kRequestHeader + key.size()));
  return out;
}

std::optional<Request> decode_request(std::span<const std::byte> message) {
  if (message.size() < kRequestHeader) return std::nullopt;
  const auto op = static_cast<Op>(get<std::uint8_t>(message, 0));
  const std::size_t key_size = get<std::uint8_t>(message, 1);
  const std::size_t value_size = get<std::uint16_t>(message, 2);
  if (message.size() != kRequestHeader + key_size + value_size) return std::nullopt;
  const bool keyed = op == Op::kPut || op == Op::kGet || op == Op::kDel;
  if (!keyed && op != Op::kQuit) return std::nullopt;
  if (keyed != (key_size >= 1) || key_size > kMaxKey) return std::nullopt;
  if (op != Op::kPut && value_size != 0) return std::nullopt;
  const auto key = message.subspan(kRequestHeader, key_size);
  Request r;
  r.op = op;
  r.key.assign(reinterpret_cast<const char*>(key.data()), key.size());
  r.value = message.subspan(kRequestHeader + key_size);
  return r;
}

Bytes encode_response(Reply reply, std::span<const std::byte> value) {
  Bytes out(1 + value.size());
  out[0] = static_cast<std::byte>(reply);
  std::copy(value.begin(), value.end(), out.begin() + 1);
  return out;
}

}  // namespace caec::examples::kv
