#include "examples/kv/workload.h"

#include "examples/common/random.h"

namespace caec::examples::kv {
namespace {

constexpr std::uint64_t kKeys = 48;
constexpr std::uint64_t kMaxValue = 300;

Bytes random_bytes(SplitMix64& g, std::uint64_t size) {
  Bytes out(size);
  for (auto& b : out) b = static_cast<std::byte>(g.below(256));
  return out;
}

/// One of the ways a request can break the protocol (kv/protocol.h).
Bytes malformed_request(SplitMix64& g, const std::string& key) {
  switch (g.below(4)) {
    case 0: {  // an operation that does not exist
      Bytes r = encode_request(Op::kGet, key);
      r[0] = std::byte{'X'};
      return r;
    }
    case 1: {  // shorter than its lengths say
      Bytes r = encode_request(Op::kPut, key, random_bytes(g, 1 + g.below(kMaxValue)));
      r.pop_back();
      return r;
    }
    case 2:  // no key
      return encode_request(Op::kGet, "");
    default:  // a key above the limit
      return encode_request(Op::kDel, std::string(kMaxKey + 1, 'k'));
  }
}

}  // namespace

std::vector<Step> workload(std::uint64_t seed, std::uint64_t count) {
  SplitMix64 g(seed);
  std::vector<Step> steps(count);
  for (Step& s : steps) {
    s.key = "key-" + std::to_string(g.below(kKeys));
    const std::uint64_t pick = g.below(100);
    if (pick < 40) {
      s.op = Op::kPut;
      s.value = random_bytes(g, g.below(kMaxValue + 1));
    } else if (pick < 75) {
      s.op = Op::kGet;
    } else if (pick < 92) {
      s.op = Op::kDel;
    } else {
      s.malformed = true;
    }
    s.request = s.malformed ? malformed_request(g, s.key) : encode_request(s.op, s.key, s.value);
  }
  return steps;
}

}  // namespace caec::examples::kv
