// Broken RMM invariants stop the machine loudly (style.md: two error channels). Host and realm
// input never reaches RMM_CHECK: it is always turned into a status code.
//
// rmm_panic and cpu_relax are link-time ports: the RMM core declares them and a port defines
// them (rmm/port/hosted_port.cc for the emulator; a firmware port over its console and YIELD).
#pragma once

namespace caec::rmm {
[[noreturn]] void rmm_panic(const char* file, int line, const char* what);
/// A PE waiting in a spin loop lets others run (AArch64 YIELD; hosted: the thread yields).
void cpu_relax();
}  // namespace caec::rmm

#define RMM_CHECK(cond)                                                   \
  do {                                                                    \
    if (!(cond)) ::caec::rmm::rmm_panic(__FILE__, __LINE__, #cond);       \
  } while (0)
