#include "caec/abi/hex.h"
#include "apps/caec/measurement_log.h"

#include <fstream>
#include <stdexcept>

#include "caec/abi/s2tt.h"

namespace caec::app {

namespace {

using nlohmann::ordered_json;

template <class T>
std::string hex_of_struct(const T& v) {
  return hex_bytes(std::as_bytes(std::span<const T, 1>(&v, 1)));
}

/// The RTT level whose entries span [base, top): the level INIT_RIPAS measured the entry at.
std::int64_t level_of(Ipa base, Ipa top) {
  for (RttLevel level = abi::s2tt::kMaxLevel; level >= abi::s2tt::kMinLevel; level = level.parent()) {
    if (abi::s2tt::entry_size(level) == top - base) return level.value();
  }
  return -1;  // not one whole entry
}

}  // namespace

void MeasurementLog::record(ordered_json extension) {
  Realm& r = realms_.back();
  extension["input"] = hex_bytes(r.rim.last_input());
  extension["rim"] = r.rim.hex();
  r.extensions.push_back(std::move(extension));
}

host::MeasurementObserver MeasurementLog::observer() {
  return {
      [this](const abi::RmiRealmParams& p) {
        realms_.push_back(Realm{attest::RimCalculator(p)});
        record({{"what", "realm-params"},
                {"flags", p.flags},
                {"s2sz", p.s2sz},
                {"sve_vl", p.sve_vl},
                {"num_bps", p.num_bps},
                {"num_wps", p.num_wps},
                {"pmu_num_ctrs", p.pmu_num_ctrs},
                {"hash_algo", p.hash_algo}});
      },
      [this](Ipa ipa, std::uint64_t flags, std::span<const std::byte> page) {
        realms_.back().rim.data(ipa, flags, page);
        const bool measured = (flags & abi::data_flags::kMeasure) != 0;
        ordered_json e{{"what", "data"}, {"ipa", hex_number(ipa.value())}, {"flags", flags}, {"measured", measured}};
        if (measured) {
          e["contents"] = hex_bytes(page);
          e["content_hash"] = hex_bytes(std::span(realms_.back().rim.last_content().data(), realms_.back().rim.size()));
        }
        record(std::move(e));
      },
      [this](Ipa base, Ipa top) {
        realms_.back().rim.ripas(base, top);
        record({{"what", "ripas"},
                {"base", hex_number(base.value())},
                {"top", hex_number(top.value())},
                {"level", level_of(base, top)}});
      },
      [this](const abi::RmiRecParams& p) {
        realms_.back().rim.rec(p);
        const abi::RmiRecParams measured = abi::measured_rec_params(p);
        ordered_json gprs = ordered_json::array();
        for (const std::uint64_t g : p.gprs) gprs.push_back(hex_number(g));
        record({{"what", "rec"},
                {"flags", p.flags},
                {"pc", hex_number(p.pc)},
                {"gprs", gprs},
                {"content_input", hex_of_struct(measured)},
                {"content_hash",
                 hex_bytes(std::span(realms_.back().rim.last_content().data(), realms_.back().rim.size()))}});
      }};
}

std::string MeasurementLog::rim(std::size_t i) const { return realms_.at(i).rim.hex(); }

ordered_json MeasurementLog::json(const std::vector<std::string>& names) const {
  ordered_json realms = ordered_json::array();
  for (std::size_t i = 0; i < realms_.size(); ++i) {
    const std::size_t hash = realms_[i].rim.size();
    realms.push_back({{"name", i < names.size() ? names[i] : ""},
                      {"hash_algorithm", hash == 64 ? "sha512" : "sha256"},
                      {"rim", realms_[i].rim.hex()},
                      {"extensions", realms_[i].extensions}});
  }
  return {{"format", "caec-measurement-log/1"}, {"realms", realms}};
}

void MeasurementLog::write(const std::string& path, const std::vector<std::string>& names) const {
  std::ofstream out(path, std::ios::trunc);
  out << json(names).dump(2) << "\n";
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace caec::app
