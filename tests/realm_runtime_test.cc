// Realms that run: programs execute on their RECs, fault on unmapped RAM and resume after the
// host maps it, call the host, and are torn down leaving nothing behind.
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "caec/abi/hex.h"
#include "attest/rim_calculator.h"
#include "host/vmm.h"
#include "testing/host_call_hook.h"
#include "testing/rmm_fixture.h"

namespace caec::testing {
namespace {

class RealmRuntime : public RmmTest {
 protected:
  explicit RealmRuntime(const machine::MachineConfig& config = small_machine()) : RmmTest(config) {}
  host::Vmm vmm{host_, [this](Pa rec) { system_.platform().interrupt(rec); }};

  host::VmRealm& launch(const std::string& program, std::vector<std::string> args = {},
                        unsigned recs = 1, std::uint16_t vmid = 1) {
    return vmm.launch(program_spec(program, std::move(args), recs, vmid));
  }
  std::optional<std::int64_t> run(host::VmRealm& r) {
    vmm.start(r);
    EXPECT_TRUE(vmm.wait(r)) << "realm did not finish";
    EXPECT_EQ(r.error(), "");
    return r.exit_status();
  }
};

TEST_F(RealmRuntime, a_program_runs_and_reports_its_exit_status) {
  auto& r = launch("test-exit", {"42"});
  EXPECT_EQ(run(r), 42);
  EXPECT_EQ(rmm().realm(r.built.rd)->state, rmm::RealmState::kSystemOff);
  vmm.destroy(r);
}

TEST_F(RealmRuntime, ram_faults_are_resolved_by_the_host_and_the_realm_resumes) {
  auto& r = launch("test-touch-ram", {"32"});
  EXPECT_EQ(run(r), 32);
  EXPECT_GE(r.exit_counts()["data-abort"], 1U);
  vmm.destroy(r);
}

TEST_F(RealmRuntime, host_calls_carry_console_output) {
  auto& r = launch("test-hello", {"a", "b"});
  EXPECT_EQ(run(r), 0);
  EXPECT_EQ(r.console(), "hello from REC 0 a b\n");
  vmm.destroy(r);
}

TEST_F(RealmRuntime, access_to_ripas_empty_memory_gets_an_abort_not_data) {
  auto& r = launch("test-read-empty");
  EXPECT_EQ(run(r), 0);
  vmm.destroy(r);
}

TEST_F(RealmRuntime, read_only_stage2_mappings_are_enforced) {
  const Pa buf = vmm.create_shared_buffer(7, kGranuleSize, /*read_only=*/true);
  const std::uint64_t value = 0x600d;
  ASSERT_EQ(machine().host_view().write(buf, std::as_bytes(std::span(&value, 1))),
            machine::Access::kOk);
  auto& r = launch("test-write-ro");
  EXPECT_EQ(run(r), 0) << "a write through a read-only mapping must abort and change nothing";
  vmm.destroy(r);
  vmm.free_shared_buffer(7);
}

TEST_F(RealmRuntime, after_data_destroy_the_realm_never_reaches_the_old_granule) {
  // When the realm asks (host call 0x200), the host destroys its first RAM page.
  Pa destroyed;
  HostCallHook hostile(host_, [this](Pa rec) { system_.platform().interrupt(rec); }, 0x200,
                       [&](host::VmRealm& r, const abi::RmiRecExit&, abi::RmiRecEnter&) {
                         const Ipa page{0x100000 + 64 * kGranuleSize};  // realm.ram().first
                         const auto out = rmi().data_destroy(r.built.rd, page);
                         if (!out.ret.ok()) return;
                         destroyed = out.data;
                         r.built.data.erase(page.value());
                         host_.undelegate_and_free(out.data);
                       });
  host::LaunchSpec spec;
  spec.manifest = {"test-reuse-after-host", 1, {}};
  spec.ram_size = 1ULL << 20U;
  auto& r = hostile.launch(spec);
  hostile.start(r);
  ASSERT_TRUE(hostile.wait(r));
  ASSERT_NE(destroyed, Pa{});
  // The realm's next access found RIPAS DESTROYED: it exited instead of reading anything, and
  // the host could not make it continue.
  EXPECT_EQ(r.console().find("read"), std::string::npos) << r.console();
  EXPECT_NE(r.error().find("realm aborted on IPA 0x140000"), std::string::npos) << r.error();
  std::array<std::byte, 8> old{};
  ASSERT_EQ(machine().host_view().read(destroyed, old), machine::Access::kOk);
  EXPECT_EQ(old, (std::array<std::byte, 8>{})) << "the destroyed granule was not scrubbed";
  hostile.destroy(r);
}

TEST_F(RealmRuntime, psci_cpu_on_starts_a_second_rec) {
  auto& r = launch("test-smp", {}, 2);
  EXPECT_EQ(run(r), 42);
  vmm.destroy(r);
}

TEST_F(RealmRuntime, realm_shares_pages_with_the_host_through_ripas_empty) {
  auto& r = launch("test-share-with-host");
  EXPECT_EQ(run(r), 0);
  EXPECT_GE(r.exit_counts()["ripas-change"], 1U);
  vmm.destroy(r);
}

TEST_F(RealmRuntime, wfi_exits_to_the_host_and_an_interrupt_wakes_the_realm) {
  vmm.set_timer_tick(std::chrono::milliseconds(0));  // only the interrupt may end the wait
  auto& r = launch("test-wfi");
  vmm.start(r);
  while (r.exit_counts()["wfx"] == 0) std::this_thread::yield();
  EXPECT_FALSE(r.finished());
  vmm.post_interrupt(r, 0, 27);
  ASSERT_TRUE(vmm.wait(r));
  EXPECT_EQ(r.exit_status(), 0);
  vmm.destroy(r);
}

TEST_F(RealmRuntime, the_host_emulates_a_uart_the_realm_reaches_by_mmio) {
  // Every access is an emulatable data abort the host completes with emul_mmio: the realm
  // reads the PL011's identification and flags, and its output reaches the host's console.
  auto& r = launch("test-uart", {"hello over the uart"});
  EXPECT_EQ(run(r), 0);
  EXPECT_NE(r.console().find("hello over the uart\n"), std::string::npos) << r.console();
  EXPECT_GE(r.exit_counts()["data-abort"], 9U + 20U);  // 8 ID and 1 flag loads, 20 bytes
  vmm.destroy(r);
}

TEST_F(RealmRuntime, measurements_are_read_and_extended_through_rsi) {
  auto& r = launch("test-measure");
  EXPECT_EQ(run(r), 40);
  const auto realm = rmm().realm(r.built.rd);
  ASSERT_TRUE(realm);
  std::istringstream lines(r.console());
  std::string rim, rem1, rem2;
  std::getline(lines, rim);
  std::getline(lines, rem1);
  std::getline(lines, rem2);
  EXPECT_EQ(rim, hex_bytes(realm->measurements[0]));
  EXPECT_EQ(rem1, hex_bytes(realm->measurements[1]));
  EXPECT_NE(rem1, std::string(128, '0'));
  EXPECT_EQ(rem2, std::string(128, '0'));
  vmm.destroy(r);
}

TEST_F(RealmRuntime, rsi_calls_with_bad_arguments_are_rejected) {
  auto& r = launch("test-rsi-rejects");
  EXPECT_EQ(run(r), 0) << "check number that failed";
  vmm.destroy(r);
}

TEST_F(RealmRuntime, two_realms_run_at_once_and_teardown_returns_every_granule) {
  const std::uint64_t free_before = host_.pool().free_granules();
  auto& a = launch("test-touch-ram", {"64"}, 1, 1);
  auto& b = launch("test-smp", {}, 2, 2);
  vmm.start(a);
  vmm.start(b);
  ASSERT_TRUE(vmm.wait(a));
  ASSERT_TRUE(vmm.wait(b));
  EXPECT_EQ(a.exit_status(), 64);
  EXPECT_EQ(b.exit_status(), 42);
  vmm.destroy(a);
  vmm.destroy(b);
  EXPECT_EQ(host_.pool().free_granules(), free_before);
  const auto& mem = machine().memory();
  const machine::GranuleIndex usable{mem.num_granules() - machine().config().secure_granules};
  for (machine::GranuleIndex i; i < usable; ++i) {
    ASSERT_EQ(machine().pas(mem.granule_pa(i)), machine::Pas::kNonSecure) << i.value();
  }
}

/// Mappings of emulated DRAM this process holds (host view, realm TLBs): Linux allows 65,530.
std::size_t dram_mappings() {
  std::ifstream maps("/proc/self/maps");
  std::size_t n = 0;
  for (std::string line; std::getline(maps, line);) if (line.find("caec-dram") != std::string::npos) ++n;
  return n;
}

TEST_F(RealmRuntime, realms_faulting_at_once_get_ram_in_contiguous_2mib_runs) {
  constexpr std::uint64_t kPages = 1000;  // ~4 MiB each, across three 2 MiB blocks
  std::vector<host::VmRealm*> realms;
  for (std::uint16_t vmid = 1; vmid <= 3; ++vmid) {
    realms.push_back(&vmm.launch(program_spec("test-touch-ram", {std::to_string(kPages)}, 1, vmid, 8)));
  }
  const std::size_t mappings_before = dram_mappings();
  for (auto* r : realms) vmm.start(*r);
  for (auto* r : realms) {
    ASSERT_TRUE(vmm.wait(*r));
    EXPECT_EQ(r->exit_status(), static_cast<std::int64_t>(kPages));
  }
  // Within each 2 MiB block of IPA, every page sits at the same offset in one physical run,
  // though the three realms faulted at the same time.
  for (auto* r : realms) {
    std::map<std::uint64_t, std::uint64_t> delta;  // block IPA -> PA - IPA
    for (const auto& [ipa, pa] : r->built.data) {
      if (ipa < abi::kRamBase.value()) continue;  // the loaded image
      const std::uint64_t block = ipa & ~(host::RamBacking::kBlockSize - 1);
      const auto [it, fresh] = delta.emplace(block, pa.value() - ipa);
      EXPECT_EQ(it->second, pa.value() - ipa) << r->name() << " IPA 0x" << std::hex << ipa;
    }
  }
  // So the three TLBs and the host view hold a few mappings per realm, not one per page (each
  // realm's RAM would otherwise alternate with the others' granule by granule).
  EXPECT_LT(dram_mappings(), mappings_before + 60);
  for (auto* r : realms) vmm.destroy(*r);
  EXPECT_EQ(host_.ram_backing().held(), 0U) << "reserved granules outlived their realm";
}

TEST_F(RealmRuntime, a_host_short_of_memory_takes_back_ram_reserved_and_not_yet_used) {
  auto& r = launch("test-touch-ram", {"16"});
  EXPECT_EQ(run(r), 16);
  const std::uint64_t held = host_.ram_backing().held();
  ASSERT_GT(held, 0U) << "the realm's first touch reserved a run";
  const std::uint64_t free = host_.pool().free_granules();
  // Everything the pool has, then what the realm reserved and never used.
  std::vector<Pa> taken;
  while (const auto g = host_.allocate()) taken.push_back(*g);
  EXPECT_EQ(host_.ram_backing().held(), 0U);
  EXPECT_EQ(taken.size(), free + held);
  for (Pa g : taken) host_.pool().free(g);
  vmm.destroy(r);
}

TEST_F(RealmRuntime, a_delegated_granule_leaves_the_ns_run_the_tlb_filled_around_it) {
  // When the realm asks (host call 0x201), the host delegates page 2 of shared buffer 8.
  Pa buffer;
  HostCallHook hostile(host_, [this](Pa rec) { system_.platform().interrupt(rec); }, 0x201,
                       [&](host::VmRealm&, const abi::RmiRecExit&, abi::RmiRecEnter&) {
                         EXPECT_RMI_OK(rmi().granule_delegate(buffer + 2 * kGranuleSize));
                       });
  buffer = hostile.create_shared_buffer(8, 4 * kGranuleSize);
  for (std::uint64_t i = 0; i < 4; ++i) {
    ASSERT_EQ(machine().host_view().write(buffer + i * kGranuleSize, std::as_bytes(std::span(&i, 1))),
              machine::Access::kOk);
  }
  auto& r = hostile.launch(program_spec("test-ns-run-revoked"));
  hostile.start(r);
  ASSERT_TRUE(hostile.wait(r));
  EXPECT_EQ(r.exit_status(), 0) << "1: page 0 unreadable, 2: the delegated page 2 still read, 3: a neighbour lost";
  hostile.destroy(r);
  EXPECT_RMI_OK(rmi().granule_undelegate(buffer + 2 * kGranuleSize));
  hostile.free_shared_buffer(8);
}

class SmallTlb : public RealmRuntime {
 protected:
  static machine::MachineConfig config() {
    machine::MachineConfig c = small_machine();
    c.max_stage2_mappings = 16;
    return c;
  }
  SmallTlb() : RealmRuntime(config()) {}
};

TEST_F(SmallTlb, a_realm_keeps_working_when_its_tlb_is_flushed_to_stay_under_the_mapping_budget) {
  // Every other page: each touched page is a host mapping of its own (a gap on either side).
  auto& r = launch("test-touch-ram", {"200", "2"});
  EXPECT_EQ(run(r), 200) << "every page must read back after its translation was dropped";
  const machine::Stage2* s2 = machine().mmu().find(abi::Vmid{1});
  ASSERT_NE(s2, nullptr);
  EXPECT_GT(s2->flushes(), 0U);
  vmm.destroy(r);
}

TEST_F(SmallTlb, ram_touched_page_by_page_is_one_mapping_and_never_flushes_the_tlb) {
  // 200 demand faults, one fill each, each next to the last: the host merges them, so they
  // hold one mapping of the 16 allowed (before, each fill counted and the TLB dropped 12 times).
  auto& r = launch("test-touch-ram", {"200"});
  EXPECT_EQ(run(r), 200);
  const machine::Stage2* s2 = machine().mmu().find(abi::Vmid{1});
  ASSERT_NE(s2, nullptr);
  EXPECT_EQ(s2->flushes(), 0U);
  vmm.destroy(r);
}

TEST_F(RealmRuntime, an_unknown_program_exits_127) {
  auto& r = launch("no-such-program");
  EXPECT_EQ(run(r), 127);
  vmm.destroy(r);
}

}  // namespace
}  // namespace caec::testing
