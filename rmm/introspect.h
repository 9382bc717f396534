// Read-only view of RMM internals for tests and the emulator's debugging tools. It is a
// separate library (caec_rmm_introspect) that the RMM, host and realm code never link, so no
// production path can depend on state it could not see on hardware.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "caec/abi/rsi.h"
#include "caec/abi/types.h"
#include "rmm/granule.h"
#include "rmm/apt.h"
#include "rmm/hash.h"
#include "rmm/realm.h"
#include "rmm/rmi_command.h"
#include "rmm/rsi_command.h"
#include "rmm/rmm.h"

namespace caec::rmm {

class RmmIntrospection {
 public:
  explicit RmmIntrospection(Rmm& rmm) : rmm_(rmm) {}

  struct GranuleInfo {
    GranuleState state;
    std::uint32_t refcount;
  };
  [[nodiscard]] GranuleInfo granule(Pa pa) const;
  /// The realm descriptor of an RD granule, if `rd` is one.
  [[nodiscard]] std::optional<RealmDescriptor> realm(Pa rd) const;
  /// Every live realm (RID, RD).
  [[nodiscard]] std::vector<std::pair<Rid, Pa>> realms() const;
  /// Every ASSIGNED entry of a realm's RTTs (walking all its tables).
  struct Mapping {
    Ipa ipa;
    int level;
    Pa pa;
    abi::Ripas ripas;
    bool foreign;
    bool read_only;
  };
  [[nodiscard]] std::vector<Mapping> mappings(Pa rd) const;
  /// Where a walk of realm `rd`'s tables for `ipa` stops: the level (3: a level-3 table holds
  /// its entry; -1 if `rd` is not an RD) and that entry. Reads the tables unlocked: quiescent
  /// use only.
  struct Leaf {
    int level = -1;
    bool assigned = false;
    abi::Ripas ripas = abi::Ripas::kEmpty;
  };
  [[nodiscard]] Leaf leaf(Pa rd, Ipa ipa) const;
  /// The used entries of a realm's APT.
  [[nodiscard]] std::vector<AptEntry> apt(Pa rd) const;
  /// The label of the last RSI failure condition REC `rec` hit ("" if none).
  [[nodiscard]] std::string_view last_rsi_failure(Pa rec) const;
  [[nodiscard]] static std::span<const RsiCommand> rsi_commands();
  /// Label of the failure condition that decided the last command on this thread.
  [[nodiscard]] static std::string_view last_failure();
  [[nodiscard]] static std::span<const RmiCommand> rmi_commands();

 private:
  Rmm& rmm_;
};

}  // namespace caec::rmm
