// A thin owning layer over libcbor: build items, encode them deterministically (shortest
// integer and length forms), decode a whole buffer, and read typed values out of a tree.
#pragma once

#include <cbor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace caec::attest {

using Bytes = std::vector<std::uint8_t>;

namespace cbor {

struct ItemRelease {
  void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
/// One reference to a libcbor item.
using Item = std::unique_ptr<cbor_item_t, ItemRelease>;

[[nodiscard]] Item uint(std::uint64_t value);
/// A signed integer: major type 0 for value >= 0, major type 1 otherwise.
[[nodiscard]] Item integer(std::int64_t value);
[[nodiscard]] Item bytes(std::span<const std::uint8_t> value);
[[nodiscard]] Item text(std::string_view value);
[[nodiscard]] Item tag(std::uint64_t tag, Item content);
[[nodiscard]] Item array(const std::vector<Item>& items);

/// A definite-length map with integer keys, kept in insertion order.
class MapBuilder {
 public:
  MapBuilder& add(std::int64_t key, Item value);
  [[nodiscard]] Item build();

 private:
  std::vector<std::pair<Item, Item>> pairs_;
};

/// Serialises an item; libcbor keeps the widths chosen at build time, which are the shortest.
[[nodiscard]] Bytes encode(const Item& item);

/// Decodes exactly one item that spans the whole buffer. On failure returns nullptr and says
/// why in `error`.
[[nodiscard]] Item decode(std::span<const std::uint8_t> data, std::string& error);

// ---- Reading a decoded tree (no ownership; nullptr/nullopt when the type does not match) ----
[[nodiscard]] std::optional<std::int64_t> as_int(const cbor_item_t* item);
[[nodiscard]] std::optional<std::uint64_t> as_uint(const cbor_item_t* item);
[[nodiscard]] std::optional<std::span<const std::uint8_t>> as_bytes(const cbor_item_t* item);
[[nodiscard]] std::optional<std::string_view> as_text(const cbor_item_t* item);
/// The items of a definite array (empty span for anything else; check the type first).
[[nodiscard]] std::span<cbor_item_t*> array_items(const cbor_item_t* item);
/// The value under integer key `key` of a map, or nullptr.
[[nodiscard]] const cbor_item_t* map_get(const cbor_item_t* map, std::int64_t key);
/// The integer keys of a map in order; nullopt if any key is not an integer or is repeated.
[[nodiscard]] std::optional<std::vector<std::int64_t>> int_keys(const cbor_item_t* map);

}  // namespace cbor
}  // namespace caec::attest
