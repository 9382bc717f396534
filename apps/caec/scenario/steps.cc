// One step of a scenario's script: its fields, checked against the realms and regions.
#include <set>

#include "caec/abi/hex.h"
#include "apps/caec/scenario/json_fields.h"
#include "apps/caec/scenario/scenario.h"
#include "channel/connect.h"

namespace caec::app {

namespace {

using nlohmann::json;
using fields::bad;

const std::set<std::string> kActions{"share", "attach", "write", "expect", "write-refused", "revoke",
                                     "detach", "destroy", "attest", "send", "inspect"};

/// `name` (the value of PATH.KEY) is a realm that runs the steps; with `talks`, one that can
/// send and receive too.
void check_actor(const Scenario& s, const std::string& field, const std::string& name, bool talks) {
  if (name.empty()) bad(field, "missing");
  const ScenarioRealm* r = s.realm(name);
  if (r == nullptr) bad(field, "no realm named \"" + name + "\"");
  if (!r->scripted()) bad(field, "\"" + name + "\" runs " + r->program + ", which takes no steps");
  if (talks && r->program == kCsmScript) {
    bad(field, "\"" + name + "\" runs csm-script, which has no channel; leave its program out or use channel-script");
  }
}

/// send: a receiver other than the sender, a known transport, exactly one message of a size
/// the channel carries.
void check_send(const json& j, const std::string& path, const Scenario& s, ScenarioStep& st) {
  if (st.to.empty()) bad(path + ".to", "missing (the receiving realm)");
  check_actor(s, path + ".to", st.to, true);
  if (st.to == st.realm) bad(path + ".to", "a realm cannot send to itself");
  if (st.transport.empty()) st.transport = "csm";
  if (!channel::transport_from_name(st.transport)) {
    bad(path + ".transport", "unknown transport \"" + st.transport +
                                 "\" (csm, csm-zero-copy, sealed-openssl, sealed-mbedtls, plain-ns)");
  }
  const int given = (j.contains("text") ? 1 : 0) + (j.contains("hex") ? 1 : 0) + (j.contains("bytes") ? 1 : 0);
  if (given != 1) bad(path, "expected exactly one of text, hex or bytes (the message)");
  const std::string limit = "at most " + std::to_string(kMaxSendBytes) + " bytes";
  if (j.contains("hex") && !fields::is_hex(st.hex)) bad(path + ".hex", "expected pairs of hex digits");
  if (st.hex.size() / 2 > kMaxSendBytes) bad(path + ".hex", limit);
  if (st.text.size() > kMaxSendBytes) bad(path + ".text", limit);
  if (j.contains("bytes") && (st.bytes == 0 || st.bytes > kMaxSendBytes)) bad(path + ".bytes", "must be 1 to " + std::to_string(kMaxSendBytes));
}

/// The fields every other action needs.
void check_memory_step(const std::string& path, const Scenario& s, const ScenarioStep& st) {
  const bool needs_region = st.action != "attest" && st.action != "inspect";
  const bool needs_realm = st.action == "attach" || st.action == "write" || st.action == "expect" ||
                           st.action == "write-refused" || st.action == "detach" || st.action == "attest";
  const bool needs_consumer = st.action == "share" || st.action == "revoke";
  if (needs_region && s.region(st.region) == nullptr) bad(path + ".region", "no region named \"" + st.region + "\"");
  if (needs_realm) check_actor(s, path + ".realm", st.realm, false);
  if (needs_consumer && s.realm(st.consumer) == nullptr) bad(path + ".consumer", "no realm named \"" + st.consumer + "\"");
  if (st.action == "share" && st.perm != "ro" && st.perm != "rw") bad(path + ".perm", "expected \"ro\" or \"rw\"");
  if ((st.action == "write" || st.action == "expect") && st.text.empty()) bad(path + ".text", "missing");
  // The text becomes one csm-script operand.
  if (fields::blank_or_control(st.text)) bad(path + ".text", "must not contain white space or control characters");
  if (st.action == "attest" && st.out.empty()) bad(path + ".out", "missing (the token file)");
  if (!needs_region) return;
  const std::uint64_t size = s.region(st.region)->size;
  const std::string region = "region " + st.region + " (" + std::to_string(size) + " bytes)";
  if (st.offset >= size) bad(path + ".offset", hex_number(st.offset) + " is outside " + region);
  // csm-script's write stores the text and a zero byte after it; expect reads the text's bytes.
  const std::uint64_t touched = st.action == "write" ? st.text.size() + 1 : st.action == "expect" ? st.text.size() : 1;
  if (touched > size - st.offset) {
    bad(path + ".text",
        std::to_string(touched) + " bytes at offset " + hex_number(st.offset) + " run past the end of " + region);
  }
}

}  // namespace

ScenarioStep parse_step(const json& j, const std::string& path, const Scenario& s) {
  fields::only_keys(j, path, {"do", "realm", "region", "consumer", "perm", "offset", "text", "out", "to", "transport",
                              "hex", "bytes"});
  ScenarioStep st;
  st.action = fields::text(j, path, "do");
  if (!kActions.contains(st.action)) bad(path + ".do", "unknown action \"" + st.action + "\"");
  const std::pair<const char*, std::string ScenarioStep::*> strings[] = {
      {"realm", &ScenarioStep::realm}, {"region", &ScenarioStep::region}, {"consumer", &ScenarioStep::consumer},
      {"perm", &ScenarioStep::perm},   {"text", &ScenarioStep::text},     {"out", &ScenarioStep::out},
      {"to", &ScenarioStep::to},       {"transport", &ScenarioStep::transport}, {"hex", &ScenarioStep::hex}};
  for (const auto& [key, field] : strings) {
    if (j.contains(key)) st.*field = fields::text(j, path, key);
  }
  if (j.contains("offset")) st.offset = fields::number(j.at("offset"), path + ".offset");
  if (j.contains("bytes")) st.bytes = fields::number(j.at("bytes"), path + ".bytes");
  if (st.action == "send") {
    check_actor(s, path + ".realm", st.realm, true);
    check_send(j, path, s, st);
  } else {
    check_memory_step(path, s, st);
  }
  return st;
}

}  // namespace caec::app
