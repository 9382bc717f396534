#include "examples/kv/store.h"

namespace caec::examples::kv {

Bytes Store::handle(std::span<const std::byte> request) {
  ++requests_;
  const auto r = decode_request(request);
  if (!r) return encode_response(Reply::kBadRequest);
  switch (r->op) {
    case Op::kPut:
      map_[r->key].assign(r->value.begin(), r->value.end());
      return encode_response(Reply::kOk);
    case Op::kGet: {
      const auto it = map_.find(r->key);
      return it == map_.end() ? encode_response(Reply::kNotFound) : encode_response(Reply::kOk, it->second);
    }
    case Op::kDel:
      return encode_response(map_.erase(r->key) == 1 ? Reply::kOk : Reply::kNotFound);
    case Op::kQuit:
      quit_ = true;
      return encode_response(Reply::kOk);
  }
  return encode_response(Reply::kBadRequest);
}

}  // namespace caec::examples::kv
