// Realm programs the runtime tests launch. Each is registered under a name its manifest uses.
#include <atomic>
#include <chrono>
#include <cstring>
#include <string>

#include "caec/abi/rsi.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::testing {
namespace {

using realm::Realm;

/// Returns the integer in its first argument.
int exit_with(Realm& r) { return r.args().empty() ? 0 : std::stoi(r.args()[0]); }
CAEC_REALM_PROGRAM("test-exit", exit_with);

/// Touches `arg0` pages of RAM (demand faults), every `arg1`-th page (default 1: each one),
/// checks they read back, returns the page count.
int touch_ram(Realm& r) {
  const std::uint64_t pages = r.args().empty() ? 16 : std::stoull(r.args()[0]);
  const std::uint64_t stride = r.args().size() < 2 ? 1 : std::stoull(r.args()[1]);
  const Ipa base = r.ram().first;  // not a structured binding: clang 14 cannot capture those
  if (stride == 0 || pages * stride * kGranuleSize > r.ram().second) return -1;
  auto page = [&](std::uint64_t i) { return r.as<std::uint64_t>(base + i * stride * kGranuleSize); };
  for (std::uint64_t i = 0; i < pages; ++i) *page(i) = i * 7;
  for (std::uint64_t i = 0; i < pages; ++i) {
    if (*page(i) != i * 7) return -2;
  }
  return static_cast<int>(pages);
}
CAEC_REALM_PROGRAM("test-touch-ram", touch_ram);

/// Prints its arguments to the host console.
int hello(Realm& r) {
  std::string line = "hello from REC " + std::to_string(r.rec_index());
  for (const auto& a : r.args()) line += " " + a;
  r.print(line + "\n");
  return 0;
}
CAEC_REALM_PROGRAM("test-hello", hello);

/// Reads RIPAS EMPTY memory: must take an abort, never see data. Returns 0 on abort.
int read_empty(Realm& r) {
  const Ipa empty{0x4000000};  // 64 MiB: beyond the test RAM, RIPAS EMPTY
  volatile std::uint64_t sink = 0;
  const auto abort = r.guarded([&] { sink = *r.as<volatile std::uint64_t>(empty); });
  (void)sink;
  return abort && abort->ipa == empty ? 0 : 1;
}
CAEC_REALM_PROGRAM("test-read-empty", read_empty);

/// Arms the abort guard, makes REC exits inside it (a RAM page's first touch, a console host
/// call), then reads RIPAS EMPTY memory: the abort must still reach the guard, however the host
/// entered the REC in between. Returns 0 on abort.
int guard_across_exits(Realm& r) {
  const auto [base, size] = r.ram();
  const Ipa fresh = base + (size - kGranuleSize);  // never touched before
  const Ipa empty{0x4000000};
  volatile std::uint64_t sink = 0;
  const auto abort = r.guarded([&] {
    *r.as<volatile std::uint64_t>(fresh) = 1;
    r.print("guard armed across exits\n");
    sink = *r.as<volatile std::uint64_t>(empty);
  });
  (void)sink;
  return abort && abort->ipa == empty ? 0 : 1;
}
CAEC_REALM_PROGRAM("test-guard-across-exits", guard_across_exits);

/// Spins without touching memory until the host interrupts it (or `arg0` ms pass, 10 s by
/// default), so the REC stays RUNNING for as long as the host needs; returns 0.
int spin(Realm& r) {
  const std::uint64_t ms = r.args().empty() ? 10000 : std::stoull(r.args()[0]);
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < end) r.cpu_relax();
  return 0;
}
CAEC_REALM_PROGRAM("test-spin", spin);

/// REC 0 asks for REC 1 with PSCI CPU_ON `arg0` times (1 by default) and returns the last PSCI
/// return code; every other REC returns at once (and so turns itself off).
int cpu_on(Realm& r) {
  if (r.rec_index() != 0) return 0;
  const int times = r.args().empty() ? 1 : std::stoi(r.args()[0]);
  std::int64_t ret = 0;
  for (int i = 0; i < times; ++i) ret = r.start_cpu(1, 0);
  return static_cast<int>(ret);
}
CAEC_REALM_PROGRAM("test-cpu-on", cpu_on);

/// REC 0 starts REC 1 twice and returns the second PSCI return code; REC 1 dies each time of an
/// unhandled synchronous external abort (it reads RIPAS EMPTY memory outside guarded()), so its
/// realm context ends: a real kernel's CPU would be dead, and CPU_ON must bring it back.
int cpu_on_dying(Realm& r) {
  if (r.rec_index() != 0) {
    volatile std::uint64_t sink = *r.as<volatile std::uint64_t>(Ipa{0x4000000});
    return static_cast<int>(sink);  // not reached
  }
  if (r.start_cpu(1, 0) != 0) return 1;
  return static_cast<int>(r.start_cpu(1, 0));
}
CAEC_REALM_PROGRAM("test-cpu-on-dying", cpu_on_dying);

/// REC 0 returns PSCI AFFINITY_INFO of REC 1 (0 on, 1 off).
int cpu_state(Realm& r) {
  if (r.rec_index() != 0) return 0;
  return static_cast<int>(r.cpu_state(1));
}
CAEC_REALM_PROGRAM("test-cpu-state", cpu_state);

/// REC 0 sets the RIPAS of [arg0, arg1) to arg2 ("empty" or "ram"; IPAs in any base stoull
/// accepts, e.g. 0x200000) and returns 0 once the host has done all of it.
int set_ripas(Realm& r) {
  if (r.rec_index() != 0 || r.args().size() < 3) return -1;
  const Ipa base{std::stoull(r.args()[0], nullptr, 0)};
  const Ipa top{std::stoull(r.args()[1], nullptr, 0)};
  const auto ripas = r.args()[2] == "ram" ? abi::Ripas::kRam : abi::Ripas::kEmpty;
  r.set_ripas(base, top, ripas);
  return 0;
}
CAEC_REALM_PROGRAM("test-set-ripas", set_ripas);

}  // namespace
}  // namespace caec::testing

namespace caec::testing {
namespace {

using realm::Realm;

/// Maps host buffer 7 (read-only for this realm): reads work, a write takes an abort.
/// Returns 0 when both hold.
int write_read_only(Realm& r) {
  auto* p = reinterpret_cast<volatile std::uint64_t*>(
      r.map_host_buffer(7, r.unprotected_alias(Ipa{0x40000000}), kGranuleSize));
  const std::uint64_t seen = p[0];
  const auto abort = r.guarded([&] { p[0] = 0xbad; });
  if (!abort) return 1;
  if (p[0] != seen) return 2;
  return seen == 0x600d ? 0 : 3;
}
CAEC_REALM_PROGRAM("test-write-ro", write_read_only);

/// Maps host buffer 8 (four pages, each holding its index), reads page 0 (the TLB fills the
/// whole contiguous run), asks the host to delegate page 2 (host call 0x201), then reads every
/// page again. Page 2 must take an abort, the others must still read. Returns 0 when they do.
int ns_run_loses_a_delegated_page(Realm& r) {
  auto* buf = r.map_host_buffer(8, r.unprotected_alias(Ipa{0x40000000}), 4 * kGranuleSize);
  const auto page = [&](std::uint64_t i) { return reinterpret_cast<volatile std::uint64_t*>(buf + i * kGranuleSize); };
  if (*page(0) != 0) return 1;
  (void)r.host_call(0x201);
  const auto abort = r.guarded([&] { (void)*page(2); });
  if (!abort) return 2;
  return *page(0) == 0 && *page(1) == 1 && *page(3) == 3 ? 0 : 3;
}
CAEC_REALM_PROGRAM("test-ns-run-revoked", ns_run_loses_a_delegated_page);

/// Writes a secret into RAM, lets the host act (host call 0x200), then reads the page again.
int reuse_after_host(Realm& r) {
  auto* p = r.as<volatile std::uint64_t>(r.ram().first);
  p[0] = 0x5ec2e7;
  (void)r.host_call(0x200);
  const std::uint64_t again = p[0];
  r.print("read " + std::to_string(again) + "\n");
  return 0;
}
CAEC_REALM_PROGRAM("test-reuse-after-host", reuse_after_host);

/// REC 0 starts REC 1 with a context; REC 1 doubles it into RAM and turns off; REC 0 waits
/// for it to be off and returns what it wrote.
int smp(Realm& r) {
  auto* slot = r.as<std::uint64_t>(r.ram().first);
  if (r.rec_index() == 1) {
    std::atomic_ref<std::uint64_t>(*slot).store(r.context() * 2, std::memory_order_release);
    return 0;
  }
  std::atomic_ref<std::uint64_t>(*slot).store(0);
  if (r.start_cpu(1, 21) != 0) return -1;
  while (std::atomic_ref<std::uint64_t>(*slot).load(std::memory_order_acquire) == 0) r.cpu_relax();
  while (r.cpu_state(1) != 1) r.cpu_relax();  // AFFINITY_INFO: OFF
  return static_cast<int>(*slot);
}
CAEC_REALM_PROGRAM("test-smp", smp);

/// Gives a RAM range back (RIPAS EMPTY) for sharing with the host, checks RIPAS, reaches the
/// unprotected alias. Returns 0 on success.
int share_with_host(Realm& r) {
  const Ipa base = r.ram().first + 16 * kGranuleSize;
  (void)r.share_with_host(base, 4 * kGranuleSize);
  const auto [ripas, top] = r.ripas(base, base + 8 * kGranuleSize);
  if (ripas != abi::Ripas::kEmpty || top != base + 4 * kGranuleSize) return 1;
  const auto after = r.ripas(top, top + kGranuleSize);
  if (after.first != abi::Ripas::kRam) return 2;
  // The protected page itself is no longer usable: touching it is an abort.
  if (!r.guarded([&] { (void)*r.as<volatile std::uint64_t>(base); })) return 3;
  return 0;
}
CAEC_REALM_PROGRAM("test-share-with-host", share_with_host);

/// Waits for an interrupt; returns 0 once woken.
int wait_for_interrupt(Realm& r) {
  r.wfi();
  return 0;
}
CAEC_REALM_PROGRAM("test-wfi", wait_for_interrupt);

/// Extends REM 1 and reads it back; prints RIM, REM1, REM2 as hex lines.
int measure(Realm& r) {
  const std::array<std::uint8_t, 5> value{1, 2, 3, 4, 5};
  r.extend_measurement(1, value);
  std::string out;
  for (unsigned i : {0U, 1U, 2U}) {
    const auto m = r.measurement(i);
    static constexpr char kHex[] = "0123456789abcdef";
    for (auto b : m) {
      out.push_back(kHex[b >> 4U]);
      out.push_back(kHex[b & 0xFU]);
    }
    out.push_back('\n');
  }
  r.print(out);
  return static_cast<int>(r.config().ipa_width);
}
CAEC_REALM_PROGRAM("test-measure", measure);

/// RSI calls with bad arguments must fail with RSI_ERROR_INPUT. Returns the number of the
/// first check that did not hold, 0 if all did.
int rsi_rejects(Realm& r) {
  using F = abi::RsiFid;
  const auto f = [](F x) { return static_cast<std::uint32_t>(x); };
  const std::uint64_t top_of_protected = std::uint64_t{1} << (r.ipa_width() - 1);
  const std::uint64_t ram = r.ram().first.value();
  struct Check {
    std::uint32_t fid;
    std::initializer_list<std::uint64_t> args;
  };
  const Check checks[] = {
      {f(F::kMeasurementRead), {5}},                                  // index_bound
      {f(F::kMeasurementExtend), {0, 8}},                             // index_bound
      {f(F::kMeasurementExtend), {1, 65}},                            // size_bound
      {f(F::kRealmConfig), {ram + 8}},                                // addr_align
      {f(F::kRealmConfig), {top_of_protected}},                       // addr_bound
      {f(F::kIpaStateSet), {ram + 1, ram + 0x2000, 0, 0}},            // base_align
      {f(F::kIpaStateSet), {ram, ram + 0x2001, 0, 0}},                // top_align
      {f(F::kIpaStateSet), {ram, ram, 0, 0}},                         // size_valid
      {f(F::kIpaStateSet), {ram, top_of_protected + 0x1000, 0, 0}},   // rgn_bound
      {f(F::kIpaStateSet), {ram, ram + 0x1000, 2, 0}},                // ripas_valid
      {f(F::kIpaStateGet), {ram + 1, ram + 0x1000}},                  // base_align
      {f(F::kIpaStateGet), {ram, ram + 0x1001}},                      // end_align
      {f(F::kIpaStateGet), {ram + 0x1000, ram}},                      // size_valid
      {f(F::kIpaStateGet), {ram, top_of_protected + 0x1000}},         // rgn_bound
      {f(F::kHostCall), {ram + 0x80}},                                // addr_align
      {f(F::kHostCall), {top_of_protected}},                          // addr_bound
      {f(F::kHostCall), {0x4000000}},                                 // RIPAS EMPTY buffer
  };
  int n = 0;
  for (const auto& c : checks) {
    ++n;
    if (r.smc(c.fid, c.args).x[0] != static_cast<std::uint64_t>(abi::RsiStatus::kErrorInput)) return n;
  }
  if (r.smc(0xC40001AF, {}).x[0] != abi::kSmcUnknown) return ++n;  // not an RSI command
  return 0;
}
CAEC_REALM_PROGRAM("test-rsi-rejects", rsi_rejects);

}  // namespace
}  // namespace caec::testing
