#include "host/realm_builder.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "caec/abi/s2tt.h"

namespace caec::host {

namespace s2 = abi::s2tt;

namespace {

std::string at(Ipa ipa, RttLevel level) {
  std::ostringstream s;
  s << " ipa=0x" << std::hex << ipa.value() << std::dec << " level=" << level.value();
  return s.str();
}

/// One NS staging granule, returned to the pool when it goes out of scope.
class StagingPage {
 public:
  explicit StagingPage(Host& host) : host_(host) {
    const auto pa = host.allocate();
    if (!pa) throw HostError("host out of memory for a staging page");
    pa_ = *pa;
  }
  ~StagingPage() { host_.pool().free(pa_); }
  StagingPage(const StagingPage&) = delete;
  StagingPage& operator=(const StagingPage&) = delete;
  [[nodiscard]] Pa pa() const { return pa_; }
  void write(std::span<const std::byte> bytes) {
    std::array<std::byte, kGranuleSize> page{};
    std::memcpy(page.data(), bytes.data(), std::min<std::size_t>(bytes.size(), kGranuleSize));
    if (host_.memory().write(pa_, page) != machine::Access::kOk) {
      throw HostError("staging page is not host memory");
    }
  }

 private:
  Host& host_;
  Pa pa_;
};

}  // namespace

StartGeometry start_geometry(unsigned ipa_width) {
  for (RttLevel level = s2::kMaxLevel; level >= s2::kMinLevel; level = level.parent()) {
    const unsigned one = s2::table_shift(level);
    const unsigned extra = ipa_width > one ? ipa_width - one : 0;
    if (extra <= 4 && (level == s2::kMaxLevel || ipa_width > s2::table_shift(level.child()))) {
      return {level, 1U << extra};
    }
  }
  throw HostError("unsupported IPA width " + std::to_string(ipa_width));
}

Pa RealmBuilder::delegate_rd(const RealmSpec& spec) {
  if (!spec.rd) return host_.delegate_new();
  if (!host_.allocate_at(*spec.rd)) throw HostError("RD granule is not free");
  host_.delegate_held(*spec.rd);
  return *spec.rd;
}

HostRealm RealmBuilder::create(const RealmSpec& spec) {
  HostRealm realm;
  const StartGeometry g = start_geometry(spec.ipa_width);
  auto& p = realm.params;
  p.s2sz = static_cast<std::uint8_t>(spec.ipa_width);
  p.num_bps = 1;
  p.num_wps = 1;
  p.hash_algo = static_cast<std::uint8_t>(spec.hash_algo);
  p.rpv = spec.rpv;
  p.vmid = spec.vmid;
  p.rtt_level_start = g.level.value();
  p.rtt_num_start = g.num_tables;

  realm.num_start = g.num_tables;
  StagingPage params(host_);  // before delegating, so running out of NS memory leaks nothing
  realm.rtt_base = host_.delegate_new(g.num_tables, g.num_tables * kGranuleSize);
  try {
    realm.rd = delegate_rd(spec);
  } catch (const HostError&) {
    host_.undelegate_and_free(realm.rtt_base, g.num_tables);
    throw;
  }
  p.rtt_base = realm.rtt_base.value();
  params.write(std::as_bytes(std::span(&p, 1)));
  if (const auto ret = host_.rmi().realm_create(realm.rd, params.pa()); !ret.ok()) {
    host_.undelegate_and_free(realm.rd);
    host_.undelegate_and_free(realm.rtt_base, g.num_tables);
    throw HostError("RMI_REALM_CREATE: " + describe(ret));
  }
  if (observer_.created) observer_.created(p);
  return realm;
}

void RealmBuilder::ensure_tables(HostRealm& realm, Ipa ipa, RttLevel level) {
  for (RttLevel l = realm.start_level().child(); l <= level; l = l.child()) {
    const Ipa parent_ipa = ipa.align_down(s2::entry_size(l.parent()));
    const auto e = host_.rmi().rtt_read_entry(realm.rd, parent_ipa, l.parent());
    expect_ok(e.ret, "RMI_RTT_READ_ENTRY" + at(parent_ipa, l.parent()));
    if (e.state == abi::RmiRttEntryState::kTable) continue;
    const Pa rtt = host_.delegate_new();
    if (const auto ret = host_.rmi().rtt_create(realm.rd, rtt, parent_ipa, l); !ret.ok()) {
      host_.undelegate_and_free(rtt);
      throw HostError("RMI_RTT_CREATE" + at(parent_ipa, l) + ": " + describe(ret));
    }
    realm.tables.push_back({parent_ipa, l, rtt});
  }
}

void RealmBuilder::load(HostRealm& realm, Ipa ipa, std::span<const std::byte> bytes,
                        bool measured) {
  StagingPage src(host_);
  const std::uint64_t flags = measured ? abi::data_flags::kMeasure : 0;
  for (std::uint64_t off = 0; off < bytes.size(); off += kGranuleSize) {
    const Ipa page_ipa = ipa + off;
    const auto chunk = bytes.subspan(off, std::min<std::size_t>(kGranuleSize, bytes.size() - off));
    std::array<std::byte, kGranuleSize> page{};
    std::memcpy(page.data(), chunk.data(), chunk.size());
    ensure_tables(realm, page_ipa, s2::kMaxLevel);
    src.write(page);
    const Pa data = host_.delegate_new();
    if (const auto ret = host_.rmi().data_create(realm.rd, data, page_ipa, src.pa(), flags);
        !ret.ok()) {
      host_.undelegate_and_free(data);
      throw HostError("RMI_DATA_CREATE" + at(page_ipa, s2::kMaxLevel) + ": " + describe(ret));
    }
    realm.data[page_ipa.value()] = data;
    if (observer_.data) observer_.data(page_ipa, flags, page);
  }
}

void RealmBuilder::init_ripas(HostRealm& realm, Ipa base, Ipa top) {
  while (base < top) {
    const auto walk = host_.rmi().rtt_read_entry(realm.rd, base, s2::kMaxLevel);
    expect_ok(walk.ret, "RMI_RTT_READ_ENTRY" + at(base, s2::kMaxLevel));
    const std::uint64_t size = s2::entry_size(walk.walk_level);
    if (!base.is_aligned(size) || base + size > top) {
      // Only part of this block is requested: split it so entries match the range.
      ensure_tables(realm, base, walk.walk_level.child());
      continue;
    }
    const auto out = host_.rmi().rtt_init_ripas(realm.rd, base, top);
    expect_ok(out.ret, "RMI_RTT_INIT_RIPAS" + at(base, walk.walk_level));
    for (Ipa e = base; e < out.top; e = e + size) {
      if (observer_.ripas) observer_.ripas(e, e + size);
    }
    base = out.top;
  }
}

void RealmBuilder::create_rec(HostRealm& realm, bool runnable, std::uint64_t pc,
                              const std::array<std::uint64_t, 8>& gprs) {
  const auto count = host_.rmi().rec_aux_count(realm.rd);
  expect_ok(count.ret, "RMI_REC_AUX_COUNT");
  const std::uint64_t aux_count = count.aux_count;
  abi::RmiRecParams p{};
  p.flags = runnable ? abi::rec_flags::kRunnable : 0U;
  p.mpidr = abi::mpidr_from_rec_index(realm.recs.size());
  p.pc = pc;
  p.gprs = gprs;
  p.num_aux = aux_count;
  StagingPage params(host_);  // before delegating, so running out of NS memory leaks nothing
  const Pa aux = host_.delegate_new(aux_count);
  for (std::uint64_t i = 0; i < aux_count; ++i) p.aux[i] = (aux + i * kGranuleSize).value();
  Pa rec;
  try {
    rec = host_.delegate_new();
  } catch (const HostError&) {
    host_.undelegate_and_free(aux, aux_count);
    throw;
  }
  params.write(std::as_bytes(std::span(&p, 1)));
  if (const auto ret = host_.rmi().rec_create(realm.rd, rec, params.pa()); !ret.ok()) {
    host_.undelegate_and_free(rec);
    host_.undelegate_and_free(aux, aux_count);
    throw HostError("RMI_REC_CREATE: " + describe(ret));
  }
  realm.recs.push_back({rec, aux, aux_count});
  if (runnable && observer_.rec) observer_.rec(p);
}

bool RealmBuilder::add_apt(HostRealm& realm) {
  const Pa apt = host_.delegate_new();
  if (const auto ret = host_.rmi().apt_create(realm.rd, apt); !ret.ok()) {
    host_.undelegate_and_free(apt);  // e.g. the realm is off, or its CSM teardown began
    return false;
  }
  realm.apts.push_back(apt);
  return true;
}

void RealmBuilder::activate(HostRealm& realm) {
  expect_ok(host_.rmi().realm_activate(realm.rd), "RMI_REALM_ACTIVATE");
}

bool RealmBuilder::still_holds(const HostRealm& realm, Ipa ipa, RttLevel level, abi::RmiRttEntryState state, Pa pa) {
  const auto e = host_.rmi().rtt_read_entry(realm.rd, ipa, level);
  return e.ret.ok() && e.walk_level == level && e.state == state && s2::desc_oa(e.desc) == pa;
}

void RealmBuilder::destroy(HostRealm& realm) {
  for (const auto& r : realm.recs) {
    expect_ok(host_.rmi().rec_destroy(r.rec), "RMI_REC_DESTROY");
    host_.undelegate_and_free(r.rec);
    host_.undelegate_and_free(r.aux, r.aux_count);
  }
  realm.recs.clear();
  for (Pa apt : realm.apts) {
    expect_ok(host_.rmi().apt_destroy(realm.rd, apt), "RMI_APT_DESTROY");
    host_.undelegate_and_free(apt);
  }
  realm.apts.clear();
  for (const auto& [ipa, pa] : realm.data) {
    if (!still_holds(realm, Ipa{ipa}, s2::kMaxLevel, abi::RmiRttEntryState::kAssigned, pa)) continue;
    const auto out = host_.rmi().data_destroy(realm.rd, Ipa{ipa});
    expect_ok(out.ret, "RMI_DATA_DESTROY" + at(Ipa{ipa}, s2::kMaxLevel));
    if (out.data != pa) throw HostError("RMI_DATA_DESTROY returned an unexpected granule");
    host_.undelegate_and_free(pa);
  }
  realm.data.clear();
  for (auto it = realm.tables.rbegin(); it != realm.tables.rend(); ++it) {
    if (!still_holds(realm, it->ipa, it->level.parent(), abi::RmiRttEntryState::kTable, it->pa)) continue;
    const auto out = host_.rmi().rtt_destroy(realm.rd, it->ipa, it->level);
    expect_ok(out.ret, "RMI_RTT_DESTROY" + at(it->ipa, it->level));
    host_.undelegate_and_free(it->pa);
  }
  realm.tables.clear();
  expect_ok(host_.rmi().realm_destroy(realm.rd), "RMI_REALM_DESTROY");
  host_.undelegate_and_free(realm.rd);
  host_.undelegate_and_free(realm.rtt_base, realm.num_start);
}

}  // namespace caec::host
