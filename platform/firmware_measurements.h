// SHA-256 of the firmware images this build links (computed at build time), reported as the
// platform token's software components: a different RMM build yields a different token.
#pragma once

#include <string_view>

namespace caec::platform {
extern const std::string_view kRmmMeasurementHex;
extern const std::string_view kEl3MeasurementHex;
}  // namespace caec::platform
