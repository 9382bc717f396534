// "csm-churn SELF PEERS ROUNDS RECS": a realm program for the concurrency stress tests. REC 0
// maps the host's board (shared buffer kChurnBoardId), starts RECS-1 more RECs, and every REC then
// runs ROUNDS rounds, each with one peer from PEERS (comma-separated one-letter launch names,
// looked up again every round: the host may kill a peer and launch it again):
//   provider: create its region (once per few rounds), tag it, share it with the peer and
//             post k on the board; revoke the sharing of the round before;
//   consumer: reserve, attach, read and detach one of the latest sharings the peer posted.
// Every RSI status must be one the command documents, the calls that only touch this REC's own
// records must succeed, and an attached consumer must read the provider's tag or take an
// abort (the provider revoked meanwhile). Each REC prints
//   "churn rec=J calls=N attached=A bad=B"
// and REC 0 returns its own B once every REC has turned off.
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "caec/abi/csm.h"
#include "caec/abi/host_call.h"
#include "realm/csm_api.h"
#include "realm/program.h"
#include "realm/realm.h"
#include "tests/programs/csm_churn.h"

namespace caec::testing {
namespace {

using realm::Realm;
using abi::CaecRsiFid;
using abi::RsiStatus;

constexpr Ipa kBoardIpa{0x40000000};  // mapped at its unprotected alias
constexpr std::uint64_t kSize = 0x2000;
constexpr std::uint64_t kRegionBase = 0x400000;
constexpr std::uint64_t kReserveBase = 0x800000;
constexpr std::uint64_t kTagMagic = 0xC5A1;
constexpr int kRoundsPerRegion = 4;
constexpr std::uint64_t kLookback = 4;  // the latest sharings a consumer tries

struct Churn {
  Realm& r;
  char self;
  std::vector<char> peers;
  std::uint64_t rec;
  Rid self_rid{};
  std::uint64_t calls = 0;
  std::uint64_t attached = 0;
  std::uint64_t bad = 0;
  // This REC's region (if it has one) and the sharing it offered last (if it still stands).
  bool has_region = false;
  CsmId region{};
  bool has_offer = false;
  Rid offered_to{};
  std::uint64_t offered_k = 0;

  /// What a provider writes at the start of its region: its RID under a magic number. A
  /// consumer that reads anything else reached memory that is not that provider's (a stale
  /// translation from an earlier attach, or another realm's granule).
  static std::uint64_t tag(Rid provider) {
    return kTagMagic << 48U | (static_cast<std::uint64_t>(provider) & 0xFFFFFFFFFFFFULL);
  }

  /// Board slot of "the latest k + 1 that `provider` shared with `consumer`".
  std::atomic<std::uint64_t>& board(char provider, char consumer) {
    auto* slots = r.as<std::atomic<std::uint64_t>>(r.unprotected_alias(kBoardIpa));
    // 16 x 16 slots of 8 bytes fit the board's granule; launch names differ modulo 16.
    const auto slot = [](char name) { return static_cast<std::size_t>(name - 'a') % 16; };
    return slots[slot(provider) * 16 + slot(consumer)];
  }

  abi::SmcRegs call(CaecRsiFid fid, std::initializer_list<std::uint64_t> args) {
    for (int tries = 0;; ++tries) {
      ++calls;
      const abi::SmcRegs out = r.smc(static_cast<std::uint32_t>(fid), args);
      const auto status = static_cast<RsiStatus>(out.x[0]);
      // A full APT: ask the host for another granule, as the SDK does.
      if (status == RsiStatus::kErrorCapacity && tries < 2 &&
          r.host_call(abi::host_call::kAptMore)[0] == abi::host_call::kOk) {
        continue;
      }
      if (status != RsiStatus::kSuccess && status != RsiStatus::kErrorInput &&
          status != RsiStatus::kErrorState && status != RsiStatus::kErrorCapacity) {
        complain("undocumented status " + std::to_string(out.x[0]), fid);
      }
      return out;
    }
  }
  void complain(const std::string& what, CaecRsiFid fid) {
    ++bad;
    r.print("churn rec=" + std::to_string(rec) + ": " + what + " from fid " +
            std::to_string(static_cast<std::uint32_t>(fid)) + "\n");
  }
  bool must(CaecRsiFid fid, std::initializer_list<std::uint64_t> args, const char* what) {
    if (call(fid, args).x[0] == 0) return true;
    complain(std::string(what) + " of this REC's own record failed", fid);
    return false;
  }

  /// The peer's RID, if the host knows one (it may be stale: the peer was killed).
  std::optional<Rid> lookup(char name) {
    const std::array<std::uint64_t, 4> words{static_cast<std::uint64_t>(name)};
    const auto reply = r.host_call(abi::host_call::kLookupRid, words);
    if (reply[0] != abi::host_call::kOk) return std::nullopt;
    return Rid{reply[1]};
  }

  void provide(char peer, Rid consumer) {
    const Ipa base{kRegionBase + rec * 0x10000};
    if (!has_region) {
      const auto out = call(CaecRsiFid::kCsmCreate, {base.value(), kSize});
      if (out.x[0] != 0) return complain("CREATE failed", CaecRsiFid::kCsmCreate);
      region = CsmId{out.x[1]};
      has_region = true;
      *r.as<volatile std::uint64_t>(base) = tag(self_rid);
    }
    const auto out = call(CaecRsiFid::kCsmShare,
                          {static_cast<std::uint64_t>(region), static_cast<std::uint64_t>(consumer),
                           static_cast<std::uint64_t>(abi::CsmPerm::kRw)});
    // The previous round's sharing goes; a killed consumer's went with it (INPUT).
    if (has_offer) {
      (void)call(CaecRsiFid::kCsmRevoke, {static_cast<std::uint64_t>(offered_to), offered_k});
      has_offer = false;
    }
    if (out.x[0] == 0) {
      has_offer = true;
      offered_to = consumer;
      offered_k = out.x[1];
      board(self, peer).store(out.x[1] + 1, std::memory_order_release);
    }
  }

  void consume(char peer, Rid provider_rid) {
    const std::uint64_t latest = board(peer, self).load(std::memory_order_acquire);
    const Ipa base{kReserveBase + rec * 0x10000};
    const auto provider = static_cast<std::uint64_t>(provider_rid);
    for (std::uint64_t k = latest; k > 0 && k + kLookback > latest; --k) {
      if (call(CaecRsiFid::kCsmReserve, {provider, k - 1, base.value(), kSize}).x[0] != 0) continue;
      if (call(CaecRsiFid::kCsmAttach, {provider, k - 1}).x[0] == 0) {
        ++attached;
        std::uint64_t seen = 0;
        const bool aborted = r.guarded([&] { seen = *r.as<volatile std::uint64_t>(base); }).has_value();
        if (!aborted && seen != tag(provider_rid)) complain("read a value not the provider's", CaecRsiFid::kCsmAttach);
      }
      (void)must(CaecRsiFid::kCsmDetachAndFree, {provider, k - 1}, "DETACH_AND_FREE");
      return;
    }
  }

  void run(std::uint64_t rounds) {
    for (std::uint64_t round = 0; round < rounds; ++round) {
      const char peer = peers[(round + rec) % peers.size()];
      if (const auto rid = lookup(peer)) {
        provide(peer, *rid);
        consume(peer, *rid);
      }
      if (has_region && round % kRoundsPerRegion == kRoundsPerRegion - 1) {
        // DESTROY revokes whatever is still shared.
        (void)must(CaecRsiFid::kCsmDestroy, {static_cast<std::uint64_t>(region)}, "DESTROY");
        has_region = false;
        has_offer = false;
      }
      r.cpu_relax();  // lets the host's IPI in when it kills this realm
    }
    r.print("churn rec=" + std::to_string(rec) + " calls=" + std::to_string(calls) +
            " attached=" + std::to_string(attached) + " bad=" + std::to_string(bad) + "\n");
  }
};

int csm_churn(Realm& r) {
  const auto& args = r.args();
  if (args.size() != 4 || args[0].size() != 1) {
    r.print("csm-churn: usage: SELF PEERS ROUNDS RECS\n");
    return 100;
  }
  Churn churn{r, args[0][0], {}, r.rec_index(), r.rid()};
  for (char c : args[1]) {
    if (c != ',') churn.peers.push_back(c);
  }
  const std::uint64_t rounds = std::stoull(args[2]);
  const std::uint64_t recs = std::stoull(args[3]);
  if (r.rec_index() == 0) {
    (void)r.map_host_buffer(kChurnBoardId, r.unprotected_alias(kBoardIpa), kGranuleSize);
    realm::publish_rid(r);
    for (std::uint64_t i = 1; i < recs; ++i) (void)r.start_cpu(i, 0);
  }
  churn.run(rounds);
  if (r.rec_index() != 0) return 0;  // the SDK turns this REC off
  for (std::uint64_t i = 1; i < recs; ++i) {
    while (r.cpu_state(i) != 1) r.cpu_relax();
  }
  return static_cast<int>(churn.bad);
}
CAEC_REALM_PROGRAM("csm-churn", csm_churn);

}  // namespace
}  // namespace caec::testing
