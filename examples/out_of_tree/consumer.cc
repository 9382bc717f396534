// "oot-consumer": waits for the provider's offer, reserves a range of its own IPA space for
// sharing k = 0 of the realm launched as "provider", attaches it, reads the message and writes a
// reply into the region.
#include <cstring>
#include <string>

#include "layout.h"
#include "realm/csm_api.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace csm_pair {
namespace {

using namespace caec;

int consumer(realm::Realm& r) {
  realm::publish_rid(r);
  realm::wait_event(r, "offered");
  const Rid provider = realm::lookup_rid(r, "provider");

  // The consumer's consent: a range of exactly the region's size, for one sharing.
  const CsmId id = realm::csm_reserve(r, provider, 0, kConsumerBase, kRegionSize);
  const realm::Attached region = realm::csm_attach(r, provider, 0, kConsumerBase, kRegionSize);

  // Who else can read this memory: the RMM's answer, not the host's.
  const abi::RsiCsmInfo info = realm::csm_info(r, id);
  r.print("consumer: attached region " + std::to_string(static_cast<std::uint64_t>(id)) +
          (region.perm == abi::CsmPerm::kRw ? " read-write" : " read-only") + "; provider RID " +
          std::to_string(info.provider_rid) + ", " + std::to_string(info.num_sharings) +
          " sharing(s)\n");

  const char* text = reinterpret_cast<const char*>(region.bytes.data());
  r.print("consumer: read \"" + std::string(text, strnlen(text, kReplyOffset)) + "\"\n");
  std::strcpy(reinterpret_cast<char*>(region.bytes.data() + kReplyOffset), "hello back");
  realm::signal_event(r, "replied");
  return 0;
}

}  // namespace
}  // namespace csm_pair

CAEC_REALM_PROGRAM("oot-consumer", csm_pair::consumer);
