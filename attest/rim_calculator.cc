#include "caec/abi/hex.h"
#include "attest/rim_calculator.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace caec::attest {

namespace {

template <class T>
std::span<const std::byte> bytes_of(const T& v) {
  return std::as_bytes(std::span<const T, 1>(&v, 1));
}

abi::MeasurementValue digest(abi::RmiHashAlgorithm algo, std::span<const std::byte> in) {
  abi::MeasurementValue out{};
  unsigned int len = 0;
  const EVP_MD* md = algo == abi::RmiHashAlgorithm::kSha512 ? EVP_sha512() : EVP_sha256();
  if (EVP_Digest(in.data(), in.size(), out.data(), &len, md, nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  return out;
}

}  // namespace

RimCalculator::RimCalculator(const abi::RmiRealmParams& params)
    : algo_(static_cast<abi::RmiHashAlgorithm>(params.hash_algo)) {
  extend(bytes_of(abi::measured_realm_params(params)));
}

void RimCalculator::extend(std::span<const std::byte> input) {
  last_input_.assign(input.begin(), input.end());
  rim_ = digest(algo_, input);
}

void RimCalculator::data(Ipa ipa, std::uint64_t flags, std::span<const std::byte> granule) {
  last_content_ =
      (flags & abi::data_flags::kMeasure) != 0 ? digest(algo_, granule) : abi::MeasurementValue{};
  extend(bytes_of(abi::data_descriptor(rim_, ipa.value(), flags, last_content_)));
}

void RimCalculator::rec(const abi::RmiRecParams& params) {
  last_content_ = digest(algo_, bytes_of(abi::measured_rec_params(params)));
  extend(bytes_of(abi::rec_descriptor(rim_, last_content_)));
}

void RimCalculator::ripas(Ipa base, Ipa top) {
  last_content_ = {};
  extend(bytes_of(abi::ripas_descriptor(rim_, base.value(), top.value())));
}

std::size_t RimCalculator::size() const {
  return algo_ == abi::RmiHashAlgorithm::kSha512 ? 64 : 32;
}

std::string RimCalculator::hex() const { return hex_bytes(std::span(rim_.data(), size())); }

}  // namespace caec::attest
