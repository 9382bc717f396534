// Failure conditions that many RMI commands share, as factories over a command's context.
// A context is an RmiCtx (the RMM, decoded `args`, `ext`) with lock_externals().
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include "caec/abi/rmi.h"
#include "caec/abi/types.h"
#include "rmm/core/external_locks.h"
#include "rmm/rmi/rmi_command.h"

namespace caec::rmm {

/// What every RMI command's context holds: the RMM, the command's decoded arguments and the
/// `N` granules the host names, which lock_externals() locks in PA order (cond::state takes
/// them on first use). A command adds its slot numbers, what it reads from the host and its
/// own lock_externals().
template <class A, std::size_t N>
struct RmiCtx {
  using Args = A;
  RmmContext& rmm;
  Args args;
  ExternalLocks<N> ext{};
};

}  // namespace caec::rmm

namespace caec::rmm::cond {

inline constexpr auto kInput = abi::RmiStatus::kErrorInput;

/// `<label>`: the PA argument is not granule aligned.
template <class Ctx, Pa Ctx::Args::*M>
constexpr RmiCondition<Ctx> align(std::string_view label) {
  return {label, kInput, [](Ctx& c) { return !(c.args.*M).is_granule_aligned(); }};
}

/// `<label>`: the PA argument is not a delegable address (outside the DRAM the RMM tracks).
template <class Ctx, Pa Ctx::Args::*M>
constexpr RmiCondition<Ctx> bound(std::string_view label) {
  return {label, kInput, [](Ctx& c) { return !c.rmm.granules.contains(c.args.*M); }};
}

/// `<label>`: the granule named by external slot `Slot` is not in state `S`. Takes the
/// command's external locks (all of them, in PA order) on first use.
template <class Ctx, std::size_t Slot, GranuleState S>
constexpr RmiCondition<Ctx> state(std::string_view label) {
  return {label, kInput, [](Ctx& c) {
            c.lock_externals();
            return !c.ext.has_state(Slot, S);
          }};
}

/// `<label>`: the host's page at the PA argument `M` cannot be read into the context's `To`
/// (it is not in the NS PAS: the RMM's read takes a Granule Protection Fault).
template <class Ctx, Pa Ctx::Args::*M, auto To>
constexpr RmiCondition<Ctx> ns_read(std::string_view label) {
  return {label, kInput, [](Ctx& c) {
            return !c.rmm.platform.ns_read(c.args.*M, std::as_writable_bytes(std::span(&(c.*To), 1)));
          }};
}

/// A PA argument's first two checks: granule aligned, inside the DRAM the RMM tracks.
template <class Ctx, Pa Ctx::Args::*M>
constexpr std::array<RmiCondition<Ctx>, 2> address(std::string_view align_label, std::string_view bound_label) {
  return {align<Ctx, M>(align_label), bound<Ctx, M>(bound_label)};
}

/// A granule the host names (external slot `Slot`), checked as the spec lists it: aligned,
/// inside DRAM, in state `S`.
template <class Ctx, Pa Ctx::Args::*M, std::size_t Slot, GranuleState S>
constexpr std::array<RmiCondition<Ctx>, 3> granule(std::string_view align_label, std::string_view bound_label,
                                                   std::string_view state_label) {
  return {align<Ctx, M>(align_label), bound<Ctx, M>(bound_label), state<Ctx, Slot, S>(state_label)};
}

/// A host page the RMM reads into the context's `To`: aligned, inside DRAM, readable from the
/// NS PAS.
template <class Ctx, Pa Ctx::Args::*M, auto To>
constexpr std::array<RmiCondition<Ctx>, 3> ns_page(std::string_view align_label, std::string_view bound_label,
                                                   std::string_view pas_label) {
  return {align<Ctx, M>(align_label), bound<Ctx, M>(bound_label), ns_read<Ctx, M, To>(pas_label)};
}

/// rd_align, rd_bound, rd_state: the first three conditions of most commands.
template <class Ctx>
constexpr auto rd = granule<Ctx, &Ctx::Args::rd, Ctx::kRdSlot, GranuleState::kRd>("rd_align", "rd_bound", "rd_state");

}  // namespace caec::rmm::cond
