// The messages between "pipeline-preprocess" and "pipeline-infer". Every message starts with a
// kind byte; fields are little-endian.
//
//   tensor  'T' u32 index, 256 int8      preprocess -> infer
//   result  'R' u32 index, u8 class      infer -> preprocess
//   end     'E' u32 count                preprocess -> infer: no more tensors, `count` were sent;
//                                        infer -> preprocess: `count` were classified (the
//                                        last message, so the memory's owner knows the peer is
//                                        done with it)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "examples/inference/tensor.h"

namespace caec::examples::inference {

enum class Kind : std::uint8_t { kTensor = 'T', kResult = 'R', kEnd = 'E' };

inline constexpr std::size_t kTensorMessage = 1 + 4 + kPixels;
inline constexpr std::size_t kResultMessage = 1 + 4 + 1;
inline constexpr std::size_t kEndMessage = 1 + 4;

/// The kind of `message`; throws std::runtime_error if it is none or its size is not the kind's.
[[nodiscard]] Kind kind_of(std::span<const std::byte> message);
/// The u32 after the kind byte (a tensor's or result's index, an end's count).
[[nodiscard]] std::uint32_t number_of(std::span<const std::byte> message);

/// Writes a tensor message's header into `out` and returns where its 256 bytes go.
[[nodiscard]] std::span<std::byte, kPixels> tensor_message(std::span<std::byte> out, std::uint32_t index);
/// A tensor message's tensor.
[[nodiscard]] std::span<const std::byte, kPixels> tensor_of(std::span<const std::byte> message);

void result_message(std::span<std::byte> out, std::uint32_t index, std::uint8_t cls);
[[nodiscard]] std::uint8_t class_of(std::span<const std::byte> message);

void end_message(std::span<std::byte> out, std::uint32_t count);

}  // namespace caec::examples::inference
