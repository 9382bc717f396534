// Switching a host thread between stacks without a system call: the world switch of
// machine/vcpu.h. swapcontext() saves and restores the signal mask with two system calls per
// switch, which on this VM's paravirtualised kernel cost more than the rest of a REC round trip;
// the mask never differs between a realm's context and its PE's (the fault handler runs with
// SA_NODEFER), so only the registers the x86-64 ABI makes callee-saved need to move.
#pragma once

#include <cstddef>

namespace caec::machine {

/// A suspended context: its saved stack pointer (the registers are on its stack).
struct StackContext {
  void* sp = nullptr;
};

/// Prepares `stack` (`size` bytes) so that the first switch to `context` calls entry(arg) on
/// it. entry must never return (it switches away for good instead).
void make_context(StackContext& context, void* stack, std::size_t size, void (*entry)(void*), void* arg);

/// Saves the calling context in `from` and resumes `to`; returns when something switches back
/// to `from`.
void switch_context(StackContext& from, const StackContext& to);

}  // namespace caec::machine
