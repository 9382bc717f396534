#include "realm/program.h"

#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

namespace caec::realm {

namespace {
struct Registry {
  std::mutex mutex;
  std::map<std::string, Program, std::less<>> programs;
};
Registry& registry() {
  static Registry r;
  return r;
}
}  // namespace

bool register_program(std::string_view name, ProgramMain main) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto [it, inserted] = r.programs.try_emplace(std::string(name), Program{{}, main});
  if (!inserted) throw std::logic_error("realm program registered twice: " + std::string(name));
  it->second.name = it->first;
  return true;
}

const Program* find_program(std::string_view name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.programs.find(name);
  return it == r.programs.end() ? nullptr : &it->second;
}

std::vector<Program> programs() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<Program> out;
  for (const auto& [name, p] : r.programs) out.push_back(p);
  return out;
}

}  // namespace caec::realm
