#include "caec/abi/hex.h"
#include "realm/script.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <sstream>
#include <stdexcept>

#include "realm/attestation.h"
#include "realm/csm_api.h"
#include "realm/realm.h"

namespace caec::realm {

namespace {

std::uint64_t num(const std::string& s) { return std::stoull(s, nullptr, 0); }

void need(const ScriptStep& t, std::size_t n) {
  if (t.size() < n) throw std::runtime_error("step needs " + std::to_string(n - 1) + " operands");
}

/// Runs `access` (a `what` of `bytes` bytes at `ipa`); an abort it takes fails the step with the
/// access and the fault, instead of ending the realm with no word on its console.
void checked_access(Realm& r, const char* what, Ipa ipa, std::size_t bytes, const std::function<void()>& access) {
  if (const auto abort = r.guarded(access)) {
    throw std::runtime_error(std::string(what) + " of " + std::to_string(bytes) + " bytes at IPA " + hex_number(ipa.value()) +
                             " took a synchronous external abort at IPA " + hex_number(abort->ipa.value()) +
                             ": stage 2 does not permit it (a write through a read-only CSM sharing, a "
                             "reservation with nothing attached, or memory that is not RAM)");
  }
}

}  // namespace

/// A variable's value, or the operand itself as a number (to name ids one does not own).
std::uint64_t CsmScript::var(const std::string& s) const {
  const auto it = vars_.find(s);
  return it != vars_.end() ? it->second : num(s);
}

Rid CsmScript::rid(const std::string& name) {
  auto it = rids_.find(name);
  if (it == rids_.end()) it = rids_.emplace(name, lookup_rid(r_, name)).first;
  return it->second;
}

std::string CsmScript::challenge_at(Ipa at) {
  std::uint64_t len = 0;
  std::memcpy(&len, r_.ptr(at), sizeof len);
  if (len > 64) throw std::runtime_error("the challenge at " + hex_number(at.value()) + " is longer than 64 bytes");
  std::array<std::uint8_t, 64> bytes{};
  std::memcpy(bytes.data(), r_.ptr(at + sizeof len), len);
  std::string text;
  for (std::size_t i = 0; i < len; ++i) text += hex_number(bytes[i] | 0x100U).substr(3);  // two digits each
  return text;
}

void CsmScript::attest(Ipa out, const std::string& challenge_hex) {
  std::vector<std::uint8_t> challenge;
  for (std::size_t i = 0; i + 1 < challenge_hex.size(); i += 2) {
    challenge.push_back(static_cast<std::uint8_t>(std::stoul(challenge_hex.substr(i, 2), nullptr, 16)));
  }
  const std::vector<std::uint8_t> token = attestation_report(r_, challenge);
  const std::uint64_t len = token.size();
  std::byte* p = r_.ptr(out);
  std::memcpy(p, &len, sizeof len);
  std::memcpy(p + sizeof len, token.data(), token.size());
  const Measurement rim = r_.measurement(0);
  std::memcpy(p + sizeof len + token.size(), rim.data(), rim.size());
  r_.print("token " + std::to_string(len) + " bytes\n");
}

/// "attached VAR N" waits for N attached sharings; "sharings VAR N" checks there are N now.
void CsmScript::wait_for_sharings(const ScriptStep& t) {
  const bool wait = t[0] == "attached";
  const auto want = num(t[2]);
  for (;;) {
    const auto info = csm_info(r_, CsmId{var(t[1])});
    std::uint64_t n = 0;
    for (std::uint64_t i = 0; i < info.num_sharings; ++i) {
      n += !wait || info.sharings[i].state == static_cast<std::uint64_t>(abi::SharingState::kAttached) ? 1U : 0U;
    }
    if (n == want) return;
    if (!wait) throw std::runtime_error("region has " + std::to_string(n) + " sharings");
    r_.cpu_relax();
  }
}

void CsmScript::expect_failure(const ScriptStep& t) {
  const ScriptStep inner(t.begin() + 2, t.end());
  try {
    if (!run(inner)) throw std::runtime_error("unknown step '" + inner[0] + "'");
  } catch (const RsiError& e) {
    const auto want = t[1] == "input"   ? abi::RsiStatus::kErrorInput
                      : t[1] == "state" ? abi::RsiStatus::kErrorState
                                        : abi::RsiStatus::kErrorCapacity;
    if (e.status() == want) return;
    throw std::runtime_error(std::string("failed differently: ") + e.what());
  }
  throw std::runtime_error("succeeded but should have failed");
}

void CsmScript::expect_abort(const ScriptStep& t) {
  auto* p = r_.as<volatile std::uint8_t>(Ipa{num(t[1])});
  std::uint8_t seen = 0;
  const bool read = t[0] == "abort-read";
  const auto abort = r_.guarded([&] {
    if (read) seen = *p; else *p = 0x77;
  });
  if (!abort) throw std::runtime_error(t[0] + " did not abort (read " + std::to_string(seen) + ")");
}

void CsmScript::expect_peer_rim(const ScriptStep& t) {
  const auto m = realm_measurements(r_, rid(t[1]));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (std::size_t i = 0; i < t[2].size() / 2; ++i) {
    hex.push_back(kHex[m.measurements[0][i] >> 4U]);
    hex.push_back(kHex[m.measurements[0][i] & 0xFU]);
  }
  if (hex != t[2]) throw std::runtime_error("peer RIM is " + hex);
}

void CsmScript::raw_call(const ScriptStep& t) {
  std::array<std::uint64_t, 10> a{};
  if (t.size() - 2 > a.size()) throw std::runtime_error("call takes at most 10 arguments");
  for (std::size_t i = 2; i < t.size(); ++i) {
    a[i - 2] = t[i].starts_with('@') ? static_cast<std::uint64_t>(rid(t[i].substr(1))) : var(t[i]);
  }
  const auto out = r_.smc(static_cast<std::uint32_t>(num(t[1])), {a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]});
  if (out.x[0] != 0) throw RsiError("RSI call " + t[1], static_cast<abi::RsiStatus>(out.x[0]));
}

bool CsmScript::run(const ScriptStep& step_words) {
  using S = CsmScript;
  using T = const ScriptStep&;
  /// A step: its name, how many words it needs (the name included), what it does.
  struct Step {
    std::string_view op;
    std::size_t words;
    void (*fn)(S&, T);
  };
  static constexpr std::array<Step, 21> kSteps{{
      {"publish", 1, [](S& s, T) { publish_rid(s.r_); }},
      {"create", 4, [](S& s, T t) { s.vars_[t[1]] = static_cast<std::uint64_t>(csm_create(s.r_, Ipa{num(t[2])}, num(t[3]))); }},
      {"share", 4,
       [](S& s, T t) {
         (void)csm_share(s.r_, CsmId{s.var(t[1])}, s.rid(t[2]), t[3] == "ro" ? abi::CsmPerm::kRo : abi::CsmPerm::kRw);
       }},
      {"revoke", 3, [](S& s, T t) { csm_revoke(s.r_, s.rid(t[1]), num(t[2])); }},
      {"destroy", 2, [](S& s, T t) { csm_destroy(s.r_, CsmId{s.var(t[1])}); }},
      {"reserve", 5, [](S& s, T t) { (void)csm_reserve(s.r_, s.rid(t[1]), num(t[2]), Ipa{num(t[3])}, num(t[4])); }},
      {"attach", 5,
       [](S& s, T t) {
         const auto a = csm_attach(s.r_, s.rid(t[1]), num(t[2]), Ipa{num(t[3])}, num(t[4]));
         s.r_.print(a.perm == abi::CsmPerm::kRo ? "attached ro\n" : "attached rw\n");
       }},
      {"detach", 3, [](S& s, T t) { csm_detach(s.r_, s.rid(t[1]), num(t[2])); }},
      {"map-host", 4, [](S& s, T t) { (void)s.r_.map_host_buffer(num(t[1]), Ipa{num(t[2])}, num(t[3])); }},
      {"attest", 2,
       [](S& s, T t) {
         s.attest(Ipa{num(t[1])}, t.size() <= 2 ? "" : t[2].starts_with("@") ? s.challenge_at(Ipa{num(t[2].substr(1))}) : t[2]);
       }},
      {"write", 3,
       [](S& s, T t) {
         const Ipa at{num(t[1])};
         std::byte* p = s.r_.ptr(at);
         checked_access(s.r_, "write", at, t[2].size() + 1, [&] { std::memcpy(p, t[2].c_str(), t[2].size() + 1); });
       }},
      {"expect", 3,
       [](S& s, T t) {
         const Ipa at{num(t[1])};
         const std::byte* p = s.r_.ptr(at);
         std::string seen(t[2].size(), '\0');
         checked_access(s.r_, "read", at, seen.size(), [&] { std::memcpy(seen.data(), p, seen.size()); });
         if (seen != t[2]) throw std::runtime_error("read \"" + seen + "\", expected \"" + t[2] + "\"");
       }},
      {"abort-read", 2, [](S& s, T t) { s.expect_abort(t); }},
      {"abort-write", 2, [](S& s, T t) { s.expect_abort(t); }},
      {"fail", 3, [](S& s, T t) { s.expect_failure(t); }},
      {"attached", 3, [](S& s, T t) { s.wait_for_sharings(t); }},
      {"sharings", 3, [](S& s, T t) { s.wait_for_sharings(t); }},
      {"rim", 3, [](S& s, T t) { s.expect_peer_rim(t); }},
      {"signal", 2, [](S& s, T t) { signal_event(s.r_, t[1]); }},
      {"wait", 2, [](S& s, T t) { wait_event(s.r_, t[1]); }},
      {"call", 2, [](S& s, T t) { s.raw_call(t); }},
  }};
  const std::string& op = step_words.at(0);
  const auto* step = std::find_if(kSteps.begin(), kSteps.end(), [&](const Step& x) { return x.op == op; });
  if (step == kSteps.end()) return false;
  need(step_words, step->words);
  step->fn(*this, step_words);
  return true;
}

int run_script(Realm& r, const std::function<bool(const ScriptStep&)>& run) {
  int n = 0;
  for (const std::string& line : r.args()) {
    ++n;
    std::istringstream in(line);
    ScriptStep tokens;
    for (std::string tok; in >> tok;) tokens.push_back(tok);
    if (tokens.empty()) continue;
    try {
      if (!run(tokens)) throw std::runtime_error("unknown step '" + tokens[0] + "'");
    } catch (const std::exception& e) {
      r.print("step " + std::to_string(n) + " (" + line + "): " + e.what() + "\n");
      return n;
    }
  }
  return 0;
}

}  // namespace caec::realm
