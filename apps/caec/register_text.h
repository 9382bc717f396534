// Raw register and descriptor values as words, for output a newcomer reads (caec demo): what
// RMI_FEATURES[0] says this RMM supports, what a stage-2 descriptor maps and how.
#pragma once

#include <cstdint>
#include <string>

namespace caec::app {

/// RMI_FEATURES register 0 (rmm-1.0.md B4.3.9), field by field: "S2SZ 48 bits, SHA-256 and
/// SHA-512, 6 breakpoints, ...".
[[nodiscard]] std::string features0_text(std::uint64_t reg);

/// A valid stage-2 leaf descriptor (abi/s2tt.h): its output address, permission and, for caec's
/// CSM mappings (bit 56), that it maps another realm's granule.
[[nodiscard]] std::string s2_desc_text(std::uint64_t desc);

}  // namespace caec::app
