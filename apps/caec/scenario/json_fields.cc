#include "apps/caec/scenario/json_fields.h"

#include "apps/caec/scenario/scenario.h"

namespace caec::app::fields {

using nlohmann::json;

void bad(const std::string& field, const std::string& why) { throw ScenarioError(field + ": " + why); }

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

bool is_hex(const std::string& hex) {
  return hex.size() % 2 == 0 && hex.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

}  // namespace caec::app::fields
