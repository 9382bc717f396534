// Reading a scenario's JSON fields so that every error names the field it is about
// ("steps[3].region: no region named \"x\""): `caec run` exits 2 with that message.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

namespace caec::app::fields {

[[noreturn]] void bad(const std::string& field, const std::string& why);
/// obj[key], or ScenarioError "PATH.KEY: missing".
[[nodiscard]] const nlohmann::json& member(const nlohmann::json& obj, const std::string& path, const char* key);
/// obj[key] as a non-empty string.
[[nodiscard]] std::string text(const nlohmann::json& obj, const std::string& path, const char* key);
/// Whether `s` holds white space or a control character (which would split a script operand).
[[nodiscard]] bool blank_or_control(const std::string& s);
/// obj[key] as a name: a non-empty string without white space or control characters (names
/// are operands of the realms' scripts and the host's rendezvous names).
[[nodiscard]] std::string name(const nlohmann::json& obj, const std::string& path, const char* key);
/// A JSON unsigned integer or a "0x..." / decimal string.
[[nodiscard]] std::uint64_t number(const nlohmann::json& v, const std::string& field);
/// obj[key] as an array (an empty one if `obj` has no `key`).
[[nodiscard]] const nlohmann::json& array(const nlohmann::json& obj, const std::string& path, const char* key);
/// `obj` is an object with no keys but `allowed`.
void only_keys(const nlohmann::json& obj, const std::string& path, std::initializer_list<const char*> allowed);
/// Whether `hex` is pairs of hex digits.
[[nodiscard]] bool is_hex(const std::string& hex);

}  // namespace caec::app::fields
