#include "apps/caec/scenario/scenario.h"

#include <set>

#include "caec/abi/realm_image.h"
#include "caec/abi/types.h"

namespace caec::app {

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& field, const std::string& why) { throw ScenarioError(field + ": " + why); }

const json& member(const json& obj, const std::string& path, const char* key) {
  if (!obj.contains(key)) bad(path + "." + key, "missing");
  return obj.at(key);
}

std::string text(const json& obj, const std::string& path, const char* key) {
  const json& v = member(obj, path, key);
  if (!v.is_string() || v.get<std::string>().empty()) bad(path + "." + key, "expected a non-empty string");
  return v.get<std::string>();
}

std::uint64_t number(const json& v, const std::string& field) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    std::size_t used = 0;
    try {
      const std::uint64_t n = std::stoull(s, &used, 0);
      if (used == s.size()) return n;
    } catch (const std::logic_error&) {
    }
  }
  bad(field, "expected a non-negative integer (or a \"0x...\" string)");
}

void only_keys(const json& obj, const std::string& path, std::initializer_list<const char*> allowed) {
  if (!obj.is_object()) bad(path, "expected an object");
  for (const auto& [key, value] : obj.items()) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) bad(path + "." + key, "unknown field");
  }
}

ScenarioRealm parse_realm(const json& j, const std::string& path) {
  only_keys(j, path, {"name", "program", "args", "memory_mib", "rpv"});
  ScenarioRealm r;
  r.name = text(j, path, "name");
  if (j.contains("program")) r.program = text(j, path, "program");
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
    if (hex.size() > 128 || hex.size() % 2 != 0 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
      bad(path + ".rpv", "expected up to 64 bytes of hex");
    }
    for (std::size_t i = 0; i < hex.size(); i += 2) r.rpv[i / 2] = static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16));
  }
  return r;
}

const std::set<std::string> kActions{"share", "attach", "write", "expect", "write-refused", "revoke",
                                     "detach", "destroy", "attest", "inspect"};

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
  for (std::size_t i = 0; i < realms.size(); ++i) {
    const std::string path = "realms[" + std::to_string(i) + "]";
    ScenarioRealm r = parse_realm(realms[i], path);
    if (s.realm(r.name) != nullptr) bad(path + ".name", "\"" + r.name + "\" is used twice");
    if (r.name.size() > 32) bad(path + ".name", "at most 32 characters (the host's rendezvous names)");
    s.realms.push_back(std::move(r));
  }
  const json regions = doc.value("regions", json::array());
  for (std::size_t i = 0; i < regions.size(); ++i) {
    const std::string path = "regions[" + std::to_string(i) + "]";
    only_keys(regions[i], path, {"name", "provider", "base", "size"});
    ScenarioRegion g{.name = text(regions[i], path, "name"),
                     .provider = text(regions[i], path, "provider"),
                     .base = number(member(regions[i], path, "base"), path + ".base"),
                     .size = number(member(regions[i], path, "size"), path + ".size")};
    if (s.region(g.name) != nullptr) bad(path + ".name", "\"" + g.name + "\" is used twice");
    const ScenarioRealm* p = s.realm(g.provider);
    if (p == nullptr) bad(path + ".provider", "no realm named \"" + g.provider + "\"");
    if (p->program != "csm-script") bad(path + ".provider", "\"" + g.provider + "\" does not run csm-script");
    if (g.size == 0 || g.size % kGranuleSize != 0 || g.base % kGranuleSize != 0) {
      bad(path, "base and size must be non-zero multiples of 4096");
    }
    // Regions live in the provider's RAM, above the SDK's scratch pages and the program's stack.
    const std::uint64_t ram_end = abi::kRamBase.value() + (p->memory_mib << 20U);
    if (g.base < abi::kRamBase.value() + (1U << 20U) || g.base + g.size > ram_end) {
      bad(path, "must lie in " + g.provider + "'s RAM from 0x200000 to " + std::to_string(ram_end));
    }
    s.regions.push_back(g);
  }
  const json steps = doc.value("steps", json::array());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string path = "steps[" + std::to_string(i) + "]";
    only_keys(steps[i], path, {"do", "realm", "region", "consumer", "perm", "offset", "text", "out"});
    ScenarioStep st;
    st.action = text(steps[i], path, "do");
    if (!kActions.contains(st.action)) bad(path + ".do", "unknown action \"" + st.action + "\"");
    for (const char* key : {"realm", "region", "consumer", "perm", "text", "out"}) {
      if (steps[i].contains(key)) {
        std::string& field = key == std::string("realm")      ? st.realm
                             : key == std::string("region")   ? st.region
                             : key == std::string("consumer") ? st.consumer
                             : key == std::string("perm")     ? st.perm
                             : key == std::string("text")     ? st.text
                                                              : st.out;
        field = text(steps[i], path, key);
      }
    }
    if (steps[i].contains("offset")) st.offset = number(steps[i].at("offset"), path + ".offset");
    const bool needs_region = st.action != "attest" && st.action != "inspect";
    const bool needs_realm = st.action == "attach" || st.action == "write" || st.action == "expect" ||
                             st.action == "write-refused" || st.action == "detach" || st.action == "attest";
    const bool needs_consumer = st.action == "share" || st.action == "revoke";
    if (needs_region && s.region(st.region) == nullptr) bad(path + ".region", "no region named \"" + st.region + "\"");
    if (needs_realm && s.realm(st.realm) == nullptr) bad(path + ".realm", "no realm named \"" + st.realm + "\"");
    if (needs_realm && s.realm(st.realm)->program != "csm-script") {
      bad(path + ".realm", "\"" + st.realm + "\" does not run csm-script");
    }
    if (needs_consumer && s.realm(st.consumer) == nullptr) bad(path + ".consumer", "no realm named \"" + st.consumer + "\"");
    if (st.action == "share" && st.perm != "ro" && st.perm != "rw") bad(path + ".perm", "expected \"ro\" or \"rw\"");
    if ((st.action == "write" || st.action == "expect") && st.text.empty()) bad(path + ".text", "missing");
    if (st.text.find_first_of(" \t\n") != std::string::npos) bad(path + ".text", "must not contain white space");
    if (st.action == "attest" && st.out.empty()) bad(path + ".out", "missing (the token file)");
    if (needs_region && st.offset >= s.region(st.region)->size) bad(path + ".offset", "outside the region");
    s.steps.push_back(st);
  }
  return s;
}

}  // namespace caec::app
