// The C++ runtime's per-thread exception state, as one REC context's own. The runtime keeps
// the stack of exceptions being handled (the innermost catch block's exception on top) and
// the count of exceptions in flight per *thread* (__cxa_eh_globals). A REC context is
// switched onto whichever host thread enters it (machine/vcpu.h), so without help a realm
// parked at an exit inside a catch block would leave its exception on the host thread's
// stack: the host's std::current_exception() would return the realm's exception, and a REC
// resumed on another thread would end its catch block against that thread's stack, leaving
// its exception on the first one for ever (the rmi_stream fuzzer found the leak). Each
// context therefore carries its own state, swapped in and out with the registers.
#pragma once

namespace caec::machine {

/// A copy of one thread's exception-handling state (an opaque snapshot; empty = nothing
/// caught, nothing in flight).
struct ExceptionState {
  void* caught = nullptr;    // the runtime's innermost handled exception
  unsigned int uncaught = 0;  // exceptions thrown and not yet caught
};

/// Installs `next` as the calling thread's exception state and returns the state it had.
[[nodiscard]] ExceptionState exchange_exception_state(const ExceptionState& next) noexcept;

}  // namespace caec::machine
