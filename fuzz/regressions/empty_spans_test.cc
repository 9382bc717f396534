// Regressions for undefined behaviour the sanitizer build found (docs/hardening.md, "Findings"):
// an empty span may have a null data(), and memcpy(dst, nullptr, 0) (or memcpy(nullptr, src, 0))
// is undefined even though it copies nothing. UBSan stops on each of these:
//  * RingWriter::try_write of an empty message (channel/ring.cc, the memcpy into the slot);
//  * RingReader::try_read of an empty message into an empty buffer (channel/ring.cc);
//  * HostView::read and write of zero bytes (machine/fault_handler.cc, recoverable_copy).
// Each call must succeed and copy nothing.
#include <gtest/gtest.h>

#include <span>
#include <vector>

#include "channel/ring.h"
#include "machine/machine.h"

namespace caec {
namespace {

TEST(EmptySpans, ring_write) {
  std::vector<std::byte> memory(channel::kRingHeaderBytes + 1024);
  channel::RingWriter w;
  ASSERT_EQ(channel::RingWriter::create(memory, 64, w), channel::Status::kOk);
  EXPECT_EQ(w.try_write(std::span<const std::byte>{}), channel::Status::kOk);
}

TEST(EmptySpans, ring_read) {
  std::vector<std::byte> memory(channel::kRingHeaderBytes + 1024);
  channel::RingWriter w;
  channel::RingReader r;
  ASSERT_EQ(channel::RingWriter::create(memory, 64, w), channel::Status::kOk);
  ASSERT_EQ(channel::RingReader::attach(memory, r), channel::Status::kOk);
  const std::byte one{1};
  ASSERT_EQ(w.try_write(std::span(&one, 0)), channel::Status::kOk);  // empty, but not null
  std::size_t size = 1;
  EXPECT_EQ(r.try_read(std::span<std::byte>{}, size), channel::Status::kOk);
  EXPECT_EQ(size, 0U);
}

TEST(EmptySpans, host_view) {
  machine::Machine m(
      {.dram_base = Pa{0x8000'0000}, .dram_bytes = 1ULL << 20U, .secure_granules = 1});
  const Pa g = m.memory().base();
  EXPECT_EQ(m.host_view().write(g, std::span<const std::byte>{}), machine::Access::kOk);
  EXPECT_EQ(m.host_view().read(g, std::span<std::byte>{}), machine::Access::kOk);
}

}  // namespace
}  // namespace caec
