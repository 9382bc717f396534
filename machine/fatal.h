// A broken invariant of the emulated hardware stops the process loudly: the machine cannot
// continue in a state real hardware could never be in.
#pragma once

namespace caec::machine {
[[noreturn]] void fatal(const char* file, int line, const char* what);
}

#define MACHINE_CHECK(cond, what)                                 \
  do {                                                            \
    if (!(cond)) ::caec::machine::fatal(__FILE__, __LINE__, what); \
  } while (0)
