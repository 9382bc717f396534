// A host that drives "csm-remote" realms (tests/programs/csm_remote.cc) one command at a time
// from the test thread: each realm asks for its next command with host call kNextCommand and
// the test answers through step(). Between steps every bound realm is parked at that host
// call, so the test can inspect RMM state at a quiescent point.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "caec/abi/csm.h"
#include "host/vmm.h"

namespace caec::testing {

class RemoteVmm : public host::Vmm {
 public:
  static constexpr std::uint16_t kNextCommand = 0x310;
  /// step()'s answer when the realm stopped asking (it ended, or its host abandoned it).
  static constexpr std::uint64_t kNoAnswer = ~0ULL;

  using Vmm::Vmm;
  /// Drops every realm first, so vCPU loops parked at kNextCommand end (a test that failed
  /// half way does not hang in the base destructor).
  ~RemoteVmm() override;

  /// Launches a csm-remote realm named `name` with `vmid` (and `recs` RECs, REC 0 running),
  /// binds its REC 0 to the next index, starts it and waits until it asks for its first
  /// command. Returns the index.
  std::size_t launch_remote(const std::string& name, std::uint16_t vmid, std::uint64_t ram_mib = 4,
                            unsigned recs = 1);
  /// REC `rec` of the remote realm at index `i` (launched with more than one REC) is started by
  /// its REC 0 (PSCI CPU_ON) and bound to the next index, from which it is driven like a realm
  /// of its own (step(), rsi(), aborts()). Returns that index.
  std::size_t start_remote_rec(std::size_t i, std::size_t rec);
  [[nodiscard]] host::VmRealm& realm(std::size_t i);

  /// Runs one command on realm `i` and returns its result ([0] stop; [1, fid, args...] an RSI
  /// call, result X0; [2, ipa] read, [3, ipa, value] write: result 1 if the access aborted).
  std::uint64_t step(std::size_t i, std::array<std::uint64_t, 8> cmd);
  /// As step(), with X1 of the result too ([2]: the word read).
  std::array<std::uint64_t, 2> call(std::size_t i, std::array<std::uint64_t, 8> cmd);
  /// A step() waiting on realm `i` returns kNoAnswer: its REC 0 will not ask again (it turned
  /// the realm off, say), though the realm has not ended.
  void release(std::size_t i);

  /// Starts REC 1 of realm `i` (launched with two RECs) in mailbox mode and waits until it
  /// polls. False if it did not start.
  bool start_mailbox(std::size_t i);
  [[nodiscard]] bool has_mailbox(std::size_t i);
  /// Runs one command on REC 1 of realm `i` through its mailbox; kNoAnswer if the realm ended
  /// (or REC 1 did not answer within `timeout`).
  std::array<std::uint64_t, 2> mailbox_call(std::size_t i, std::array<std::uint64_t, 8> cmd,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// One RSI call of a CSM command on realm `i`; returns X0.
  std::uint64_t rsi(std::size_t i, abi::CaecRsiFid fid, std::initializer_list<std::uint64_t> args);
  /// A read (or write) of realm `i`'s memory at `ipa`: true if it took an abort.
  bool aborts(std::size_t i, Ipa ipa, bool write = false);

  /// The host stops answering realm `i` (every REC of it that is bound): its vCPU loops end
  /// where they are parked, so the realm can be destroyed mid-program (a killed realm).
  void drop(std::size_t i);
  /// For a hostile host that walks away from REC `rec` of `r` (serves() returning false): a
  /// step() waiting on it returns kNoAnswer, even while other RECs of the realm still run.
  void walked_away(const host::VmRealm& r, std::size_t rec);

 protected:
  /// The index `r` is bound to.
  [[nodiscard]] std::size_t index_of(const host::VmRealm& r);
  Next on_host_call(host::VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                    abi::RmiRecEnter& enter) override;

 private:
  /// Binds REC `rec` of an already launched realm to index `i`.
  void bind(host::VmRealm& r, std::size_t i, std::size_t rec = 0);
  /// Waits until realm `i` asks for its first command; throws if it ended first.
  void ready(std::size_t i);
  struct Slot {
    std::array<std::uint64_t, 8> command{};
    bool has_command = false;
    bool waiting = false;
    bool dropped = false;
    bool released = false;
    std::array<std::uint64_t, 2> result{};
    bool has_result = false;
    host::VmRealm* realm = nullptr;
    std::size_t rec = 0;
    std::uint64_t ram_bytes = 0;  // REC 0's slot: the realm's RAM (for other RECs' boot blocks)
    std::optional<Pa> mailbox;    // REC 1's mailbox granule (host memory)
    std::uint64_t posted = 0;
  };
  static inline std::uint64_t next_mailbox_id_ = 0x6d62000;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Slot> slots_;  // a deque: references stay valid as realms are bound
  std::map<std::pair<const host::VmRealm*, std::size_t>, std::size_t> index_;  // (realm, REC)
};

}  // namespace caec::testing
