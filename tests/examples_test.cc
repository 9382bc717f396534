// The example applications (examples/README.md) run end to end between two real realms over
// every transport, and print exactly what the same computation prints outside any realm: the
// inference pipeline's classes and the key-value workload's responses do not depend on the
// transport that carried them.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "attest/rim_calculator.h"
#include "examples/inference/images.h"
#include "examples/inference/model.h"
#include "examples/inference/summary.h"
#include "examples/kv/check.h"
#include "examples/kv/store.h"
#include "host/vmm.h"
#include "inspect/csm_invariants.h"
#include "testing/rmm_fixture.h"

namespace caec::testing {
namespace {

const std::vector<std::string> kTransports{"csm", "csm-zero-copy", "sealed-openssl", "sealed-mbedtls", "plain-ns"};

constexpr std::uint64_t kImages = 64;
constexpr std::uint64_t kImageSeed = 3;
constexpr std::uint64_t kModelSeed = 7;
constexpr std::uint64_t kOps = 500;
constexpr std::uint64_t kWorkloadSeed = 5;

/// The pipeline's summary computed in this process, without realms or channels.
std::string pipeline_outside_realms() {
  using namespace examples::inference;
  const Mlp model(kModelSeed);
  std::vector<std::uint8_t> classes;
  for (std::uint64_t i = 0; i < kImages; ++i) {
    TensorBytes tensor{};
    quantize(make_image(kImageSeed, i), tensor);
    classes.push_back(model.classify(tensor));
  }
  return summary(classes);
}

/// The key-value client's report against a store in this process.
examples::kv::Report kv_outside_realms() {
  examples::kv::Store store;
  const auto steps = examples::kv::workload(kWorkloadSeed, kOps);
  return examples::kv::run_workload(steps, [&store](std::span<const std::byte> r) { return store.handle(r); });
}

class Examples : public RmmTest {
 protected:
  struct Side {
    std::string program;
    std::vector<std::string> args;
  };
  struct Consoles {
    std::string service;
    std::string driver;
  };

  /// Runs `service` and `driver` over `transport` to the end and returns their consoles. The
  /// service is launched first so that, on a sealed transport, the driver (which owns the data)
  /// can check the service's RIM: the RIMs of two realms cannot both name each other.
  Consoles run(const std::string& transport, Side service, Side driver) {
    // Launch names, the rendezvous and the host buffer are fresh per run: the host keeps old
    // names around, and a used buffer still holds the old rings.
    const std::string run = std::to_string(++runs_);
    (void)vmm_.create_shared_buffer(runs_, 0x10000);
    const std::string service_name = "svc" + run;
    const std::string driver_name = "drv" + run;
    for (Side* s : {&service, &driver}) {
      const std::string& peer = s == &service ? driver_name : service_name;
      s->args.insert(s->args.end(), {"transport=" + transport, "peer=" + peer, "name=ex" + run, "buffer=" + run});
      if (transport.starts_with("sealed")) s->args.push_back("platform-key=" + platform_key_hex());
    }
    host::VmRealm& svc = launch(service_name, service);
    if (transport.starts_with("sealed")) driver.args.push_back("peer-rim=" + rim_hex(svc));
    host::VmRealm& drv = launch(driver_name, driver);
    vmm_.start(svc);
    vmm_.start(drv);
    for (host::VmRealm* v : {&svc, &drv}) {
      EXPECT_TRUE(vmm_.wait(*v, std::chrono::seconds(30))) << v->name() << ": " << v->console() << v->error();
      EXPECT_EQ(v->exit_status(), 0) << v->name() << ": " << v->console() << v->error();
    }
    for (const auto& line : inspect::csm_invariant_violations(rmm(), machine())) ADD_FAILURE() << line;
    Consoles out{svc.console(), drv.console()};
    vmm_.destroy(svc);
    vmm_.destroy(drv);
    return out;
  }

  host::VmRealm& launch(const std::string& name, const Side& side) {
    host::LaunchSpec spec = program_spec(side.program, side.args, 1, next_vmid_++);
    spec.name = name;
    return vmm_.launch(spec);
  }

  host::Vmm vmm_{host_, [this](Pa rec) { system_.platform().interrupt(rec); }};
  std::uint16_t next_vmid_ = 1;
  std::uint64_t runs_ = 0;
};

TEST_F(Examples, the_inference_pipeline_predicts_the_same_classes_over_every_transport) {
  const std::string expected = pipeline_outside_realms();
  std::map<std::string, std::string> seen;
  for (const std::string& t : kTransports) {
    const Consoles c = run(t, {"pipeline-infer", {"model-seed=" + std::to_string(kModelSeed)}},
                           {"pipeline-preprocess", {"images=" + std::to_string(kImages), "seed=" + std::to_string(kImageSeed)}});
    EXPECT_EQ(c.driver, expected + "\n") << t;
    const std::string n = std::to_string(kImages);
    EXPECT_EQ(c.service, "pipeline-infer: classified " + n + " of " + n + " tensors\n") << t;
    seen[t] = c.driver;
  }
  for (const auto& [t, out] : seen) EXPECT_EQ(out, seen["csm"]) << t;
}

TEST_F(Examples, the_kv_service_gives_the_same_answers_over_every_transport) {
  const examples::kv::Report expected = kv_outside_realms();
  ASSERT_EQ(expected.mismatches, 0U) << expected.first_mismatch;
  std::map<std::string, std::string> seen;
  for (const std::string& t : kTransports) {
    const Consoles c = run(t, {"kv-server", {}},
                           {"kv-client", {"ops=" + std::to_string(kOps), "seed=" + std::to_string(kWorkloadSeed)}});
    EXPECT_EQ(c.driver, expected.summary + "\n") << t;
    EXPECT_TRUE(c.service.starts_with("kv-server: requests=" + std::to_string(kOps + 1) + " ")) << t << ": " << c.service;
    seen[t] = c.driver;
  }
  for (const auto& [t, out] : seen) EXPECT_EQ(out, seen["csm"]) << t;
}

TEST_F(Examples, a_bad_launch_argument_is_reported_with_its_own_exit_status) {
  host::VmRealm& v = launch("bad", {"kv-client", {"transport=carrier-pigeon", "peer=nobody"}});
  vmm_.start(v);
  ASSERT_TRUE(vmm_.wait(v, std::chrono::seconds(30))) << v.console() << v.error();
  EXPECT_EQ(v.exit_status(), 2);
  EXPECT_EQ(v.console(), "kv-client: transport=carrier-pigeon: unknown\n");
  vmm_.destroy(v);
}

// The examples only show something if their data does: the synthetic model must not put every
// image in one class, and the workload must hit, miss and be refused.
TEST(ExampleData, the_synthetic_model_spreads_the_images_over_several_classes) {
  const std::string s = pipeline_outside_realms();
  const auto at = s.find("histogram=") + 10;
  std::stringstream histogram(s.substr(at, s.find(' ', at) - at));
  int used = 0;
  for (std::string count; std::getline(histogram, count, ',');) used += count != "0" ? 1 : 0;
  EXPECT_GE(used, 3) << s;
}

TEST(ExampleData, the_kv_workload_hits_misses_and_is_refused) {
  const examples::kv::Report r = kv_outside_realms();
  EXPECT_EQ(r.mismatches, 0U) << r.first_mismatch;
  EXPECT_EQ(r.summary.find("hit=0 "), std::string::npos) << r.summary;
  EXPECT_EQ(r.summary.find("bad=0 "), std::string::npos) << r.summary;
  examples::kv::Store store;
  int misses = 0;
  for (const auto& step : examples::kv::workload(kWorkloadSeed, kOps)) {
    misses += store.handle(step.request) == examples::kv::encode_response(examples::kv::Reply::kNotFound) ? 1 : 0;
  }
  EXPECT_GT(misses, 0);
}

}  // namespace
}  // namespace caec::testing
