#include "machine/exception_state.h"

#include <cxxabi.h>

namespace caec::machine {

namespace {
// The layout both C++ runtimes we build with give __cxa_eh_globals (libsupc++'s unwind-cxx.h,
// libc++abi's cxa_exception.h): the handled-exception stack, then the in-flight count. Only
// ARM's 32-bit EHABI adds a field after them, which this copy would leave alone.
struct EhGlobals {
  void* caught_exceptions;
  unsigned int uncaught_exceptions;
};
}  // namespace

ExceptionState exchange_exception_state(const ExceptionState& next) noexcept {
  auto* g = reinterpret_cast<EhGlobals*>(abi::__cxa_get_globals());
  const ExceptionState previous{g->caught_exceptions, g->uncaught_exceptions};
  g->caught_exceptions = next.caught;
  g->uncaught_exceptions = next.uncaught;
  return previous;
}

}  // namespace caec::machine
