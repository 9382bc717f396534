// "kv-server KEY=VALUE...": an in-memory key-value store (kv/store.h) served over a channel.
// It answers every request (kv/protocol.h; on csm-zero-copy it decodes the request in the
// channel's ring) until QUIT, then prints "kv-server: requests=N keys=N".
//
//   channel arguments (channel/launch_args.h; default role: responder)
#include <string>

#include "examples/common/example_program.h"
#include "examples/kv/store.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::examples::kv {
namespace {

int serve(realm::Realm& r, const Args&, Link& link) {
  Store store;
  while (!store.quit()) {
    Bytes response;
    link.receive([&store, &response](std::span<const std::byte> request) { response = store.handle(request); });
    // After the answer to QUIT the client may tear the channel's memory down: nothing follows.
    link.send(response);
  }
  // Through the host's emulated UART (abi/mmio_console.h), as a kernel's console driver would.
  r.uart_print("kv-server: requests=" + std::to_string(store.requests()) + " keys=" + std::to_string(store.size()) + "\n");
  return 0;
}

int kv_server(realm::Realm& r) { return run_over_channel(r, "kv-server", false, serve); }
CAEC_REALM_PROGRAM("kv-server", kv_server);

}  // namespace
}  // namespace caec::examples::kv
