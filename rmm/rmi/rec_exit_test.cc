// The exception model of a running realm: the data-abort REC exits field by field, and the
// emulation of MMIO through REC_ENTER's emul_mmio (rmm-1.0.md §2.2-2.3, DEN0137 RmiRecExit).
// Tests are named after the Arm RMM ACS 1.0 scenario they transcribe
// (../shared/spec/acs/scenario-tests.md) where there is one.
//
// The realm runs "test-mmio" (tests/programs/mmio_probe.cc): one MMIO access per step through
// the SDK's accessors, each reported by a host call. The test thread is the host.
#include <array>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "caec/abi/esr.h"
#include "caec/abi/hex.h"
#include "caec/abi/host_call.h"
#include "tests/programs/mmio_probe.h"
#include "testing/rec_fixture.h"

namespace caec::testing {
namespace {

namespace esr = abi::esr;

constexpr Ipa kProtectedRam{0x300000};  // declared RAM, not backed until touched
constexpr std::uint64_t kDeviceOffset = 0x5000;  // a page of the unprotected half nobody maps

std::string step(const char* op, Ipa ipa) { return std::string(op) + "@" + hex_number(ipa.value()); }
std::string step(const char* op, Ipa ipa, std::uint64_t v) { return step(op, ipa) + "=" + hex_number(v); }

/// What a REC_ENTER made of a test-mmio step: the exit that ended the run.
class RecExitTest : public RecTest {
 protected:
  host::VmRealm* r = nullptr;

  void start(const std::vector<std::string>& steps) { r = &launch("test-mmio", steps); }
  /// Where the unprotected half of the realms launched here starts (the default IPA width).
  [[nodiscard]] static Ipa unprotected_base() { return Ipa{std::uint64_t{1} << (host::RealmSpec{}.ipa_width - 1U)}; }
  [[nodiscard]] static Ipa device(std::uint64_t offset) { return unprotected_base() + kDeviceOffset + offset; }
  [[nodiscard]] Pa rec() const { return rec_of(*r, 0); }
  [[nodiscard]] Pa run() const { return r->run_pages.at(0); }

  /// Enters REC 0 (with `first` on the first entry) until it exits with a data abort on the
  /// granule of `ipa`; other RAM faults are backed and console output is acknowledged.
  abi::RmiRecExit run_to_abort_at(Ipa ipa, const abi::RmiRecEnter& first = {}) {
    return run_until(first, [&](const abi::RmiRecExit& e) {
      return is_abort(e) && esr::ipa_from_hpfar(e.hpfar) == ipa.align_down(kGranuleSize).value();
    });
  }
  /// Enters REC 0 (with `first` first) until the realm reports a step; returns {value, sea}.
  std::pair<std::uint64_t, bool> run_to_report(const abi::RmiRecEnter& first = {}) {
    const auto e = run_until(first, [](const abi::RmiRecExit& x) {
      return x.exit_reason == reason(RmiRecExitReason::kHostCall) && x.imm == kMmioReport;
    });
    return {e.gprs[0], e.gprs[1] != 0};
  }

  /// The exit, expected to be exactly `want` in every field the spec defines for it; the GIC
  /// and timer blocks, populated on every exit, are compared by other tests.
  void expect_exit(const abi::RmiRecExit& got, const abi::RmiRecExit& want) {
    EXPECT_EQ(got.exit_reason, want.exit_reason);
    EXPECT_EQ(got.esr, want.esr) << "esr " << hex_number(got.esr) << ", want " << hex_number(want.esr);
    EXPECT_EQ(got.far, want.far);
    EXPECT_EQ(got.hpfar, want.hpfar);
    for (std::size_t i = 0; i < want.gprs.size(); ++i) EXPECT_EQ(got.gprs[i], want.gprs[i]) << "gprs[" << i << "]";
    using X = abi::RmiRecExit;
    const std::array<std::pair<std::size_t, std::size_t>, 3> outside_gic_and_timers{{
        {0, offsetof(X, gicv3_hcr)},
        {offsetof(X, gicv3_vmcr) + 8, offsetof(X, cntp_ctl)},
        {offsetof(X, cntv_cval) + 8, sizeof(X)},
    }};
    const auto* g = reinterpret_cast<const std::byte*>(&got);
    const auto* w = reinterpret_cast<const std::byte*>(&want);
    for (const auto& [begin, end] : outside_gic_and_timers) {
      EXPECT_EQ(std::memcmp(g + begin, w + begin, end - begin), 0)
          << "a byte in [" << hex_number(begin) << ", " << hex_number(end) << ") is not as expected";
    }
  }
  /// A data-abort (or, with `ec`, instruction-abort) exit for `ipa` whose fault status is a
  /// translation fault at the level the realm's tables end (as RTT_READ_ENTRY reports it), with
  /// `iss` besides.
  [[nodiscard]] abi::RmiRecExit abort_exit(Ipa ipa, std::uint64_t iss, std::uint64_t ec = esr::kEcDataAbortLower) {
    const auto entry = rmi().rtt_read_entry(r->built.rd, ipa.align_down(kGranuleSize), RttLevel{3});
    EXPECT_RMI_OK(entry.ret);
    abi::RmiRecExit e{};
    e.exit_reason = reason(RmiRecExitReason::kSync);
    // Spelled out rather than with esr::make, which the RMM uses: IL, bit 25, is 0 here.
    e.esr = (ec << esr::kEcShift) | iss | esr::dfsc_at(esr::kDfscTranslation, entry.walk_level);
    e.hpfar = esr::hpfar(ipa.align_down(kGranuleSize).value());
    return e;
  }
  /// Enters with `trap_flag` until a WFx exit, and expects it to be exactly SYNC with ESR EC
  /// WFx and TI `ti`.
  void expect_trapped_wfx(std::uint64_t trap_flag, std::uint64_t ti) {
    abi::RmiRecEnter trap{};
    trap.flags = trap_flag;
    const auto exit = run_until(trap, [](const abi::RmiRecExit& e) {
      return e.exit_reason == reason(RmiRecExitReason::kSync) && esr::ec(e.esr) == esr::kEcWfx;
    }, true);
    abi::RmiRecExit want{};
    want.exit_reason = reason(RmiRecExitReason::kSync);
    want.esr = (esr::kEcWfx << esr::kEcShift) | ti;
    expect_exit(exit, want);
  }
  [[nodiscard]] static abi::RmiRecEnter emulated(std::uint64_t value = 0) {
    abi::RmiRecEnter e{};
    e.flags = abi::rec_enter_flags::kEmulMmio;
    e.gprs[0] = value;
    return e;
  }

  /// A data or instruction abort.
  static bool is_abort(const abi::RmiRecExit& e) {
    return e.exit_reason == reason(RmiRecExitReason::kSync) &&
           (esr::ec(e.esr) == esr::kEcDataAbortLower || esr::ec(e.esr) == esr::kEcInstAbortLower);
  }
  /// `every_entry`: enter with `enter_with` each time, not only the first.
  template <class Stop>
  abi::RmiRecExit run_until(abi::RmiRecEnter enter_with, Stop&& stop, bool every_entry = false) {
    for (int n = 0; n < 64; ++n) {
      const auto ret = enter(rec(), run(), enter_with);
      if (!every_entry) enter_with = {};
      if (!ret.ok()) {
        ADD_FAILURE() << "RMI_REC_ENTER: " << host::describe(ret) << " from condition '"
                      << rmm::RmmIntrospection::last_failure() << "'";
        return {};
      }
      const abi::RmiRecExit e = exit_of(run());
      if (is_abort(e)) {
        const auto defect = host::data_abort_exit_defect(e, unprotected_base().value());
        EXPECT_FALSE(defect) << *defect;
      }
      if (stop(e)) return e;
      const Ipa at{esr::ipa_from_hpfar(e.hpfar)};
      if (is_abort(e) && at < unprotected_base()) {
        populate(r->built, at);
      } else if (e.exit_reason != reason(RmiRecExitReason::kHostCall) || e.imm != abi::host_call::kConsole) {
        ADD_FAILURE() << "unexpected REC exit " << e.exit_reason << " (esr " << hex_number(e.esr)
                      << ", imm " << e.imm << ", hpfar " << hex_number(e.hpfar) << ")";
        return e;
      }
    }
    ADD_FAILURE() << "the REC never reached the expected exit";
    return {};
  }
};

// ---- Emulatable data aborts: an access with a syndrome at an unprotected IPA ------------------

TEST_F(RecExitTest, exception_emulatable_da_load_exits_with_isv_sas_and_far_offset) {
  // ACS: ISV = 1, SAS = word, WnR as issued; S1PTW, CM, VNCR, AR, SF, SRT, SSE, IL = 0;
  // SET, EA, FnV = 0; far only the offset in the granule; gprs zero for a load.
  start({step("r32", device(0x24))});
  const auto exit = run_to_abort_at(device(0x24));
  abi::RmiRecExit want = abort_exit(device(0x24), esr::access_syndrome(2, false, false));
  want.far = 0x24;
  expect_exit(exit, want);
  EXPECT_EQ(exit.esr & (esr::kIl | esr::kSrtMask | esr::kSse | esr::kAr | esr::kSf), 0U);
}

TEST_F(RecExitTest, exception_emulatable_da_the_host_value_reaches_the_register) {
  start({step("r32", device(0x10)), step("r64", device(0x18)), step("r8", device(0x3))});
  (void)run_to_abort_at(device(0x10));
  // The host answers with more bits than the access has: a W register gets the low 32 only.
  EXPECT_EQ(run_to_report(emulated(0xFFFF'FFFF'1234'5678)), std::make_pair(std::uint64_t{0x1234'5678}, false));
  const auto wide = run_to_abort_at(device(0x18));
  EXPECT_EQ(wide.esr & (esr::kSasMask | esr::kSf), (3ULL << esr::kSasShift) | esr::kSf) << "an X register, 8 bytes";
  EXPECT_EQ(wide.far, 0x18U);
  EXPECT_EQ(run_to_report(emulated(0x8877'6655'4433'2211)), std::make_pair(std::uint64_t{0x8877'6655'4433'2211}, false));
  const auto byte = run_to_abort_at(device(0x3));
  EXPECT_EQ(esr::sas(byte.esr), 0U);
  EXPECT_EQ(run_to_report(emulated(0x1FF)), std::make_pair(std::uint64_t{0xFF}, false));
}

TEST_F(RecExitTest, exception_emulatable_da_store_exits_with_the_value_written) {
  start({step("w32", device(0x8), 0xCAFE'F00D), step("w16", device(0xA), 0xBEEF)});
  const auto exit = run_to_abort_at(device(0x8));
  abi::RmiRecExit want = abort_exit(device(0x8), esr::access_syndrome(2, false, true));
  want.far = 0x8;
  want.gprs[0] = 0xCAFE'F00D;
  expect_exit(exit, want);
  // Emulated: the store completes without being made again (the next exit is its report).
  EXPECT_EQ(run_to_report(emulated()), std::make_pair(std::uint64_t{0}, false));
  const auto half = run_to_abort_at(device(0xA));
  EXPECT_EQ(half.gprs[0], 0xBEEFU);
  EXPECT_EQ(esr::sas(half.esr), 1U);
}

TEST_F(RecExitTest, without_emul_mmio_the_access_is_made_again) {
  start({step("r32", device(0x4))});
  (void)run_to_abort_at(device(0x4));
  // The host neither emulates nor maps anything: the load faults again, the same way.
  const auto again = run_to_abort_at(device(0x4));
  EXPECT_NE(again.esr & esr::kIsv, 0U);
  EXPECT_EQ(run_to_report(emulated(7)), std::make_pair(std::uint64_t{7}, false));
}

TEST_F(RecExitTest, inject_sea_overrides_emul_mmio) {
  start({step("r32", device(0x4))});
  (void)run_to_abort_at(device(0x4));
  abi::RmiRecEnter both = emulated(7);
  both.flags |= abi::rec_enter_flags::kInjectSea;
  EXPECT_EQ(run_to_report(both), std::make_pair(std::uint64_t{0}, true));
}

TEST_F(RecExitTest, an_unaligned_access_has_no_syndrome_and_cannot_be_emulated) {
  start({step("r32", device(0x2))});
  const auto exit = run_to_abort_at(device(0x2));
  expect_exit(exit, abort_exit(device(0x2), 0));
  EXPECT_FAILS_WITH(enter(rec(), run(), emulated()), abi::RmiStatus::kErrorRec, 0, "rec_mmio");
}

// ---- Other synchronous exits ---------------------------------------------------------------

TEST_F(RecExitTest, exception_rec_exit_wfi) {
  // A trapped WFI: exit SYNC with ESR EC WFx and TI WFI (0), nothing else.
  r = &launch("test-wfi");
  expect_trapped_wfx(abi::rec_enter_flags::kTrapWfi, 0);
}

TEST_F(RecExitTest, exception_rec_exit_wfe) {
  // A trapped WFE: ESR EC WFx with TI WFE (1); untrapped, a WFE completes with no exit.
  start({"wfe", "wfe"});
  expect_trapped_wfx(abi::rec_enter_flags::kTrapWfe, esr::kWfxTiWfe);
  EXPECT_EQ(run_to_report(), std::make_pair(std::uint64_t{0}, false));
  EXPECT_EQ(run_to_report(), std::make_pair(std::uint64_t{0}, false)) << "untrapped: no exit";
}

TEST_F(RecExitTest, exception_rec_exit_hvc) {
  // HVC: an Unknown exception injected into the realm, and no exit to the host (the next
  // exit is the step's report).
  start({"hvc"});
  EXPECT_EQ(run_to_report(), std::make_pair(std::uint64_t{1}, false));
}

// ---- The generic timer -----------------------------------------------------------------------

TEST_F(RecExitTest, gic_timer_rel1_trig) {
  // The realm arms its EL1 virtual timer 1 ms ahead and waits (WFI, not trapped): the timer
  // wakes the PE, and the REC exits with reason IRQ, showing the timer enabled and fired at
  // the CVAL the realm set. Once the realm disarms it, exits show it disabled.
  start({"timer@+100000"});
  const auto irq = run_until({}, [](const abi::RmiRecExit& e) {
    return e.exit_reason == reason(RmiRecExitReason::kIrq);
  });
  EXPECT_EQ(irq.esr, 0U);
  EXPECT_EQ(irq.cntv_ctl, abi::timer_ctl::kEnable | abi::timer_ctl::kIstatus);
  EXPECT_EQ(irq.cntp_ctl, 0U);
  const auto [cval, sea] = run_to_report();
  EXPECT_EQ(irq.cntv_cval, cval) << "the CVAL the realm set";
  EXPECT_EQ(exit_of(run()).cntv_ctl, 0U) << "disarmed before the report";
}

TEST_F(RecExitTest, gic_timer_val_read) {
  // The counter a realm reads only goes forward.
  start({"counter", "counter"});
  const auto first = run_to_report().first;
  const auto second = run_to_report().first;
  EXPECT_GT(first, 0U);
  EXPECT_GE(second, first);
}

// ---- Non-emulatable data aborts: protected IPAs ----------------------------------------------

TEST_F(RecExitTest, exception_non_emulatable_da_shows_only_class_and_fault_status) {
  // ACS: besides the above, ISV, SAS, WnR and IL are 0, and far is 0, even for a store.
  start({step("w32", kProtectedRam + 0x40, 0x1234), step("r32", kProtectedRam + 0x40)});
  const auto exit = run_to_abort_at(kProtectedRam);
  expect_exit(exit, abort_exit(kProtectedRam, 0));
  // Nothing to emulate: emul_mmio is refused and changes nothing.
  EXPECT_FAILS_WITH(enter(rec(), run(), emulated(5)), abi::RmiStatus::kErrorRec, 0, "rec_mmio");
  populate(r->built, kProtectedRam);
  EXPECT_EQ(run_to_report(), std::make_pair(std::uint64_t{0}, false));
  EXPECT_EQ(run_to_report(), std::make_pair(std::uint64_t{0x1234}, false)) << "the store went to RAM";
}

TEST_F(RecExitTest, mm_hipas_unassigned_ripas_ram_da) {
  start({step("r64", kProtectedRam + 0x1000)});
  const auto exit = run_to_abort_at(kProtectedRam + 0x1000);
  expect_exit(exit, abort_exit(kProtectedRam + 0x1000, 0));
  EXPECT_EQ(esr::ipa_from_hpfar(exit.hpfar), (kProtectedRam + 0x1000).value());
}

TEST_F(RecExitTest, mm_ripas_destroyed_da) {
  start({step("w32", kProtectedRam, 9), step("r32", kProtectedRam)});
  (void)run_to_abort_at(kProtectedRam);
  populate(r->built, kProtectedRam);
  EXPECT_EQ(run_to_report(), std::make_pair(std::uint64_t{0}, false));
  // The host takes the page back: RIPAS DESTROYED, and the next access exits, not emulatable.
  EXPECT_RMI_OK(rmi().data_destroy(r->built.rd, kProtectedRam).ret);
  const auto exit = run_to_abort_at(kProtectedRam);
  expect_exit(exit, abort_exit(kProtectedRam, 0));
  EXPECT_EQ(esr::kDfscMask & exit.esr, esr::dfsc_at(esr::kDfscTranslation, RttLevel{3}));
}

// ---- Instruction fetches ---------------------------------------------------------------------

TEST_F(RecExitTest, exception_rec_exit_ia) {
  // A fetch from protected RAM the host has not backed: an instruction-abort exit with the
  // class and fault status only; once backed, the fetch reads the granule.
  start({step("w32", kProtectedRam + 0x2000, 0xD503'201F), "x@" + hex_number((kProtectedRam + 0x2000).value()),
         "x@" + hex_number((kProtectedRam + 0x3000).value())});
  (void)run_to_abort_at(kProtectedRam + 0x2000);
  populate(r->built, kProtectedRam + 0x2000);
  EXPECT_EQ(run_to_report(), std::make_pair(std::uint64_t{0}, false));
  EXPECT_EQ(run_to_report(), std::make_pair(std::uint64_t{0xD503'201F}, false)) << "the word stored there";
  const auto exit = run_to_abort_at(kProtectedRam + 0x3000);
  expect_exit(exit, abort_exit(kProtectedRam + 0x3000, 0, esr::kEcInstAbortLower));
  EXPECT_FAILS_WITH(enter(rec(), run(), emulated()), abi::RmiStatus::kErrorRec, 0, "rec_mmio");
  populate(r->built, kProtectedRam + 0x3000);
  EXPECT_EQ(run_to_report(), std::make_pair(std::uint64_t{0}, false));
}

TEST_F(RecExitTest, mm_hipas_unassigned_ns_ia) {
  // A fetch from the unprotected half is an SEA for the realm, with no exit.
  start({"x@" + hex_number(device(0).value())});
  EXPECT_EQ(run_to_report(), std::make_pair(std::uint64_t{0}, true));
}

TEST_F(RecExitTest, mm_hipas_unassigned_ripas_empty_ia) {
  // RIPAS EMPTY (beyond the realm's RAM): an SEA, no exit.
  start({"x@0x4000000"});
  EXPECT_EQ(run_to_report(), std::make_pair(std::uint64_t{0}, true));
}

TEST_F(RecExitTest, mm_ripas_destroyed_ia) {
  start({step("w32", kProtectedRam, 1), "x@" + hex_number(kProtectedRam.value())});
  (void)run_to_abort_at(kProtectedRam);
  populate(r->built, kProtectedRam);
  EXPECT_EQ(run_to_report(), std::make_pair(std::uint64_t{0}, false));
  EXPECT_RMI_OK(rmi().data_destroy(r->built.rd, kProtectedRam).ret);
  expect_exit(run_to_abort_at(kProtectedRam), abort_exit(kProtectedRam, 0, esr::kEcInstAbortLower));
}

}  // namespace
}  // namespace caec::testing
