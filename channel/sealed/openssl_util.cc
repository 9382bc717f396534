#include "channel/sealed/openssl_util.h"

#include <openssl/err.h>

#include <stdexcept>
#include <string>

namespace caec::channel {

void throw_openssl_error(const char* what) {
  throw std::runtime_error(std::string(what) + ": " + ERR_error_string(ERR_get_error(), nullptr));
}

}  // namespace caec::channel
