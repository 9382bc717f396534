#include "examples/kv/check.h"

#include <map>

#include "examples/common/checksum.h"

namespace caec::examples::kv {
namespace {

std::string describe(std::span<const std::byte> response) {
  if (response.empty()) return "an empty response";
  return "status " + std::to_string(static_cast<unsigned>(response[0])) + " with " +
         std::to_string(response.size() - 1) + " value bytes";
}

}  // namespace

Report run_workload(std::span<const Step> steps, const Call& call) {
  std::map<std::string, Bytes, std::less<>> model;
  std::map<Op, std::uint64_t> ops;
  std::uint64_t hits = 0;
  std::uint64_t bad = 0;
  Fnv1a checksum;
  Report report;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    Bytes expected;
    if (s.malformed) {
      expected = encode_response(Reply::kBadRequest);
      ++bad;
    } else {
      ++ops[s.op];
      const auto it = model.find(s.key);
      if (s.op == Op::kPut) {
        model[s.key] = s.value;
        expected = encode_response(Reply::kOk);
      } else if (it == model.end()) {
        expected = encode_response(Reply::kNotFound);
      } else {
        ++hits;
        expected = s.op == Op::kGet ? encode_response(Reply::kOk, it->second) : encode_response(Reply::kOk);
        if (s.op == Op::kDel) model.erase(it);
      }
    }
    const Bytes got = call(s.request);
    checksum.add(got);
    if (got != expected && report.mismatches++ == 0) {
      report.first_mismatch = "op " + std::to_string(i) + " (" + static_cast<char>(s.op) + " " + s.key +
                              (s.malformed ? ", malformed" : "") + "): expected " + describe(expected) + ", got " +
                              describe(got);
    }
  }
  report.summary = "kv ops=" + std::to_string(steps.size()) + " put=" + std::to_string(ops[Op::kPut]) +
                   " get=" + std::to_string(ops[Op::kGet]) + " hit=" + std::to_string(hits) +
                   " del=" + std::to_string(ops[Op::kDel]) + " bad=" + std::to_string(bad) +
                   " keys=" + std::to_string(model.size()) + " checksum=" + checksum.hex();
  return report;
}

}  // namespace caec::examples::kv
