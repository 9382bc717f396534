// "pipeline-preprocess KEY=VALUE...": the data owner of the inference pipeline. It makes
// `images` synthetic 16x16 images, normalizes each to an int8 tensor (in the channel's ring on
// csm-zero-copy), sends it to "pipeline-infer", keeps up to `window` tensors in flight, collects
// one class per image, and prints the summary line (inference/summary.h).
//
//   channel arguments (channel/launch_args.h; default role: initiator)
//   [images=N] [seed=S] [window=W]   (inference/defaults.h)
#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "examples/common/example_program.h"
#include "examples/inference/defaults.h"
#include "examples/inference/images.h"
#include "examples/inference/inference_protocol.h"
#include "examples/inference/summary.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::examples::inference {
namespace {

constexpr std::uint8_t kNoClass = 0xFF;

/// Receives one result and records its class; an index out of range, a repeated index or a
/// class the model does not have is a broken peer.
void collect(Link& link, std::vector<std::uint8_t>& classes) {
  link.receive([&classes](std::span<const std::byte> m) {
    if (kind_of(m) != Kind::kResult) throw std::runtime_error("expected a result");
    const std::uint32_t index = number_of(m);
    const std::uint8_t cls = class_of(m);
    if (index >= classes.size() || classes[index] != kNoClass || cls >= kClasses) {
      throw std::runtime_error("bad result for image " + std::to_string(index));
    }
    classes[index] = cls;
  });
}

int preprocess(realm::Realm& r, const Args& a, Link& link) {
  const std::uint64_t images = number(a, "images", kDefaultImages);
  const std::uint64_t seed = number(a, "seed", kDefaultImageSeed);
  const std::uint64_t window = std::max<std::uint64_t>(1, number(a, "window", kDefaultWindow));
  if (images > std::numeric_limits<std::uint32_t>::max()) throw std::invalid_argument("images=" + std::to_string(images) + ": too many");
  std::vector<std::uint8_t> classes(images, kNoClass);
  std::uint64_t received = 0;
  for (std::uint64_t i = 0; i < images; ++i) {
    if (i - received == window) {
      collect(link, classes);
      ++received;
    }
    const Image image = make_image(seed, i);
    link.send(kTensorMessage, [&image, i](std::span<std::byte> out) {
      quantize(image, tensor_message(out, static_cast<std::uint32_t>(i)));
    });
  }
  for (; received < images; ++received) collect(link, classes);
  link.send(kEndMessage, [images](std::span<std::byte> out) { end_message(out, static_cast<std::uint32_t>(images)); });
  // The peer's end: it is done with the channel, whose memory this realm owns.
  std::uint32_t classified = 0;
  link.receive([&classified](std::span<const std::byte> m) {
    if (kind_of(m) != Kind::kEnd) throw std::runtime_error("expected the end");
    classified = number_of(m);
  });
  link.close();
  if (classified != images) {
    r.print("pipeline-preprocess: the peer classified " + std::to_string(classified) + " of " + std::to_string(images) + " images\n");
    return 1;
  }
  r.print(summary(classes) + "\n");
  return 0;
}

int pipeline_preprocess(realm::Realm& r) { return run_over_channel(r, "pipeline-preprocess", true, preprocess); }
CAEC_REALM_PROGRAM("pipeline-preprocess", pipeline_preprocess);

}  // namespace
}  // namespace caec::examples::inference
