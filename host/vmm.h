// The reference VMM: launches realms built by RealmBuilder and runs each REC in its own vCPU
// loop (a host thread that calls RMI_REC_ENTER and handles every exit). Its exit handling is
// made of virtual hooks, so tests can run a hostile host by overriding them.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "caec/abi/realm_image.h"
#include "caec/abi/rmi.h"
#include "host/host.h"
#include "host/realm_builder.h"

namespace caec::host {

struct LaunchSpec {
  /// The name other realms look this one up by (host call kLookupRid); default: the program.
  std::string name;
  RealmSpec realm;
  abi::Manifest manifest;
  std::vector<std::byte> payload;             // measured, placed after the manifest
  std::uint64_t ram_size = std::uint64_t{8} << 20U;
  unsigned num_recs = 1;                      // REC 0 runs; the others wait for PSCI CPU_ON
};

/// The VMM's view of one realm it runs.
class VmRealm {
 public:
  HostRealm built;
  std::vector<Pa> run_pages;  // one RmiRecRun per REC

  [[nodiscard]] std::optional<std::int64_t> exit_status() const;
  [[nodiscard]] std::string console() const;
  /// Why the VMM stopped this realm, if it did (an exit it could not handle).
  [[nodiscard]] std::string error() const;
  [[nodiscard]] std::map<std::string, std::uint64_t> exit_counts() const;
  [[nodiscard]] bool finished() const;
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  friend class Vmm;
  struct Vcpu {
    std::thread thread;
    bool running = false;
    std::deque<std::uint32_t> virqs;  // virtual interrupts to inject on the next entry
    bool kicked = false;
  };

  std::string name_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Vcpu> vcpus_;
  bool stopping_ = false;
  unsigned active_ = 0;
  std::optional<std::int64_t> exit_status_;
  std::string console_;
  std::string error_;
  std::map<std::string, std::uint64_t> exits_;
};

class Vmm {
 public:
  /// `ipi` interrupts the PE running a REC (so a spinning or sleeping REC exits).
  Vmm(Host& host, std::function<void(Pa rec)> ipi = {}, MeasurementObserver observer = {});
  virtual ~Vmm();
  Vmm(const Vmm&) = delete;
  Vmm& operator=(const Vmm&) = delete;

  /// Builds, measures and activates a realm (it does not run yet).
  VmRealm& launch(const LaunchSpec& spec);
  /// Starts REC 0's vCPU loop.
  void start(VmRealm& realm);
  /// Waits until every vCPU loop of the realm ended; false on timeout.
  bool wait(VmRealm& realm, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// Asks the realm's vCPU loops to end (interrupting its RECs) and waits for them.
  void stop(VmRealm& realm);
  /// Stops the realm and returns every granule it used to the Non-secure PAS.
  void destroy(VmRealm& realm);

  /// Host-visible shared memory (like ivshmem): `size` bytes of NS memory under `id`, which
  /// realms may ask to map (host call kMapShared). Returns its first PA.
  /// `read_only`: realms get a read-only stage-2 mapping of it.
  Pa create_shared_buffer(std::uint64_t id, std::uint64_t size, bool read_only = false);
  /// Gives shared buffer `id` back to the host's pool (once no realm maps it any more).
  void free_shared_buffer(std::uint64_t id);
  /// Raises a named event realms can wait for (host call kPollSignal).
  void raise_signal(const std::string& name);
  [[nodiscard]] bool signaled(const std::string& name);
  /// The RID realm `name` published (host call kPublishRid), once it has. This is the realm's
  /// own word: no RMI command tells the host a realm's RID (docs/guide.md, §2), so a host
  /// cannot check it; the RMM checks every RID a realm uses in CSM commands.
  [[nodiscard]] std::optional<Rid> published_rid(const std::string& name);
  /// Queues virtual interrupt `vintid` for REC `rec_index` and wakes it.
  void post_interrupt(VmRealm& realm, std::size_t rec_index, std::uint32_t vintid);
  /// The realms' timer: a REC waiting in WFI is re-entered after this long even if nothing
  /// woke it (a guest's timer tick), so a wake-up that never comes costs a tick, not a hang.
  /// Zero: no timer, WFI waits for an interrupt. Default 10 ms.
  void set_timer_tick(std::chrono::milliseconds tick) { timer_tick_ = tick; }

  [[nodiscard]] Host& host() { return host_; }
  [[nodiscard]] RealmBuilder& builder() { return builder_; }

 private:
  struct SharedBuffer {
    Pa pa;
    std::uint64_t granules;
    bool read_only;
  };

 public:
  /// The VMM's records, to put them back later (testing/system_snapshot.h): each realm as
  /// built, shared buffers, published names and signals. Only while no vCPU loop runs.
  struct State {
    struct Realm {
      VmRealm* realm;
      HostRealm built;
      std::vector<Pa> run_pages;
      std::size_t num_recs;
    };
    std::vector<Realm> realms;
    std::map<std::uint64_t, SharedBuffer> shared;
    std::map<std::string, std::uint64_t> published_rids;
    std::set<std::string> signals;
  };
  [[nodiscard]] State state();
  /// Puts the records back; each realm's run-time record (console, exit counts, status, queued
  /// interrupts) becomes that of a realm just launched, and realms launched since are forgotten
  /// (their granules are the host's and the RMM's to restore). Throws std::logic_error if a
  /// realm of `s` was destroyed since, or a vCPU loop runs.
  void restore(const State& s);

 protected:
  /// What the vCPU loop does after an exit.
  enum class Next : std::uint8_t { kEnter, kStopVcpu, kStopRealm };

  /// Asked before every exit is served; false: the host walks away from this REC (its vCPU
  /// loop ends and the REC is never entered again), as a crashed or hostile host would.
  virtual bool serves(VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit);

  // Exit hooks. Each may fill `enter` for the next REC_ENTER.
  virtual Next on_data_abort(VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                             abi::RmiRecEnter& enter);
  virtual Next on_host_call(VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                            abi::RmiRecEnter& enter);
  virtual Next on_ripas_change(VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                               abi::RmiRecEnter& enter);
  virtual Next on_psci(VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                       abi::RmiRecEnter& enter);
  virtual Next on_wfx(VmRealm& r, std::size_t rec, abi::RmiRecEnter& enter);
  /// CAEC exits: populate a new region (provider), prepare a reservation (consumer: remove
  /// private DATA, build level-3 RTTs), or note a removed range (a region destroyed, a
  /// sharing detached: [csm_base, csm_top) is private memory again, or unmapped).
  virtual Next on_csm_provider(VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                               abi::RmiRecEnter& enter);
  virtual Next on_csm_consumer(VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                               abi::RmiRecEnter& enter);
  /// Default: nothing to do; RAM the range needs again is populated on demand.
  virtual Next on_csm_remove(VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                             abi::RmiRecEnter& enter);
  /// An exit the VMM does not know; default: stop the realm with an error.
  virtual Next on_other_exit(VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                             abi::RmiRecEnter& enter);

  /// Populates protected RAM at `ipa` with a fresh granule (DATA_CREATE_UNKNOWN).
  void populate(VmRealm& r, Ipa ipa);
  /// A delegated granule for `ipa`: from the realm's RAM backing, else any free one.
  [[nodiscard]] Pa delegate_for(VmRealm& r, Ipa ipa);
  void fail(VmRealm& r, const std::string& why);
  /// Queues `vintid` for REC `rec` of `r` (caller holds r.mutex_).
  static void queue_virq(VmRealm& r, std::size_t rec, std::uint32_t vintid);

 private:
  /// Everything launch() does after REALM_CREATE: APT, image, RAM, RECs, ACTIVATE.
  void build(VmRealm& r, const LaunchSpec& spec);
  void start_vcpu(VmRealm& r, std::size_t rec);
  void vcpu_loop(VmRealm& r, std::size_t rec);
  [[nodiscard]] Next dispatch(VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                              abi::RmiRecEnter& enter);
  void map_shared(VmRealm& r, std::uint64_t id, Ipa ipa, std::uint64_t size, std::uint64_t& reply);
  /// Host call kDoorbell: wakes REC `rec` of the realm that published `rid`.
  [[nodiscard]] std::uint64_t ring_doorbell(std::uint64_t rid, std::uint64_t rec);

  Host& host_;
  std::function<void(Pa)> ipi_;
  RealmBuilder builder_;
  std::mutex realms_mutex_;
  std::vector<std::unique_ptr<VmRealm>> realms_;
  std::map<std::uint64_t, SharedBuffer> shared_;
  std::mutex names_mutex_;
  std::atomic<std::chrono::milliseconds> timer_tick_{std::chrono::milliseconds(10)};
  std::map<std::string, std::uint64_t> published_rids_;
  std::set<std::string> signals_;
};

}  // namespace caec::host
