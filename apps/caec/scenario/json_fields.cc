#include "caec/abi/hex.h"
#include "apps/caec/scenario/json_fields.h"

#include <algorithm>
#include <cstdio>

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

bool blank_or_control(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto ch = static_cast<unsigned char>(c);  // UTF-8 bytes above 0x7f are fine
    return ch <= ' ' || ch == 0x7f;
  });
}

std::string name(const json& obj, const std::string& path, const char* key) {
  std::string n = text(obj, path, key);
  if (blank_or_control(n)) bad(path + "." + key, "\"" + n + "\" contains white space or a control character");
  return n;
}

std::uint64_t number(const json& v, const std::string& field) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_string()) {
    // Digits only: stoull alone would take "-4096" (and wrap it), " 12" or "0x" prefixes twice.
    const std::string s = v.get<std::string>();
    const bool hex = s.starts_with("0x") || s.starts_with("0X");
    const std::string digits = hex ? s.substr(2) : s;
    const char* allowed = hex ? "0123456789abcdefABCDEF" : "0123456789";
    if (!digits.empty() && digits.find_first_not_of(allowed) == std::string::npos) {
      try {
        return std::stoull(digits, nullptr, hex ? 16 : 10);
      } catch (const std::out_of_range&) {
        bad(field, "\"" + s + "\" is larger than 2^64 - 1");
      }
    }
  }
  bad(field, "expected a non-negative integer (or a \"0x...\" string), not " + v.dump());
}

const json& array(const json& obj, const std::string& path, const char* key) {
  static const json kEmpty = json::array();
  if (!obj.contains(key)) return kEmpty;
  const json& v = obj.at(key);
  if (!v.is_array()) bad(path.empty() ? key : path + "." + key, "expected an array, not " + std::string(v.type_name()));
  return v;
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
