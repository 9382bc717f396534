#include "testing/remote_vmm.h"

#include <stdexcept>
#include <string>
#include <thread>

#include "testing/remote_mailbox.h"

#include "caec/abi/realm_image.h"
#include "caec/abi/rmi.h"
#include "caec/abi/rsi.h"

#include "testing/rmm_fixture.h"

namespace caec::testing {

std::size_t RemoteVmm::launch_remote(const std::string& name, std::uint16_t vmid,
                                     std::uint64_t ram_mib, unsigned recs) {
  host::LaunchSpec spec = RmmTest::program_spec("csm-remote", {}, recs, vmid, ram_mib);
  spec.name = name;
  host::VmRealm& r = launch(spec);
  std::size_t i = 0;
  {
    std::lock_guard lock(mutex_);
    i = slots_.size();
  }
  bind(r, i);
  {
    std::lock_guard lock(mutex_);
    slots_.at(i).ram_bytes = spec.ram_size;
  }
  start(r);
  ready(i);
  return i;
}

std::size_t RemoteVmm::start_remote_rec(std::size_t i, std::size_t rec) {
  host::VmRealm& r = realm(i);
  // The boot block a REC started by PSCI CPU_ON reads (realm/boot.cc): RAM base and size, and
  // its context, in that REC's own scratch page.
  const std::uint64_t block = abi::kRamBase.value() + rec * kGranuleSize;
  std::uint64_t ram_size = 0;
  {
    std::lock_guard lock(mutex_);
    ram_size = slots_.at(i).ram_bytes;
  }
  const std::array<std::uint64_t, 3> boot{abi::kRamBase.value(), ram_size, 0};
  for (std::size_t k = 0; k < boot.size(); ++k) {
    if (step(i, {3, block + 8 * k, boot[k]}) != 0) throw std::runtime_error("boot block write aborted");
  }
  std::size_t j = 0;
  {
    std::lock_guard lock(mutex_);
    j = slots_.size();
  }
  bind(r, j, rec);
  const std::uint64_t cpu_on = static_cast<std::uint32_t>(abi::PsciFid::kCpuOn);
  if (step(i, {1, cpu_on, abi::mpidr_from_rec_index(rec), abi::kEntryIpa.value(), block}) != 0) {
    throw std::runtime_error("PSCI CPU_ON of REC " + std::to_string(rec) + " failed");
  }
  ready(j);
  return j;
}

void RemoteVmm::walked_away(const host::VmRealm& r, std::size_t rec) {
  std::lock_guard lock(mutex_);
  const auto it = index_.find({&r, rec});
  if (it == index_.end()) return;
  Slot& s = slots_.at(it->second);
  s.dropped = true;
  s.result = {kNoAnswer, 0};
  s.has_result = true;
  cv_.notify_all();
}

RemoteVmm::~RemoteVmm() {
  std::lock_guard lock(mutex_);
  for (Slot& s : slots_) s.dropped = true;
  cv_.notify_all();
}

host::VmRealm& RemoteVmm::realm(std::size_t i) {
  std::lock_guard lock(mutex_);
  return *slots_.at(i).realm;
}

std::uint64_t RemoteVmm::step(std::size_t i, std::array<std::uint64_t, 8> cmd) {
  return call(i, cmd)[0];
}

std::array<std::uint64_t, 2> RemoteVmm::call(std::size_t i, std::array<std::uint64_t, 8> cmd) {
  std::unique_lock lock(mutex_);
  Slot& s = slots_.at(i);
  s.command = cmd;
  s.has_command = true;
  s.has_result = false;
  cv_.notify_all();
  while (!cv_.wait_for(lock, std::chrono::milliseconds(5), [&] { return s.has_result || s.released; })) {
    if (s.realm->finished()) return {kNoAnswer, 0};
  }
  if (!s.has_result) return {kNoAnswer, 0};
  return s.result;
}

void RemoteVmm::release(std::size_t i) {
  std::lock_guard lock(mutex_);
  slots_.at(i).released = true;
  cv_.notify_all();
}

bool RemoteVmm::start_mailbox(std::size_t i) {
  const std::uint64_t id = next_mailbox_id_++;
  const Pa box = create_shared_buffer(id, kGranuleSize);
  if (step(i, {4, id}) != 0) return false;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    std::uint64_t ready = 0;
    (void)host().memory().read(box + mailbox::kReady * 8U, std::as_writable_bytes(std::span(&ready, 1)));
    if (ready == 1) break;
    if (std::chrono::steady_clock::now() > until || realm(i).finished()) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  std::lock_guard lock(mutex_);
  slots_.at(i).mailbox = box;
  return true;
}

bool RemoteVmm::has_mailbox(std::size_t i) {
  std::lock_guard lock(mutex_);
  return slots_.at(i).mailbox.has_value();
}

std::array<std::uint64_t, 2> RemoteVmm::mailbox_call(std::size_t i, std::array<std::uint64_t, 8> cmd,
                                                     std::chrono::milliseconds timeout) {
  Pa box;
  std::uint64_t n = 0;
  host::VmRealm* r = nullptr;
  {
    std::lock_guard lock(mutex_);
    Slot& s = slots_.at(i);
    box = s.mailbox.value();
    n = ++s.posted;
    r = s.realm;
  }
  std::array<std::uint64_t, 9> words{};
  std::copy(cmd.begin(), cmd.end(), words.begin());
  const auto& mem = host().memory();
  (void)mem.write(box + mailbox::kCommand * 8U, std::as_bytes(std::span(words)));
  std::atomic_thread_fence(std::memory_order_release);
  (void)mem.write(box + mailbox::kPosted * 8U, std::as_bytes(std::span(&n, 1)));
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::uint64_t done = 0;
    (void)mem.read(box + mailbox::kDone * 8U, std::as_writable_bytes(std::span(&done, 1)));
    if (done == n) break;
    if (std::chrono::steady_clock::now() > until || r->finished()) return {kNoAnswer, 0};
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
  std::atomic_thread_fence(std::memory_order_acquire);
  std::array<std::uint64_t, 2> result{};
  (void)mem.read(box + mailbox::kResult * 8U, std::as_writable_bytes(std::span(result)));
  return result;
}

std::uint64_t RemoteVmm::rsi(std::size_t i, abi::CaecRsiFid fid,
                             std::initializer_list<std::uint64_t> args) {
  std::array<std::uint64_t, 8> cmd{1, static_cast<std::uint64_t>(fid)};
  std::size_t k = 2;
  for (auto v : args) cmd.at(k++) = v;
  return step(i, cmd);
}

bool RemoteVmm::aborts(std::size_t i, Ipa ipa, bool write) {
  return step(i, {write ? 3U : 2U, ipa.value(), 0xfeed}) == 1;
}

void RemoteVmm::ready(std::size_t i) {
  std::unique_lock lock(mutex_);
  Slot& s = slots_.at(i);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(5), [&] { return s.waiting; })) {
    if (s.realm->finished()) {
      throw std::runtime_error("csm-remote realm " + std::to_string(i) + " ended before its first command: " +
                               s.realm->console() + s.realm->error());
    }
  }
}

void RemoteVmm::bind(host::VmRealm& r, std::size_t i, std::size_t rec) {
  std::lock_guard lock(mutex_);
  if (slots_.size() <= i) slots_.resize(i + 1);
  index_[{&r, rec}] = i;
  slots_[i].realm = &r;
  slots_[i].rec = rec;
}

std::size_t RemoteVmm::index_of(const host::VmRealm& r) {
  std::lock_guard lock(mutex_);
  return index_.at({&r, 0});
}

void RemoteVmm::drop(std::size_t i) {
  std::lock_guard lock(mutex_);
  const host::VmRealm* r = slots_.at(i).realm;
  for (Slot& s : slots_) {
    if (s.realm == r) s.dropped = true;
  }
  cv_.notify_all();
}

host::Vmm::Next RemoteVmm::on_host_call(host::VmRealm& r, std::size_t rec,
                                        const abi::RmiRecExit& exit, abi::RmiRecEnter& enter) {
  if (exit.imm != kNextCommand) return Vmm::on_host_call(r, rec, exit, enter);
  std::unique_lock lock(mutex_);
  Slot& s = slots_.at(index_.at({&r, rec}));
  if (s.waiting) {
    s.result = {exit.gprs[0], exit.gprs[1]};
    s.has_result = true;
    cv_.notify_all();
  }
  s.waiting = true;
  cv_.notify_all();
  cv_.wait(lock, [&] { return s.has_command || s.dropped; });
  if (s.dropped) return Next::kStopVcpu;
  s.has_command = false;
  for (std::size_t k = 0; k < 8; ++k) enter.gprs[k] = s.command[k];
  return Next::kEnter;
}

}  // namespace caec::testing
