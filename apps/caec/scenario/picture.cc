#include "caec/abi/hex.h"
#include "apps/caec/scenario/picture.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "apps/caec/scenario/json_fields.h"

namespace caec::app {

namespace {

using nlohmann::ordered_json;

/// A DOT string literal: quotes and backslashes escaped, line breaks as DOT's \n.
std::string quote(const std::string& text) {
  std::string q = "\"";
  for (const char c : text) {
    if (c == '\n') {
      q += "\\n";
    } else {
      if (c == '"' || c == '\\') q += '\\';
      q += c;
    }
  }
  return q + "\"";
}

std::string str(const ordered_json& j, const char* key) { return j.at(key).get<std::string>(); }
std::uint64_t num(const ordered_json& j, const char* key) { return j.at(key).get<std::uint64_t>(); }

/// rmm/csm/apt.h's reservation and sharing states.
std::string state_name(const ordered_json& e) {
  const auto st = e.at("state").get<int>();
  if (str(e, "kind") == "sharing") return st == 1 ? "offered" : st == 2 ? "attached" : "revoking";
  switch (st) {
    case 1: return "reserved";
    case 2: return "attached";
    case 3: return "revoked";
    case 4: return "provider gone";
    default: return "attaching";
  }
}

/// The node of realm `realm`'s region with CSM id `csm` (regions are named by the scenario).
std::string region_node(const std::string& realm, std::uint64_t csm) {
  return quote("region " + realm + " " + std::to_string(csm));
}

std::string region_label(const Scenario& s, const std::string& realm, const ordered_json& e) {
  std::string name = "csm " + std::to_string(num(e, "csm_id"));
  for (const ScenarioRegion& g : s.regions) {
    if (g.provider == realm && hex_number(g.base) == str(e, "base")) name = g.name;
  }
  return "region " + name + "\n" + str(e, "base") + ", " + std::to_string(num(e, "size")) + " bytes";
}

void realm_cluster(std::ostringstream& o, const Scenario& s, const ordered_json& r) {
  const std::string name = str(r, "name");
  std::string title = "realm " + name + "\n" + str(r, "state");
  if (r.contains("rid")) title += ", RID " + std::to_string(num(r, "rid")) + "\nRIM " + str(r, "rim").substr(0, 16) + "...";
  o << "  subgraph " << quote("cluster " + name) << " {\n    label=" << quote(title) << ";\n";
  std::string stage2 = "stage 2 (pages)";
  const ordered_json pages_by_kind = r.value("stage2_pages", ordered_json::object());
  for (const auto& [kind, pages] : pages_by_kind.items()) {
    stage2 += "\n" + kind + ": " + std::to_string(pages.get<std::uint64_t>());
  }
  o << "    " << quote(name) << " [shape=note, label=" << quote(stage2) << "];\n";
  for (const auto& e : r.value("apt", ordered_json::array())) {
    if (str(e, "kind") == "region") {
      o << "    " << region_node(name, num(e, "csm_id")) << " [style=filled, fillcolor=lightyellow, label="
        << quote(region_label(s, name, e)) << "];\n";
    } else if (str(e, "kind") == "reservation") {
      o << "    " << quote("reservation " + name + " " + str(e, "base")) << " [style=dashed, label="
        << quote("reservation\n" + str(e, "base") + ", " + std::to_string(num(e, "size")) + " bytes") << "];\n";
    }
  }
  o << "  }\n";
}

/// Sharings (region -> consumer) and attachments (reservation -> region).
void relations(std::ostringstream& o, const ordered_json& realms) {
  std::map<std::uint64_t, std::string> by_rid;
  for (const auto& r : realms) {
    if (r.contains("rid")) by_rid[num(r, "rid")] = str(r, "name");
  }
  // (provider RID, consumer RID, k) -> the region's CSM id, from the provider's sharings.
  std::map<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>, std::uint64_t> shared;
  for (const auto& r : realms) {
    for (const auto& e : r.value("apt", ordered_json::array())) {
      if (str(e, "kind") != "sharing" || !r.contains("rid")) continue;
      shared[{num(r, "rid"), num(e, "peer_rid"), num(e, "k")}] = num(e, "csm_id");
      const auto consumer = by_rid.find(num(e, "peer_rid"));
      o << "  " << region_node(str(r, "name"), num(e, "csm_id")) << " -> "
        << quote(consumer != by_rid.end() ? consumer->second : "RID " + std::to_string(num(e, "peer_rid")))
        << " [label=" << quote("shared k=" + std::to_string(num(e, "k")) + " " + str(e, "perm") + "\n" + state_name(e))
        << (str(e, "perm") == "rw" ? ", color=red" : ", color=blue") << "];\n";
    }
  }
  for (const auto& r : realms) {
    for (const auto& e : r.value("apt", ordered_json::array())) {
      if (str(e, "kind") != "reservation" || !r.contains("rid")) continue;
      const auto region = shared.find({num(e, "peer_rid"), num(r, "rid"), num(e, "k")});
      const auto provider = by_rid.find(num(e, "peer_rid"));
      if (region == shared.end() || provider == by_rid.end()) continue;
      o << "  " << quote("reservation " + str(r, "name") + " " + str(e, "base")) << " -> "
        << region_node(provider->second, region->second) << " [style=" << (state_name(e) == "attached" ? "solid" : "dashed")
        << ", label=" << quote(state_name(e)) << "];\n";
    }
  }
}

/// The machine's granule map, summed by PAS and RMM state.
void granule_table(std::ostringstream& o, const ordered_json& view) {
  std::map<std::string, std::uint64_t> granules;
  for (const auto& run : view.value("granules", ordered_json::array())) {
    granules[str(run, "pas") + " / " + str(run, "state")] += num(run, "granules");
  }
  std::string label = "granules (PAS / RMM state)";
  for (const auto& [kind, n] : granules) label += "\n" + kind + ": " + std::to_string(n);
  o << "  granules [shape=box3d, label=" << quote(label) << "];\n";
}

}  // namespace

std::string inspect_dot(const ordered_json& view, const Scenario& s) {
  std::ostringstream o;
  o << "digraph caec {\n  rankdir=LR;\n  node [shape=box, fontname=Helvetica];\n  edge [fontname=Helvetica];\n";
  granule_table(o, view);
  const ordered_json realms = view.value("realms", ordered_json::array());
  for (const auto& r : realms) realm_cluster(o, s, r);
  relations(o, realms);
  o << "}\n";
  return o.str();
}

std::string render_svg(const std::string& dot) {
  // dot reads the graph from a file of ours, gone before we return.
  std::string path = (std::filesystem::temp_directory_path() / "caec-picture-XXXXXX").string();
  const int fd = mkstemp(path.data());
  if (fd < 0) throw std::runtime_error("cannot create a temporary file for Graphviz");
  close(fd);
  std::ofstream(path) << dot;
  std::string svg;
  FILE* p = popen(("dot -Tsvg '" + path + "' 2>/dev/null").c_str(), "r");
  if (p != nullptr) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) svg.append(buf, n);
  }
  const int status = p != nullptr ? pclose(p) : -1;
  std::filesystem::remove(path);
  if (status != 0 || svg.find("<svg") == std::string::npos) {
    throw std::runtime_error("cannot render SVG: Graphviz's `dot` did not run (install Debian's graphviz), "
                             "or use --dot");
  }
  return svg;
}

}  // namespace caec::app
