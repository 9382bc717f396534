// An executable reference model of caec's Confidential Shared Memory (issue 15), written from
// the contract (../shared/spec/csm-abi.md) and caec's decisions (docs/csm.md,
// docs/csm-abi-reference.md), not from the RMM's code: a second, independent implementation
// that the property test (tests/csm_property_test.cc) runs in lock-step with the RMM.
//
// It knows realms (RID, alive, SYSTEM_OFF, closing, APT capacity), regions, sharings (k per
// pair), reservations and their states, the stage-2 state of the pages the test looks at
// (private, foreign with its permission, unassigned; RIPAS), which granule each page holds, the
// first word of every granule (so reads can be checked) and, from those, each provider granule's
// expected refcount (its foreign mappings). Each operation returns what the RMM must answer
// (status, failure label in the documented order, X1, whether the command exits to the host) and
// updates the model as the contract says the RMM's state changes.
//
// Where the contract leaves a choice open (the RIPAS of an entry that maps nothing, say), the
// model keeps the set of values it allows; the test narrows it to what it observed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "caec/abi/csm.h"
#include "caec/abi/rmi.h"
#include "caec/abi/rsi.h"
#include "caec/abi/types.h"

namespace caec::testing::csm_model {

using abi::Ripas;
using abi::RsiStatus;

/// A DATA granule the model knows, numbered in creation order (the test learns its PA).
enum class GranuleId : std::uint64_t { kNone = 0 };

/// A set of RIPAS values (bit 1 << Ripas).
using RipasSet = std::uint8_t;
[[nodiscard]] constexpr RipasSet ripas_bit(Ripas r) { return static_cast<RipasSet>(1U << static_cast<unsigned>(r)); }
[[nodiscard]] constexpr bool single(RipasSet s) { return s != 0 && (s & (s - 1)) == 0; }
[[nodiscard]] std::string describe(RipasSet s);

/// Why the model allows more than one RIPAS for an entry (the contract leaves it open there).
enum class Open : std::uint8_t {
  kNone,
  kDestroyMirror,  // a consumer entry that mapped nothing when the provider's granule was destroyed
  kAttachMirror,   // an entry ATTACH could not map: kept, or "mirrors the provider's RIPAS"
};
[[nodiscard]] std::string_view name(Open o);

/// A level-3 entry of a realm's stage 2, as RMI_RTT_READ_ENTRY shows it.
struct Page {
  enum class Kind : std::uint8_t { kUnassigned, kPrivate, kForeign };
  Kind kind = Kind::kUnassigned;
  RipasSet ripas = 0;      // the RIPAS values the contract allows here
  GranuleId granule{};     // private: the realm's own; foreign: the provider's
  bool read_only = false;  // foreign: a read-only sharing
  Open open = Open::kNone;  // why `ripas` holds more than one value
};

enum class ResState : std::uint8_t { kReserved, kAttached, kRevoked, kDead };
[[nodiscard]] std::string_view name(ResState s);

struct Region {
  CsmId id;
  Rid provider;
  Ipa base;
  std::uint64_t size;
};

struct Sharing {
  Rid provider;
  Rid consumer;
  std::uint64_t k;
  CsmId id;
  abi::CsmPerm perm;
};

struct Reservation {
  Rid consumer;
  Rid provider;
  std::uint64_t k;
  CsmId id;
  Ipa base;
  std::uint64_t size;
  abi::CsmPerm perm;
  ResState state;
};

struct Realm {
  Rid rid{};
  bool alive = true;
  bool system_off = false;
  bool closing = false;     // its CSM teardown (first RMI_APT_DESTROY) has begun
  bool has_recs = true;
  std::uint64_t apt_granules = 1;  // the reference host gives one at launch
  std::map<std::uint64_t, Page> pages;      // by IPA; absent: as launched
  std::map<Rid, std::uint64_t> next_k;      // pair counters (provider side), by consumer
};

/// What an RSI command must answer.
struct RsiOutcome {
  RsiStatus status = RsiStatus::kSuccess;
  std::string_view label;   // the failure condition ("" on success, or not known)
  std::uint64_t x1 = 0;     // on success
  bool exits = false;       // the command exits to the host before it returns
  /// A second answer the contract allows (status, label), when the model cannot tell: always a
  /// failure, so it changes nothing (the model's state is that of the first answer).
  std::optional<std::pair<RsiStatus, std::string_view>> alt;
  [[nodiscard]] bool ok() const { return status == RsiStatus::kSuccess; }
};

/// What an RMI command must answer.
struct RmiOutcome {
  abi::RmiReturn ret;
  std::string_view label;   // "" when not known (RMM 1.0 conditions)
  GranuleId granule{};      // DATA_DESTROY: the granule returned
  bool foreign = false;     // DATA_DESTROY: it is another realm's (the host keeps it DATA)
};

/// How a realm's access to one of its IPAs ends.
enum class AccessKind : std::uint8_t {
  kData,          // no fault
  kAbort,         // a synchronous external abort, straight from the RMM (no exit)
  kExitPopulate,  // a data-abort exit; the host populates the page and the access completes
  kExitAbort,     // a data-abort exit the host cannot resolve: it stops the realm (the RMM
                  // injects an abort only at unprotected IPAs, rmm-1.0.md)
};
[[nodiscard]] std::string_view name(AccessKind k);
struct AccessOutcome {
  AccessKind kind;
  std::uint64_t value = 0;  // a read that completed: the word read
};

/// RSI_CSM_INFO's output, as the model expects it.
struct InfoView {
  CsmId id{};
  std::uint64_t size = 0;
  Rid provider{};
  std::vector<abi::RsiCsmSharing> sharings;  // sorted by (consumer, k)
};

class Model {
 public:
  static constexpr std::uint64_t kRamBase = 0x100000;
  static constexpr std::uint64_t kRamTop = 0x900000;       // the test's csm-remote realms: 8 MiB
  static constexpr std::uint64_t kProtectedTop = std::uint64_t{1} << 39U;  // 40-bit IPA
  static constexpr std::uint64_t kEntriesPerGranule = 63;  // docs/csm.md, "State"

  /// csm-abi.md §5 read strictly: ATTACH gives an entry it cannot map the provider's RIPAS
  /// ("mirrors the provider's RIPAS granule by granule"), as caec's RMM does (it used to keep
  /// the consumer's own RIPAS there: found by this model). Off, the model accepts both.
  bool strict_attach_mirror = true;

  // ---- Realms (the host) ----
  /// A realm launched by the reference host (one APT granule, ACTIVE): returns its RID, which
  /// comes from a counter starting at 1 (csm-abi.md §1).
  Rid launch();
  /// REC 0 turned the realm off (PSCI SYSTEM_OFF).
  void system_off(Rid r);
  /// The host destroys the realm: RECs, every APT granule (the teardown, if not begun), every
  /// DATA granule, the RD. Its RID names no live realm afterwards.
  void destroy_realm(Rid r);

  // ---- RSI (csm-abi.md §3, §4; docs/csm-abi-reference.md for the order) ----
  /// `assigned`: the CSM id the RMM returned, used if the model expects success (it must be
  /// greater than every id before; otherwise the outcome's x1 is 0, which fails the compare).
  /// `host_populates`: the host serves the CSM_PROVIDER exit by populating the range.
  RsiOutcome create(Rid caller, std::uint64_t base, std::uint64_t size, CsmId assigned,
                    bool host_populates);
  RsiOutcome share(Rid caller, std::uint64_t id, std::uint64_t consumer, std::uint64_t perm);
  RsiOutcome revoke(Rid caller, std::uint64_t consumer, std::uint64_t k);
  RsiOutcome destroy(Rid caller, std::uint64_t id);
  RsiOutcome reserve(Rid caller, std::uint64_t provider, std::uint64_t k, std::uint64_t base,
                     std::uint64_t size);
  RsiOutcome attach(Rid caller, std::uint64_t provider, std::uint64_t k);
  RsiOutcome detach(Rid caller, std::uint64_t provider, std::uint64_t k);
  /// RSI_CSM_INFO(id, out_ipa, flags, k, 0); `out` receives the expected output on success.
  RsiOutcome info(Rid caller, std::uint64_t id, std::uint64_t out_ipa, std::uint64_t flags,
                  std::uint64_t k, InfoView* out);

  // ---- Realm memory ----
  AccessOutcome access(Rid caller, std::uint64_t ipa, bool write, std::uint64_t value);

  // ---- RMI ----
  RmiOutcome data_destroy(Rid r, std::uint64_t ipa);
  RmiOutcome data_create_unknown(Rid r, std::uint64_t ipa);
  RmiOutcome apt_create(Rid r);
  RmiOutcome apt_destroy(Rid r);

  // ---- What the test compares ----
  [[nodiscard]] Page page(Rid r, std::uint64_t ipa) const;
  /// The realm's entry allows only `ripas` now (the test saw it; it must be in the set).
  void observe_ripas(Rid r, std::uint64_t ipa, Ripas ripas);
  /// The first word of granule `g` (what its owner and its consumers last wrote there).
  [[nodiscard]] std::uint64_t content(GranuleId g) const;
  /// Foreign mappings over every realm.
  [[nodiscard]] std::size_t foreign_mappings() const;
  /// Foreign mappings of `g` over every realm.
  [[nodiscard]] std::uint32_t refcount(GranuleId g) const;
  /// Every granule a live realm holds privately: (RID, IPA, granule).
  struct Held {
    Rid realm;
    std::uint64_t ipa;
    GranuleId granule;
  };
  [[nodiscard]] std::vector<Held> held() const;

  // ---- Queries for the generator and the classification ----
  [[nodiscard]] const Realm* realm(Rid r) const;
  [[nodiscard]] const std::map<Rid, Realm>& realms() const { return realms_; }
  [[nodiscard]] const std::vector<Region>& regions() const { return regions_; }
  [[nodiscard]] const std::vector<Sharing>& sharings() const { return sharings_; }
  [[nodiscard]] const std::vector<Reservation>& reservations() const { return reservations_; }
  [[nodiscard]] std::uint64_t free_entries(Rid r) const;
  [[nodiscard]] bool live(Rid r) const;

 private:
  Realm* find(Rid r);
  Realm& at(Rid r) { return *find(r); }
  [[nodiscard]] Page default_page(std::uint64_t ipa) const;
  Page& page_ref(Rid r, std::uint64_t ipa);
  [[nodiscard]] std::uint64_t used_entries(Rid r) const;
  [[nodiscard]] const Region* region(CsmId id) const;
  [[nodiscard]] const Region* region_at(Rid r, std::uint64_t ipa) const;
  [[nodiscard]] Reservation* reservation(Rid consumer, Rid provider, std::uint64_t k);
  [[nodiscard]] Reservation* reservation_at(Rid consumer, std::uint64_t ipa);
  [[nodiscard]] const Sharing* sharing(Rid provider, Rid consumer, std::uint64_t k) const;
  [[nodiscard]] bool overlaps(Rid r, std::uint64_t base, std::uint64_t size) const;
  GranuleId new_granule();
  /// A new private granule at (r, ipa), mapped into attached consumers if it is in a region
  /// with RIPAS RAM (csm-abi.md §5, DATA_CREATE_UNKNOWN).
  void populate(Rid r, std::uint64_t ipa);
  /// RMM 1.0 DATA_DESTROY of a private page, after removing it from every consumer.
  void destroy_private(Rid r, std::uint64_t ipa);
  /// Removes the reservation's mappings: its entries end with RIPAS EMPTY (docs/csm.md).
  void unmap(const Reservation& res);
  /// Ends sharing `s`: the consumer's reservation (if any) becomes `then` and maps nothing.
  void end_sharing(const Sharing& s, ResState then);
  /// The realm's CSM teardown (first RMI_APT_DESTROY, csm-abi.md §5).
  void teardown(Rid r);

  std::map<Rid, Realm> realms_;
  std::uint64_t rid_counter_ = 0;
  std::uint64_t last_csm_id_ = 0;
  std::uint64_t granule_counter_ = 0;
  std::vector<Region> regions_;
  std::vector<Sharing> sharings_;
  std::vector<Reservation> reservations_;
  std::map<GranuleId, std::uint64_t> contents_;  // the first word of every live granule
};

}  // namespace caec::testing::csm_model
