// "kv-client KEY=VALUE...": runs a deterministic workload (kv/workload.h) against "kv-server",
// checks every response against a local model (kv/check.h), sends QUIT, and prints the
// summary line, or the first wrong response and exit status 1.
//
//   channel arguments (channel/launch_args.h; default role: initiator)
//   [ops=N] (default 500)  [seed=S] (default 1)
#include <stdexcept>
#include <string>

#include "examples/common/example_program.h"
#include "examples/kv/check.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::examples::kv {
namespace {

int client(realm::Realm& r, const Args& a, Link& link) {
  const std::vector<Step> steps = workload(number(a, "seed", 1), number(a, "ops", 500));
  const Report report = run_workload(steps, [&link](std::span<const std::byte> request) {
    link.send(request);
    return link.receive();
  });
  link.send(encode_request(Op::kQuit, ""));
  if (link.receive() != encode_response(Reply::kOk)) throw std::runtime_error("the server refused QUIT");
  link.close();
  if (report.mismatches != 0) {
    r.print("kv-client: " + std::to_string(report.mismatches) + " wrong responses, the first: " + report.first_mismatch + "\n");
    return 1;
  }
  r.print(report.summary + "\n");
  return 0;
}

int kv_client(realm::Realm& r) { return run_over_channel(r, "kv-client", true, client); }
CAEC_REALM_PROGRAM("kv-client", kv_client);

}  // namespace
}  // namespace caec::examples::kv
