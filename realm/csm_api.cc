#include "realm/csm_api.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "caec/abi/host_call.h"

namespace caec::realm {

namespace {

/// Issues a CSM RSI call; on RSI_ERROR_CAPACITY asks the host for APT space and retries.
/// Capacity errors are retried after the host added APT space, but not forever: a region's
/// sharing limit (32) is also RSI_ERROR_CAPACITY, and more APT does not lift it.
constexpr int kCapacityRetries = 2;

template <class Command>
typename Command::Out call(Realm& r, const Command& c) {
  for (int retries = 0;; ++retries) {
    const auto reply = r.call(c);
    if (reply.ret == abi::RsiStatus::kErrorCapacity && retries < kCapacityRetries) {
      if (r.host_call(abi::host_call::kAptMore)[0] == abi::host_call::kOk) continue;
    }
    if (reply.ret != abi::RsiStatus::kSuccess) throw RsiError(Command::kName, reply.ret);
    return reply;
  }
}

}  // namespace

CsmId csm_create(Realm& r, Ipa base, std::uint64_t size) { return call(r, abi::rsi::CsmCreate{base, size}).csm_id; }

std::uint64_t csm_share(Realm& r, CsmId id, Rid consumer, abi::CsmPerm perm) {
  return call(r, abi::rsi::CsmShare{id, consumer, static_cast<std::uint64_t>(perm)}).k;
}

void csm_revoke(Realm& r, Rid consumer, std::uint64_t k) { (void)call(r, abi::rsi::CsmRevoke{consumer, k}); }

void csm_destroy(Realm& r, CsmId id) { (void)call(r, abi::rsi::CsmDestroy{id}); }

CsmId csm_reserve(Realm& r, Rid provider, std::uint64_t k, Ipa base, std::uint64_t size) {
  return call(r, abi::rsi::CsmReserve{provider, k, base, size}).csm_id;
}

Attached csm_attach(Realm& r, Rid provider, std::uint64_t k, Ipa base, std::uint64_t size) {
  const auto out = call(r, abi::rsi::CsmAttach{provider, k});
  return {std::span(r.ptr(base), size), out.perm};
}

void csm_detach(Realm& r, Rid provider, std::uint64_t k) { (void)call(r, abi::rsi::CsmDetachAndFree{provider, k}); }

abi::RsiCsmInfo csm_info(Realm& r, CsmId id) {
  const Ipa buf = r.rsi_buffer();
  (void)call(r, abi::rsi::CsmInfo{.id = static_cast<std::uint64_t>(id), .addr = buf});
  abi::RsiCsmInfo info;
  std::memcpy(&info, r.ptr(buf), sizeof info);
  return info;
}

abi::RsiRealmMeasurements realm_measurements(Realm& r, Rid rid) {
  const Ipa buf = r.rsi_buffer();
  (void)call(r, abi::rsi::RealmMeasurements{rid, buf});
  abi::RsiRealmMeasurements m;
  std::memcpy(&m, r.ptr(buf), sizeof m);
  return m;
}

void publish_rid(Realm& r) {
  const std::array<std::uint64_t, 1> rid{static_cast<std::uint64_t>(r.rid())};
  (void)r.host_call(abi::host_call::kPublishRid, rid);
}

Rid lookup_rid(Realm& r, std::string_view name) {
  std::array<std::uint64_t, 4> words{};
  std::memcpy(words.data(), name.data(), std::min(name.size(), sizeof words));
  for (;;) {
    const auto reply = r.host_call(abi::host_call::kLookupRid, words);
    if (reply[0] == abi::host_call::kOk) return Rid{reply[1]};
    if (reply[0] != abi::host_call::kErrNotYet) {
      throw std::runtime_error("host cannot find a realm named " + std::string(name));
    }
    r.cpu_relax();
  }
}

namespace {
/// kSignal / kPollSignal carry the name in X0..X3 (32 bytes, zero-padded).
bool event_call(Realm& r, std::uint16_t imm, std::string_view name) {
  std::array<std::uint64_t, 4> words{};
  std::memcpy(words.data(), name.data(), std::min(name.size(), sizeof words));
  return r.host_call(imm, words)[0] == abi::host_call::kOk;
}
}  // namespace

void signal_event(Realm& r, std::string_view name) { (void)event_call(r, abi::host_call::kSignal, name); }

bool poll_event(Realm& r, std::string_view name) { return event_call(r, abi::host_call::kPollSignal, name); }

void wait_event(Realm& r, std::string_view name) {
  while (!poll_event(r, name)) r.cpu_relax();
}

void sleep_until_event(Realm& r, std::string_view name) {
  constexpr int kPollsBeforeSleep = 100;  // ~1 ms: a partner about to signal costs no tick
  for (int polls = 0; !poll_event(r, name); ++polls) {
    if (polls < kPollsBeforeSleep) {
      r.cpu_relax();
    } else {
      r.wfi();
    }
  }
}

}  // namespace caec::realm
