#include "rmm/core/measure.h"

#include "caec/abi/measurement.h"

namespace caec::rmm {

namespace {
template <class T>
std::span<const std::byte> bytes_of(const T& v) {
  return std::as_bytes(std::span<const T, 1>(&v, 1));
}
}  // namespace

Measurement rim_init(const abi::RmiRealmParams& params) {
  return hash(static_cast<abi::RmiHashAlgorithm>(params.hash_algo),
              {bytes_of(abi::measured_realm_params(params))});
}

Measurement rim_extend_data(abi::RmiHashAlgorithm algo, const Measurement& rim, Ipa ipa,
                            std::uint64_t flags, std::span<const std::byte> granule) {
  const Measurement content =
      (flags & abi::data_flags::kMeasure) != 0 ? hash(algo, {granule}) : Measurement{};
  return hash(algo, {bytes_of(abi::data_descriptor(rim, ipa.value(), flags, content))});
}

Measurement rim_extend_rec(abi::RmiHashAlgorithm algo, const Measurement& rim,
                           const abi::RmiRecParams& params) {
  const Measurement content = hash(algo, {bytes_of(abi::measured_rec_params(params))});
  return hash(algo, {bytes_of(abi::rec_descriptor(rim, content))});
}

Measurement rim_extend_ripas(abi::RmiHashAlgorithm algo, const Measurement& rim, Ipa base,
                             Ipa top) {
  return hash(algo, {bytes_of(abi::ripas_descriptor(rim, base.value(), top.value()))});
}

Measurement rem_extend(abi::RmiHashAlgorithm algo, const Measurement& rem,
                       std::span<const std::uint8_t> value) {
  return hash(algo, {std::as_bytes(std::span(rem.data(), hash_size(algo))), std::as_bytes(value)});
}

}  // namespace caec::rmm
