#include "bench/lib/contention.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

namespace caec::bench {

namespace {

// The aggregate "cpu" line of /proc/stat: user nice system idle iowait irq softirq steal ...
void read_machine(CpuSample& s) {
  std::ifstream stat("/proc/stat");
  std::string label;
  stat >> label;
  if (label != "cpu") return;
  std::vector<std::uint64_t> fields;
  std::string line;
  std::getline(stat, line);
  std::istringstream in(line);
  for (std::uint64_t v = 0; in >> v;) fields.push_back(v);
  // guest and guest_nice (fields 9, 10) are already counted in user and nice.
  for (std::size_t i = 0; i < fields.size() && i < 8; ++i) {
    s.total += fields[i];
    if (i != 3 && i != 4) s.busy += fields[i];
  }
}

// Fields 14 and 15 of /proc/self/stat (after the parenthesised command name): utime, stime.
void read_own(CpuSample& s) {
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return;
  std::istringstream in(text.substr(close + 2));
  std::string field;
  std::uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  s.own = utime + stime;
}

}  // namespace

CpuSample sample_cpu() {
  CpuSample s;
  read_machine(s);
  read_own(s);
  return s;
}

double foreign_share(const CpuSample& before, const CpuSample& after) {
  if (after.total <= before.total) return 0;
  const double total = static_cast<double>(after.total - before.total);
  const double busy = after.busy >= before.busy ? static_cast<double>(after.busy - before.busy) : 0;
  const double own = after.own >= before.own ? static_cast<double>(after.own - before.own) : 0;
  // Both counts are sampled at the scheduler tick, so either can be a tick or two off the
  // truth (and own can exceed busy): a short repetition on an idle machine must not read as
  // contended because of that.
  constexpr double kSamplingSlack = 2;
  return busy > own + kSamplingSlack ? (busy - own - kSamplingSlack) / total : 0;
}

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", share * 100);
  return buf;
}

}  // namespace caec::bench
