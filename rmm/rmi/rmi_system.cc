// RMI_VERSION and RMI_FEATURES (rmm-1.0.md §1.2, §1.4).
#include "rmm/core/features.h"
#include "rmm/rmi/rmi_handlers.h"

namespace caec::rmm {

namespace {
constexpr std::uint64_t kVersionReservedMask = ~std::uint64_t{0x7FFFFFFF};
}

// Spec B2: success iff a compatible revision is supported (same major, minor at least the
// request's). caec supports exactly 1.0, so lower and higher are always 1.0.
RmiResult rmi_version(RmmContext&, const abi::rmi::Version& args) {
  const std::uint64_t req = args.requested;
  const bool compatible =
      (req & kVersionReservedMask) == 0 && (req >> 16U) == (abi::kRmiVersion >> 16U) &&
      (req & 0xFFFFU) <= (abi::kRmiVersion & 0xFFFFU);
  const abi::RmiReturn ret{compatible ? abi::RmiStatus::kSuccess : abi::RmiStatus::kErrorInput, 0};
  return {ret, abi::VersionOut{abi::kRmiVersion, abi::kRmiVersion}};
}
std::span<const RmiConditionInfo> rmi_version_conditions() { return {}; }

RmiResult rmi_features(RmmContext&, const abi::rmi::Features& args) {
  return RmiResult::success(abi::rmi::Features::Out{args.index == 0 ? kFeatures.register0() : 0});
}
std::span<const RmiConditionInfo> rmi_features_conditions() { return {}; }

}  // namespace caec::rmm
