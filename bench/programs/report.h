// What the benchmark's realm programs share: timing one call, parsing a list argument, the
// MIN/MEDIAN/MAX triple their console lines carry (bench/lib parses them), and the control-plane
// console line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/lib/stats.h"
#include "bench/lib/ticks.h"
#include "realm/realm.h"

namespace caec::bench {

template <class Fn>
std::uint64_t timed(Fn&& fn) {
  const std::uint64_t t0 = ticks();
  fn();
  return ticks() - t0;
}

/// "1,2,4" -> {1, 2, 4}.
[[nodiscard]] inline std::vector<std::uint64_t> parse_list(const std::string& list) {
  std::vector<std::uint64_t> v;
  std::size_t from = 0;
  while (from < list.size()) {
    const std::size_t comma = list.find(',', from);
    v.push_back(std::stoull(list.substr(from, comma - from)));
    from = comma == std::string::npos ? list.size() : comma + 1;
  }
  return v;
}

/// "MIN/MEDIAN/MAX", whole ticks.
[[nodiscard]] inline std::string triple(const Summary& s) {
  return std::to_string(static_cast<std::uint64_t>(s.min)) + "/" + std::to_string(static_cast<std::uint64_t>(s.median)) +
         "/" + std::to_string(static_cast<std::uint64_t>(s.max));
}

/// "123.4": a steady mean, one decimal.
[[nodiscard]] inline std::string decimal(double v) {
  const auto tenths = static_cast<std::uint64_t>(v * 10 + 0.5);
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

/// Prints "C <fields> ticks=MIN/MEDIAN/MAX", `fields` being "op=NAME size=S ...".
inline void report_line(realm::Realm& r, const std::string& fields, const std::vector<std::uint64_t>& samples) {
  r.print("C " + fields + " ticks=" + triple(summarize(samples)) + "\n");
}

}  // namespace caec::bench
