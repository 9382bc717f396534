// The realm image manifest (an ABI between host-side tools and realm firmware): the first granule of every realm image, loaded with
// RMI_DATA_CREATE (so it is measured into the RIM). On the emulator a realm's code identity is
// this manifest — the program name, version and arguments — not machine code.
//
//   caec-realm-image v1
//   program: <name>
//   version: <n>
//   arg: <one argument per line>
#pragma once

#include <cstdint>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <optional>
#include <string>
#include <vector>

#include "caec/abi/types.h"

namespace caec::abi {

struct Manifest {
  std::string program;
  std::uint32_t version = 1;
  std::vector<std::string> args;
};

/// Where the manifest lives in every realm's IPA space.
inline constexpr Ipa kManifestIpa{0};
/// Where REC 0 starts executing (and where PSCI CPU_ON starts the others).
inline constexpr Ipa kEntryIpa{0};
/// Where realm RAM begins: the host declares [kRamBase, kRamBase + size) RAM and passes the
/// size in REC 0's X1 (X0 = kRamBase); both are measured as REC parameters.
inline constexpr Ipa kRamBase{0x100000};

/// The manifest as one granule of text (NUL-padded). Throws std::invalid_argument if it does
/// not fit or a field holds a newline.
[[nodiscard]] inline std::vector<std::byte> encode_manifest(const Manifest& m);
/// Parses a manifest granule; nullopt if it is not one.
[[nodiscard]] inline std::optional<Manifest> decode_manifest(const std::byte* granule);

namespace detail {
inline constexpr const char* kMagic = "caec-realm-image v1";

inline void check_field(const std::string& s, const char* what) {
  if (s.find('\n') != std::string::npos || s.find('\0') != std::string::npos) {
    throw std::invalid_argument(std::string("manifest ") + what + " contains a newline or NUL");
  }
}
}  // namespace detail

inline std::vector<std::byte> encode_manifest(const Manifest& m) {
  detail::check_field(m.program, "program name");
  if (m.program.empty()) throw std::invalid_argument("manifest program name is empty");
  std::ostringstream s;
  s << detail::kMagic << "\nprogram: " << m.program << "\nversion: " << m.version << "\n";
  for (const auto& a : m.args) {
    detail::check_field(a, "argument");
    s << "arg: " << a << "\n";
  }
  const std::string text = s.str();
  if (text.size() >= kGranuleSize) {
    throw std::invalid_argument("manifest is " + std::to_string(text.size()) +
                                " bytes; it must fit in one 4096-byte granule");
  }
  std::vector<std::byte> page(kGranuleSize);
  std::memcpy(page.data(), text.data(), text.size());
  return page;
}

inline std::optional<Manifest> decode_manifest(const std::byte* granule) {
  const char* p = reinterpret_cast<const char*>(granule);
  const std::string text(p, strnlen(p, kGranuleSize));
  std::istringstream s(text);
  std::string line;
  if (!std::getline(s, line) || line != detail::kMagic) return std::nullopt;
  Manifest m;
  while (std::getline(s, line)) {
    if (line.rfind("program: ", 0) == 0) {
      m.program = line.substr(9);
    } else if (line.rfind("version: ", 0) == 0) {
      m.version = static_cast<std::uint32_t>(std::stoul(line.substr(9)));
    } else if (line.rfind("arg: ", 0) == 0) {
      m.args.push_back(line.substr(5));
    } else if (!line.empty()) {
      return std::nullopt;
    }
  }
  if (m.program.empty()) return std::nullopt;
  return m;
}

}  // namespace caec::abi
