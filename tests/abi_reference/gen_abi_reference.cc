// Writes docs/csm-abi-reference.md (to stdout) from the RMM's command tables
// (rmm/introspect/introspect.h: rmi_commands(), rsi_commands() and each command's condition list).
//
// From the code: which commands exist, their FIDs, the RMI argument counts and every result
// count, every failure condition in the order the RMM checks it with its status, the status
// and exit-reason values, the output layouts (offsetof) and the capacity constants. From the
// annotations below: what each register and condition means. The annotations must match the
// tables exactly: a CAEC command or condition without a note, a note for something the tables
// no longer have, or a register list whose length disagrees with the table's count makes the
// generator fail, so the reference can only change together with the code.
// scripts/gen_abi_reference.sh regenerates the doc; ctest abi_reference.up_to_date compares.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <optional>
#include <utility>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "caec/abi/csm.h"
#include "caec/abi/rmi.h"
#include "caec/abi/rsi.h"
#include "caec/abi/smc.h"
#include "rmm/csm/apt.h"
#include "rmm/introspect/introspect.h"
#include "realm/realm.h"
#include "rmm/core/realm_descriptor.h"

namespace {

using caec::rmm::RmmIntrospection;
namespace abi = caec::abi;

// ---- Names of enumerators ("" for a value that is none) -----------------------------------
// No default in the switches: a new enumerator is a -Wswitch error here.
std::string_view name(abi::RmiStatus s) {
  switch (s) {
    case abi::RmiStatus::kSuccess: return "RMI_SUCCESS";
    case abi::RmiStatus::kErrorInput: return "RMI_ERROR_INPUT";
    case abi::RmiStatus::kErrorRealm: return "RMI_ERROR_REALM";
    case abi::RmiStatus::kErrorRec: return "RMI_ERROR_REC";
    case abi::RmiStatus::kErrorRtt: return "RMI_ERROR_RTT";
    case abi::RmiStatus::kErrorCsm: return "RMI_ERROR_CSM";
  }
  return "";
}
/// The realm SDK's name of an RSI status: realm::RsiError says "<command>: <status>" (and
/// "RSI status ?" for a value that is none).
std::string name(abi::RsiStatus s) {
  const std::string what = caec::realm::RsiError("", s).what();
  const std::string status = what.substr(what.find(": ") + 2);
  return status.ends_with("?") ? "" : status;
}
std::string_view name(abi::RmiRecExitReason r) {
  switch (r) {
    case abi::RmiRecExitReason::kSync: return "RMI_EXIT_SYNC";
    case abi::RmiRecExitReason::kIrq: return "RMI_EXIT_IRQ";
    case abi::RmiRecExitReason::kFiq: return "RMI_EXIT_FIQ";
    case abi::RmiRecExitReason::kPsci: return "RMI_EXIT_PSCI";
    case abi::RmiRecExitReason::kRipasChange: return "RMI_EXIT_RIPAS_CHANGE";
    case abi::RmiRecExitReason::kHostCall: return "RMI_EXIT_HOST_CALL";
    case abi::RmiRecExitReason::kSError: return "RMI_EXIT_SERROR";
    case abi::RmiRecExitReason::kCsmProvider: return "RMI_EXIT_CSM_PROVIDER";
    case abi::RmiRecExitReason::kCsmConsumer: return "RMI_EXIT_CSM_CONSUMER";
    case abi::RmiRecExitReason::kCsmRemove: return "RMI_EXIT_CSM_REMOVE";
  }
  return "";
}
std::string_view name(abi::CsmPerm p) {
  switch (p) {
    case abi::CsmPerm::kRo: return "RO";
    case abi::CsmPerm::kRw: return "RW";
  }
  return "";
}
std::string_view name(abi::SharingState s) {
  switch (s) {
    case abi::SharingState::kOffered: return "OFFERED";
    case abi::SharingState::kAttached: return "ATTACHED";
    case abi::SharingState::kRevoking: return "REVOKING";
  }
  return "";
}
std::string_view name(abi::CsmErrorReason r) {
  switch (r) {
    case abi::CsmErrorReason::kNone: return "none";
    case abi::CsmErrorReason::kInsideReservation: return "inside a reservation";
    case abi::CsmErrorReason::kCsmRange: return "over a CSM region or reservation";
  }
  return "";
}

/// Every value of an enumeration below 0x100 that has a name, in order.
template <class E>
std::vector<std::pair<unsigned, std::string>> values() {
  std::vector<std::pair<unsigned, std::string>> out;
  for (unsigned v = 0; v < 0x100; ++v) {
    std::string n(name(static_cast<E>(v)));
    if (!n.empty()) out.emplace_back(v, std::move(n));
  }
  return out;
}

// ---- Annotations --------------------------------------------------------------------------
struct CommandNote {
  std::string_view caller;
  std::vector<std::string_view> args;     // X1, X2, ...: "name: meaning"
  std::vector<std::string_view> results;  // X1, X2, ... on success
  std::string_view effect;                // what the command does once every check passed
};

const std::map<std::string_view, CommandNote> kCommandNotes{
    {"RMI_CAEC_VERSION",
     {"host",
      {"version: the CAEC ABI version the host asks for (major << 16 | minor)"},
      {"lower: lowest version implemented", "higher: highest version implemented"},
      "Returns RMI_SUCCESS if the requested version is implemented, else RMI_ERROR_INPUT; "
      "either way X1/X2 give the implemented range. An RMM without CAEC answers SMC_UNKNOWN."}},
    {"RMI_APT_CREATE",
     {"host",
      {"rd: PA of the realm descriptor", "apt: PA of a DELEGATED granule"},
      {},
      "The granule becomes an APT granule of the realm (state APT; REALM_DESTROY needs every "
      "one destroyed) and adds its entries to the realm's capacity, which no other limit "
      "bounds. Allowed in NEW and ACTIVE realms, repeatedly."}},
    {"RMI_APT_DESTROY",
     {"host",
      {"rd: PA of the realm descriptor", "apt: PA of one of the realm's APT granules"},
      {},
      "Teardown only. The first call closes the realm (it starts no CSM command, nobody may "
      "offer it a sharing) and ends every CSM relation it has (as a provider it revokes all its "
      "sharings, the consumers' reservations become DEAD; as a consumer it detaches), removing "
      "mappings a level-3 table per lock hold; the granule returns to DELEGATED, zeroed."}},
    {"RSI_CAEC_VERSION",
     {"realm",
      {"version: the CAEC ABI version the realm asks for (major << 16 | minor)"},
      {"lower: lowest version implemented", "higher: highest version implemented"},
      "X0 is RSI_SUCCESS if the requested version is implemented, else RSI_ERROR_INPUT; "
      "either way X1/X2 give the implemented range."}},
    {"RSI_CSM_CREATE",
     {"provider",
      {"base: IPA of the region (protected, granule aligned)", "size: bytes (granule multiple)"},
      {"csm_id: the new region's CSM id"},
      "Adds a provider entry and exits with RMI_EXIT_CSM_PROVIDER (the host populates the "
      "range); the call returns on the next REC_ENTER. The range keeps its contents."}},
    {"RSI_CSM_SHARE",
     {"provider",
      {"csm_id: a region of the caller", "consumer_rid: the consumer's RID",
       "perm: 1 (RO) or 2 (RW)"},
      {"k: the sharing's number for this (provider, consumer) pair, from 0"},
      "Records sharing k, state OFFERED. No exit."}},
    {"RSI_CSM_REVOKE",
     {"provider",
      {"consumer_rid: the consumer's RID", "k: the sharing's number"},
      {},
      "The sharing is gone at once for every command; if the consumer reserved it, its "
      "reservation becomes REVOKED and every mapping of the region leaves its stage 2 "
      "(break-before-make, TLB invalidated, a level-3 table per lock hold); then the sharing is "
      "deleted. When the call returns no PE can reach the region through the consumer. No exit."}},
    {"RSI_CSM_DESTROY",
     {"provider",
      {"csm_id: a region of the caller"},
      {},
      "Revokes every sharing of the region, deletes the provider entry (the range is private "
      "memory again, contents kept) and exits with RMI_EXIT_CSM_REMOVE."}},
    {"RSI_CSM_RESERVE",
     {"consumer",
      {"provider_rid: the provider's RID", "k: the sharing's number",
       "base: IPA of the range (protected, granule aligned)",
       "size: bytes, exactly the region's size"},
      {"csm_id: the region's CSM id (caec's addition, so the consumer can call RSI_CSM_INFO)"},
      "Adds a consumer entry RESERVED and exits with RMI_EXIT_CSM_CONSUMER. From then on "
      "DATA_CREATE_UNKNOWN inside the range fails with RMI_ERROR_CSM."}},
    {"RSI_CSM_ATTACH",
     {"consumer",
      {"provider_rid: the provider's RID", "k: the sharing's number"},
      {"perm: the sharing's permission, 1 (RO) or 2 (RW)"},
      "The sharing becomes ATTACHED and the reservation ATTACHING; then, a level-3 table (2 MiB) "
      "per lock hold, maps every populated granule of the region at the same offset in the "
      "reserved range, read-only for RO sharings. While a private DATA granule or the level-3 "
      "RTT is in the way of a table, exits with RMI_EXIT_CSM_CONSUMER and retries that table on "
      "re-entry. The reservation becomes ATTACHED; if a revoke, detach or teardown overtook it "
      "meanwhile, fails with `sharing_gone`."}},
    {"RSI_CSM_DETACH_AND_FREE",
     {"consumer",
      {"provider_rid: the provider's RID", "k: the sharing's number"},
      {},
      "Removes the consumer's mappings (TLB invalidated), deletes the reservation (the "
      "sharing stays OFFERED, so the consumer may reserve again) and exits with "
      "RMI_EXIT_CSM_REMOVE."}},
    {"RSI_CSM_INFO",
     {"participant (the provider, or a consumer with a live sharing of the region)",
      {"id: the region's CSM id, or (flags bit 0) the provider's RID",
       "out_ipa: a granule of the caller's protected memory",
       "flags: bit 0 set names the region by the sharing (X1 provider RID, X4 k), clear by CSM "
       "id; other bits reserved",
       "k: the sharing's number (flags bit 0 only)",
       "first: index of the first sharing to write"},
      {"total: the number of sharings of the region"},
      "Writes RsiCsmInfo (below) at out_ipa: the region, its provider and the live sharings "
      "from index `first` (up to 120 per call)."}},
    {"RSI_REALM_MEASUREMENTS",
     {"any realm",
      {"rid: a live realm's RID (or the caller's)",
       "out_ipa: a granule of the caller's protected memory"},
      {},
      "Writes RsiRealmMeasurements (below) at out_ipa, read by the RMM itself: local "
      "attestation without a signature."}},
};

/// One line per condition: "COMMAND.label" first, then "label".
const std::map<std::string_view, std::string_view> kConditionNotes{
    {"rd_align", "`rd` is not granule aligned"},
    {"rd_bound", "`rd` is not a delegable address (outside the DRAM the RMM tracks)"},
    {"rd_state", "`rd` is not an RD granule"},
    {"apt_align", "`apt` is not granule aligned"},
    {"apt_bound", "`apt` is not a delegable address"},
    {"RMI_APT_CREATE.apt_state", "`apt` is not DELEGATED"},
    {"RMI_APT_CREATE.realm_state",
     "the realm is SYSTEM_OFF, or its CSM teardown (first RMI_APT_DESTROY) has begun"},
    {"RMI_APT_DESTROY.apt_state", "`apt` is not an APT granule of this realm"},
    {"RMI_APT_DESTROY.realm_running",
     "the realm is not SYSTEM_OFF and still has RECs (teardown only)"},
    {"range_align", "`base` or `size` is not granule aligned, `size` is 0, or the range wraps"},
    {"range_bound", "the range is not entirely in the caller's protected IPA space"},
    {"overlap", "the range overlaps a region or reservation of the caller"},
    {"RSI_CSM_CREATE.capacity", "no free APT entry (the SDK asks its host for an APT granule)"},
    {"RSI_CSM_RESERVE.capacity", "no free APT entry"},
    {"RSI_CSM_SHARE.capacity",
     "not enough free APT entries (a first sharing with a consumer takes two)"},
    {"realm_closing",
     "the caller's CSM teardown (first RMI_APT_DESTROY) has begun: it starts no CSM command"},
    {"not_provider", "the caller is not the provider of `csm_id`, or is destroying it"},
    {"perm", "`perm` is neither 1 (RO) nor 2 (RW)"},
    {"consumer",
     "`consumer_rid` is the caller, names no live realm, or a realm that cannot take part in "
     "CSM: its teardown has begun, or it has no APT granule"},
    {"RSI_CSM_REVOKE.no_sharing", "the caller has no sharing `k` with `consumer_rid`"},
    {"RSI_CSM_RESERVE.no_sharing",
     "`provider_rid` names no live realm (or one being torn down), or it has no live sharing "
     "`k` with the caller"},
    {"size", "`size` differs from the region's size"},
    {"reserved", "the caller already holds a reservation for this sharing"},
    {"no_reservation", "the caller holds no reservation for (`provider_rid`, `k`)"},
    {"attached", "the reservation is already attached"},
    {"sharing_gone",
     "the sharing was revoked, the provider is gone (or being torn down), or the reservation is "
     "being removed, since the reservation was made (consent is checked again)"},
    {"addr_align", "`out_ipa` is not granule aligned"},
    {"addr_bound", "`out_ipa` is not in the caller's protected IPA space"},
    {"flags", "a reserved bit of `flags` is set"},
    {"buffer",
     "`out_ipa` is not the caller's own private memory: inside one of its CSM reservations, a "
     "mapping of another realm's granule, or RIPAS EMPTY (docs/csm.md, RSI buffers)"},
    {"not_participant",
     "the region named is not the caller's, and its provider offers the caller no live sharing "
     "of it (by CSM id: through a reservation that is not revoked or dead)"},
    {"rid", "`rid` is not the caller's and names no live realm"},
    {"RMI_DATA_CREATE_UNKNOWN.csm_reservation",
     "`ipa` lies inside one of the realm's CSM reservations (index 1: inside a reservation)"},
    {"RSI_IPA_STATE_SET.csm_overlap",
     "[base, top) overlaps a CSM region or reservation of the caller"},
    {"RMI_RTT_SET_RIPAS.csm_range",
     "[base, top) overlaps a CSM region or reservation of the realm, made since it asked for "
     "the change (index 2)"},
};

// ---- Checks and lookups --------------------------------------------------------------------
std::vector<std::string> g_errors;
std::set<std::string> g_used_notes;

/// CAEC's commands live in vendor-specific SMCCC owner ranges (FID bits [29:24], abi/csm.h);
/// Arm's RMI, RSI and PSCI in the Standard Secure Service range, SMCCC_VERSION in the Arm
/// Architecture range.
bool is_caec(std::uint32_t fid) {
  const std::uint32_t owner = (fid >> 24U) & 0x3FU;
  return owner == abi::kOwnerVendorHyp || owner == abi::kOwnerVendorSecure;
}

std::string hex(std::uint64_t v, int width = 0) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llX", width, static_cast<unsigned long long>(v));
  return buf;
}

const CommandNote* command_note(std::string_view command) {
  const auto it = kCommandNotes.find(command);
  if (it == kCommandNotes.end()) {
    g_errors.push_back("no annotation for command " + std::string(command));
    return nullptr;
  }
  g_used_notes.insert("command " + std::string(command));
  return &it->second;
}

std::string condition_note(std::string_view command, std::string_view label) {
  const std::string specific = std::string(command) + "." + std::string(label);
  for (const std::string& key : {specific, std::string(label)}) {
    if (const auto it = kConditionNotes.find(key); it != kConditionNotes.end()) {
      g_used_notes.insert("condition " + key);
      return std::string(it->second);
    }
  }
  g_errors.push_back("no annotation for condition " + specific);
  return "?";
}

void check_count(std::string_view command, std::string_view what, std::size_t listed,
                 std::size_t table) {
  if (listed != table) {
    g_errors.push_back(std::string(command) + ": the annotation names " + std::to_string(listed) +
                       " " + std::string(what) + " registers, the command table says " +
                       std::to_string(table));
  }
}

std::string registers(const std::vector<std::string_view>& regs, bool with_meaning) {
  if (regs.empty()) return "none";
  std::string out;
  for (std::size_t i = 0; i < regs.size(); ++i) {
    const std::string_view r = regs[i];
    const std::size_t colon = r.find(':');
    out += i == 0 ? "" : with_meaning ? "; " : ", ";
    out += "X" + std::to_string(i + 1) + " `" + std::string(r.substr(0, colon)) + "`";
    if (with_meaning && colon != std::string_view::npos) out += std::string(r.substr(colon));
  }
  return out;
}

/// A command in either table, as the generator needs it.
struct Entry {
  std::uint32_t fid;
  std::string_view name;
  std::size_t num_args;
  std::size_t num_results;
  std::vector<std::pair<std::string_view, std::string>> conditions;  // label, status
};

template <class Command>
Entry entry(const Command& c) {
  Entry e{c.fid, c.name, c.num_args, c.num_results, {}};
  for (const auto& cond : c.conditions()) e.conditions.emplace_back(cond.label, name(cond.status));
  return e;
}

std::vector<Entry> rmi_entries() {
  std::vector<Entry> out;
  for (const auto& c : RmmIntrospection::rmi_commands()) out.push_back(entry(c));
  return out;
}
std::vector<Entry> rsi_entries() {
  std::vector<Entry> out;
  for (const auto& c : RmmIntrospection::rsi_commands()) out.push_back(entry(c));
  return out;
}

// ---- The document --------------------------------------------------------------------------
void command_section(std::ostream& o, const Entry& e) {
  const CommandNote* note = command_note(e.name);
  if (note == nullptr) return;
  check_count(e.name, "argument", note->args.size(), e.num_args);
  check_count(e.name, "result", note->results.size(), e.num_results);
  o << "### " << e.name << " (" << hex(e.fid) << ")\n\n";
  o << "- Caller: " << note->caller << "\n";
  o << "- Arguments: " << registers(note->args, true) << "\n";
  o << "- Results (on success, after X0): " << registers(note->results, true) << "\n";
  o << "- Then: " << note->effect << "\n\n";
  if (e.conditions.empty()) {
    o << "No failure conditions in the command table.\n\n";
    return;
  }
  o << "| # | Condition | Status | Fails when |\n|---|---|---|---|\n";
  for (std::size_t i = 0; i < e.conditions.size(); ++i) {
    const auto& [label, status] = e.conditions[i];
    o << "| " << i + 1 << " | `" << label << "` | " << status << " | "
      << condition_note(e.name, label) << " |\n";
  }
  o << "\n";
}

/// CAEC conditions that RMM 1.0 commands gained: a CAEC status, or a label starting "csm_".
void extended_conditions(std::ostream& o, const std::vector<Entry>& entries) {
  for (const Entry& e : entries) {
    if (is_caec(e.fid)) continue;
    for (std::size_t i = 0; i < e.conditions.size(); ++i) {
      const auto& [label, status] = e.conditions[i];
      if (status != std::string("RMI_ERROR_CSM") && status != std::string("RSI_ERROR_CAPACITY") &&
          !label.starts_with("csm_")) {
        continue;
      }
      o << "| " << e.name << " (" << hex(e.fid) << ") | " << i + 1 << " of "
        << e.conditions.size() << " | `" << label << "` | " << status << " | "
        << condition_note(e.name, label) << " |\n";
    }
  }
}

template <class E>
void value_table(std::ostream& o, std::string_view title, bool caec_only = false) {
  o << "| " << title << " | Value |\n|---|---|\n";
  for (const auto& [v, n] : values<E>()) {
    if (!caec_only || v > 10) o << "| " << n << " | " << hex(v, 2) << " |\n";
  }
  o << "\n";
}

void layouts(std::ostream& o) {
  using abi::RsiCsmInfo;
  using abi::RsiCsmSharing;
  using abi::RsiRealmMeasurements;
  const auto row = [&o](std::size_t off, std::size_t size, std::string_view field) {
    o << "| " << hex(off, 3) << " | " << size << " | " << field << " |\n";
  };
  o << "`RsiCsmInfo` (RSI_CSM_INFO, " << sizeof(RsiCsmInfo) << " bytes):\n\n"
    << "| Offset | Bytes | Field |\n|---|---|---|\n";
  row(offsetof(RsiCsmInfo, csm_id), sizeof(std::uint64_t), "csm_id");
  row(offsetof(RsiCsmInfo, size), sizeof(std::uint64_t), "size");
  row(offsetof(RsiCsmInfo, provider_rid), sizeof(std::uint64_t), "provider_rid");
  row(offsetof(RsiCsmInfo, num_sharings), sizeof(std::uint64_t), "num_sharings: written below");
  row(offsetof(RsiCsmInfo, total_sharings), sizeof(std::uint64_t), "total_sharings: of the region");
  row(offsetof(RsiCsmInfo, first), sizeof(std::uint64_t), "first: index of sharings[0]");
  row(offsetof(RsiCsmInfo, sharings), sizeof(RsiCsmInfo::sharings),
      "sharings: " + std::to_string(abi::kCsmInfoMaxSharings) + " x RsiCsmSharing");
  o << "\n`RsiCsmSharing` (" << sizeof(RsiCsmSharing) << " bytes):\n\n"
    << "| Offset | Bytes | Field |\n|---|---|---|\n";
  row(offsetof(RsiCsmSharing, consumer_rid), sizeof(std::uint64_t), "consumer_rid");
  row(offsetof(RsiCsmSharing, k), sizeof(std::uint64_t), "k");
  row(offsetof(RsiCsmSharing, perm), sizeof(std::uint64_t), "perm (CsmPerm)");
  row(offsetof(RsiCsmSharing, state), sizeof(std::uint64_t), "state (SharingState)");
  o << "\n`RsiRealmMeasurements` (RSI_REALM_MEASUREMENTS, " << sizeof(RsiRealmMeasurements)
    << " bytes):\n\n| Offset | Bytes | Field |\n|---|---|---|\n";
  row(offsetof(RsiRealmMeasurements, rid), sizeof(std::uint64_t), "rid");
  row(offsetof(RsiRealmMeasurements, state), sizeof(std::uint64_t),
      "state (0 NEW, 1 ACTIVE, 2 SYSTEM_OFF)");
  row(offsetof(RsiRealmMeasurements, hash_algo), sizeof(std::uint64_t),
      "hash_algo (0 SHA-256, 1 SHA-512)");
  row(offsetof(RsiRealmMeasurements, measurements), sizeof(RsiRealmMeasurements::measurements),
      "measurements: RIM, REM1..REM4, 64 bytes each (hash-size bytes used)");
  row(offsetof(RsiRealmMeasurements, rpv), sizeof(RsiRealmMeasurements::rpv), "rpv");
  o << "\n";
}

std::string document() {
  const std::vector<Entry> rmi = rmi_entries();
  const std::vector<Entry> rsi = rsi_entries();
  std::ostringstream o;
  o << "# CSM ABI reference\n\n"
    << "<!-- Generated by tests/abi_reference/gen_abi_reference.cc from the RMM's command tables.\n"
    << "     Do not edit: run scripts/gen_abi_reference.sh. ctest abi_reference.up_to_date fails\n"
    << "     when this file and the code disagree. -->\n\n"
    << "The commands the CAEC extension adds to RMM 1.0, as caec's RMM implements them. The\n"
    << "contract is `../shared/spec/csm-abi.md`; how caec implements it is `docs/csm.md`.\n"
    << "FIDs, register counts, conditions, their order and statuses, values and layouts come\n"
    << "from the code; register names and the one-line meanings from the generator's\n"
    << "annotations, which must cover the tables exactly.\n\n"
    << "Every command returns its status in X0 and checks its failure conditions in the order\n"
    << "listed: the first that holds decides the status and nothing changes. RMI return codes\n"
    << "carry an index in bits [15:8] (RMI_ERROR_RTT: the level; RMI_ERROR_CSM: the reason).\n"
    << "CAEC ABI version: " << hex(abi::kCaecAbiVersion) << " (" << (abi::kCaecAbiVersion >> 16U)
    << "." << (abi::kCaecAbiVersion & 0xFFFFU) << ").\n\n";

  o << "## Commands\n\n| FID | Command | Caller | Arguments | Results |\n|---|---|---|---|---|\n";
  for (const auto* table : {&rmi, &rsi}) {
    for (const Entry& e : *table) {
      if (!is_caec(e.fid)) continue;
      const auto it = kCommandNotes.find(e.name);
      if (it == kCommandNotes.end()) continue;  // reported by command_section
      o << "| " << hex(e.fid) << " | " << e.name << " | " << it->second.caller << " | "
        << registers(it->second.args, false) << " | " << registers(it->second.results, false)
        << " |\n";
    }
  }
  o << "\n## RMI commands (host to RMM)\n\n";
  for (const Entry& e : rmi) {
    if (is_caec(e.fid)) command_section(o, e);
  }
  o << "## RSI commands (realm to RMM)\n\n";
  for (const Entry& e : rsi) {
    if (is_caec(e.fid)) command_section(o, e);
  }
  o << "## CAEC conditions in RMM 1.0 commands\n\n"
    << "| Command | Position | Condition | Status | Fails when |\n|---|---|---|---|---|\n";
  extended_conditions(o, rmi);
  extended_conditions(o, rsi);

  o << "\n## Values\n\n";
  value_table<abi::RmiStatus>(o, "RMI status");
  value_table<abi::RsiStatus>(o, "RSI status");
  value_table<abi::CsmErrorReason>(o, "RMI_ERROR_CSM index (CsmErrorReason)");
  value_table<abi::RmiRecExitReason>(o, "REC exit reason (CAEC)", true);
  value_table<abi::CsmPerm>(o, "Permission (CsmPerm)");
  value_table<abi::SharingState>(o, "Sharing state (SharingState)");
  o << "Realm token claims: `" << abi::kClaimCaecRealmId << "` caec-realm-id, `"
    << abi::kClaimCaecCsm << "` caec-csm (docs/attestation.md).\n\n";

  o << "## Capacity\n\n"
    << "- APT entries per APT granule: " << caec::rmm::kAptEntriesPerGranule
    << " (a region, a sharing, a reservation and a per-consumer sharing counter take one each)\n"
    << "- APT granules per realm, sharings per region: no limit but the APT granules the host "
       "gives\n"
    << "- Sharings one RSI_CSM_INFO call reports: " << abi::kCsmInfoMaxSharings
    << " (X5 `first` pages through the rest)\n\n";

  o << "## Output layouts\n\n";
  layouts(o);

  // Annotations nothing used are stale: the command or condition is gone from the tables.
  for (const auto& [command, note] : kCommandNotes) {
    if (!g_used_notes.contains("command " + std::string(command))) {
      g_errors.push_back("annotation for a command the tables do not have: " + std::string(command));
    }
  }
  for (const auto& [key, note] : kConditionNotes) {
    if (!g_used_notes.contains("condition " + std::string(key))) {
      g_errors.push_back("annotation for a condition no CAEC command has: " + std::string(key));
    }
  }
  return o.str();
}

}  // namespace

int main() {
  const std::string doc = document();
  if (!g_errors.empty()) {
    for (const std::string& e : g_errors) std::fprintf(stderr, "gen_abi_reference: %s\n", e.c_str());
    std::fprintf(stderr, "gen_abi_reference: update the annotations in %s\n", __FILE__);
    return 1;
  }
  std::fputs(doc.c_str(), stdout);
  return 0;
}
