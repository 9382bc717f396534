// Channels between two real realms, through the real SMC path: every transport carries the
// same deterministic stream (the receiver checks each byte and prints a digest), the CSM
// channel works in either direction, a CSM channel whose region is destroyed under it fails
// cleanly on the surviving side, and the sealed transports' key exchange and frames stand up to
// a hostile host; channel-script carries one checked message per step, over fresh rings even in
// reused memory.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <map>
#include <string>
#include <vector>

#include "attest/rim_calculator.h"
#include "channel/ring.h"
#include "host/vmm.h"
#include "inspect/csm_invariants.h"
#include "testing/rmm_fixture.h"

namespace caec::testing {
namespace {

class Channel : public RmmTest {
 protected:
  host::Vmm vmm{host_, [this](Pa rec) { system_.platform().interrupt(rec); }};
  std::uint16_t next_vmid = 1;

  host::VmRealm& launch(const std::string& name, std::vector<std::string> args) {
    host::LaunchSpec spec = program_spec("channel-stream", std::move(args), 1, next_vmid++);
    spec.name = name;
    return vmm.launch(spec);
  }
  /// A channel-script realm `name` running `steps`.
  host::VmRealm& launch_script(const std::string& name, std::vector<std::string> steps) {
    host::LaunchSpec spec = program_spec("channel-script", std::move(steps), 1, next_vmid++);
    spec.name = name;
    return vmm.launch(spec);
  }
  struct Pair {
    host::VmRealm* tx;
    host::VmRealm* rx;
    std::string channel;
  };
  /// Launches a sender and a receiver over `transport` (not started). Sealed transports get the
  /// platform key, and the receiver checks the sender's RIM (or `rx_expects_rim`).
  Pair launch_pair(const std::string& transport, bool sender_initiates, std::vector<std::string> extra_send = {},
                   std::vector<std::string> extra_receive = {}, const std::string& rx_expects_rim = "") {
    // Launch names, the rendezvous and the host buffer are fresh per run: the host keeps old
    // names around, and a used buffer still holds the old rings.
    const std::string run = std::to_string(++runs);
    shared = vmm.create_shared_buffer(static_cast<std::uint64_t>(runs), 0x10000);
    const std::string count = "count=300", max = "max=2000", name = "name=ch" + run;
    std::vector<std::string> s{"transport=" + transport, "dir=send", "peer=rx" + run, count, max, name, "buffer=" + run,
                               sender_initiates ? "role=initiator" : "role=responder"};
    std::vector<std::string> r{"transport=" + transport, "dir=receive", "peer=tx" + run, count, max, name, "buffer=" + run,
                               sender_initiates ? "role=responder" : "role=initiator"};
    const bool sealed = transport.starts_with("sealed");
    if (sealed) s.push_back("platform-key=" + platform_key_hex());
    s.insert(s.end(), extra_send.begin(), extra_send.end());
    auto& tx = launch("tx" + run, s);
    if (sealed) {
      r.push_back("platform-key=" + platform_key_hex());
      r.push_back("peer-rim=" + (rx_expects_rim.empty() ? rim_hex(tx) : rx_expects_rim));
    }
    r.insert(r.end(), extra_receive.begin(), extra_receive.end());
    auto& rx = launch("rx" + run, r);
    return {&tx, &rx, "ch" + run};
  }
  void finish(std::initializer_list<host::VmRealm*> realms) {
    for (auto* v : realms) {
      EXPECT_TRUE(vmm.wait(*v, std::chrono::seconds(30))) << v->name() << ": " << v->console() << v->error();
      EXPECT_EQ(v->exit_status(), 0) << v->name() << ": " << v->console() << v->error();
    }
  }
  /// Runs a sender and a receiver to the end; returns the receiver's console (the same for
  /// every transport: no names in it).
  std::string stream(const std::string& transport, bool sender_initiates, std::vector<std::string> extra_send = {},
                     std::vector<std::string> extra_receive = {}) {
    const Pair p = launch_pair(transport, sender_initiates, std::move(extra_send), std::move(extra_receive));
    vmm.start(*p.tx);
    vmm.start(*p.rx);
    finish({p.tx, p.rx});
    for (const auto& line : inspect::csm_invariant_violations(rmm(), machine())) ADD_FAILURE() << line;
    std::string out = p.rx->console();
    vmm.destroy(*p.tx);
    vmm.destroy(*p.rx);
    return out;
  }

  Pa shared;
  int runs = 0;
};

TEST_F(Channel, every_transport_delivers_the_same_stream) {
  std::map<std::string, std::string> seen;
  for (const std::string t : {"csm", "csm-zero-copy", "sealed-openssl", "sealed-mbedtls", "plain-ns"}) {
    seen[t] = stream(t, true);
    EXPECT_NE(seen[t].find("messages=300"), std::string::npos) << t << ": " << seen[t];
  }
  for (const auto& [t, out] : seen) EXPECT_EQ(out, seen["csm"]) << t;
}

TEST_F(Channel, a_csm_channel_works_with_the_consumer_as_the_sender) {
  const std::string out = stream("csm", false);
  EXPECT_NE(out.find("messages=300"), std::string::npos) << out;
}

TEST_F(Channel, destroying_the_region_under_a_csm_channel_ends_the_peer_s_stream_cleanly) {
  // The provider sends 40 messages and destroys the region; the consumer must see kRevoked (an
  // abort caught by the channel), never garbage, and exit normally.
  const std::string out = stream("csm", true, {"destroy-after=40"}, {"expect=revoked"});
  EXPECT_NE(out.find("revoked after"), std::string::npos) << out;
}

/// Exits of `name` kind a realm made.
std::uint64_t exits(const host::VmRealm& r, const std::string& name) {
  const auto counts = r.exit_counts();
  const auto it = counts.find(name);
  return it == counts.end() ? 0 : it->second;
}

TEST_F(Channel, an_idle_receiver_sleeps_and_the_sender_s_doorbell_wakes_it) {
  // A timer tick far beyond the test's timeout: only doorbells can wake the receiver in time.
  vmm.set_timer_tick(std::chrono::seconds(100));
  for (const std::string t : {"csm", "sealed-openssl"}) {
    const Pair p = launch_pair(t, true, {"count=6", "gap-ms=30"}, {"count=6"});
    vmm.start(*p.tx);
    vmm.start(*p.rx);
    finish({p.tx, p.rx});
    // The receiver outwaits its spin and relax budget between messages, so it sleeps in WFI (an
    // exit the host blocks on) and only a doorbell host call ends that wait early.
    EXPECT_GE(exits(*p.rx, "wfx"), 5U) << t;
    EXPECT_NE(p.rx->console().find("messages=6"), std::string::npos) << p.rx->console();
    vmm.destroy(*p.tx);
    vmm.destroy(*p.rx);
  }
}

TEST_F(Channel, a_polling_channel_never_sleeps) {
  const Pair p = launch_pair("csm", true, {"count=3", "gap-ms=30", "doorbell=0"}, {"count=3", "doorbell=0"});
  vmm.start(*p.tx);
  vmm.start(*p.rx);
  finish({p.tx, p.rx});
  EXPECT_EQ(exits(*p.rx, "wfx"), 0U);
  vmm.destroy(*p.tx);
  vmm.destroy(*p.rx);
}

TEST_F(Channel, a_sealed_channel_refuses_a_peer_whose_token_shows_another_rim) {
  // The host routes the receiver to a realm that is not the one its owner expects: the key
  // exchange refuses it before any data flows.
  const std::string wrong_rim(64, 'a');
  const Pair p = launch_pair("sealed-openssl", true, {}, {"expect=refused"}, wrong_rim);
  vmm.start(*p.tx);
  vmm.start(*p.rx);
  finish({p.rx});
  EXPECT_NE(p.rx->console().find("rim"), std::string::npos) << p.rx->console();
  vmm.destroy(*p.tx);  // it waits for a receiver that is gone
  vmm.destroy(*p.rx);
}

TEST_F(Channel, a_sealed_channel_refuses_a_token_that_vouches_for_another_key_share) {
  // As if the host swapped the initiator's key share in its hello: the token is genuine and from
  // the expected realm, but it vouches for a different share.
  const std::string run = std::to_string(++runs);
  (void)vmm.create_shared_buffer(static_cast<std::uint64_t>(runs), 0x10000);
  host::LaunchSpec spec = program_spec("kx-impostor", {run}, 1, next_vmid++);
  spec.name = "tx" + run;
  auto& tx = vmm.launch(spec);
  auto& rx = launch("rx" + run, {"transport=sealed-openssl", "dir=receive", "role=responder", "peer=tx" + run,
                                 "buffer=" + run, "name=ch" + run, "platform-key=" + platform_key_hex(),
                                 "peer-rim=" + rim_hex(tx), "expect=refused"});
  vmm.start(tx);
  vmm.start(rx);
  finish({&tx, &rx});
  EXPECT_NE(rx.console().find("does not vouch for the key share"), std::string::npos) << rx.console();
  vmm.destroy(tx);
  vmm.destroy(rx);
}

TEST_F(Channel, a_host_that_flips_a_bit_in_a_sealed_frame_is_detected) {
  for (const std::string t : {"sealed-openssl", "sealed-mbedtls"}) {
    const Pair p = launch_pair(t, true, {"pause-after=1"}, {"pause-after=1", "expect=corrupt"});
    vmm.start(*p.tx);
    vmm.start(*p.rx);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!vmm.signaled("paused:" + p.channel) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    // The sender's frames are in the first half of the host buffer; flip a byte inside the last.
    const std::size_t capacity = channel::ring_capacity_for(0x8000);
    std::uint64_t head = 0;
    ASSERT_EQ(host_.memory().read(shared + 64, std::as_writable_bytes(std::span(&head, 1))), machine::Access::kOk);
    const Pa at = shared + channel::kRingHeaderBytes + ((head - 24) & (capacity - 1));
    std::byte b{};
    ASSERT_EQ(host_.memory().read(at, std::span(&b, 1)), machine::Access::kOk);
    b ^= std::byte{0x01};
    ASSERT_EQ(host_.memory().write(at, std::span(&b, 1)), machine::Access::kOk);
    vmm.raise_signal("resume:" + p.channel);
    finish({p.rx});
    EXPECT_NE(p.rx->console().find("validation after 0 messages"), std::string::npos) << t << ": " << p.rx->console();
    vmm.destroy(*p.tx);
    vmm.destroy(*p.rx);
  }
}

TEST_F(Channel, a_second_csm_channel_over_the_same_memory_starts_from_fresh_rings) {
  // The region keeps the RAM's contents: without the initiator clearing it, the responder could
  // take the first channel's closed rings for the second's.
  auto& a = launch_script("script-a",
                          {"send peer=script-b transport=csm name=one hex=0102 base=0x200000",
                           "send peer=script-b transport=csm name=two hex=0304 base=0x200000"});
  auto& b = launch_script("script-b",
                          {"receive peer=script-a transport=csm name=one hex=0102 base=0x300000 k=0",
                           "receive peer=script-a transport=csm name=two hex=0304 base=0x300000 k=1"});
  vmm.start(a);
  vmm.start(b);
  finish({&a, &b});
  EXPECT_NE(b.console().find("received two: 2 bytes over csm, intact"), std::string::npos) << b.console();
  for (const auto& line : inspect::csm_invariant_violations(rmm(), machine())) ADD_FAILURE() << line;
}

TEST_F(Channel, a_receiver_refuses_a_message_other_than_the_one_its_script_describes) {
  auto& a = launch_script("script-c", {"send peer=script-d transport=csm name=bad hex=0102"});
  auto& b = launch_script("script-d", {"receive peer=script-c transport=csm name=bad hex=0103"});
  vmm.start(a);
  vmm.start(b);
  ASSERT_TRUE(vmm.wait(a, std::chrono::seconds(30)));
  ASSERT_TRUE(vmm.wait(b, std::chrono::seconds(30)));
  EXPECT_EQ(b.exit_status(), 1);
  EXPECT_NE(b.console().find("not the 2 bytes sent"), std::string::npos) << b.console();
  EXPECT_EQ(a.exit_status(), 1);
  EXPECT_NE(a.console().find("the receiver found the message damaged"), std::string::npos) << a.console();
}

}  // namespace
}  // namespace caec::testing
