// "csm-script": a realm program that runs the CSM steps its (measured) arguments list, one step
// per argument (realm/script.h lists them). Scenarios and tests use it to drive providers and
// consumers without writing a program each. It returns 0 when every step held, else the number
// of the first failing step (and prints why).
#include "realm/program.h"
#include "realm/realm.h"
#include "realm/script.h"

namespace caec::realm {
namespace {

int csm_script(Realm& r) {
  CsmScript script(r);
  return run_script(r, [&](const ScriptStep& step) { return script.run(step); });
}
CAEC_REALM_PROGRAM("csm-script", csm_script);

}  // namespace
}  // namespace caec::realm
