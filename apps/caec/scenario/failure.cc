#include "apps/caec/scenario/failure.h"

namespace caec::app {

namespace {

/// What csm-script printed for its failing argument `n` (realm/script.h, run_script: "step N
/// (ARGUMENT): WHY"): WHY, or "" if the console does not say.
std::string script_error(const std::string& console, std::size_t n) {
  const std::string head = "step " + std::to_string(n) + " (";
  for (std::size_t at = console.rfind(head); at != std::string::npos;
       at = at == 0 ? std::string::npos : console.rfind(head, at - 1)) {
    if (at != 0 && console[at - 1] != '\n') continue;
    const std::size_t eol = console.find('\n', at);
    const std::string line = console.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
    const std::size_t why = line.find("): ");
    if (why != std::string::npos) return line.substr(why + 3);
  }
  return "";
}

/// The last line of a realm's console (a program's last word), or "".
std::string last_line(const std::string& console) {
  std::string text = console;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
}

/// A hint the scenario itself gives for a write that aborted: the writer's sharing is read-only.
std::string read_only_hint(const Scenario& s, std::size_t i) {
  const ScenarioStep& st = s.steps[i];
  if (st.action != "write") return "";
  for (std::size_t j = i; j-- > 0;) {
    const ScenarioStep& share = s.steps[j];
    if (share.action == "share" && share.region == st.region && share.consumer == st.realm) {
      return share.perm == "ro" ? "; " + st.realm + "'s sharing of " + st.region + " is read-only (" +
                                      step_label(s, j) + ")"
                                : "";
    }
  }
  return "";
}

}  // namespace

std::string describe(const ScenarioStep& st) {
  if (st.action == "send") return "send " + st.realm + " -> " + st.to + " over " + st.transport;
  std::string d = st.action;
  for (const std::string* f : {&st.realm, &st.region, &st.consumer, &st.perm}) {
    if (!f->empty()) d += " " + *f;
  }
  return d;
}

std::string step_label(const Scenario& s, std::size_t i) {
  return "steps[" + std::to_string(i) + "] (" + describe(s.steps[i]) + ")";
}

std::string RealmFailure::text(const Scenario& s) const {
  return "failed" + (step ? " at " + step_label(s, *step) : std::string()) + ": " + reason;
}

nlohmann::ordered_json RealmFailure::json(const Scenario& s) const {
  nlohmann::ordered_json j{{"realm", realm}};
  j["step"] = step ? nlohmann::ordered_json(*step) : nlohmann::ordered_json(nullptr);
  j["action"] = step ? s.steps[*step].action : "";
  j["reason"] = reason;
  return j;
}

RealmFailure explain_failure(const host::VmRealm& r, const Scenario& s, const CompiledScenario& c,
                             std::optional<std::size_t> under_way) {
  RealmFailure f{.realm = r.name(), .step = std::nullopt, .reason = ""};
  const auto steps = c.arg_steps.find(r.name());
  const bool scripted = steps != c.arg_steps.end();
  const auto status = r.exit_status();
  // A script exits with the number (from 1) of the argument that failed, having said why.
  if (scripted && status && *status >= 1 && static_cast<std::size_t>(*status) <= steps->second.size()) {
    const auto n = static_cast<std::size_t>(*status);
    f.reason = script_error(r.console(), n);
    if (!f.reason.empty()) {
      if (steps->second[n - 1] != kSetup) f.step = steps->second[n - 1];
      if (f.step) f.reason += read_only_hint(s, *f.step);
      return f;
    }
  }
  if (scripted) f.step = under_way;
  if (!r.error().empty()) {
    f.reason = r.error();  // the host stopped it: an exit it could not serve
  } else if (!status) {
    f.reason = "ended without an exit status: an abort or exception it did not handle ended it (stderr may say more)";
  } else {
    const std::string said = last_line(r.console());
    f.reason = "exited with status " + std::to_string(*status) + (said.empty() ? "" : ": " + said);
  }
  return f;
}

}  // namespace caec::app
