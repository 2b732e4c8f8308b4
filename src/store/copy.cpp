// `onshi db copy` (store/copy.h): first a plan that compares what both databases hold where
// that is cheap — the import runs, the institutions registry, the audit chain's tail — so a
// target holding another installation is refused before anything is written; then the
// stores, streamed in batches. The audit chain is checked at one point only: its entries are
// hash-linked, so when the target's last entry equals the source's entry with that seq, every
// entry before it does too (`onshi audit verify` on the target proves the rest).
#include "store/copy.h"

#include <map>
#include <optional>
#include <utility>

namespace onshi::store {
namespace {

Error conflict(const std::string& store, const std::string& what) {
  return Error{"E_COPY_CONFLICT", store, what + " differs between the source and the target"};
}

// ---- the plan --------------------------------------------------------------------------

struct Plan {
  std::vector<ImportRun> import_runs;  // the source's runs the target lacks
  int64_t import_runs_total = 0;
  InstitutionTables institutions;  // the source's rows the target lacks
  int64_t institutions_total = 0;
  int64_t audit_from = 1;  // the first seq the target lacks
  int64_t audit_total = 0;
};

// The target's runs must be the first runs of the source (they have no key but their order).
Status plan_import_runs(Store& from, Store& to, Plan& plan) {
  auto src = from.import_runs();
  if (!src) return src.status();
  auto dst = to.import_runs();
  if (!dst) return dst.status();
  if (dst->size() > src->size()) return conflict("import_runs", "the number of import runs");
  for (size_t i = 0; i < dst->size(); ++i)
    if ((*dst)[i] != (*src)[i])
      return conflict("import_runs", "import run " + std::to_string(i + 1));
  plan.import_runs.assign(src->begin() + static_cast<std::ptrdiff_t>(dst->size()), src->end());
  plan.import_runs_total = static_cast<int64_t>(src->size());
  return {};
}

// The rows of `src` whose key `dst` lacks; E_COPY_CONFLICT when a key holds other values.
template <class Row, class Key>
Status missing(const std::vector<Row>& src, const std::vector<Row>& dst, Key key,
               const std::string& what, std::vector<Row>& out) {
  std::map<std::string, const Row*> held;
  for (const auto& r : dst) held.emplace(key(r), &r);
  for (const auto& r : src) {
    auto it = held.find(key(r));
    if (it == held.end())
      out.push_back(r);
    else if (!(*it->second == r))
      return conflict("institutions", what + " " + it->first);
  }
  return {};
}

std::string key_of(const std::string& a, const std::string& b, const std::string& c = "") {
  return a + "/" + b + (c.empty() ? "" : "/" + c);
}

Status plan_institutions(InstitutionStore& from, InstitutionStore& to, Plan& plan) {
  auto s = from.export_tables();
  if (!s) return s.status();
  auto d = to.export_tables();
  if (!d) return d.status();
  InstitutionTables& m = plan.institutions;
  auto id = [](const auto& r) { return std::to_string(r.id); };
  auto seq = [](const auto& r) { return std::to_string(r.seq); };
  Status st = missing(s->entries, d->entries, id, "institution id", m.entries);
  if (st) st = missing(s->events, d->events, seq, "institution event", m.events);
  if (st) st = missing(s->medical_aid, d->medical_aid, seq, "medical-aid setting", m.medical_aid);
  if (st)
    st = missing(
        s->high_water, d->high_water,
        [](const StoredHighWater& h) { return key_of(h.prefecture, h.score_table, h.district); },
        "high-water mark", m.high_water);
  if (st)
    st = missing(
        s->counters, d->counters, [](const StoredCounter& c) { return c.name; }, "counter",
        m.counters);
  if (st)
    st = missing(
        s->schedule_overrides, d->schedule_overrides,
        [](const StoredScheduleOverride& o) { return o.month; }, "schedule override",
        m.schedule_overrides);
  if (st)
    st = missing(
        s->population, d->population,
        [](const PopulationTotal& p) { return key_of(p.kind, p.prefecture); }, "population",
        m.population);
  plan.institutions_total = static_cast<int64_t>(
      s->entries.size() + s->events.size() + s->medical_aid.size() + s->high_water.size() +
      s->counters.size() + s->schedule_overrides.size() + s->population.size());
  return st;
}

int64_t rows_in(const InstitutionTables& t) {
  return static_cast<int64_t>(t.entries.size() + t.events.size() + t.medical_aid.size() +
                              t.high_water.size() + t.counters.size() +
                              t.schedule_overrides.size() + t.population.size());
}

// The target's last entry must be the source's entry with that seq.
Status plan_audit(Store& from, Store& to, Plan& plan) {
  auto src_last = from.last_audit();
  if (!src_last) return src_last.status();
  plan.audit_total = *src_last ? (*src_last)->seq : 0;
  auto dst_last = to.last_audit();
  if (!dst_last) return dst_last.status();
  if (!*dst_last) return {};
  const AuditEntry& tail = **dst_last;
  std::optional<AuditEntry> same_seq;
  Status st = from.scan_audit(tail.seq, [&](const AuditEntry& e) {
    if (e.seq == tail.seq) same_seq = e;
    return false;
  });
  if (!st) return st;
  const bool equal = same_seq && same_seq->time_us == tail.time_us &&
                     same_seq->actor == tail.actor && same_seq->action == tail.action &&
                     same_seq->subject == tail.subject && same_seq->detail == tail.detail &&
                     same_seq->prev_hash == tail.prev_hash && same_seq->hash == tail.hash;
  if (!equal) return conflict("audit", "audit entry " + std::to_string(tail.seq));
  plan.audit_from = tail.seq + 1;
  return {};
}

// ---- the copy -------------------------------------------------------------------------

// Reports one store's progress and keeps its final step for the report.
class Steps {
 public:
  Steps(const CopyProgress& progress, CopyReport& report) : progress_(progress), report_(report) {}
  CopyStep& begin(const std::string& store, int64_t total) {
    step_ = CopyStep{store, 0, total, 0, false};
    tell();
    return step_;
  }
  void tell() {
    if (progress_) progress_(step_);
  }
  void finish() {
    step_.finished = true;
    tell();
    report_.stores.push_back(step_);
  }

 private:
  const CopyProgress& progress_;
  CopyReport& report_;
  CopyStep step_;
};

// Streams rows of a scan into `put` in batches of kCopyBatch. `scan(fn)` calls fn per row
// and stops when it returns false; `put(batch)` returns how many it inserted.
template <class Row, class Scan, class Put>
Status batched(Steps& steps, CopyStep& step, Scan scan, Put put) {
  std::vector<Row> batch;
  batch.reserve(kCopyBatch);
  Status failed;
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    auto n = put(std::span<const Row>(batch));
    if (!n) {
      failed = n.status();
      return false;
    }
    step.read += static_cast<int64_t>(batch.size());
    step.copied += *n;
    batch.clear();
    steps.tell();
    return true;
  };
  Status st = scan([&](const Row& r) {
    batch.push_back(r);
    return batch.size() < kCopyBatch || flush();
  });
  if (!st) return st;
  if (!failed) return failed;
  if (!flush()) return failed;
  return {};
}

Status copy_import_runs(Store& to, const Plan& plan, Steps& steps) {
  CopyStep& step = steps.begin("import_runs", plan.import_runs_total);
  step.read = plan.import_runs_total - static_cast<int64_t>(plan.import_runs.size());
  for (const auto& run : plan.import_runs) {
    if (Status st = to.record_import(run); !st) return st;
    ++step.read;
    ++step.copied;
  }
  steps.finish();
  return {};
}

Status copy_institutions(InstitutionStore& to, const Plan& plan, Steps& steps) {
  CopyStep& step = steps.begin("institutions", plan.institutions_total);
  const int64_t n = rows_in(plan.institutions);
  if (n > 0)
    if (Status st = to.import_tables(plan.institutions); !st) return st;
  step.read = plan.institutions_total;
  step.copied = n;
  steps.finish();
  return {};
}

Status copy_audit(Store& from, Store& to, const Plan& plan, Steps& steps) {
  CopyStep& step = steps.begin("audit", plan.audit_total);
  step.read = plan.audit_from - 1;
  Status st = batched<AuditEntry>(
      steps, step,
      [&](const std::function<bool(const AuditEntry&)>& fn) {
        return from.scan_audit(plan.audit_from, fn);
      },
      [&](std::span<const AuditEntry> b) -> Result<int64_t> {
        if (Status s = to.append_audit(b); !s) return s.error();
        return static_cast<int64_t>(b.size());
      });
  if (!st) return st;
  steps.finish();
  return {};
}

Status copy_members(Store& from, Store& to, Steps& steps) {
  auto total = from.count_versions();
  if (!total) return total.status();
  CopyStep& step = steps.begin("members", *total);
  Status st = batched<QualificationVersion>(
      steps, step, [&](const auto& fn) { return from.scan_versions(fn); },
      [&](std::span<const QualificationVersion> b) { return to.put_versions_verbatim(b); });
  if (!st) return st;
  steps.finish();
  return {};
}

// Cards and receptions are read a page at a time, resuming after the last key seen, and
// written a page per transaction.
// The position a scan resumes after: the key itself, or for the clinical rows the last row
// (none before the first page).
template <class Key>
const Key& scan_position(const Key& k) { return k; }
const ClinicalRecord* scan_position(const std::optional<ClinicalRecord>& r) {
  return r ? &*r : nullptr;
}

template <class Row, class Key, class From, class To>
Status copy_pages(const char* name, size_t page, Key after, Key (*key_of)(const Row&), From& from,
                  To& to, Steps& steps) {
  CopyStep& step = steps.begin(name, -1);
  for (;;) {
    std::vector<Row> batch;
    if (Status st = from.scan(scan_position(after), page,
                              [&](const Row& r) {
                                batch.push_back(r);
                                return true;
                              });
        !st)
      return st;
    if (batch.empty()) break;
    auto n = to.put_verbatim(batch);
    if (!n) return n.status();
    after = key_of(batch.back());
    step.read += static_cast<int64_t>(batch.size());
    step.copied += *n;
    steps.tell();
  }
  steps.finish();
  return {};
}

std::string card_key(const CardRow& r) { return r.serial; }
int64_t reception_key(const BulkReception& r) { return r.seq; }

Status copy_cards(CardStore& from, CardStore& to, Steps& steps) {
  return copy_pages<CardRow, std::string>("cards", kCopyBatch, "", card_key, from, to, steps);
}

// Documents can be large: fewer of them per transaction.
Status copy_bulk(BulkStore& from, BulkStore& to, Steps& steps) {
  return copy_pages<BulkReception, int64_t>("bulk", kCopyBatch / 10, 0, reception_key, from, to,
                                            steps);
}

// The rows a page at a time in the store's order, resuming after the last row seen, then the
// viewing windows (four rows, set as the source has them).
std::optional<ClinicalRecord> clinical_key(const ClinicalRecord& r) { return r; }

Status copy_clinical(ClinicalStore& from, ClinicalStore& to, Steps& steps) {
  if (Status st = copy_pages<ClinicalRecord, std::optional<ClinicalRecord>>(
          "clinical", kCopyBatch, std::nullopt, clinical_key, from, to, steps);
      !st)
    return st;
  auto windows = from.windows();
  if (!windows) return windows.status();
  for (const ViewingWindow& w : *windows)
    if (Status st = to.set_window(w); !st) return st;
  return {};
}

// Ticket versions are read a page at a time in version_id order, resuming after the last
// id seen, and written a page per transaction.
Status copy_tickets(TicketStore& from, TicketStore& to, Steps& steps) {
  auto total = from.count_versions();
  if (!total) return total.status();
  CopyStep& step = steps.begin("medical_aid_tickets", *total);
  for (int64_t after = 0;;) {
    std::vector<TicketVersion> batch;
    Status st = from.scan_versions(after, kCopyBatch, [&](const TicketVersion& v) {
      batch.push_back(v);
      return true;
    });
    if (!st) return st;
    if (batch.empty()) break;
    auto n = to.put_versions_verbatim(batch);
    if (!n) return n.status();
    after = batch.back().version_id;
    step.read += static_cast<int64_t>(batch.size());
    step.copied += *n;
    steps.tell();
  }
  steps.finish();
  return {};
}

// The access store: consents a page at a time by id; disaster periods, accounts and
// institution settings (a few rows per institution) whole.
Status copy_access(AccessStore& from, AccessStore& to, Steps& steps) {
  CopyStep& step = steps.begin("access", -1);
  for (int64_t after = 0;;) {
    std::vector<ConsentRow> batch;
    if (Status st = from.scan_consents(after, kCopyBatch,
                                       [&](const ConsentRow& r) {
                                         batch.push_back(r);
                                         return true;
                                       });
        !st)
      return st;
    if (batch.empty()) break;
    auto n = to.put_consents_verbatim(batch);
    if (!n) return n.status();
    after = batch.back().id;
    step.read += static_cast<int64_t>(batch.size());
    step.copied += *n;
    steps.tell();
  }
  auto disasters = from.disasters();
  if (!disasters) return disasters.status();
  auto d = to.put_disasters_verbatim(*disasters);
  if (!d) return d.status();
  auto accounts = from.accounts("");
  if (!accounts) return accounts.status();
  auto a = to.put_accounts_verbatim(*accounts);
  if (!a) return a.status();
  auto settings = from.settings("");
  if (!settings) return settings.status();
  auto s = to.put_settings_verbatim(*settings);
  if (!s) return s.status();
  step.read += static_cast<int64_t>(disasters->size() + accounts->size() + settings->size());
  step.copied += *d + *a + *s;
  steps.finish();
  return {};
}

}  // namespace

int64_t CopyReport::copied() const {
  int64_t n = 0;
  for (const auto& s : stores) n += s.copied;
  return n;
}

Result<CopyReport> copy_database(Database& from, Database& to, const CopyProgress& progress) {
  Plan plan;
  Status st = plan_import_runs(from.members(), to.members(), plan);
  if (st) st = plan_institutions(from.institutions(), to.institutions(), plan);
  if (st) st = plan_audit(from.members(), to.members(), plan);
  if (!st) return st.error();
  CopyReport report;
  Steps steps(progress, report);
  st = copy_import_runs(to.members(), plan, steps);
  if (st) st = copy_institutions(to.institutions(), plan, steps);
  if (st) st = copy_audit(from.members(), to.members(), plan, steps);
  if (st) st = copy_members(from.members(), to.members(), steps);
  if (st) st = copy_cards(from.cards(), to.cards(), steps);
  if (st) st = copy_bulk(from.bulk(), to.bulk(), steps);
  if (st) st = copy_clinical(from.clinical(), to.clinical(), steps);
  if (st) st = copy_access(from.access(), to.access(), steps);
  if (st) st = copy_tickets(from.tickets(), to.tickets(), steps);
  if (!st) return st.error();
  return report;
}

}  // namespace onshi::store
