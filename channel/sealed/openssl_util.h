// The little glue every OpenSSL caller here needs: owning pointers with OpenSSL's free
// functions, and an exception that carries OpenSSL's own reason.
#pragma once

#include <memory>

namespace caec::channel {

template <class T, void (*Free)(T*)>
struct OpensslFree {
  void operator()(T* p) const { Free(p); }
};
template <class T, void (*Free)(T*)>
using OpensslPtr = std::unique_ptr<T, OpensslFree<T, Free>>;

/// std::runtime_error("<what>: <OpenSSL's first queued error>").
[[noreturn]] void throw_openssl_error(const char* what);

}  // namespace caec::channel
