// Realm attestation end to end: a realm fetches its CCA token through RSI (the realm SDK's
// configfs-tsm-shaped call), the host reads it out of a shared buffer, and the test checks it
// the way a relying party would: both signatures, the RAK binding, and every realm claim against
// what the RMM holds (RIM = RSI_MEASUREMENT_READ(0), RPV, RID, CSM relations).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "caec/abi/hex.h"
#include "attest/token/cca_claims.h"
#include "attest/token/cose.h"
#include "host/vmm.h"
#include "rmm/introspect/introspect.h"
#include "testing/rmm_fixture.h"
#include "testing/script_steps.h"

namespace caec::testing {
namespace {

namespace cca = attest::cca;
using attest::Bytes;

constexpr std::uint64_t kOutIpa = std::uint64_t{1} << 39U;  // first unprotected IPA (40-bit)
constexpr std::uint64_t kOutSize = 0x4000;
constexpr const char* kChallenge = "00112233445566778899aabbccddeeff";


/// A token as the host read it, with the realm's own RSI_MEASUREMENT_READ(0) after it.
struct Fetched {
  Bytes token;
  Bytes rim_read;  // 64 bytes
};

/// A token, decoded and checked as a relying party would (failures are test failures).
struct Checked {
  cca::TokenParts parts;
  cca::PlatformClaims platform;
  cca::RealmClaims realm;
};

class Attestation : public RmmTest {
 protected:
  explicit Attestation(const machine::MachineConfig& config = small_machine()) : RmmTest(config) {}

  host::Vmm vmm{host_, [this](Pa rec) { system_.platform().interrupt(rec); }};
  std::uint16_t next_vmid = 1;
  std::uint64_t next_buffer = 1;

  /// A csm-script realm `name` running `steps`.
  host::VmRealm& launch(const std::string& name, std::vector<std::string> steps) {
    host::LaunchSpec spec = program_spec("csm-script", std::move(steps), 1, next_vmid++);
    spec.name = name;
    return vmm.launch(spec);
  }
  /// Steps that map a fresh host buffer and store a token in it; the buffer's PA goes to `pa`.
  std::vector<std::string> attest_steps(Pa& pa, const std::string& challenge = kChallenge) {
    const std::uint64_t id = next_buffer++;
    const std::uint64_t ipa = kOutIpa + (id - 1) * kOutSize;  // each buffer at its own IPA
    pa = vmm.create_shared_buffer(id, kOutSize);
    return {"map-host " + std::to_string(id) + " " + hex_number(ipa) + " " + hex_number(kOutSize),
            "attest " + hex_number(ipa) + " " + challenge};
  }
  void run(std::initializer_list<host::VmRealm*> realms) {
    for (auto* r : realms) vmm.start(*r);
    for (auto* r : realms) {
      ASSERT_TRUE(vmm.wait(*r, std::chrono::seconds(20))) << r->name() << ": " << r->console() << r->error();
      ASSERT_EQ(r->exit_status(), 0) << r->name() << ": " << r->console() << r->error();
    }
  }
  Fetched read_token(Pa pa) {
    std::uint64_t len = 0;
    EXPECT_EQ(host_.memory().read(pa, std::as_writable_bytes(std::span(&len, 1))), machine::Access::kOk);
    EXPECT_LT(len, kOutSize - 72);
    Fetched f{Bytes(len), Bytes(64)};
    EXPECT_EQ(host_.memory().read(pa + 8, std::as_writable_bytes(std::span(f.token))), machine::Access::kOk);
    EXPECT_EQ(host_.memory().read(pa + 8 + len, std::as_writable_bytes(std::span(f.rim_read))), machine::Access::kOk);
    return f;
  }
  /// Decodes the token and checks both signatures and the binding.
  Checked check(const Bytes& token, const attest::EcKey& platform_key) {
    std::string error;
    Checked c;
    auto parts = cca::decode_token(token, error);
    EXPECT_TRUE(parts) << error;
    if (!parts) return c;
    c.parts = *parts;
    const auto plat = attest::parse_sign1(parts->platform_sign1, error);
    const auto realm = attest::parse_sign1(parts->realm_sign1, error);
    EXPECT_TRUE(plat && realm) << error;
    if (!plat || !realm) return c;
    EXPECT_TRUE(attest::verify_sign1(*plat, platform_key)) << "platform signature";
    auto pc = cca::decode_platform_claims(plat->payload, error);
    auto rc = cca::decode_realm_claims(realm->payload, error);
    EXPECT_TRUE(pc && rc) << error;
    if (!pc || !rc) return c;
    c.platform = *pc;
    c.realm = *rc;
    const auto rak = attest::decode_cose_key(rc->public_key, error);
    EXPECT_TRUE(rak) << error;
    if (rak) {
      EXPECT_EQ(rak->curve(), attest::Curve::kP384);
      EXPECT_EQ(realm->alg, attest::CoseAlg::kEs384);
      EXPECT_TRUE(attest::verify_sign1(*realm, *rak)) << "realm signature";
    }
    EXPECT_EQ(cca::named_hash(rc->public_key_hash_algo, rc->public_key), pc->challenge) << "RAK binding";
    return c;
  }
  Rid rid_of(const host::VmRealm& r) { return rmm().realm(r.built.rd)->rid; }
};

TEST_F(Attestation, a_realm_token_verifies_and_its_claims_are_the_rmm_s_view_of_the_realm) {
  Pa out;
  auto& r = launch("r", attest_steps(out));
  run({&r});
  const Fetched f = read_token(out);
  const Checked c = check(f.token, machine().root_of_trust().platform_key());
  EXPECT_EQ(c.parts.format, cca::TokenFormat::kCmw907);

  Bytes challenge = parse_hex(kChallenge).value();
  challenge.resize(64);  // zero-padded by the SDK, as Linux pads a short inblob
  EXPECT_EQ(c.realm.challenge, challenge);
  EXPECT_EQ(c.realm.profile, std::string(cca::kRealmProfile));
  const auto realm = rmm().realm(r.built.rd);
  ASSERT_TRUE(realm);
  EXPECT_EQ(c.realm.hash_algo, "sha-256");
  EXPECT_EQ(c.realm.rim, Bytes(realm->measurements[0].begin(), realm->measurements[0].begin() + 32));
  EXPECT_EQ(c.realm.rim, Bytes(f.rim_read.begin(), f.rim_read.begin() + 32)) << "RSI_MEASUREMENT_READ(0)";
  EXPECT_EQ(c.realm.rpv, Bytes(realm->rpv.begin(), realm->rpv.end()));
  EXPECT_EQ(c.realm.realm_id, static_cast<std::uint64_t>(realm->rid));
  ASSERT_TRUE(c.realm.csm);
  EXPECT_TRUE(c.realm.csm->empty());

  EXPECT_EQ(c.platform.profile, cca::kPlatformProfile);
  EXPECT_EQ(c.platform.lifecycle, 0x3000);
  ASSERT_GE(c.platform.sw_components.size(), 2U);
  EXPECT_EQ(c.platform.sw_components[0].type, "EL3");
  EXPECT_EQ(c.platform.sw_components[1].type, "RMM");
  EXPECT_EQ(c.platform.sw_components[1].measurement.size(), 32U);
  vmm.destroy(r);
}

TEST_F(Attestation, sha512_realms_carry_64_byte_measurements) {
  Pa out;
  host::LaunchSpec spec = program_spec("csm-script", attest_steps(out), 1, next_vmid++);
  spec.realm.hash_algo = abi::RmiHashAlgorithm::kSha512;
  auto& r = vmm.launch(spec);
  run({&r});
  const Fetched f = read_token(out);
  const Checked c = check(f.token, machine().root_of_trust().platform_key());
  EXPECT_EQ(c.realm.hash_algo, "sha-512");
  EXPECT_EQ(c.realm.rim, f.rim_read);
  for (const Bytes& rem : c.realm.rems) EXPECT_EQ(rem.size(), 64U);
  vmm.destroy(r);
}

TEST_F(Attestation, the_realm_id_claim_changes_when_a_realm_is_destroyed_and_recreated) {
  Pa first_out, second_out;
  auto& first = launch("r", attest_steps(first_out));
  run({&first});
  const Checked a = check(read_token(first_out).token, machine().root_of_trust().platform_key());
  const Pa rd = first.built.rd;
  vmm.destroy(first);

  host::LaunchSpec spec = program_spec("csm-script", attest_steps(second_out), 1, next_vmid++);
  spec.realm.rd = rd;  // the same RD address: only the RID tells them apart
  auto& second = vmm.launch(spec);
  run({&second});
  const Checked b = check(read_token(second_out).token, machine().root_of_trust().platform_key());
  ASSERT_TRUE(a.realm.realm_id && b.realm.realm_id);
  EXPECT_NE(*a.realm.realm_id, *b.realm.realm_id);
  EXPECT_EQ(*b.realm.realm_id, static_cast<std::uint64_t>(rid_of(second)));
  vmm.destroy(second);
}

TEST_F(Attestation, csm_claims_list_the_regions_each_realm_takes_part_in) {
  Pa p_out, c_out, d_out;
  auto& p = launch("p", std::vector<std::string>{"publish", "create r 0x200000 0x2000", "share r c rw",
                                                 "share r d ro", "signal shared", "attached r 1"} +
                            attest_steps(p_out) + std::vector<std::string>{"signal attested", "wait done"});
  auto& c = launch("c", std::vector<std::string>{"publish", "wait shared", "reserve p 0 0x300000 0x2000",
                                                 "attach p 0 0x300000 0x2000", "wait attested"} +
                            attest_steps(c_out) + std::vector<std::string>{"signal done"});
  auto& d = launch("d", std::vector<std::string>{"publish", "wait shared"} + attest_steps(d_out));
  run({&p, &c, &d});
  const auto& key = machine().root_of_trust().platform_key();
  const Checked pt = check(read_token(p_out).token, key);
  const Checked ct = check(read_token(c_out).token, key);
  const Checked dt = check(read_token(d_out).token, key);
  const std::uint64_t prid = static_cast<std::uint64_t>(rid_of(p));
  const std::uint64_t crid = static_cast<std::uint64_t>(rid_of(c));
  ASSERT_TRUE(pt.realm.csm && ct.realm.csm && dt.realm.csm);
  ASSERT_EQ(pt.realm.csm->size(), 1U);
  const cca::CsmClaim& provided = pt.realm.csm->front();
  EXPECT_EQ(provided.role, cca::CsmRole::kProvider);
  EXPECT_EQ(provided.provider_rid, prid);
  EXPECT_EQ(provided.consumers, std::vector<std::uint64_t>{crid}) << "d was offered a sharing, not attached";
  ASSERT_EQ(ct.realm.csm->size(), 1U);
  const cca::CsmClaim& consumed = ct.realm.csm->front();
  EXPECT_EQ(consumed.csm_id, provided.csm_id);
  EXPECT_EQ(consumed.role, cca::CsmRole::kConsumer);
  EXPECT_EQ(consumed.permission, static_cast<std::uint64_t>(abi::CsmPerm::kRw));
  EXPECT_EQ(consumed.provider_rid, prid);
  EXPECT_EQ(consumed.consumers, std::vector<std::uint64_t>{crid});
  EXPECT_TRUE(dt.realm.csm->empty()) << "an offer is not participation";
  for (auto* r : {&p, &c, &d}) vmm.destroy(*r);
}

TEST_F(Attestation, tokens_stay_whole_when_interrupts_arrive_while_they_are_built) {
  std::vector<Pa> outs(4);
  std::vector<std::string> steps;
  for (Pa& out : outs) steps = steps + attest_steps(out);
  auto& r = launch("r", steps);
  std::atomic<bool> done{false};
  vmm.start(r);
  std::thread storm([&] {
    while (!done) {
      system_.platform().interrupt(r.built.recs[0].rec);
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  });
  const bool finished = vmm.wait(r, std::chrono::seconds(30));
  done = true;
  storm.join();
  ASSERT_TRUE(finished) << r.console() << r.error();
  ASSERT_EQ(r.exit_status(), 0) << r.console() << r.error();
  for (Pa out : outs) (void)check(read_token(out).token, machine().root_of_trust().platform_key());
  vmm.destroy(r);
}

/// A machine whose platform key the test chose (a verifier pins it) and that emits tag 399.
machine::MachineConfig pinned_legacy_machine() {
  machine::MachineConfig c = small_machine();
  c.identity.platform_key_pem = attest::EcKey::generate(attest::Curve::kP384).private_pem();
  c.legacy_token_format = true;
  return c;
}

class PinnedAttestation : public Attestation {
 protected:
  PinnedAttestation() : Attestation(pinned_legacy_machine()) {}
};

TEST_F(PinnedAttestation, a_pinned_platform_key_signs_and_the_legacy_format_is_tag_399) {
  Pa out;
  auto& r = launch("r", attest_steps(out));
  run({&r});
  std::string error;
  const auto pinned = attest::EcKey::from_pem(system_.machine().config().identity.platform_key_pem, error);
  ASSERT_TRUE(pinned) << error;
  const auto pub = attest::EcKey::from_pem(pinned->public_pem(), error);
  ASSERT_TRUE(pub) << error;
  const Checked c = check(read_token(out).token, *pub);
  EXPECT_EQ(c.parts.format, cca::TokenFormat::kLegacy399);
  vmm.destroy(r);
}

TEST(RootOfTrust, rejects_a_platform_key_that_is_not_a_p384_private_key) {
  machine::PlatformIdentity id;
  id.platform_key_pem = attest::EcKey::generate(attest::Curve::kP256).private_pem();
  EXPECT_THROW(machine::RootOfTrust{id}, std::invalid_argument);
  id.platform_key_pem = attest::EcKey::generate(attest::Curve::kP384).public_pem();
  EXPECT_THROW(machine::RootOfTrust{id}, std::invalid_argument);
  id.platform_key_pem = "not a key";
  EXPECT_THROW(machine::RootOfTrust{id}, std::invalid_argument);
}

}  // namespace
}  // namespace caec::testing
