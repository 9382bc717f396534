#include "attest/token/cbor.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <new>

namespace caec::attest::cbor {

namespace {

// libcbor returns nullptr when it cannot allocate; nothing here can recover from that.
Item checked(cbor_item_t* item) {
  if (item == nullptr) throw std::bad_alloc();
  return Item(item);
}

/// Nesting deeper than any CCA token needs; also keeps libcbor's recursive free shallow.
constexpr std::size_t kMaxDepth = 32;

/// Walks one CBOR item in `data` before libcbor sees it, for two defects of libcbor 0.8
/// (Debian 12):
///  - it allocates and zero-fills an array or map of the declared count before reading any
///    element, so five bytes (0x9a ff ff ff ff) cost 32 GiB. Here every declared length and
///    count must fit in the bytes that are left (an item takes at least one byte);
///  - it rejects the one-byte heads of tags 6 to 20 (0xc6-0xd4) as unassigned
///    (PJK/libcbor#307), COSE_Sign1's tag 18 among them. Those heads are rewritten in the
///    equivalent two-byte form (0xd8 n).
/// Returns the bytes to hand to libcbor: exactly one item, any trailing bytes dropped; `read`
/// is how many input bytes the item spans.
std::optional<Bytes> precheck(std::span<const std::uint8_t> data, std::size_t& read,
                              std::string& error) {
  struct Frame {
    std::uint64_t remaining;  // items still to read (definite), unused (indefinite)
    bool until_break;
  };
  std::vector<Frame> stack{{1, false}};
  std::uint64_t owed = 1;  // bytes the open frames still need at the least
  Bytes out;
  out.reserve(data.size() + 8);
  std::size_t pos = 0;
  constexpr const char* kTooMany = "truncated CBOR: more items declared than bytes left";
  const auto fail = [&](const std::string& what) {
    error = what + " at byte " + std::to_string(pos);
    return std::nullopt;
  };
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (!top.until_break && top.remaining == 0) {
      stack.pop_back();
      continue;
    }
    if (owed > data.size() - pos) return fail(kTooMany);
    const std::size_t head = pos;
    const std::uint8_t ib = data[pos++];
    const unsigned major = ib >> 5U;
    const unsigned info = ib & 0x1fU;
    if (ib == 0xff) {  // break
      if (!top.until_break) return fail("unexpected break");
      stack.pop_back();
      --owed;
      out.push_back(ib);
      continue;
    }
    if (!top.until_break) {
      --top.remaining;
      --owed;
    }
    std::uint64_t arg = info;
    const bool indefinite = info == 31;
    if (info >= 24 && info <= 27) {
      const std::size_t n = std::size_t{1} << (info - 24);
      if (data.size() - pos < n) return fail("truncated CBOR head");
      arg = 0;
      for (std::size_t i = 0; i < n; ++i) arg = (arg << 8U) | data[pos++];
    } else if (info >= 28 && (info != 31 || major < 2 || major > 5)) {
      return fail("reserved or invalid CBOR head");
    }
    if (major == 6 && info >= 6 && info <= 20) {
      out.push_back(0xd8);
      out.push_back(static_cast<std::uint8_t>(info));
    } else {
      out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(head),
                 data.begin() + static_cast<std::ptrdiff_t>(pos));
    }
    std::uint64_t items = 0;  // items the new frame holds
    switch (major) {
      case 2:
      case 3:
        if (indefinite) break;
        if (arg > data.size() - pos) return fail("string longer than the input");
        out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
                   data.begin() + static_cast<std::ptrdiff_t>(pos + arg));
        pos += static_cast<std::size_t>(arg);
        continue;
      case 4: items = arg; break;
      case 5: items = arg > data.size() ? arg : 2 * arg; break;
      case 6: items = 1; break;
      default: continue;  // integers, simple values, floats
    }
    if (stack.size() > kMaxDepth) {
      return fail("CBOR nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    const std::uint64_t need = indefinite ? 1 : items;
    const std::uint64_t left = data.size() - pos;
    if (owed > left || need > left - owed) return fail(kTooMany);
    stack.push_back({indefinite ? 0 : items, indefinite});
    owed += need;
  }
  read = pos;
  return out;
}

}  // namespace

Item uint(std::uint64_t v) {
  if (v <= std::numeric_limits<std::uint8_t>::max()) return checked(cbor_build_uint8(static_cast<std::uint8_t>(v)));
  if (v <= std::numeric_limits<std::uint16_t>::max()) return checked(cbor_build_uint16(static_cast<std::uint16_t>(v)));
  if (v <= std::numeric_limits<std::uint32_t>::max()) return checked(cbor_build_uint32(static_cast<std::uint32_t>(v)));
  return checked(cbor_build_uint64(v));
}

Item integer(std::int64_t v) {
  if (v >= 0) return uint(static_cast<std::uint64_t>(v));
  // Major type 1 stores -1 - v.
  const std::uint64_t n = static_cast<std::uint64_t>(-(v + 1));
  Item item = uint(n);
  cbor_mark_negint(item.get());
  return item;
}

Item bytes(std::span<const std::uint8_t> v) { return checked(cbor_build_bytestring(v.data(), v.size())); }

Item text(std::string_view v) { return checked(cbor_build_stringn(v.data(), v.size())); }

Item tag(std::uint64_t value, Item content) {
  // cbor_build_tag takes its own reference to the content.
  return checked(cbor_build_tag(value, content.get()));
}

Item array(const std::vector<Item>& items) {
  Item a = checked(cbor_new_definite_array(items.size()));
  for (const Item& i : items) {
    if (!cbor_array_push(a.get(), i.get())) throw std::bad_alloc();
  }
  return a;
}

MapBuilder& MapBuilder::add(std::int64_t key, Item value) {
  pairs_.emplace_back(integer(key), std::move(value));
  return *this;
}

Item MapBuilder::build() {
  Item m = checked(cbor_new_definite_map(pairs_.size()));
  for (auto& [k, v] : pairs_) {
    if (!cbor_map_add(m.get(), cbor_pair{.key = k.get(), .value = v.get()})) throw std::bad_alloc();
  }
  pairs_.clear();
  return m;
}

Bytes encode(const Item& item) {
  unsigned char* buffer = nullptr;
  std::size_t capacity = 0;
  const std::size_t n = cbor_serialize_alloc(item.get(), &buffer, &capacity);
  if (n == 0) {
    std::free(buffer);  // NOLINT(cppcoreguidelines-no-malloc): libcbor allocated it
    throw std::bad_alloc();
  }
  Bytes out(buffer, buffer + n);
  std::free(buffer);  // NOLINT(cppcoreguidelines-no-malloc)
  return out;
}

Item decode(std::span<const std::uint8_t> data, std::string& error) {
  if (data.empty()) {
    error = "empty input";
    return nullptr;
  }
  std::size_t read = 0;
  const auto checked_data = precheck(data, read, error);
  if (!checked_data) return nullptr;
  if (read != data.size()) {
    error = std::to_string(data.size() - read) + " trailing bytes after the CBOR item";
    return nullptr;
  }
  cbor_load_result result{};
  Item item(cbor_load(checked_data->data(), checked_data->size(), &result));
  if (!item || result.error.code != CBOR_ERR_NONE || result.read != checked_data->size()) {
    error = "malformed CBOR";
    return nullptr;
  }
  return item;
}

std::optional<std::uint64_t> as_uint(const cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_uint(item)) return std::nullopt;
  return cbor_get_int(item);
}

std::optional<std::int64_t> as_int(const cbor_item_t* item) {
  if (item == nullptr || !cbor_is_int(item)) return std::nullopt;
  const std::uint64_t n = cbor_get_int(item);
  if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  const auto s = static_cast<std::int64_t>(n);
  return cbor_isa_uint(item) ? s : -1 - s;
}

std::optional<std::span<const std::uint8_t>> as_bytes(const cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) return std::nullopt;
  return std::span<const std::uint8_t>(cbor_bytestring_handle(item), cbor_bytestring_length(item));
}

std::optional<std::string_view> as_text(const cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_string(item) || !cbor_string_is_definite(item)) return std::nullopt;
  // SAFETY: libcbor stores text as bytes; string_view only reinterprets the character type.
  return std::string_view(reinterpret_cast<const char*>(cbor_string_handle(item)), cbor_string_length(item));
}

std::span<cbor_item_t*> array_items(const cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_array(item)) return {};
  return {cbor_array_handle(item), cbor_array_size(item)};
}

const cbor_item_t* map_get(const cbor_item_t* map, std::int64_t key) {
  if (map == nullptr || !cbor_isa_map(map)) return nullptr;
  const std::span<cbor_pair> pairs(cbor_map_handle(map), cbor_map_size(map));
  for (const cbor_pair& p : pairs) {
    if (as_int(p.key) == key) return p.value;
  }
  return nullptr;
}

std::optional<std::vector<std::int64_t>> int_keys(const cbor_item_t* map) {
  if (map == nullptr || !cbor_isa_map(map)) return std::nullopt;
  std::vector<std::int64_t> keys;
  for (const cbor_pair& p : std::span<cbor_pair>(cbor_map_handle(map), cbor_map_size(map))) {
    const auto k = as_int(p.key);
    if (!k || std::find(keys.begin(), keys.end(), *k) != keys.end()) return std::nullopt;
    keys.push_back(*k);
  }
  return keys;
}

}  // namespace caec::attest::cbor
