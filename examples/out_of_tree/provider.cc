// "oot-provider": puts a message at the start of a new CSM region, shares the region read-write
// with the realm launched as "consumer" (and read-only with every realm its arguments name),
// waits until each has read it, prints the consumer's reply and destroys the region.
#include <cstring>
#include <string>

#include "layout.h"
#include "realm/csm_api.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace csm_pair {
namespace {

using namespace caec;

int provider(realm::Realm& r) {
  realm::publish_rid(r);
  // The host relays names to RIDs and may lie; the RMM's own answer says which realm a RID
  // really is (local attestation: compare its RIM with the one you expect before sharing).
  const Rid consumer = realm::lookup_rid(r, "consumer");
  const abi::RsiRealmMeasurements peer = realm::realm_measurements(r, consumer);
  r.print("provider: \"consumer\" is RID " + std::to_string(peer.rid) + " (state " +
          std::to_string(peer.state) + ")\n");

  // The region keeps what is already there: write the message, then turn the range into CSM.
  std::strcpy(r.as<char>(kProviderBase), "hello from the provider");
  const CsmId id = realm::csm_create(r, kProviderBase, kRegionSize);
  const std::uint64_t k = realm::csm_share(r, id, consumer, abi::CsmPerm::kRw);
  for (const std::string& reader : r.args()) {
    (void)realm::csm_share(r, id, realm::lookup_rid(r, reader), abi::CsmPerm::kRo);
  }
  r.print("provider: region " + std::to_string(static_cast<std::uint64_t>(id)) +
          " shared (consumer: rw, k=" + std::to_string(k) + "; " +
          std::to_string(r.args().size()) + " read-only)\n");
  realm::signal_event(r, "offered");

  realm::wait_event(r, "replied");
  for (const std::string& reader : r.args()) realm::wait_event(r, reader + "-done");
  const char* reply = r.as<const char>(kProviderBase + kReplyOffset);
  r.print("provider: the consumer replied \"" + std::string(reply, strnlen(reply, 64)) + "\"\n");

  realm::csm_destroy(r, id);  // revokes every sharing; the range is private memory again
  r.print("provider: region destroyed\n");
  return 0;
}

}  // namespace
}  // namespace csm_pair

CAEC_REALM_PROGRAM("oot-provider", csm_pair::provider);
