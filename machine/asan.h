// CAEC_ASAN: 1 when this translation unit is built with AddressSanitizer (GCC says so with
// __SANITIZE_ADDRESS__, Clang with __has_feature), else 0. The REC stack switch must tell ASan
// about its fibers, and the leak checks read ASan's allocator instead of malloc's.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define CAEC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CAEC_ASAN 1
#endif
#endif
#ifndef CAEC_ASAN
#define CAEC_ASAN 0
#endif
