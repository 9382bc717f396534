#include "examples/common/checksum.h"

namespace caec::examples {

std::string Fnv1a::hex() const {
  std::string out(16, '0');
  for (std::size_t i = 0; i < 16; ++i) out[15 - i] = "0123456789abcdef"[(hash >> (4 * i)) & 0xFU];
  return out;
}

}  // namespace caec::examples
