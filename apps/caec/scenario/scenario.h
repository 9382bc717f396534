// A declarative scenario for `caec run` (docs/scenarios.md): the machine, the realms, the CSM
// regions and a script of steps. Parsing validates everything and names the bad field.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace caec::app {

/// A scenario that does not fit the schema; the message names the field ("steps[3].region").
class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ScenarioRealm {
  std::string name;
  std::string program = "csm-script";  // any registered realm program; only csm-script realms act in steps
  std::vector<std::string> args{};     // extra program arguments (measured)
  std::uint64_t memory_mib = 4;
  std::array<std::uint8_t, 64> rpv{};
};

struct ScenarioRegion {
  std::string name;
  std::string provider;
  std::uint64_t base = 0;  // in the provider's IPA space; consumers reserve at the same IPA
  std::uint64_t size = 0;
};

struct ScenarioStep {
  std::string action;  // share attach write expect write-refused revoke detach destroy attest inspect
  std::string realm{};     // who acts (or whose memory is written/read/attested)
  std::string region{};
  std::string consumer{};
  std::string perm{};      // share: "ro" | "rw"
  std::uint64_t offset = 0;
  std::string text{};
  std::string out{};       // attest: token file
};

struct Scenario {
  std::uint64_t memory_mib = 256;
  std::vector<ScenarioRealm> realms;
  std::vector<ScenarioRegion> regions;
  std::vector<ScenarioStep> steps;

  [[nodiscard]] const ScenarioRealm* realm(const std::string& name) const;
  [[nodiscard]] const ScenarioRegion* region(const std::string& name) const;
};

/// Parses and validates (names unique and known, sizes granule-aligned, regions inside their
/// provider's RAM, steps complete for their action).
[[nodiscard]] Scenario parse_scenario(const nlohmann::json& doc);

}  // namespace caec::app
