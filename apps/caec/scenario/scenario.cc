#include "caec/abi/hex.h"
#include "apps/caec/scenario/scenario.h"

#include <algorithm>

#include "apps/caec/scenario/json_fields.h"
#include "caec/abi/realm_image.h"
#include "caec/abi/types.h"
#include "realm/program.h"

namespace caec::app {

namespace {

using nlohmann::json;
using fields::bad;
using fields::member;
using fields::number;
using fields::only_keys;
using fields::text;

ScenarioRealm parse_realm(const json& j, const std::string& path) {
  only_keys(j, path, {"name", "program", "args", "memory_mib", "rpv"});
  ScenarioRealm r;
  r.name = fields::name(j, path, "name");
  if (j.contains("program")) {
    r.program = text(j, path, "program");
    if (realm::find_program(r.program) == nullptr) bad(path + ".program", "no realm program named \"" + r.program + "\"");
  }
  // A scripted realm's arguments are its steps (compile.h): extra ones would be dropped or, worse,
  // run as script steps nobody wrote down as steps.
  if (j.contains("args") && r.scripted()) {
    const std::string program = r.program.empty() ? "csm-script or channel-script" : r.program;
    bad(path + ".args", "\"" + r.name + "\" runs " + program +
                            ", whose arguments are the scenario's steps; args are for realms running another program");
  }
  if (j.contains("args")) {
    if (!j.at("args").is_array()) bad(path + ".args", "expected an array of strings");
    for (std::size_t i = 0; i < j.at("args").size(); ++i) {
      if (!j.at("args")[i].is_string()) bad(path + ".args[" + std::to_string(i) + "]", "expected a string");
      r.args.push_back(j.at("args")[i].get<std::string>());
    }
  }
  if (j.contains("memory_mib")) {
    r.memory_mib = number(j.at("memory_mib"), path + ".memory_mib");
    if (r.memory_mib < 2 || r.memory_mib > 4096) bad(path + ".memory_mib", "must be 2 to 4096");
  }
  if (j.contains("rpv")) {
    const std::string hex = text(j, path, "rpv");
    if (hex.size() > 128 || !fields::is_hex(hex)) {
      bad(path + ".rpv", "expected up to 64 bytes of hex");
    }
    for (std::size_t i = 0; i < hex.size(); i += 2) r.rpv[i / 2] = static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16));
  }
  return r;
}

/// Realms left without a program run channel-script if they send or receive, else csm-script.
void pick_programs(Scenario& s) {
  for (ScenarioRealm& r : s.realms) {
    if (!r.program.empty()) continue;
    const bool talks = std::any_of(s.steps.begin(), s.steps.end(), [&](const ScenarioStep& st) {
      return st.action == "send" && (st.realm == r.name || st.to == r.name);
    });
    r.program = talks ? kChannelScript : kCsmScript;
  }
}

}  // namespace

const ScenarioRealm* Scenario::realm(const std::string& name) const {
  for (const auto& r : realms) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

const ScenarioRegion* Scenario::region(const std::string& name) const {
  for (const auto& r : regions) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

Scenario parse_scenario(const json& doc) {
  only_keys(doc, "scenario", {"machine", "realms", "regions", "steps"});
  Scenario s;
  if (doc.contains("machine")) {
    only_keys(doc.at("machine"), "machine", {"memory_mib"});
    if (doc.at("machine").contains("memory_mib")) {
      s.memory_mib = number(doc.at("machine").at("memory_mib"), "machine.memory_mib");
      if (s.memory_mib < 16 || s.memory_mib > 65536) bad("machine.memory_mib", "must be 16 to 65536");
    }
  }
  const json& realms = member(doc, "scenario", "realms");
  if (!realms.is_array() || realms.empty()) bad("realms", "expected a non-empty array");
  if (realms.size() > kMaxRealms) {
    bad("realms", std::to_string(realms.size()) + " realms; a scenario may have at most " + std::to_string(kMaxRealms));
  }
  for (std::size_t i = 0; i < realms.size(); ++i) {
    const std::string path = "realms[" + std::to_string(i) + "]";
    ScenarioRealm r = parse_realm(realms[i], path);
    if (s.realm(r.name) != nullptr) bad(path + ".name", "\"" + r.name + "\" is used twice");
    if (r.name.size() > 32) bad(path + ".name", "at most 32 characters (the host's rendezvous names)");
    s.realms.push_back(std::move(r));
  }
  const json& regions = fields::array(doc, "", "regions");
  for (std::size_t i = 0; i < regions.size(); ++i) {
    const std::string path = "regions[" + std::to_string(i) + "]";
    only_keys(regions[i], path, {"name", "provider", "base", "size"});
    ScenarioRegion g{.name = fields::name(regions[i], path, "name"),
                     .provider = text(regions[i], path, "provider"),
                     .base = number(member(regions[i], path, "base"), path + ".base"),
                     .size = number(member(regions[i], path, "size"), path + ".size")};
    if (s.region(g.name) != nullptr) bad(path + ".name", "\"" + g.name + "\" is used twice");
    const ScenarioRealm* p = s.realm(g.provider);
    if (p == nullptr) bad(path + ".provider", "no realm named \"" + g.provider + "\"");
    if (!p->scripted()) bad(path + ".provider", "\"" + g.provider + "\" runs " + p->program + ", which takes no steps");
    if (g.size == 0 || g.size % kGranuleSize != 0 || g.base % kGranuleSize != 0) {
      bad(path, "base and size must be non-zero multiples of 4096");
    }
    // Regions live in the provider's RAM, above the SDK's scratch pages and the windows `send`
    // steps put their channels in (compile.h).
    const std::uint64_t ram_end = abi::kRamBase.value() + (p->memory_mib << 20U);
    // Written so that no sum can wrap: base + size may not fit in 64 bits.
    if (g.base < abi::kRamBase.value() + (1U << 20U) || g.base >= ram_end || g.size > ram_end - g.base) {
      bad(path, "must lie in " + g.provider + "'s RAM from 0x200000 to " + hex_number(ram_end));
    }
    s.regions.push_back(g);
  }
  const json& steps = fields::array(doc, "", "steps");
  for (std::size_t i = 0; i < steps.size(); ++i) s.steps.push_back(parse_step(steps[i], "steps[" + std::to_string(i) + "]", s));
  pick_programs(s);
  return s;
}

}  // namespace caec::app
