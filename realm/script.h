// csm-script's steps as a library: the interpreter behind the "csm-script" realm program
// (realm/programs/csm_script.cc), so that other programs can run the same steps next to steps of
// their own ("channel-script" adds channel steps) without a second copy of either.
//
// Steps (IPA/SIZE in hex or decimal; NAME: a realm's launch name; VAR: a local variable):
//   publish                      publish this realm's RID under its launch name
//   create VAR IPA SIZE          RSI_CSM_CREATE; VAR = csm id
//   share VAR NAME ro|rw         RSI_CSM_SHARE of region VAR with realm NAME (k = 0, 1, ...)
//   revoke NAME K | destroy VAR  provider
//   reserve NAME K IPA SIZE      RSI_CSM_RESERVE of sharing K from provider NAME
//   attach NAME K IPA SIZE       RSI_CSM_ATTACH (prints the permission)
//   detach NAME K                RSI_CSM_DETACH_AND_FREE
//   write IPA TEXT | expect IPA TEXT        plain memory access / compare (an abort fails
//                                           the step, naming the access and the fault)
//   abort-read IPA | abort-write IPA        the access must take an abort
//   fail input|state|capacity STEP...       STEP must fail with that RSI status
//   attached VAR N               wait until N sharings of region VAR are attached
//   sharings VAR N               RSI_CSM_INFO shows exactly N sharings
//   rim NAME HEX                 RSI_REALM_MEASUREMENTS: NAME's RIM is HEX (hash-size bytes)
//   signal EVENT | wait EVENT    rendezvous through the host
//   map-host ID IPA SIZE         map the host's shared buffer ID at (unprotected) IPA
//   attest IPA [CHALLENGE]       fetch a CCA token (challenge in hex, default none; @IPA2: the
//                                one the host left at IPA2 as a little-endian u64 length and
//                                the bytes, given at run time so it is not measured) and store
//                                it at IPA as a little-endian u64 length then the bytes,
//                                followed by RSI_MEASUREMENT_READ(0) (64 bytes)
//   call FID ARG...              one raw RSI call, for arguments the SDK never passes (a bad
//                                permission or buffer address); ARG: a variable, @NAME for
//                                NAME's RID, or a number (at most 10); holds if X0 is success
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "caec/abi/types.h"

namespace caec::realm {

class Realm;

/// One step, split at white space.
using ScriptStep = std::vector<std::string>;

class CsmScript {
 public:
  explicit CsmScript(Realm& r) : r_(r) {}

  /// Runs one csm-script step; false if `step[0]` names none (the caller may know it). Throws
  /// std::runtime_error (or RsiError) saying why when the step does not hold.
  bool run(const ScriptStep& step);

  /// `name`'s RID, looked up through the host once and remembered.
  [[nodiscard]] Rid rid(const std::string& name);

 private:
  [[nodiscard]] std::uint64_t var(const std::string& s) const;
  void attest(Ipa out, const std::string& challenge_hex);
  /// The challenge (in hex) the host left at `at`: a little-endian u64 length, then the bytes.
  [[nodiscard]] std::string challenge_at(Ipa at);
  void wait_for_sharings(const ScriptStep& t);
  /// "fail STATUS STEP...": STEP fails with RSI_ERROR_STATUS (input, state or capacity).
  void expect_failure(const ScriptStep& t);
  /// "abort-read IPA", "abort-write IPA": the access takes a synchronous external abort.
  void expect_abort(const ScriptStep& t);
  /// "rim NAME HEX": the peer's RIM starts with HEX.
  void expect_peer_rim(const ScriptStep& t);
  /// "call FID ARG...": a raw RSI call (@NAME is a RID) that must return RSI_SUCCESS.
  void raw_call(const ScriptStep& t);

  Realm& r_;
  std::map<std::string, std::uint64_t> vars_;
  std::map<std::string, Rid> rids_;
};

/// Runs the realm's arguments as steps, one per argument, through `run` (false: no such step).
/// Returns 0 when every step held, else the number (from 1) of the first that did not, after
/// printing why on the realm's console.
[[nodiscard]] int run_script(Realm& r, const std::function<bool(const ScriptStep&)>& run);

}  // namespace caec::realm
