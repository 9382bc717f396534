// Builds and tears down realms through the RMI, as a VMM does: delegate, REALM_CREATE, RTTs,
// DATA (measured image), INIT_RIPAS, ACTIVATE; and in reverse, returning every granule to the
// Non-secure PAS.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "caec/abi/rmi.h"
#include "caec/abi/types.h"
#include "host/host.h"

namespace caec::host {

struct RealmSpec {
  unsigned ipa_width = 40;
  abi::RmiHashAlgorithm hash_algo = abi::RmiHashAlgorithm::kSha256;
  std::array<std::uint8_t, 64> rpv{};
  std::uint16_t vmid = 1;
  /// Where to put the RD (a free granule of the host's); anywhere if unset.
  std::optional<Pa> rd;
};

/// What the host knows about a realm it built.
struct HostRealm {
  struct Table {
    Ipa ipa;
    RttLevel level;
    Pa pa;
  };
  abi::RmiRealmParams params{};
  Pa rd;
  Pa rtt_base;
  std::uint32_t num_start = 0;
  std::vector<Table> tables;       // created by RTT_CREATE, in creation order
  std::map<std::uint64_t, Pa> data;  // IPA -> DATA granule
  struct Rec {
    Pa rec;
    Pa aux;  // aux_count contiguous granules
    std::uint64_t aux_count;
  };
  std::vector<Rec> recs;  // index = REC index
  std::vector<Pa> apts;   // CAEC Access Policy Table granules

  [[nodiscard]] RttLevel start_level() const { return RttLevel{params.rtt_level_start}; }
};

/// Observes the measured operations, so a realm owner can predict the RIM.
struct MeasurementObserver {
  std::function<void(const abi::RmiRealmParams& params)> created;
  std::function<void(Ipa ipa, std::uint64_t flags, std::span<const std::byte> page)> data;
  std::function<void(Ipa base, Ipa top)> ripas;
  std::function<void(const abi::RmiRecParams& params)> rec;
};

/// The starting level and number of concatenated tables caec's host uses for an IPA width:
/// the deepest start with at most 16 tables (fewest walk levels, as KVM does).
struct StartGeometry {
  RttLevel level;
  std::uint32_t num_tables;
};
[[nodiscard]] StartGeometry start_geometry(unsigned ipa_width);

class RealmBuilder {
 public:
  explicit RealmBuilder(Host& host, MeasurementObserver observer = {})
      : host_(host), observer_(std::move(observer)) {}

  [[nodiscard]] HostRealm create(const RealmSpec& spec);
  /// Makes sure the RTTs down to `level` exist for `ipa`.
  void ensure_tables(HostRealm& realm, Ipa ipa, RttLevel level);
  /// DATA_CREATE of `bytes` (zero-padded to whole granules) at `ipa`.
  void load(HostRealm& realm, Ipa ipa, std::span<const std::byte> bytes, bool measured);
  /// RTT_INIT_RIPAS over [base, top), creating tables where a block is only partly covered.
  void init_ripas(HostRealm& realm, Ipa base, Ipa top);
  /// RMI_REC_CREATE of the next REC (index = realm.recs.size()), with its aux granules.
  void create_rec(HostRealm& realm, bool runnable, std::uint64_t pc,
                  const std::array<std::uint64_t, 8>& gprs);
  void activate(HostRealm& realm);
  /// RMI_APT_CREATE of one more APT granule (CAEC); false if the RMM refused it (the realm is
  /// off, or its CSM teardown began).
  bool add_apt(HostRealm& realm);
  /// REC_DESTROY, APT_DESTROY (which first severs the realm's CSM relations), DATA_DESTROY,
  /// RTT_DESTROY (leaves first), REALM_DESTROY, then undelegate everything. A DATA granule or
  /// RTT the RMM no longer holds where `realm` records it (a raw RMI call destroyed it behind
  /// the builder's back) is skipped and left to whoever destroyed it. Granules or tables
  /// created by raw calls must be added to `realm.data` / `realm.tables` to be torn down.
  void destroy(HostRealm& realm);

 private:
  /// Whether the RMM still has `pa` at (`ipa`, `level`) of `realm`'s RTTs in `state`.
  [[nodiscard]] bool still_holds(const HostRealm& realm, Ipa ipa, RttLevel level, abi::RmiRttEntryState state, Pa pa);
  /// The RD granule: the one `spec` names, or any free one; delegated.
  [[nodiscard]] Pa delegate_rd(const RealmSpec& spec);

  Host& host_;
  MeasurementObserver observer_;
};

}  // namespace caec::host
