#include "caec/abi/hex.h"
#include "apps/caec/register_text.h"

#include <cstdio>

#include "caec/abi/rmi.h"
#include "caec/abi/s2tt.h"

namespace caec::app {

namespace {

std::uint64_t field(std::uint64_t reg, unsigned shift, unsigned width = 1) {
  return (reg >> shift) & ((std::uint64_t{1} << width) - 1);
}

}  // namespace

std::string features0_text(std::uint64_t reg) {
  using namespace abi::feat0;
  const bool sha256 = field(reg, kHashSha256Shift) != 0;
  const bool sha512 = field(reg, kHashSha512Shift) != 0;
  std::string t = "IPA up to " + std::to_string(field(reg, kS2szShift, kS2szWidth)) + " bits";
  t += std::string(", ") + (sha256 && sha512 ? "SHA-256 and SHA-512" : sha512 ? "SHA-512" : "SHA-256");
  // The breakpoint, watchpoint and list-register fields hold the count minus one.
  t += ", " + std::to_string(field(reg, kNumBpsShift, kNumBpsWidth) + 1) + " breakpoints";
  t += ", " + std::to_string(field(reg, kNumWpsShift, kNumWpsWidth) + 1) + " watchpoints";
  t += ", " + std::to_string(field(reg, kGicv3NumLrsShift, kGicv3NumLrsWidth) + 1) + " GIC list registers";
  t += ", up to " + std::to_string((std::uint64_t{1} << field(reg, kMaxRecsOrderShift, kMaxRecsOrderWidth)) - 1) +
       " RECs a realm";
  t += field(reg, kSveEnShift) != 0 ? ", SVE" : ", no SVE";
  t += field(reg, kPmuEnShift) != 0 ? ", PMU" : ", no PMU";
  t += field(reg, kLpa2Shift) != 0 ? ", LPA2" : "";
  return t;
}

std::string s2_desc_text(std::uint64_t desc) {
  namespace s2 = abi::s2tt;
  const std::uint64_t s2ap = desc & s2::kS2apMask;
  const char* perm = s2ap == s2::kS2apRw ? "read-write" : s2ap == s2::kS2apRo ? "read-only" : "no access";
  std::string t = "maps PA " + hex_number(s2::desc_oa(desc).value()) + " " + perm;
  if ((desc & s2::kCsmForeign) != 0) t += ", bit 56 set: a CSM mapping of another realm's granule";
  return t;
}

}  // namespace caec::app
