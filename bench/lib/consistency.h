// Whether one `caec bench` run's figures can be published: every repetition the tables use was
// measured on an otherwise idle machine, and the ratios between modes and sizes agree with what
// each mode is (design/benchmarks.md). A run taken beside other work once reported csm at 64 B
// as 10,569 ticks next to 1,404 at 256 B, and csm-zero-copy at 0.17x csm: every figure present
// and positive, none of them this machine's. `caec bench --check` fails such a run.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bench/lib/results.h"

namespace caec::bench {

/// The bounds the checks use, each a property of the modes rather than a speed target.
struct ConsistencyBounds {
  /// A message never costs this much more than one twice its size (per mode).
  double max_smaller_over_larger = 1.5;
  /// Consume-in-place against copy out: the same ring, so zero-copy never costs twice csm; and
  /// where fixed costs dominate (up to `zero_copy_floor_max_size`) it cannot cost under half of
  /// it. Larger messages have no lower bound: the zero-copy reader never reads the payload, so
  /// against csm's copy out of a message that misses the caches it can be far cheaper.
  double min_zero_copy_over_csm = 0.5;
  double max_zero_copy_over_csm = 2.0;
  std::size_t zero_copy_floor_max_size = 4096;
  /// plain-ns is the same ring in host memory: the two modes cannot differ by more than this.
  double max_plain_csm_factor = 2.0;
  /// Encrypting is never cheaper than copying the plaintext: sealed / csm at least this.
  double min_sealed_over_csm = 0.9;
  /// The repetitions a point merged: their medians within this factor of each other.
  double max_repetition_spread = 2.0;
  /// A published figure is the median of at least this many repetitions.
  std::uint64_t min_repetitions = 2;
};

/// What makes the run unpublishable (empty: consistent): points measured beside other work or
/// off their own repetitions, and ratios no real run can have. Each names the mode, size and
/// value.
[[nodiscard]] std::vector<std::string> consistency_problems(const Results& results,
                                                            const ConsistencyBounds& bounds = {});

/// The ratios two runs both measured (the ones README quotes: each mode against csm at every
/// size, and the best sealed floor against csm) and how far apart they are. Only runs of one
/// vCPU placement compare (Results::comm_placement): near and far move every plaintext cost
/// 3-4x, so the caller checks that first.
struct RatioAgreement {
  std::string kind;  // "sealed-openssl / csm"
  std::size_t size = 0;
  double first = 0;
  double second = 0;
  [[nodiscard]] std::string label() const;  // "sealed-openssl / csm at 64 B"
  [[nodiscard]] double disagreement() const;  // |a - b| / min(a, b)
};
[[nodiscard]] std::vector<RatioAgreement> compare_ratios(const Results& first, const Results& second);

/// One kind of ratio over every size two runs share: how far apart its sizes came out.
struct KindAgreement {
  std::string kind;
  std::size_t sizes = 0;
  std::size_t over = 0;  // sizes further apart than the tolerance
  double farthest = 0;
};
/// compare_ratios' ratios grouped by kind, in the order the kinds first appear.
[[nodiscard]] std::vector<KindAgreement> agreement_by_kind(const std::vector<RatioAgreement>& ratios,
                                                           double tolerance);

/// Reads back what results_json() wrote (the fields the checks and the comparison use).
[[nodiscard]] Results results_from_json(const std::string& text);

}  // namespace caec::bench
