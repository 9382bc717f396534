// "csm-script": a realm program that runs the CSM steps its (measured) arguments list, one step
// per argument. Scenarios and tests use it to drive providers and consumers without writing a
// program each. It returns 0 when every step held, else the number of the first failing step
// (and prints why).
//
// Steps (IPA/SIZE in hex or decimal; NAME: a realm's launch name; VAR: a local variable):
//   publish                      publish this realm's RID under its launch name
//   create VAR IPA SIZE          RSI_CSM_CREATE; VAR = csm id
//   share VAR NAME ro|rw         RSI_CSM_SHARE of region VAR with realm NAME (k = 0, 1, ...)
//   revoke NAME K | destroy VAR  provider
//   reserve NAME K IPA SIZE      RSI_CSM_RESERVE of sharing K from provider NAME
//   attach NAME K IPA SIZE       RSI_CSM_ATTACH (prints the permission)
//   detach NAME K                RSI_CSM_DETACH_AND_FREE
//   write IPA TEXT | expect IPA TEXT        plain memory access / compare
//   abort-read IPA | abort-write IPA        the access must take an abort
//   fail input|state|capacity STEP...       STEP must fail with that RSI status
//   attached VAR N               wait until N sharings of region VAR are attached
//   sharings VAR N               RSI_CSM_INFO shows exactly N sharings
//   rim NAME HEX                 RSI_REALM_MEASUREMENTS: NAME's RIM is HEX (hash-size bytes)
//   signal EVENT | wait EVENT    rendezvous through the host
//   map-host ID IPA SIZE         map the host's shared buffer ID at (unprotected) IPA
//   attest IPA [CHALLENGE]       fetch a CCA token (challenge in hex, default none) and store
//                                it at IPA as a little-endian u64 length then the bytes,
//                                followed by RSI_MEASUREMENT_READ(0) (64 bytes)
//   call FID ARG...              one raw RSI call, for arguments the SDK never passes (a bad
//                                permission or buffer address); ARG: a variable, @NAME for
//                                NAME's RID, or a number (at most 10); holds if X0 is success
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "caec/abi/host_call.h"
#include "realm/attestation.h"
#include "realm/csm.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::realm {
namespace {

struct Script {
  Realm& r;
  std::map<std::string, std::uint64_t> vars;
  std::map<std::string, Rid> rids;

  static std::uint64_t num(const std::string& s) { return std::stoull(s, nullptr, 0); }
  /// A variable's value, or the operand itself as a number (to name ids one does not own).
  std::uint64_t var(const std::string& s) {
    const auto it = vars.find(s);
    return it != vars.end() ? it->second : num(s);
  }
  Rid rid(const std::string& name) {
    auto it = rids.find(name);
    if (it == rids.end()) it = rids.emplace(name, lookup_rid(r, name)).first;
    return it->second;
  }

  void attest(Ipa out, const std::string& challenge_hex) {
    std::vector<std::uint8_t> challenge;
    for (std::size_t i = 0; i + 1 < challenge_hex.size(); i += 2) {
      challenge.push_back(static_cast<std::uint8_t>(std::stoul(challenge_hex.substr(i, 2), nullptr, 16)));
    }
    const std::vector<std::uint8_t> token = attestation_report(r, challenge);
    const std::uint64_t len = token.size();
    std::byte* p = r.ptr(out);
    std::memcpy(p, &len, sizeof len);
    std::memcpy(p + sizeof len, token.data(), token.size());
    const Measurement rim = r.measurement(0);
    std::memcpy(p + sizeof len + token.size(), rim.data(), rim.size());
    r.print("token " + std::to_string(len) + " bytes\n");
  }

  /// Runs one step; throws on failure (std::runtime_error with the reason, or RsiError).
  void run(const std::vector<std::string>& t) {
    const auto need = [&](std::size_t n) {
      if (t.size() < n) throw std::runtime_error("step needs " + std::to_string(n - 1) + " operands");
    };
    const std::string& op = t.at(0);
    if (op == "publish") {
      publish_rid(r);
    } else if (op == "create") {
      need(4);
      vars[t[1]] = static_cast<std::uint64_t>(csm_create(r, Ipa{num(t[2])}, num(t[3])));
    } else if (op == "share") {
      need(4);
      const auto perm = t[3] == "ro" ? abi::CsmPerm::kRo : abi::CsmPerm::kRw;
      (void)csm_share(r, CsmId{var(t[1])}, rid(t[2]), perm);
    } else if (op == "revoke") {
      need(3);
      csm_revoke(r, rid(t[1]), num(t[2]));
    } else if (op == "destroy") {
      need(2);
      csm_destroy(r, CsmId{var(t[1])});
    } else if (op == "reserve") {
      need(5);
      (void)csm_reserve(r, rid(t[1]), num(t[2]), Ipa{num(t[3])}, num(t[4]));
    } else if (op == "attach") {
      need(5);
      const auto a = csm_attach(r, rid(t[1]), num(t[2]), Ipa{num(t[3])}, num(t[4]));
      r.print(a.perm == abi::CsmPerm::kRo ? "attached ro\n" : "attached rw\n");
    } else if (op == "detach") {
      need(3);
      csm_detach(r, rid(t[1]), num(t[2]));
    } else if (op == "map-host") {
      need(4);
      (void)r.map_host_buffer(num(t[1]), Ipa{num(t[2])}, num(t[3]));
    } else if (op == "attest") {
      need(2);
      attest(Ipa{num(t[1])}, t.size() > 2 ? t[2] : "");
    } else if (op == "write") {
      need(3);
      std::memcpy(r.ptr(Ipa{num(t[1])}), t[2].c_str(), t[2].size() + 1);
    } else if (op == "expect") {
      need(3);
      const std::string seen(reinterpret_cast<const char*>(r.ptr(Ipa{num(t[1])})), t[2].size());
      if (seen != t[2]) throw std::runtime_error("read \"" + seen + "\", expected \"" + t[2] + "\"");
    } else if (op == "abort-read" || op == "abort-write") {
      need(2);
      auto* p = r.as<volatile std::uint8_t>(Ipa{num(t[1])});
      std::uint8_t seen = 0;
      const auto abort = r.guarded([&] {
        if (op == "abort-read") seen = *p; else *p = 0x77;
      });
      if (!abort) throw std::runtime_error(op + " did not abort (read " + std::to_string(seen) + ")");
    } else if (op == "fail") {
      need(3);
      const std::vector<std::string> inner(t.begin() + 2, t.end());
      try {
        run(inner);
      } catch (const RsiError& e) {
        const auto want = t[1] == "input"   ? abi::RsiStatus::kErrorInput
                          : t[1] == "state" ? abi::RsiStatus::kErrorState
                                            : abi::RsiStatus::kErrorCapacity;
        if (e.status() == want) return;
        throw std::runtime_error(std::string("failed differently: ") + e.what());
      }
      throw std::runtime_error("succeeded but should have failed");
    } else if (op == "attached" || op == "sharings") {
      need(3);
      const auto want = num(t[2]);
      for (;;) {
        const auto info = csm_info(r, CsmId{var(t[1])});
        std::uint64_t n = 0;
        for (std::uint64_t i = 0; i < info.num_sharings; ++i) {
          n += op == "sharings" || info.sharings[i].state ==
                                       static_cast<std::uint64_t>(abi::SharingState::kAttached)
                   ? 1U : 0U;
        }
        if (n == want) return;
        if (op == "sharings") throw std::runtime_error("region has " + std::to_string(n) + " sharings");
        r.cpu_relax();
      }
    } else if (op == "rim") {
      need(3);
      const auto m = realm_measurements(r, rid(t[1]));
      static constexpr char kHex[] = "0123456789abcdef";
      std::string hex;
      for (std::size_t i = 0; i < t[2].size() / 2; ++i) {
        hex.push_back(kHex[m.measurements[0][i] >> 4U]);
        hex.push_back(kHex[m.measurements[0][i] & 0xFU]);
      }
      if (hex != t[2]) throw std::runtime_error("peer RIM is " + hex);
    } else if (op == "signal" || op == "wait") {
      need(2);
      op == "signal" ? signal_event(r, t[1]) : wait_event(r, t[1]);
    } else if (op == "call") {
      need(2);
      std::array<std::uint64_t, 10> a{};
      if (t.size() - 2 > a.size()) throw std::runtime_error("call takes at most 10 arguments");
      for (std::size_t i = 2; i < t.size(); ++i) {
        a[i - 2] = t[i].starts_with('@') ? static_cast<std::uint64_t>(rid(t[i].substr(1)))
                                         : var(t[i]);
      }
      const auto out = r.smc(static_cast<std::uint32_t>(num(t[1])),
                             {a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]});
      if (out.x[0] != 0) {
        throw RsiError("RSI call " + t[1], static_cast<abi::RsiStatus>(out.x[0]));
      }
    } else {
      throw std::runtime_error("unknown step '" + op + "'");
    }
  }
};

int csm_script(Realm& r) {
  Script s{r, {}, {}};
  int n = 0;
  for (const std::string& line : r.args()) {
    ++n;
    std::istringstream in(line);
    std::vector<std::string> tokens;
    for (std::string tok; in >> tok;) tokens.push_back(tok);
    if (tokens.empty()) continue;
    try {
      s.run(tokens);
    } catch (const std::exception& e) {
      r.print("step " + std::to_string(n) + " (" + line + "): " + e.what() + "\n");
      return n;
    }
  }
  return 0;
}
CAEC_REALM_PROGRAM("csm-script", csm_script);

}  // namespace
}  // namespace caec::realm
