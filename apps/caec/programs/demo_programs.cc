// The realm programs `caec demo` runs: a writer and a reader that exchange one message through
// memory the hypervisor shares with both (the pre-CAEC way: the host can read it all).
#include <atomic>
#include <cstring>
#include <string>

#include "caec/abi/hex.h"
#include "attest/rim_calculator.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::app {
namespace {

using realm::Realm;

/// The host's shared buffer id both realms map, and where they map it (unprotected half).
constexpr std::uint64_t kBufferId = 1;
constexpr Ipa kBufferIpa{0x40000000};

struct Mailbox {
  std::uint64_t length;  // written last by the writer (release)
  std::uint64_t ack;     // written by the reader once it has the message
  char text[256];
};

void introduce(Realm& r) {
  const auto rim = r.measurement(0);
  const auto cfg = r.config();
  const std::size_t n = cfg.hash_algo == 1 ? 64 : 32;
  r.print("rid=" + std::to_string(cfg.rid) + " rim=" + hex_bytes(std::span(rim.data(), n)) +
          "\n");
}

Mailbox* mailbox(Realm& r) {
  const Ipa ipa = r.unprotected_alias(kBufferIpa);
  return reinterpret_cast<Mailbox*>(r.map_host_buffer(kBufferId, ipa, kGranuleSize));
}

int writer(Realm& r) {
  introduce(r);
  Mailbox* box = mailbox(r);
  const std::string msg = r.args().empty() ? "hello" : r.args()[0];
  std::memcpy(box->text, msg.data(), std::min(msg.size(), sizeof box->text - 1));
  std::atomic_ref<std::uint64_t>(box->length).store(msg.size(), std::memory_order_release);
  while (std::atomic_ref<std::uint64_t>(box->ack).load(std::memory_order_acquire) == 0) {
    r.cpu_relax();
  }
  r.print("sent " + std::to_string(msg.size()) + " bytes, reader acknowledged\n");
  return 0;
}
CAEC_REALM_PROGRAM("demo-writer", writer);

int reader(Realm& r) {
  introduce(r);
  Mailbox* box = mailbox(r);
  std::uint64_t n = 0;
  while ((n = std::atomic_ref<std::uint64_t>(box->length).load(std::memory_order_acquire)) == 0) {
    r.cpu_relax();
  }
  const std::string msg(box->text, std::min<std::uint64_t>(n, sizeof box->text));
  r.print("received \"" + msg + "\"\n");
  std::atomic_ref<std::uint64_t>(box->ack).store(1, std::memory_order_release);
  return 0;
}
CAEC_REALM_PROGRAM("demo-reader", reader);

}  // namespace
}  // namespace caec::app
