// The rmi_stream fuzzer's permission oracle for CSM memory (fuzz/rmi_stream_fuzzer.cc,
// docs/hardening.md): who may write each granule of a CSM region, checked against what the
// granules hold after every step.
//
// A region's granules are the provider's DATA granules mapped inside it; a consumer's
// reservation maps the same granules, so watching the provider's granules watches both. Between
// two steps a region granule may change only by a write the step was permitted to make:
//  * realm code writing through its own stage 2: the provider anywhere in its region, an RW
//    consumer through an ATTACHED (or ATTACHING) reservation; an RO consumer, an unattached,
//    revoked or dead reservation, and every other realm never. The fuzzer's realms write only
//    their RECs' RSI scratch pages (the SDK's host-call structure and a started REC's boot
//    block; the harness follows where each REC's SDK puts them) and the 8 bytes a "write"
//    command names, with the value it names;
//  * the RMM on a realm's behalf (RSI output buffers, host-call write-backs) only in that
//    realm's own private memory, which for a provider includes its own regions (docs/csm.md,
//    "RSI buffers never reach CSM memory": "A provider's own region granules are its own
//    memory"); never through a consumer's reservation, RO or RW;
//  * the host never (a host DATA_DESTROY takes the granule out of the region: it is scrubbed
//    and no longer watched).
// Any other change is a violation, reported with the bytes that changed. Independently of
// contents, a realm's read or write that succeeds inside one of its reservations without an
// ATTACHED mapping that permits it is a violation (no access without both consents, and none
// after REVOKE, DESTROY, DETACH_AND_FREE or teardown: csm-abi.md §6 invariants 4, 8, 9).
//
// Contents are compared exactly, against a copy taken at the previous step (a granule the
// machine has not seen written since the last reset is skipped: machine/snapshot.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "caec/abi/types.h"
#include "machine/machine.h"
#include "machine/snapshot.h"
#include "rmm/introspect/introspect.h"

namespace caec::fuzz {

/// One of the fuzzed realms at a step boundary: its APT (the RMM's record of its regions,
/// sharings and reservations).
struct RealmView {
  bool live = false;
  Rid rid{};
  Pa rd{};
  std::vector<rmm::AptEntry> apt;

  /// The reservation covering `ipa`, if any.
  [[nodiscard]] const rmm::AptEntry* reservation_at(Ipa ipa) const;
};
using Views = std::array<RealmView, 2>;

/// What a realm reaches at an IPA, at one moment.
struct Reach {
  std::optional<Pa> own;       // its own granule, RIPAS RAM: the realm and the RMM for it may write it
  std::optional<Pa> writable;  // what its code may write: `own`, or an RW consumer mapping of an
                               // attached reservation
  const char* reservation = nullptr;  // inside one of its reservations: its state, else nullptr
  bool may_read = true;        // not inside a reservation, or mapped there with consent
  bool may_write = true;       // ... and RW
};

/// What a step did that may write CSM memory.
struct StepWrites {
  /// Realm i's code ran (so its RECs' scratch pages may have been written).
  std::array<bool, 2> ran{};
  struct Access {
    std::size_t realm;
    Ipa ipa;
    bool write;
    std::uint64_t value;
    bool done;     // the realm reports the access completed (no abort)
    Reach before;  // what it reached there before the step (CsmWriteOracle::reach)
  };
  std::vector<Access> accesses;
  /// Granules the RMM may have written for a realm: its own granules at the IPAs it named in an
  /// RSI call, before or after the call.
  std::vector<Pa> rsi_buffers;
  /// Granules the host destroyed (DATA_DESTROY returned them): scrubbed, no longer watched.
  std::vector<Pa> destroyed;
};

class CsmWriteOracle {
 public:
  CsmWriteOracle(const machine::Machine& m, const machine::MachineSnapshot& snapshot,
                 rmm::RmmIntrospection& rmm)
      : m_(m), snapshot_(snapshot), rmm_(rmm) {}

  /// The IPAs of realm `i`'s RSI scratch pages: where its RECs' SDK writes (any it may have
  /// used since the input began).
  void set_scratch(std::size_t i, std::vector<Ipa> ipas) { scratch_[i] = std::move(ipas); }

  /// What realm `v` reaches at `ipa` now.
  [[nodiscard]] Reach reach(const RealmView& v, Ipa ipa) const;

  /// A new input: watch the regions of `now` from their current contents.
  void reset(const Views& now);
  /// After a step: one line per violation.
  [[nodiscard]] std::vector<std::string> check(const Views& now, const StepWrites& step);

 private:
  /// Where a region granule is: its provider, region and IPA.
  struct Place {
    Rid provider;
    CsmId csm_id;
    Ipa ipa;
  };
  struct Watched {
    Place place;
    std::vector<std::byte> bytes;  // a granule: its contents at the last step
  };
  /// The region granules of `views`.
  [[nodiscard]] std::map<Pa, Place> regions(const Views& views) const;
  [[nodiscard]] const std::byte* contents(Pa pa) const;
  /// What each realm's code may write at its scratch pages now.
  [[nodiscard]] std::array<std::vector<Pa>, 2> scratch_writable(const Views& views) const;
  [[nodiscard]] bool explained(Pa pa, const std::byte* was, const std::byte* now,
                               const std::array<std::vector<Pa>, 2>& scratch_now, const StepWrites& step,
                               const std::vector<Reach>& after) const;

  const machine::Machine& m_;
  const machine::MachineSnapshot& snapshot_;
  rmm::RmmIntrospection& rmm_;
  std::array<std::vector<Ipa>, 2> scratch_;
  std::map<Pa, Watched> watched_;
  std::array<std::vector<Pa>, 2> scratch_before_;
};

}  // namespace caec::fuzz
