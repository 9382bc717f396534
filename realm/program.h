// Realm programs: C++ entry points registered under a name. The realm's boot firmware runs
// the program its (measured) manifest names, on every REC of the realm.
#pragma once

#include <string_view>
#include <vector>

namespace caec::realm {

class Realm;

/// A program's entry point; its return value is the realm's exit status (REC 0).
using ProgramMain = int (*)(Realm&);

struct Program {
  std::string_view name;
  ProgramMain main;
};

/// Registers a program (at static-initialisation time, via CAEC_REALM_PROGRAM).
bool register_program(std::string_view name, ProgramMain main);
[[nodiscard]] const Program* find_program(std::string_view name);
[[nodiscard]] std::vector<Program> programs();

}  // namespace caec::realm

#define CAEC_REALM_PROGRAM_CAT2(a, b) a##b
#define CAEC_REALM_PROGRAM_CAT(a, b) CAEC_REALM_PROGRAM_CAT2(a, b)
/// CAEC_REALM_PROGRAM("name", fn): makes `fn` runnable as realm program "name".
#define CAEC_REALM_PROGRAM(name, fn)                                        \
  [[maybe_unused]] static const bool CAEC_REALM_PROGRAM_CAT(caec_program_, __LINE__) = \
      ::caec::realm::register_program(name, fn)
