// "bench-control": the control plane benchmark (design/benchmarks.md §3), one provider and one
// consumer realm. For each region size the provider times CSM create, share, revoke and destroy,
// the consumer reserve, attach and detach, in the order create, share, reserve, attach, revoke,
// detach, destroy (rendezvous through host events). The provider also times REC round trips
// (a host call the host answers at once) and attestation tokens.
//
// Arguments: role=provider|consumer  peer=NAME  sizes=S1,S2,...  reps=N  tokens=N  run=ID
// Output: "C op=NAME size=S ticks=MIN/MEDIAN/MAX" lines.
#include <string>
#include <vector>

#include "bench/lib/control.h"
#include "bench/programs/report.h"
#include "caec/abi/host_call.h"
#include "channel/launch_args.h"
#include "realm/attestation.h"
#include "realm/csm_api.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::bench {
namespace {


void report(realm::Realm& r, const std::string& op, std::uint64_t size, const std::vector<std::uint64_t>& t) {
  report_line(r, "op=" + op + " size=" + std::to_string(size), t);
}

std::string event(const std::string& what, const std::string& run, std::uint64_t size, std::uint64_t rep) {
  return what + run + ":" + std::to_string(size) + ":" + std::to_string(rep);
}

void provider(realm::Realm& r, const channel::Args& a, const std::vector<std::uint64_t>& sizes, std::uint64_t reps) {
  const std::string run = a.at("run");
  const Rid consumer = realm::lookup_rid(r, a.at("peer"));
  // REC round trip: a host call the host answers without blocking (polling an unset event).
  std::vector<std::uint64_t> trips;
  trips.reserve(200);
  const std::array<std::uint64_t, 4> never{0x6576656e, 0, 0, 0};
  for (int i = 0; i < 200; ++i) trips.push_back(timed([&] { (void)r.host_call(abi::host_call::kPollSignal, never); }));
  report(r, "rec-round-trip", 0, trips);
  std::vector<std::uint64_t> tokens;
  const std::array<std::uint8_t, 64> challenge{};
  for (std::uint64_t i = 0; i < channel::number(a, "tokens", 10); ++i) {
    tokens.push_back(timed([&] { (void)realm::attestation_report(r, challenge); }));
  }
  report(r, "attestation-token", 0, tokens);

  for (std::uint64_t size : sizes) {
    std::vector<std::uint64_t> create, share, revoke, destroy;
    for (std::uint64_t rep = 0; rep < reps; ++rep) {
      CsmId id{};
      std::uint64_t k = 0;
      create.push_back(timed([&] { id = realm::csm_create(r, kRegionBase, size); }));
      share.push_back(timed([&] { k = realm::csm_share(r, id, consumer, abi::CsmPerm::kRw); }));
      realm::signal_event(r, event("s", run, size, rep));
      realm::wait_event(r, event("a", run, size, rep));
      revoke.push_back(timed([&] { realm::csm_revoke(r, consumer, k); }));
      realm::signal_event(r, event("r", run, size, rep));
      realm::wait_event(r, event("d", run, size, rep));
      destroy.push_back(timed([&] { realm::csm_destroy(r, id); }));
    }
    report(r, "create", size, create);
    report(r, "share", size, share);
    report(r, "revoke", size, revoke);
    report(r, "destroy", size, destroy);
  }
}

void consumer(realm::Realm& r, const channel::Args& a, const std::vector<std::uint64_t>& sizes, std::uint64_t reps) {
  const std::string run = a.at("run");
  const Rid provider = realm::lookup_rid(r, a.at("peer"));
  std::uint64_t k = 0;
  for (std::uint64_t size : sizes) {
    std::vector<std::uint64_t> reserve, attach, detach;
    for (std::uint64_t rep = 0; rep < reps; ++rep) {
      realm::wait_event(r, event("s", run, size, rep));
      reserve.push_back(timed([&] { (void)realm::csm_reserve(r, provider, k, kRegionBase, size); }));
      attach.push_back(timed([&] { (void)realm::csm_attach(r, provider, k, kRegionBase, size); }));
      realm::signal_event(r, event("a", run, size, rep));
      realm::wait_event(r, event("r", run, size, rep));
      detach.push_back(timed([&] { realm::csm_detach(r, provider, k); }));
      realm::signal_event(r, event("d", run, size, rep));
      ++k;
    }
    report(r, "reserve", size, reserve);
    report(r, "attach", size, attach);
    report(r, "detach", size, detach);
  }
}

int bench_control(realm::Realm& r) {
  const channel::Args a = channel::parse_args(r.args());
  realm::publish_rid(r);
  const auto sizes = parse_list(a.at("sizes"));
  const std::uint64_t reps = channel::number(a, "reps", 3);
  if (a.at("role") == "provider") {
    provider(r, a, sizes, reps);
  } else {
    consumer(r, a, sizes, reps);
  }
  return 0;
}
CAEC_REALM_PROGRAM("bench-control", bench_control);

}  // namespace
}  // namespace caec::bench
