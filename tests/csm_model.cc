#include "tests/csm_model.h"

#include <algorithm>

namespace caec::testing::csm_model {

namespace {

constexpr RipasSet kEmpty = ripas_bit(Ripas::kEmpty);
constexpr RipasSet kRam = ripas_bit(Ripas::kRam);
constexpr RipasSet kDestroyed = ripas_bit(Ripas::kDestroyed);

RsiOutcome fail(RsiStatus status, std::string_view label) {
  RsiOutcome o;
  o.status = status;
  o.label = label;
  return o;
}
RsiOutcome done(std::uint64_t x1 = 0, bool exits = false) {
  RsiOutcome o;
  o.x1 = x1;
  o.exits = exits;
  return o;
}
constexpr auto kInput = RsiStatus::kErrorInput;
constexpr auto kState = RsiStatus::kErrorState;

bool aligned(std::uint64_t v) { return v % kGranuleSize == 0; }

/// csm-abi.md §3-4 `range_align` / `range_bound` for [base, base + size).
std::optional<RsiOutcome> check_range(std::uint64_t base, std::uint64_t size) {
  if (!aligned(base) || !aligned(size) || size == 0 || base + size < base) {
    return fail(kInput, "range_align");
  }
  if (base + size > Model::kProtectedTop) return fail(kInput, "range_bound");
  return std::nullopt;
}

/// RMM 1.0 DATA_DESTROY: RIPAS RAM becomes DESTROYED, EMPTY and DESTROYED stay.
RipasSet after_destroy(RipasSet s) {
  RipasSet out = s & static_cast<RipasSet>(~kRam);
  if ((s & kRam) != 0) out |= kDestroyed;
  return out;
}

}  // namespace

std::string describe(RipasSet s) {
  std::string out;
  for (auto [bit, name] : {std::pair{kEmpty, "EMPTY"}, {kRam, "RAM"}, {kDestroyed, "DESTROYED"},
                           {ripas_bit(Ripas::kDev), "DEV"}}) {
    if ((s & bit) == 0) continue;
    if (!out.empty()) out += "|";
    out += name;
  }
  return out.empty() ? "none" : out;
}

std::string_view name(ResState s) {
  switch (s) {
    case ResState::kReserved: return "RESERVED";
    case ResState::kAttached: return "ATTACHED";
    case ResState::kRevoked: return "REVOKED";
    case ResState::kDead: return "DEAD";
  }
  return "?";
}

std::string_view name(Open o) {
  switch (o) {
    case Open::kNone: return "none";
    case Open::kAttachMirror: return "an entry ATTACH could not map (mirror the provider, or keep)";
    case Open::kDestroyMirror: return "unmapped consumer entry when the provider's granule was destroyed";
  }
  return "?";
}

std::string_view name(AccessKind k) {
  switch (k) {
    case AccessKind::kData: return "data";
    case AccessKind::kAbort: return "abort";
    case AccessKind::kExitPopulate: return "exit+populate";
    case AccessKind::kExitAbort: return "exit+abort";
  }
  return "?";
}

// ---- State helpers ------------------------------------------------------------------------

Realm* Model::find(Rid r) {
  const auto it = realms_.find(r);
  return it == realms_.end() ? nullptr : &it->second;
}

const Realm* Model::realm(Rid r) const {
  const auto it = realms_.find(r);
  return it == realms_.end() ? nullptr : &it->second;
}

bool Model::live(Rid r) const {
  const Realm* x = realm(r);
  return x != nullptr && x->alive;
}

Page Model::default_page(std::uint64_t ipa) const {
  return Page{Page::Kind::kUnassigned, ipa >= kRamBase && ipa < kRamTop ? kRam : kEmpty};
}

Page Model::page(Rid r, std::uint64_t ipa) const {
  const Realm* x = realm(r);
  if (x == nullptr) return default_page(ipa);
  const auto it = x->pages.find(ipa);
  return it == x->pages.end() ? default_page(ipa) : it->second;
}

Page& Model::page_ref(Rid r, std::uint64_t ipa) {
  auto& pages = at(r).pages;
  const auto it = pages.find(ipa);
  if (it != pages.end()) return it->second;
  return pages.emplace(ipa, default_page(ipa)).first->second;
}

void Model::observe_ripas(Rid r, std::uint64_t ipa, Ripas ripas) {
  Page& p = page_ref(r, ipa);
  p.ripas = ripas_bit(ripas);
  p.open = Open::kNone;
}

std::uint64_t Model::used_entries(Rid r) const {
  const Realm* x = realm(r);
  std::uint64_t n = x == nullptr ? 0 : x->next_k.size();
  n += static_cast<std::uint64_t>(std::count_if(regions_.begin(), regions_.end(), [&](const Region& g) { return g.provider == r; }));
  n += static_cast<std::uint64_t>(std::count_if(sharings_.begin(), sharings_.end(), [&](const Sharing& s) { return s.provider == r; }));
  n += static_cast<std::uint64_t>(std::count_if(reservations_.begin(), reservations_.end(), [&](const Reservation& v) { return v.consumer == r; }));
  return n;
}

std::uint64_t Model::free_entries(Rid r) const {
  const Realm* x = realm(r);
  if (x == nullptr) return 0;
  const std::uint64_t cap = x->apt_granules * kEntriesPerGranule;
  const std::uint64_t used = used_entries(r);
  return used >= cap ? 0 : cap - used;
}

const Region* Model::region(CsmId id) const {
  const auto it = std::find_if(regions_.begin(), regions_.end(), [&](const Region& g) { return g.id == id; });
  return it == regions_.end() ? nullptr : &*it;
}

const Region* Model::region_at(Rid r, std::uint64_t ipa) const {
  const auto it = std::find_if(regions_.begin(), regions_.end(), [&](const Region& g) {
    return g.provider == r && ipa >= g.base.value() && ipa - g.base.value() < g.size;
  });
  return it == regions_.end() ? nullptr : &*it;
}

Reservation* Model::reservation(Rid consumer, Rid provider, std::uint64_t k) {
  const auto it = std::find_if(reservations_.begin(), reservations_.end(), [&](const Reservation& v) {
    return v.consumer == consumer && v.provider == provider && v.k == k;
  });
  return it == reservations_.end() ? nullptr : &*it;
}

Reservation* Model::reservation_at(Rid consumer, std::uint64_t ipa) {
  const auto it = std::find_if(reservations_.begin(), reservations_.end(), [&](const Reservation& v) {
    return v.consumer == consumer && ipa >= v.base.value() && ipa - v.base.value() < v.size;
  });
  return it == reservations_.end() ? nullptr : &*it;
}

const Sharing* Model::sharing(Rid provider, Rid consumer, std::uint64_t k) const {
  const auto it = std::find_if(sharings_.begin(), sharings_.end(), [&](const Sharing& s) {
    return s.provider == provider && s.consumer == consumer && s.k == k;
  });
  return it == sharings_.end() ? nullptr : &*it;
}

bool Model::overlaps(Rid r, std::uint64_t base, std::uint64_t size) const {
  const auto hit = [&](Ipa b, std::uint64_t s) { return base < b.value() + s && b.value() < base + size; };
  return std::any_of(regions_.begin(), regions_.end(), [&](const Region& g) { return g.provider == r && hit(g.base, g.size); }) ||
         std::any_of(reservations_.begin(), reservations_.end(), [&](const Reservation& v) { return v.consumer == r && hit(v.base, v.size); });
}

GranuleId Model::new_granule() {
  const GranuleId g{++granule_counter_};
  contents_[g] = 0;  // DELEGATED granules are zero (csm-abi.md §6.6)
  return g;
}

void Model::populate(Rid r, std::uint64_t ipa) {
  Page& p = page_ref(r, ipa);
  p.kind = Page::Kind::kPrivate;
  p.granule = new_granule();
  p.read_only = false;
  // csm-abi.md §5: a provider's new granule reaches every attached consumer while its RIPAS is
  // RAM (docs/csm.md: consumers that are ATTACHING or ATTACHED).
  const Region* g = region_at(r, ipa);
  if (g == nullptr || p.ripas != kRam) return;
  const GranuleId granule = p.granule;
  for (const Reservation& v : reservations_) {
    if (v.id != g->id || v.state != ResState::kAttached) continue;
    Page& c = page_ref(v.consumer, v.base.value() + (ipa - g->base.value()));
    c = Page{Page::Kind::kForeign, kRam, granule, v.perm == abi::CsmPerm::kRo};
  }
}

void Model::destroy_private(Rid r, std::uint64_t ipa) {
  Page& p = page_ref(r, ipa);
  const GranuleId g = p.granule;
  // Every consumer first (csm-abi.md §5): their entries mirror the provider's RIPAS DESTROYED.
  for (auto& [rid, x] : realms_) {
    for (auto& [a, c] : x.pages) {
      if (c.kind == Page::Kind::kForeign && c.granule == g) c = Page{Page::Kind::kUnassigned, kDestroyed};
    }
  }
  if (const Region* region = region_at(r, ipa)) {
    // Consumers whose entry there maps nothing (the host took it away) may mirror it too.
    for (const Reservation& v : reservations_) {
      if (v.id != region->id || v.state != ResState::kAttached) continue;
      Page& c = page_ref(v.consumer, v.base.value() + (ipa - region->base.value()));
      if (c.kind == Page::Kind::kUnassigned && (c.ripas & kDestroyed) == 0) {
        c.ripas |= kDestroyed;
        c.open = Open::kDestroyMirror;
      }
    }
  }
  p = Page{Page::Kind::kUnassigned, after_destroy(p.ripas)};
  contents_.erase(g);
}

void Model::unmap(const Reservation& v) {
  for (std::uint64_t off = 0; off < v.size; off += kGranuleSize) {
    Page& c = page_ref(v.consumer, v.base.value() + off);
    // docs/csm.md: "unmapped entries get RIPAS EMPTY": the entries the pass unmaps; one that
    // mapped nothing keeps its RIPAS (the reservation, while it lasts, aborts every access).
    if (c.kind == Page::Kind::kForeign) c = Page{Page::Kind::kUnassigned, kEmpty};
  }
}

void Model::end_sharing(const Sharing& s, ResState then) {
  if (Reservation* v = reservation(s.consumer, s.provider, s.k)) {
    unmap(*v);
    v->state = then;
  }
  const Sharing copy = s;
  std::erase_if(sharings_, [&](const Sharing& x) {
    return x.provider == copy.provider && x.consumer == copy.consumer && x.k == copy.k;
  });
}

void Model::teardown(Rid r) {
  at(r).closing = true;
  // As a provider: every sharing is severed, the consumers' reservations become DEAD.
  std::vector<Sharing> mine;
  std::copy_if(sharings_.begin(), sharings_.end(), std::back_inserter(mine), [&](const Sharing& s) { return s.provider == r; });
  for (const Sharing& s : mine) end_sharing(s, ResState::kDead);
  // As a consumer: it detaches from everything; sharings offered to it die with it.
  for (const Reservation& v : reservations_) {
    if (v.consumer == r) unmap(v);
  }
  std::erase_if(reservations_, [&](const Reservation& v) { return v.consumer == r; });
  std::erase_if(sharings_, [&](const Sharing& s) { return s.consumer == r; });
  for (auto& [rid, x] : realms_) x.next_k.erase(r);
}

// ---- Realms ----------------------------------------------------------------------------------

Rid Model::launch() {
  const Rid r{++rid_counter_};
  Realm x;
  x.rid = r;
  realms_[r] = x;
  return r;
}

void Model::system_off(Rid r) { at(r).system_off = true; }

void Model::destroy_realm(Rid r) {
  Realm& x = at(r);
  x.has_recs = false;
  if (!x.closing) teardown(r);
  x.apt_granules = 0;
  std::vector<std::uint64_t> owned;
  for (const auto& [ipa, p] : x.pages) {
    if (p.kind == Page::Kind::kPrivate) owned.push_back(ipa);
  }
  for (std::uint64_t ipa : owned) destroy_private(r, ipa);
  x.pages.clear();
  x.alive = false;
  std::erase_if(regions_, [&](const Region& g) { return g.provider == r; });
}

// ---- RSI ---------------------------------------------------------------------------------------

RsiOutcome Model::create(Rid caller, std::uint64_t base, std::uint64_t size, CsmId assigned,
                         bool host_populates) {
  if (at(caller).closing) return fail(kState, "realm_closing");
  if (auto f = check_range(base, size)) return *f;
  if (overlaps(caller, base, size)) return fail(kState, "overlap");
  if (free_entries(caller) < 1) return fail(RsiStatus::kErrorCapacity, "capacity");
  // CSM ids are monotonic and never reused (csm-abi.md §1): the RMM's must be a new maximum.
  const auto id = static_cast<std::uint64_t>(assigned);
  const bool fresh = id > last_csm_id_;
  if (fresh) last_csm_id_ = id;
  regions_.push_back(Region{assigned, caller, Ipa{base}, size});
  if (host_populates) {
    for (std::uint64_t off = 0; off < size; off += kGranuleSize) {
      const Page p = page(caller, base + off);
      if (p.kind == Page::Kind::kUnassigned && p.ripas == kRam) populate(caller, base + off);
    }
  }
  return done(fresh ? id : 0, /*exits=*/true);
}

RsiOutcome Model::share(Rid caller, std::uint64_t id, std::uint64_t consumer, std::uint64_t perm) {
  Realm& me = at(caller);
  if (me.closing) return fail(kState, "realm_closing");
  const Region* g = region(CsmId{id});
  if (g == nullptr || g->provider != caller) return fail(kInput, "not_provider");
  if (perm != 1 && perm != 2) return fail(kInput, "perm");
  const Rid c{consumer};
  if (c == caller || !live(c) || at(c).closing || at(c).apt_granules == 0) return fail(kInput, "consumer");
  const std::uint64_t need = me.next_k.contains(c) ? 1 : 2;
  if (free_entries(caller) < need) return fail(RsiStatus::kErrorCapacity, "capacity");
  const std::uint64_t k = me.next_k[c]++;
  sharings_.push_back(Sharing{caller, c, k, g->id, static_cast<abi::CsmPerm>(perm)});
  return done(k);
}

RsiOutcome Model::revoke(Rid caller, std::uint64_t consumer, std::uint64_t k) {
  if (at(caller).closing) return fail(kState, "realm_closing");
  const Sharing* s = sharing(caller, Rid{consumer}, k);
  if (s == nullptr) return fail(kInput, "no_sharing");
  end_sharing(*s, ResState::kRevoked);
  return done();
}

RsiOutcome Model::destroy(Rid caller, std::uint64_t id) {
  if (at(caller).closing) return fail(kState, "realm_closing");
  const Region* g = region(CsmId{id});
  if (g == nullptr || g->provider != caller) return fail(kInput, "not_provider");
  std::vector<Sharing> of;
  std::copy_if(sharings_.begin(), sharings_.end(), std::back_inserter(of), [&](const Sharing& s) { return s.id == CsmId{id}; });
  for (const Sharing& s : of) end_sharing(s, ResState::kRevoked);
  std::erase_if(regions_, [&](const Region& x) { return x.id == CsmId{id}; });
  return done(0, /*exits=*/true);
}

RsiOutcome Model::reserve(Rid caller, std::uint64_t provider, std::uint64_t k, std::uint64_t base,
                          std::uint64_t size) {
  if (at(caller).closing) return fail(kState, "realm_closing");
  if (auto f = check_range(base, size)) return *f;
  const Rid p{provider};
  const Sharing* s = live(p) && !at(p).closing ? sharing(p, caller, k) : nullptr;
  if (s == nullptr) return fail(kInput, "no_sharing");
  const Region* g = region(s->id);
  if (g == nullptr || g->size != size) return fail(kInput, "size");
  if (overlaps(caller, base, size)) return fail(kState, "overlap");
  if (reservation(caller, p, k) != nullptr) return fail(kState, "reserved");
  if (free_entries(caller) < 1) return fail(RsiStatus::kErrorCapacity, "capacity");
  reservations_.push_back(Reservation{caller, p, k, g->id, Ipa{base}, size, s->perm, ResState::kReserved});
  // The CSM_CONSUMER exit: the reference host removes the private granules from the range.
  for (std::uint64_t off = 0; off < size; off += kGranuleSize) {
    if (page(caller, base + off).kind == Page::Kind::kPrivate) destroy_private(caller, base + off);
  }
  return done(static_cast<std::uint64_t>(g->id), /*exits=*/true);
}

RsiOutcome Model::attach(Rid caller, std::uint64_t provider, std::uint64_t k) {
  if (at(caller).closing) return fail(kState, "realm_closing");
  const Rid p{provider};
  Reservation* v = reservation(caller, p, k);
  if (v == nullptr) return fail(kInput, "no_reservation");
  if (v->state == ResState::kAttached) return fail(kState, "attached");
  if (v->state == ResState::kRevoked || v->state == ResState::kDead || !live(p) || at(p).closing ||
      sharing(p, caller, k) == nullptr) {
    return fail(kState, "sharing_gone");
  }
  v->state = ResState::kAttached;
  const Region* g = region(v->id);
  const Reservation res = *v;
  for (std::uint64_t off = 0; off < res.size; off += kGranuleSize) {
    const Page src = page(p, g->base.value() + off);
    Page& c = page_ref(caller, res.base.value() + off);
    if (src.kind == Page::Kind::kPrivate && src.ripas == kRam) {
      c = Page{Page::Kind::kForeign, kRam, src.granule, res.perm == abi::CsmPerm::kRo};
    } else if (strict_attach_mirror) {
      c = Page{Page::Kind::kUnassigned, src.ripas};
    } else if ((c.ripas | src.ripas) != c.ripas) {
      // csm-abi.md §5: "a consumer's attached range mirrors the provider's RIPAS granule by
      // granule"; for a granule ATTACH cannot map, the contract does not say whether the entry
      // takes the provider's RIPAS at once or keeps its own (either way it maps nothing and
      // every access aborts, docs/csm.md).
      c.ripas |= src.ripas;
      c.open = Open::kAttachMirror;
    }
  }
  return done(static_cast<std::uint64_t>(res.perm));
}

RsiOutcome Model::detach(Rid caller, std::uint64_t provider, std::uint64_t k) {
  if (at(caller).closing) return fail(kState, "realm_closing");
  Reservation* v = reservation(caller, Rid{provider}, k);
  if (v == nullptr) return fail(kInput, "no_reservation");
  unmap(*v);
  const Reservation copy = *v;
  std::erase_if(reservations_, [&](const Reservation& x) {
    return x.consumer == copy.consumer && x.provider == copy.provider && x.k == copy.k;
  });
  return done(0, /*exits=*/true);
}

RsiOutcome Model::info(Rid caller, std::uint64_t id, std::uint64_t out_ipa, std::uint64_t flags,
                       std::uint64_t k, InfoView* out) {
  if (!aligned(out_ipa)) return fail(kInput, "addr_align");
  if (out_ipa >= kProtectedTop) return fail(kInput, "addr_bound");
  if ((flags & abi::csm_info_flags::kReservedMask) != 0) return fail(kInput, "flags");
  const Region* g = nullptr;
  bool maybe_gone = false;  // the caller's own region after its teardown began
  if ((flags & abi::csm_info_flags::kBySharing) != 0) {
    if (const Sharing* s = sharing(Rid{id}, caller, k)) g = region(s->id);
  } else if (const Region* r = region(CsmId{id})) {
    const bool consumer = std::any_of(reservations_.begin(), reservations_.end(), [&](const Reservation& v) {
      return v.consumer == caller && v.id == r->id &&
             (v.state == ResState::kReserved || v.state == ResState::kAttached);
    });
    if (r->provider == caller || consumer) g = r;
    // The contract does not say when a closing provider's regions leave its APT (the APT
    // granules go one by one): until the last goes, either answer is allowed.
    maybe_gone = r->provider == caller && at(caller).closing;
    if (maybe_gone && at(caller).apt_granules == 0) g = nullptr;
  }
  // docs/csm.md: RSI outputs go only to the caller's own private granules with RIPAS RAM; a
  // reservation, a consumer mapping or RIPAS EMPTY is RSI_ERROR_INPUT (RAM without a granule,
  // or DESTROYED, would exit as the realm's own access: `exits`, the test does not ask that).
  const Page buf = page(caller, out_ipa);
  const bool buffer_ok = buf.kind == Page::Kind::kPrivate && buf.ripas == kRam &&
                         reservation_at(caller, out_ipa) == nullptr;
  const bool buffer_input = !buffer_ok && (buf.kind == Page::Kind::kForeign ||
                                           reservation_at(caller, out_ipa) != nullptr || (buf.ripas & kEmpty) != 0);
  if (!buffer_ok && !buffer_input) {
    RsiOutcome o = fail(kInput, "");
    o.exits = true;
    return o;
  }
  // The contract orders the gateway nowhere against not_participant: either label may decide.
  if (g == nullptr) return fail(kInput, buffer_ok ? "not_participant" : "");
  if (!buffer_ok) return fail(kInput, "");
  InfoView view{g->id, g->size, g->provider, {}};
  for (const Sharing& s : sharings_) {
    if (s.id != g->id) continue;
    const Reservation* v = reservation(s.consumer, s.provider, s.k);
    const bool attached = v != nullptr && v->state == ResState::kAttached;
    view.sharings.push_back(abi::RsiCsmSharing{static_cast<std::uint64_t>(s.consumer), s.k,
                                               static_cast<std::uint64_t>(s.perm),
                                               static_cast<std::uint64_t>(attached ? abi::SharingState::kAttached
                                                                                   : abi::SharingState::kOffered)});
  }
  std::sort(view.sharings.begin(), view.sharings.end(), [](const auto& a, const auto& b) {
    return std::pair{a.consumer_rid, a.k} < std::pair{b.consumer_rid, b.k};
  });
  const std::uint64_t total = view.sharings.size();
  if (out != nullptr) *out = view;
  contents_[buf.granule] = static_cast<std::uint64_t>(g->id);  // RsiCsmInfo starts with csm_id
  RsiOutcome o = done(total);
  if (maybe_gone) o.alt = std::pair{kInput, std::string_view{"not_participant"}};
  return o;
}

// ---- Realm memory --------------------------------------------------------------------------

AccessOutcome Model::access(Rid caller, std::uint64_t ipa, bool write, std::uint64_t value) {
  Page& p = page_ref(caller, ipa);
  const auto touch = [&](GranuleId g) -> AccessOutcome {
    if (write) contents_[g] = value;
    return {AccessKind::kData, contents_[g]};
  };
  if (p.kind == Page::Kind::kForeign) {
    // csm-abi.md §6.9: a read-only consumer cannot write (docs/csm.md: an abort from the RMM).
    if (write && p.read_only) return {AccessKind::kAbort};
    return touch(p.granule);
  }
  // docs/csm.md: inside a reservation only provider granules appear; anything else aborts.
  if (reservation_at(caller, ipa) != nullptr) return {AccessKind::kAbort};
  // RMM 1.0: RIPAS EMPTY takes an abort; DESTROYED exits (the host can do nothing); RAM without
  // a granule exits and the host populates it.
  if ((p.ripas & kEmpty) != 0) return {AccessKind::kAbort};
  if ((p.ripas & kDestroyed) != 0) return {AccessKind::kExitAbort};
  if (p.kind == Page::Kind::kPrivate) return touch(p.granule);
  populate(caller, ipa);
  AccessOutcome o = touch(page_ref(caller, ipa).granule);
  o.kind = AccessKind::kExitPopulate;
  return o;
}

// ---- RMI -----------------------------------------------------------------------------------

RmiOutcome Model::data_destroy(Rid r, std::uint64_t ipa) {
  const Page p = page(r, ipa);
  switch (p.kind) {
    case Page::Kind::kUnassigned: return {{abi::RmiStatus::kErrorRtt, 3}, ""};
    case Page::Kind::kPrivate: destroy_private(r, ipa); return {{}, "", p.granule, false};
    case Page::Kind::kForeign:
      // Only this consumer's mapping goes (csm-abi.md §5), as RMM 1.0 DATA_DESTROY leaves an
      // entry that was RAM: DESTROYED. The provider's granule stays DATA.
      page_ref(r, ipa) = Page{Page::Kind::kUnassigned, kDestroyed};
      return {{}, "", p.granule, true};
  }
  return {};
}

RmiOutcome Model::data_create_unknown(Rid r, std::uint64_t ipa) {
  if (page(r, ipa).kind != Page::Kind::kUnassigned) return {{abi::RmiStatus::kErrorRtt, 3}, "rtte_state"};
  if (reservation_at(r, ipa) != nullptr) {
    return {{abi::RmiStatus::kErrorCsm, static_cast<std::uint8_t>(abi::CsmErrorReason::kInsideReservation)},
            "csm_reservation"};
  }
  populate(r, ipa);
  return {{}, "", page(r, ipa).granule, false};
}

RmiOutcome Model::apt_create(Rid r) {
  Realm& x = at(r);
  if (x.system_off || x.closing) return {{abi::RmiStatus::kErrorRealm, 0}, "realm_state"};
  ++x.apt_granules;
  return {};
}

RmiOutcome Model::apt_destroy(Rid r) {
  Realm& x = at(r);
  if (!x.system_off && x.has_recs) return {{abi::RmiStatus::kErrorRealm, 0}, "realm_running"};
  if (!x.closing) teardown(r);
  --x.apt_granules;
  return {};
}

// ---- Observation ---------------------------------------------------------------------------

std::uint64_t Model::content(GranuleId g) const {
  const auto it = contents_.find(g);
  return it == contents_.end() ? 0 : it->second;
}

std::size_t Model::foreign_mappings() const {
  std::size_t n = 0;
  for (const auto& [rid, x] : realms_) {
    for (const auto& [ipa, p] : x.pages) n += p.kind == Page::Kind::kForeign ? 1U : 0U;
  }
  return n;
}

std::uint32_t Model::refcount(GranuleId g) const {
  std::uint32_t n = 0;
  for (const auto& [rid, x] : realms_) {
    if (!x.alive) continue;
    for (const auto& [ipa, p] : x.pages) n += p.kind == Page::Kind::kForeign && p.granule == g ? 1U : 0U;
  }
  return n;
}

std::vector<Model::Held> Model::held() const {
  std::vector<Held> out;
  for (const auto& [rid, x] : realms_) {
    if (!x.alive) continue;
    for (const auto& [ipa, p] : x.pages) {
      if (p.kind == Page::Kind::kPrivate) out.push_back({rid, ipa, p.granule});
    }
  }
  return out;
}

}  // namespace caec::testing::csm_model
