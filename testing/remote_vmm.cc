#include "testing/remote_vmm.h"

#include <stdexcept>
#include <string>

#include "testing/rmm_fixture.h"

namespace caec::testing {

std::size_t RemoteVmm::launch_remote(const std::string& name, std::uint16_t vmid,
                                     std::uint64_t ram_mib) {
  host::LaunchSpec spec = RmmTest::program_spec("csm-remote", {}, 1, vmid, ram_mib);
  spec.name = name;
  host::VmRealm& r = launch(spec);
  std::size_t i = 0;
  {
    std::lock_guard lock(mutex_);
    i = slots_.size();
  }
  bind(r, i);
  start(r);
  ready(i);
  return i;
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
  std::unique_lock lock(mutex_);
  Slot& s = slots_.at(i);
  s.command = cmd;
  s.has_command = true;
  s.has_result = false;
  cv_.notify_all();
  while (!cv_.wait_for(lock, std::chrono::milliseconds(5), [&] { return s.has_result; })) {
    if (s.realm->finished()) return kNoAnswer;
  }
  return s.result;
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

void RemoteVmm::bind(host::VmRealm& r, std::size_t i) {
  std::lock_guard lock(mutex_);
  if (slots_.size() <= i) slots_.resize(i + 1);
  index_[&r] = i;
  slots_[i].realm = &r;
}

void RemoteVmm::drop(std::size_t i) {
  std::lock_guard lock(mutex_);
  slots_.at(i).dropped = true;
  cv_.notify_all();
}

host::Vmm::Next RemoteVmm::on_host_call(host::VmRealm& r, std::size_t rec,
                                        const abi::RmiRecExit& exit, abi::RmiRecEnter& enter) {
  if (exit.imm != kNextCommand) return Vmm::on_host_call(r, rec, exit, enter);
  std::unique_lock lock(mutex_);
  Slot& s = slots_.at(index_.at(&r));
  if (s.waiting) {
    s.result = exit.gprs[0];
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
