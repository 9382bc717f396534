// The mapping count against the kernel's own: random fills and unmaps of a memfd window, and
// after every step the count must equal the window's file mappings in /proc/self/maps.
#include "machine/host_mapping_count.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace caec::machine {
namespace {

constexpr std::uint64_t kPages = 64;
const std::uint64_t kPage = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));

/// The file mappings /proc/self/maps lists inside [begin, end).
std::uint64_t kernel_mappings(std::uintptr_t begin, std::uintptr_t end) {
  std::ifstream maps("/proc/self/maps");
  std::uint64_t n = 0;
  for (std::string line; std::getline(maps, line);) {
    std::uintptr_t lo = 0;
    std::uintptr_t hi = 0;
    char dash = 0;
    std::istringstream(line) >> std::hex >> lo >> dash >> hi;
    if (lo >= begin && hi <= end && line.find("memfd:") != std::string::npos) ++n;
  }
  return n;
}

/// A window of kPages over a memfd, as a stage-2 window half is, with a model of which file
/// page each window page maps (-1: none).
class Window {
 public:
  Window() : fd_(memfd_create("mapping-count-test", 0)) {
    EXPECT_GE(fd_, 0);
    EXPECT_EQ(ftruncate(fd_, static_cast<off_t>(4 * kPages * kPage)), 0);
    base_ = static_cast<std::byte*>(mmap(nullptr, kPages * kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
    EXPECT_NE(base_, MAP_FAILED);
  }
  ~Window() {
    munmap(base_, kPages * kPage);
    close(fd_);
  }
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  /// Maps [first, end) to file pages from `file_page`, telling the count what Stage2 would.
  void map(std::uint64_t first, std::uint64_t end, std::int64_t file_page) {
    const bool end_mapped = end < kPages && model_[end] >= 0;
    const bool left = first > 0 && model_[first - 1] >= 0 && model_[first - 1] == file_page - 1;
    const bool right = end_mapped && model_[end] == file_page + static_cast<std::int64_t>(end - first);
    count_.unmapped(first, end, end_mapped);
    count_.mapped(first, end, left, right);
    void* at = base_ + first * kPage;
    ASSERT_EQ(mmap(at, (end - first) * kPage, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_POPULATE, fd_,
                   static_cast<off_t>(static_cast<std::uint64_t>(file_page) * kPage)),
              at);
    for (std::uint64_t p = first; p < end; ++p) model_[p] = file_page + static_cast<std::int64_t>(p - first);
  }
  void unmap(std::uint64_t first, std::uint64_t end) {
    void* at = base_ + first * kPage;
    ASSERT_EQ(mmap(at, (end - first) * kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0), at);
    for (std::uint64_t p = first; p < end; ++p) model_[p] = -1;
    count_.unmapped(first, end, end < kPages && model_[end] >= 0);
  }
  [[nodiscard]] std::int64_t file_page_of(std::uint64_t page) const { return model_[page]; }
  [[nodiscard]] std::uint64_t counted() const { return count_.count(); }
  [[nodiscard]] std::uint64_t in_kernel() const {
    const auto b = reinterpret_cast<std::uintptr_t>(base_);
    return kernel_mappings(b, b + kPages * kPage);
  }

 private:
  int fd_;
  std::byte* base_ = nullptr;
  HostMappingCount count_{kPages};
  std::vector<std::int64_t> model_ = std::vector<std::int64_t>(kPages, -1);
};

TEST(HostMappingCount, pages_filled_one_by_one_with_adjacent_offsets_are_one_mapping) {
  Window w;
  for (std::uint64_t p = 0; p < 20; ++p) w.map(p, p + 1, static_cast<std::int64_t>(p));
  EXPECT_EQ(w.counted(), 1U);
  EXPECT_EQ(w.in_kernel(), 1U);
  w.map(30, 31, 100);  // a page elsewhere, then its left neighbour at the adjacent offset
  w.map(29, 30, 99);
  EXPECT_EQ(w.counted(), 2U);
  w.map(20, 29, 20);  // fills the gap: joins the left run only (offset 28 + 1 != 99)
  EXPECT_EQ(w.counted(), 2U);
  EXPECT_EQ(w.in_kernel(), 2U);
}

TEST(HostMappingCount, an_unmap_inside_a_mapping_cuts_it_in_two) {
  Window w;
  w.map(0, 16, 0);
  w.unmap(4, 8);
  EXPECT_EQ(w.counted(), 2U);
  EXPECT_EQ(w.in_kernel(), 2U);
  w.unmap(0, kPages);
  EXPECT_EQ(w.counted(), 0U);
}

TEST(HostMappingCount, follows_the_kernel_through_random_fills_and_invalidations) {
  for (unsigned seed = 1; seed <= 8; ++seed) {
    std::mt19937_64 rng(seed);
    Window w;
    auto pick = [&](std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng); };
    for (int step = 0; step < 300; ++step) {
      const std::uint64_t first = pick(kPages);
      const std::uint64_t end = first + 1 + pick(std::min<std::uint64_t>(8, kPages - first));
      if (pick(3) == 0) {
        w.unmap(first, end);
      } else {
        // Half the fills continue their left neighbour's file offsets (and so merge with it).
        const std::int64_t left = first > 0 ? w.file_page_of(first - 1) : -1;
        const std::int64_t file_page = left >= 0 && pick(2) == 0 ? left + 1 : static_cast<std::int64_t>(pick(3 * kPages));
        w.map(first, end, file_page);
      }
      ASSERT_EQ(w.counted(), w.in_kernel()) << "seed " << seed << ", step " << step;
    }
  }
}

}  // namespace
}  // namespace caec::machine
