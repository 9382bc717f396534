// "pipeline-infer KEY=VALUE...": the model owner of the inference pipeline. It classifies every
// tensor "pipeline-preprocess" sends with the int8 MLP of inference/model.h (reading the tensor
// in the channel's ring on csm-zero-copy) and sends back its class, until the end message.
//
//   channel arguments (channel/launch_args.h; default role: responder)
//   [model-seed=S]   the weights (inference/defaults.h)
#include <stdexcept>
#include <string>

#include "examples/common/example_program.h"
#include "examples/inference/defaults.h"
#include "examples/inference/model.h"
#include "examples/inference/inference_protocol.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::examples::inference {
namespace {

int infer(realm::Realm& r, const Args& a, Link& link) {
  const Mlp model(number(a, "model-seed", kDefaultModelSeed));
  std::uint32_t classified = 0;
  std::uint32_t sent = 0;
  for (;;) {
    bool end = false;
    std::uint32_t index = 0;
    std::uint8_t cls = 0;
    link.receive([&](std::span<const std::byte> m) {
      end = kind_of(m) == Kind::kEnd;
      if (!end && kind_of(m) != Kind::kTensor) throw std::runtime_error("expected a tensor");
      index = number_of(m);
      if (!end) cls = model.classify(tensor_of(m));
    });
    if (end) {
      sent = index;
      break;
    }
    link.send(kResultMessage, [index, cls](std::span<std::byte> out) { result_message(out, index, cls); });
    ++classified;
  }
  // The last message, with this end's count so the peer can report a difference. The peer owns
  // the memory and may tear it down after it, so this end neither closes nor touches it again.
  link.send(kEndMessage, [classified](std::span<std::byte> out) { end_message(out, classified); });
  r.print("pipeline-infer: classified " + std::to_string(classified) + " of " + std::to_string(sent) + " tensors\n");
  return classified == sent ? 0 : 1;
}

int pipeline_infer(realm::Realm& r) { return run_over_channel(r, "pipeline-infer", false, infer); }
CAEC_REALM_PROGRAM("pipeline-infer", pipeline_infer);

}  // namespace
}  // namespace caec::examples::inference
