// Test fixture for REC tests: ACTIVE realms built as host::Vmm builds them, entered with
// RMI_REC_ENTER from the test thread, which backs the RAM they touch as host::Vmm would.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "caec/abi/esr.h"
#include "caec/abi/host_call.h"
#include "host/rec_exit_check.h"
#include "host/vmm.h"
#include "realm/boot.h"
#include "testing/rmm_fixture.h"

namespace caec::testing {

using abi::PsciFid;
using abi::PsciStatus;
using abi::RmiRecExitReason;

inline std::uint64_t psci(PsciStatus s) { return static_cast<std::uint64_t>(static_cast<std::int64_t>(s)); }
inline std::uint64_t fid(PsciFid f) { return static_cast<std::uint64_t>(f); }
inline std::uint64_t reason(RmiRecExitReason r) { return static_cast<std::uint64_t>(r); }
inline std::int64_t status_of(const abi::RmiRecExit& exit) { return static_cast<std::int64_t>(exit.gprs[0]); }

/// Realms built and entered through the RMI from the test thread.
class RecTest : public RmmTest {
 protected:
  host::Vmm vmm{host_};

  /// An ACTIVE realm built as host::Vmm::launch builds it (manifest naming `program`, RAM
  /// [1 MiB, 9 MiB) declared RAM, REC 0 runnable, the others waiting for CPU_ON); not entered.
  host::VmRealm& launch(const std::string& program, std::vector<std::string> args = {},
                        unsigned recs = 1, std::uint16_t vmid = 1) {
    return vmm.launch(program_spec(program, std::move(args), recs, vmid, 8));
  }
  static Pa rec_of(const host::VmRealm& r, std::size_t i) { return r.built.recs.at(i).rec; }

  void write_enter(Pa run, const abi::RmiRecEnter& e) {
    EXPECT_EQ(machine().host_view().write(run, std::as_bytes(std::span(&e, 1))),
              machine::Access::kOk);
  }
  [[nodiscard]] abi::RmiRecExit exit_of(Pa run) {
    abi::RmiRecRun state{};
    EXPECT_EQ(machine().host_view().read(run, std::as_writable_bytes(std::span(&state, 1))),
              machine::Access::kOk);
    return state.exit;
  }
  /// REC_ENTER with `e` written to the run page first.
  [[nodiscard]] abi::RmiReturn enter(Pa rec, Pa run, const abi::RmiRecEnter& e = {}) {
    write_enter(run, e);
    return rmi().rec_enter(rec, run);
  }

  /// Backs protected RAM at `ipa` with a fresh granule, as host::Vmm::populate does.
  void populate(host::HostRealm& realm, Ipa ipa) {
    builder().ensure_tables(realm, ipa, s2::kMaxLevel);
    const Pa data = delegated();
    EXPECT_RMI_OK(rmi().data_create_unknown(realm.rd, data, ipa));
    realm.data[ipa.value()] = data;
  }

  /// Enters REC `i` of `r` until it exits with `why`: RAM faults are backed, console output,
  /// other host calls and IRQ exits are acknowledged on the way. Returns that exit.
  abi::RmiRecExit enter_until(host::VmRealm& r, std::size_t i, RmiRecExitReason why) {
    const Pa rec = rec_of(r, i);
    const Pa run = r.run_pages.at(i);
    for (int n = 0; n < 64; ++n) {
      const auto ret = enter(rec, run);
      if (!ret.ok()) {
        ADD_FAILURE() << "RMI_REC_ENTER: " << host::describe(ret) << " from condition '"
                      << rmm::RmmIntrospection::last_failure() << "'";
        return {};
      }
      const abi::RmiRecExit exit = exit_of(run);
      const auto got = static_cast<RmiRecExitReason>(exit.exit_reason);
      const bool console = got == RmiRecExitReason::kHostCall && exit.imm == abi::host_call::kConsole;
      if (got == why && !console) return exit;
      if (got == RmiRecExitReason::kSync && (abi::esr::ec(exit.esr) == abi::esr::kEcDataAbortLower ||
                                             abi::esr::ec(exit.esr) == abi::esr::kEcInstAbortLower)) {
        const auto defect = host::data_abort_exit_defect(exit, std::uint64_t{1} << (r.built.params.s2sz - 1U));
        EXPECT_FALSE(defect) << *defect;
        populate(r.built, Ipa{abi::esr::ipa_from_hpfar(exit.hpfar)});
      } else if (got != RmiRecExitReason::kHostCall && got != RmiRecExitReason::kIrq) {
        ADD_FAILURE() << "unexpected REC exit " << exit.exit_reason << " (esr 0x" << std::hex
                      << exit.esr << ", gprs[0] 0x" << exit.gprs[0] << ")";
        return exit;
      }
    }
    ADD_FAILURE() << "REC " << i << " never exited with reason " << reason(why);
    return {};
  }

  /// Runs `fn` while REC `i` of `r` (a "test-spin" realm) is RUNNING: it is entered from another
  /// thread, and interrupted afterwards so that its REC_ENTER returns (with an IRQ exit).
  template <class Fn>
  void while_running(host::VmRealm& r, std::size_t i, Fn&& fn) {
    const Pa rec = rec_of(r, i);
    const Pa run = r.run_pages.at(i);
    write_enter(run, {});
    std::atomic<bool> done{false};
    abi::RmiReturn ret{};
    std::thread vcpu([&] {
      ret = rmi().rec_enter(rec, run);
      done = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (rmm().granule(rec).refcount == 0 && !done &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    const bool running = !done && rmm().granule(rec).refcount != 0;
    EXPECT_TRUE(running) << "the REC did not start running";
    if (running) fn();
    while (!done) {
      system_.platform().interrupt(rec);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    vcpu.join();
    EXPECT_RMI_OK(ret);
    EXPECT_EQ(exit_of(run).exit_reason, reason(RmiRecExitReason::kIrq));
    EXPECT_EQ(rmm().granule(rec).refcount, 0U);
  }

  [[nodiscard]] rmm::Measurement rim(Pa rd) { return rmm().realm(rd)->measurements[0]; }
  [[nodiscard]] std::uint32_t refcount(Pa pa) { return rmm().granule(pa).refcount; }
};

}  // namespace caec::testing
