#include "machine/context_switch.h"

#include <cstdint>
#include <cstring>

// caec_switch_stack(void** save_sp, void* load_sp): pushes the callee-saved registers, MXCSR
// and the x87 control word, saves the stack pointer, loads the other one and pops its set.
// caec_context_start: the first frame of a new context; the entry point and its argument come
// in r12 and r13 from the frame make_context() built. No caller frame: unwinders stop here.
// x86-64 only (the emulator's host): elsewhere the link fails on caec_switch_stack, naming what
// to port.
#if defined(__x86_64__)
asm(R"(
    .text
    .globl caec_switch_stack
    .type caec_switch_stack, @function
caec_switch_stack:
    .cfi_startproc
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .cfi_endproc
    .size caec_switch_stack, .-caec_switch_stack

    .globl caec_context_start
    .type caec_context_start, @function
caec_context_start:
    .cfi_startproc
    .cfi_undefined rip
    movq %r13, %rdi
    callq *%r12
    ud2
    .cfi_endproc
    .size caec_context_start, .-caec_context_start
)");
#endif

extern "C" void caec_switch_stack(void** save_sp, void* load_sp);
extern "C" void caec_context_start();

namespace caec::machine {

void make_context(StackContext& context, void* stack, std::size_t size, void (*entry)(void*), void* arg) {
  // The frame caec_switch_stack pops, top down: return address (caec_context_start), rbp, rbx,
  // r12 (entry), r13 (arg), r14, r15, then MXCSR and the x87 control word. After its ret the
  // stack pointer is 16-byte aligned, as a call instruction in caec_context_start needs.
  auto top = (reinterpret_cast<std::uintptr_t>(stack) + size) & ~std::uintptr_t{15};
  top -= 16;  // a zeroed sentinel above the first frame
  auto* slot = reinterpret_cast<std::uint64_t*>(top);
  std::memset(slot, 0, 16);
  const std::uint64_t frame[8] = {
      0x037F'0000'1F80ULL,                                    // MXCSR 0x1F80, FCW 0x037F (the ABI's defaults)
      0,                                                      // r15
      0,                                                      // r14
      reinterpret_cast<std::uint64_t>(arg),                   // r13
      reinterpret_cast<std::uint64_t>(entry),                 // r12
      0,                                                      // rbx
      0,                                                      // rbp
      reinterpret_cast<std::uint64_t>(&caec_context_start)};  // return address
  std::memcpy(slot - 8, frame, sizeof frame);
  context.sp = slot - 8;
}

void switch_context(StackContext& from, const StackContext& to) { caec_switch_stack(&from.sp, to.sp); }

}  // namespace caec::machine
