#include "examples/inference/inference_protocol.h"

#include <stdexcept>
#include <string>

#include "examples/common/wire.h"

namespace caec::examples::inference {
namespace {

void put_header(std::span<std::byte> out, Kind kind, std::uint32_t number) {
  put(out, 0, static_cast<std::uint8_t>(kind));
  put(out, 1, number);
}

}  // namespace

Kind kind_of(std::span<const std::byte> message) {
  const auto kind = static_cast<Kind>(get<std::uint8_t>(message, 0));
  const std::size_t expected = kind == Kind::kTensor ? kTensorMessage
                               : kind == Kind::kResult ? kResultMessage
                               : kind == Kind::kEnd    ? kEndMessage
                                                       : 0;
  if (expected == 0 || message.size() != expected) {
    throw std::runtime_error("malformed message (kind " + std::to_string(static_cast<unsigned>(kind)) +
                             ", " + std::to_string(message.size()) + " bytes)");
  }
  return kind;
}

std::uint32_t number_of(std::span<const std::byte> message) { return get<std::uint32_t>(message, 1); }

std::span<std::byte, kPixels> tensor_message(std::span<std::byte> out, std::uint32_t index) {
  put_header(out, Kind::kTensor, index);
  return out.subspan(5).first<kPixels>();
}

std::span<const std::byte, kPixels> tensor_of(std::span<const std::byte> message) {
  return message.subspan(5).first<kPixels>();
}

void result_message(std::span<std::byte> out, std::uint32_t index, std::uint8_t cls) {
  put_header(out, Kind::kResult, index);
  put(out, 5, cls);
}

std::uint8_t class_of(std::span<const std::byte> message) { return get<std::uint8_t>(message, 5); }

void end_message(std::span<std::byte> out, std::uint32_t count) { put_header(out, Kind::kEnd, count); }

}  // namespace caec::examples::inference
