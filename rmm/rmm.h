// The Realm Management Monitor: caec's trusted firmware at R-EL2.
//
// Its only inputs are SMCs: the EL3 monitor forwards the host's RMI calls to handle_rmi().
// Everything else about the RMM is internal; tests inspect it through rmm/introspect.h, which
// production code does not link.
#pragma once

#include <memory>

#include "caec/abi/smc.h"
#include "rmm/platform.h"

namespace caec::rmm {

struct RmmContext;
class RmmIntrospection;

class Rmm {
 public:
  /// Cold boot on the given platform (reads the DRAM layout, sets up the granule table).
  explicit Rmm(Platform& platform);
  ~Rmm();
  Rmm(const Rmm&) = delete;
  Rmm& operator=(const Rmm&) = delete;

  /// RMI entry: X0 holds the FID on entry and the return code on exit.
  void handle_rmi(abi::SmcRegs& regs);

 private:
  friend class RmmIntrospection;
  std::unique_ptr<RmmContext> ctx_;
};

}  // namespace caec::rmm
