// "bench-fanout": CSM operations against the number of consumers (design/benchmarks.md §3). One
// provider and up to 16 consumer realms; for each consumer count N the provider creates one
// region, shares it with consumers 0..N-1 (timing each share), lets them reserve and attach one
// at a time (each consumer times its own), then destroys the region while all N are attached —
// the RMM revokes N sharings and unmaps N consumers in that one call — and lets each consumer
// free its dead reservation (timed as detach).
//
// Consumers take turns (rendezvous through host events), so no two CSM calls overlap and every
// figure is one call on an otherwise idle RMM. A consumer that is not at the front of the queue
// sleeps in WFI between polls, so 16 waiting realms do not steal the two cores from the timed one.
//
// Arguments: role=provider|consumer  index=I (consumers)  consumers=N1,N2,...  size=S  reps=N
//            run=ID
// Output: "C op=NAME size=S consumers=N ticks=MIN/MEDIAN/MAX" lines.
#include <algorithm>
#include <string>
#include <vector>

#include "bench/lib/control.h"
#include "bench/programs/report.h"
#include "channel/launch_args.h"
#include "realm/csm_api.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::bench {
namespace {

void report(realm::Realm& r, const std::string& op, std::uint64_t size, std::uint64_t consumers,
            const std::vector<std::uint64_t>& t) {
  report_line(r, "op=" + op + " size=" + std::to_string(size) + " consumers=" + std::to_string(consumers), t);
}

// One event per (run, round, step, consumer): "go" (provider -> consumer i: attach sharing k),
// "attached", "destroyed", "freed".
std::string event(const std::string& what, const std::string& run, std::uint64_t round, std::uint64_t i) {
  return what + run + ":" + std::to_string(round) + ":" + std::to_string(i);
}

struct Plan {
  std::string run;
  std::vector<std::uint64_t> counts;
  std::uint64_t size = 0;
  std::uint64_t reps = 0;
};

void provider(realm::Realm& r, const Plan& p) {
  std::vector<Rid> consumers;
  const std::uint64_t most = *std::max_element(p.counts.begin(), p.counts.end());
  for (std::uint64_t i = 0; i < most; ++i) consumers.push_back(realm::lookup_rid(r, "fanout-" + std::to_string(i)));
  std::uint64_t round = 0;
  for (std::uint64_t n : p.counts) {
    std::vector<std::uint64_t> share, destroy;
    for (std::uint64_t rep = 0; rep < p.reps; ++rep, ++round) {
      const CsmId id = realm::csm_create(r, kRegionBase, p.size);
      for (std::uint64_t i = 0; i < n; ++i) {
        share.push_back(timed([&] { (void)realm::csm_share(r, id, consumers[i], abi::CsmPerm::kRo); }));
      }
      for (std::uint64_t i = 0; i < n; ++i) {
        realm::signal_event(r, event("go", p.run, round, i));
        realm::sleep_until_event(r, event("attached", p.run, round, i));
      }
      destroy.push_back(timed([&] { realm::csm_destroy(r, id); }));
      for (std::uint64_t i = 0; i < n; ++i) {
        realm::signal_event(r, event("destroyed", p.run, round, i));
        realm::sleep_until_event(r, event("freed", p.run, round, i));
      }
    }
    report(r, "share", p.size, n, share);
    report(r, "destroy-attached", p.size, n, destroy);
  }
}

void consumer(realm::Realm& r, const Plan& p, std::uint64_t index) {
  const Rid provider = realm::lookup_rid(r, "fanout-provider");
  std::uint64_t k = 0;  // sharings this provider made to this consumer so far
  std::uint64_t round = 0;
  for (std::uint64_t n : p.counts) {
    std::vector<std::uint64_t> attach, detach;
    for (std::uint64_t rep = 0; rep < p.reps; ++rep, ++round) {
      if (index >= n) continue;
      realm::sleep_until_event(r, event("go", p.run, round, index));
      (void)realm::csm_reserve(r, provider, k, kRegionBase, p.size);
      attach.push_back(timed([&] { (void)realm::csm_attach(r, provider, k, kRegionBase, p.size); }));
      realm::signal_event(r, event("attached", p.run, round, index));
      realm::sleep_until_event(r, event("destroyed", p.run, round, index));
      detach.push_back(timed([&] { realm::csm_detach(r, provider, k); }));
      realm::signal_event(r, event("freed", p.run, round, index));
      ++k;
    }
    // Consumer 0 takes part in every round and speaks for the others: its figures are the
    // attach of the first consumer to arrive and the free of a reservation the destroy killed.
    // The last consumer of each round reports the N-th attach.
    if (index == 0) {
      report(r, "attach", p.size, n, attach);
      report(r, "detach-dead", p.size, n, detach);
    } else if (index + 1 == n) {
      report(r, "attach-last", p.size, n, attach);
    }
  }
}

int bench_fanout(realm::Realm& r) {
  const channel::Args a = channel::parse_args(r.args());
  realm::publish_rid(r);
  const Plan plan{.run = a.at("run"),
                  .counts = parse_list(a.at("consumers")),
                  .size = channel::number(a, "size", 1U << 20U),
                  .reps = channel::number(a, "reps", 3)};
  if (a.at("role") == "provider") {
    provider(r, plan);
  } else {
    consumer(r, plan, channel::number(a, "index", 0));
  }
  return 0;
}
CAEC_REALM_PROGRAM("bench-fanout", bench_fanout);

}  // namespace
}  // namespace caec::bench
