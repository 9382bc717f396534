#include "caec/abi/hex.h"
#include "caec/abi/s2tt.h"
#include "apps/caec/scenario/inspection.h"

#include <map>
#include <sstream>

#include "apps/caec/scenario/json_fields.h"
#include "attest/rim_calculator.h"

namespace caec::app {

namespace {

using nlohmann::ordered_json;


const char* apt_kind(rmm::AptKind k) {
  switch (k) {
    case rmm::AptKind::kFree: return "free";
    case rmm::AptKind::kRegion: return "region";
    case rmm::AptKind::kSharing: return "sharing";
    case rmm::AptKind::kReservation: return "reservation";
    case rmm::AptKind::kPairCounter: return "pair-counter";
  }
  return "?";
}

const char* ripas_name(abi::Ripas r) {
  switch (r) {
    case abi::Ripas::kEmpty: return "empty";
    case abi::Ripas::kRam: return "ram";
    case abi::Ripas::kDestroyed: return "destroyed";
    case abi::Ripas::kDev: return "dev";
  }
  return "?";
}

/// Runs of granules with the same PAS and RMM state.
ordered_json granule_map(rmm::RmmIntrospection& rmm, const machine::Machine& m) {
  ordered_json runs = ordered_json::array();
  const Pa base = m.memory().base();
  const std::uint64_t n = m.memory().num_granules();
  std::string last;
  std::uint64_t start = 0;
  const auto flush = [&](std::uint64_t end) {
    if (last.empty()) return;
    const auto sep = last.find('/');
    runs.push_back({{"from", hex_number((base + start * kGranuleSize).value())},
                    {"to", hex_number((base + end * kGranuleSize).value())},
                    {"granules", end - start},
                    {"pas", last.substr(0, sep)},
                    {"state", last.substr(sep + 1)}});
  };
  for (std::uint64_t i = 0; i < n; ++i) {
    const Pa pa = base + i * kGranuleSize;
    const std::string key = std::string(machine::pas_name(m.pas(pa))) + "/" +
                            std::string(rmm::granule_state_name(rmm.granule(pa).state));
    if (key != last) {
      flush(i);
      last = key;
      start = i;
    }
  }
  flush(n);
  return runs;
}

ordered_json realm_view(rmm::RmmIntrospection& rmm, const host::VmRealm& r) {
  ordered_json j;
  j["name"] = r.name();
  j["rd"] = hex_number(r.built.rd.value());
  const auto rd = rmm.realm(r.built.rd);
  if (!rd) {
    j["state"] = "gone";
    return j;
  }
  j["rid"] = static_cast<std::uint64_t>(rd->rid);
  j["state"] = rd->state == rmm::RealmState::kNew ? "new" : rd->state == rmm::RealmState::kActive ? "active" : "system-off";
  const std::size_t hash = rd->hash_algo == abi::RmiHashAlgorithm::kSha512 ? 64 : 32;
  j["rim"] = hex_bytes(std::span(rd->measurements[0].data(), hash));
  std::map<std::string, std::uint64_t> stage2;
  for (const auto& mp : rmm.mappings(r.built.rd)) {
    const std::string kind = std::string(ripas_name(mp.ripas)) + (mp.foreign ? (mp.read_only ? "/foreign-ro" : "/foreign-rw") : "");
    stage2[kind] += abi::s2tt::entry_size(mp.level) / kGranuleSize;
  }
  j["stage2_pages"] = stage2;
  ordered_json apt = ordered_json::array();
  for (const rmm::AptEntry& e : rmm.apt(r.built.rd)) {
    if (e.kind == rmm::AptKind::kFree) continue;
    apt.push_back({{"kind", apt_kind(e.kind)},
                   {"csm_id", static_cast<std::uint64_t>(e.csm_id)},
                   {"base", hex_number(e.base.value())},
                   {"size", e.size},
                   {"peer_rid", static_cast<std::uint64_t>(e.peer)},
                   {"k", e.k},
                   {"state", e.state},
                   {"perm", e.perm == abi::CsmPerm::kRo ? "ro" : e.perm == abi::CsmPerm::kRw ? "rw" : "-"}});
  }
  j["apt"] = apt;
  return j;
}

}  // namespace

ordered_json inspect_json(rmm::RmmIntrospection& rmm, const machine::Machine& m, const std::vector<host::VmRealm*>& realms) {
  ordered_json j;
  j["granules"] = granule_map(rmm, m);
  for (const host::VmRealm* r : realms) j["realms"].push_back(realm_view(rmm, *r));
  return j;
}

std::string inspect_text(const ordered_json& v) {
  std::ostringstream o;
  o << "granule map (PAS / RMM state):\n";
  for (const auto& run : v.at("granules")) {
    o << "  " << run.at("from").get<std::string>() << ".." << run.at("to").get<std::string>() << "  "
      << run.at("granules").get<std::uint64_t>() << " granules  " << run.at("pas").get<std::string>() << " / "
      << run.at("state").get<std::string>() << "\n";
  }
  for (const auto& r : v.value("realms", ordered_json::array())) {
    o << "realm " << r.at("name").get<std::string>() << ": RD " << r.at("rd").get<std::string>() << ", "
      << r.at("state").get<std::string>();
    if (r.contains("rid")) o << ", RID " << r.at("rid").get<std::uint64_t>() << ", RIM " << r.at("rim").get<std::string>();
    o << "\n";
    if (r.contains("stage2_pages")) {
      o << "  stage 2:";
      for (const auto& [kind, pages] : r.at("stage2_pages").items()) o << " " << kind << "=" << pages.get<std::uint64_t>();
      o << "\n";
      for (const auto& e : r.at("apt")) {
        o << "  apt " << e.at("kind").get<std::string>() << " csm " << e.at("csm_id").get<std::uint64_t>() << " base "
          << e.at("base").get<std::string>() << " size " << e.at("size").get<std::uint64_t>() << " peer RID "
          << e.at("peer_rid").get<std::uint64_t>() << " k " << e.at("k").get<std::uint64_t>() << " perm "
          << e.at("perm").get<std::string>() << " state " << e.at("state").get<int>() << "\n";
      }
    }
  }
  return o.str();
}

}  // namespace caec::app
