// Broken RMM invariants stop the machine loudly (style.md: two error channels). Host and realm
// input never reaches RMM_CHECK: it is always turned into a status code.
#pragma once

namespace caec::rmm {
[[noreturn]] void rmm_panic(const char* file, int line, const char* what);
}

#define RMM_CHECK(cond)                                                   \
  do {                                                                    \
    if (!(cond)) ::caec::rmm::rmm_panic(__FILE__, __LINE__, #cond);       \
  } while (0)
