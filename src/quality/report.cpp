// The insurer's quality report (R-REG-4, R-REG-5, R-REG-1's "prompt registration").
//
// One pass over every version of the store, in card-key order, does the whole job: a card
// key's versions arrive together, so this insurer's keys yield their findings (no My Number,
// kanji conversions, "●" in names, certificates that contradict the age, numbers that are a
// re-split of another member's (R-CONF-9, layout.cpp), the registration
// lag of each acquisition and loss) as soon as the key ends, and the current version of
// every key — any insurer's — whose person link one of this insurer's members also carries
// is kept in a compact record. Sorting those records by link then puts each person's
// registrations side by side: differing name, kana, birth date or sex under one link is a
// 取り違い suspect. A first, cheap pass over this insurer's own range collects the links to
// keep, so memory follows the insurer's size, not the store's.
#include <algorithm>
#include <boost/json.hpp>
#include <cstring>
#include <map>
#include <unordered_set>

#include "core/burden.h"
#include "core/date.h"
#include "quality/detail.h"
#include "quality/medical_aid.h"
#include "quality/quality.h"

namespace onshi::quality {
namespace {

using detail::json_field;
using detail::json_key;
using detail::json_string;

// The first 16 bytes of a person link (an HMAC-SHA256): plenty to tell people apart.
struct Link {
  uint64_t hi = 0, lo = 0;
  bool operator==(const Link&) const = default;
  bool operator<(const Link& o) const { return hi != o.hi ? hi < o.hi : lo < o.lo; }
};
Link link_of(const std::string& raw) {
  char buf[16] = {};
  std::memcpy(buf, raw.data(), std::min<size_t>(raw.size(), 16));
  Link l;
  std::memcpy(&l.hi, buf, 8);
  std::memcpy(&l.lo, buf + 8, 8);
  return l;
}
struct LinkHash {
  size_t operator()(const Link& l) const { return static_cast<size_t>(l.hi ^ (l.lo * 0x9E3779B97F4A7C15ULL)); }
};

// One registration of a person, as compared across insurers.
struct PersonRecord {
  Link link;
  uint64_t name = 0, kana = 0;  // hashes of name and kana without spaces
  std::string birthdate;
  std::string sex;
  std::string insurer_number, symbol, number, branch;
  bool own = false;
};

uint64_t hash_of(std::string_view s) { return std::hash<std::string_view>{}(s); }

std::string member_json(const core::Qualification& q) {
  std::string out = "{";
  detail::member_fields(out, q);
  out.push_back('}');
  return out;
}
std::string member_json(const PersonRecord& p) {
  std::string out = "{";
  json_field(out, "insurerNumber", p.insurer_number);
  json_field(out, "insuredCardSymbol", p.symbol);
  json_field(out, "insuredIdentificationNumber", p.number);
  json_field(out, "insuredBranchNumber", p.branch);
  out.push_back('}');
  return out;
}

// A list of JSON objects, each appended whole.
struct List {
  std::string text = "[";
  int64_t count = 0;
  void add(const std::string& object) {
    if (count++) text.push_back(',');
    text += object;
  }
  std::string close() const { return text + "]"; }
};

bool valid_on(const std::string& from, const std::string& to, core::Date d) {
  auto f = core::Date::parse(from);
  if (!f || d < *f) return false;
  if (to.empty()) return true;
  auto t = core::Date::parse(to);
  return t && !(*t < d);
}

const char* band_name(core::AgeBand b) {
  switch (b) {
    case core::AgeBand::kPreschool: return "preschool";
    case core::AgeBand::kGeneral: return "general";
    case core::AgeBand::kElderly: return "elderly";
    case core::AgeBand::kLatterElderly: return "latterElderly";
  }
  return "";
}

// 高齢受給者証 負担割合 × 限度額適用区分 × age on `today` (research §6), for a member covered
// today. Registration checks the certificates against the age on their start date; people
// age, so the same data can contradict itself later — which is what this finds.
void check_certificates(const core::Qualification& q, core::Date today, List& out) {
  auto birth = core::Date::parse(q.birthdate);
  if (!birth) return;
  const bool latter = q.insurer_number.size() == 8 && q.insurer_number.compare(0, 2, "39") == 0;
  const core::AgeBand band = latter ? core::AgeBand::kLatterElderly : core::age_band(*birth, today);
  const core::ElderlyRecipientCertificate* el =
      q.elderly_recipient && valid_on(q.elderly_recipient->valid_start_date,
                                      q.elderly_recipient->valid_end_date, today)
          ? &*q.elderly_recipient
          : nullptr;
  const core::LimitApplicationCertificate* lim =
      q.limit_application && valid_on(q.limit_application->valid_start_date,
                                      q.limit_application->valid_end_date, today)
          ? &*q.limit_application
          : nullptr;
  const int elderly_ratio = el ? core::parse_ratio_percent(el->contribution_ratio) : 0;
  const int card_ratio = core::parse_ratio_percent(q.insured_partial_contribution_ratio);

  std::vector<const char*> reasons;
  if (el && band != core::AgeBand::kElderly) reasons.push_back("ELDERLY_CERTIFICATE_AGE");
  if (!el && band == core::AgeBand::kElderly) reasons.push_back("ELDERLY_CERTIFICATE_MISSING");
  if (lim && !lim->classification.empty() && !lim->classification_flag.empty() &&
      !core::limit_certificate_kind_consistent(lim->classification, lim->classification_flag))
    reasons.push_back("LIMIT_CERTIFICATE_KIND");
  if (lim && !lim->classification_flag.empty() &&
      !core::limit_classification_plausible(band, elderly_ratio, card_ratio,
                                             lim->classification_flag, today))
    reasons.push_back("LIMIT_CLASSIFICATION_AGE_RATIO");
  for (const char* reason : reasons) {
    std::string o = "{";
    json_key(o, "member");
    o += member_json(q);
    json_field(o, "reason", reason);
    json_field(o, "age", core::age_on(*birth, today));
    json_field(o, "ageBand", band_name(band));
    if (el) json_field(o, "elderlyRecipientContributionRatio", el->contribution_ratio);
    if (!q.insured_partial_contribution_ratio.empty())
      json_field(o, "insuredPartialContributionRatio", q.insured_partial_contribution_ratio);
    if (lim) {
      json_field(o, "limitApplicationCertificateClassification", lim->classification);
      json_field(o, "limitApplicationCertificateClassificationFlag", lim->classification_flag);
    }
    o.push_back('}');
    out.add(o);
  }
}

// Registration lag of one event: recorded (JST date) − effective date, in days.
struct LagEvent {
  int32_t effective = 0;  // day number
  int32_t lag = 0;        // days; negative = registered in advance
  int64_t recorded_us = 0;
  bool loss = false;
  int32_t member = -1;    // index into late_members when the lag exceeds the threshold
};

class ReportBuilder {
 public:
  ReportBuilder(const ReportOptions& o, std::string insurer)
      : o_(o), insurer_(std::move(insurer)), today_s_(o.today.yyyymmdd()) {}

  Status collect_links(store::Store& store) {
    return store.scan_current(insurer_, [&](const store::QualificationVersion& v) {
      if (!v.person_link.empty()) own_links_.insert(link_of(v.person_link));
      return true;
    });
  }

  Status scan(store::Store& store) {
    auto st = store.scan_versions([&](const store::QualificationVersion& v) {
      const auto& q = v.qualification;
      if (!same_key(q)) {
        flush();
        start_key(q);
      }
      const bool own = q.insurer_number == insurer_;
      const bool linked = !v.person_link.empty() && own_links_.count(link_of(v.person_link));
      relevant_ = own || linked;
      if (own) track_history(v);
      if (relevant_) last_ = v;
      return true;
    });
    if (!st) return st;
    flush();
    return {};
  }

  std::string finish(store::Store& store, Status& status);

 private:
  bool same_key(const core::Qualification& q) const {
    return started_ && q.insurer_number == key_[0] && q.insured_card_symbol == key_[1] &&
           q.insured_identification_number == key_[2] && q.insured_branch_number == key_[3];
  }
  void start_key(const core::Qualification& q) {
    started_ = true;
    key_[0] = q.insurer_number;
    key_[1] = q.insured_card_symbol;
    key_[2] = q.insured_identification_number;
    key_[3] = q.insured_branch_number;
    relevant_ = false;
    first_version_ = true;
    prev_disq_.clear();
    key_events_.clear();
  }

  // Acquisition = the key's first version; loss = a version whose 喪失日 appears or changes.
  void track_history(const store::QualificationVersion& v) {
    const auto& q = v.qualification;
    const int32_t recorded = core::Date::from_unix_us_jst(v.recorded_at_us).days();
    auto add = [&](const std::string& date, bool loss) {
      auto d = core::Date::parse(date);
      if (!d) return;
      LagEvent e;
      e.effective = d->days();
      e.lag = recorded - d->days();
      e.recorded_us = v.recorded_at_us;
      e.loss = loss;
      key_events_.push_back(e);
    };
    if (first_version_) {
      add(q.qualification_date, false);
      first_version_ = false;
    }
    if (!q.disqualification_date.empty() && q.disqualification_date != prev_disq_)
      add(q.disqualification_date, true);
    prev_disq_ = q.disqualification_date;
    onboarding_us_ = onboarding_us_ == 0 ? v.recorded_at_us : std::min(onboarding_us_, v.recorded_at_us);
  }

  void flush() {
    if (!started_ || !relevant_) return;
    const auto& q = last_.qualification;
    const bool own = q.insurer_number == insurer_;
    if (!last_.person_link.empty() && own_links_.count(link_of(last_.person_link))) {
      PersonRecord p;
      p.link = link_of(last_.person_link);
      p.name = hash_of(detail::without_spaces(q.name));
      p.kana = hash_of(detail::without_spaces(q.name_kana));
      p.birthdate = q.birthdate;
      p.sex = q.sex1;
      p.insurer_number = q.insurer_number;
      p.own = own;
      if (own) {
        p.symbol = q.insured_card_symbol;
        p.number = q.insured_identification_number;
        p.branch = q.insured_branch_number;
      }
      people_.push_back(std::move(p));
    }
    if (!own) return;
    ++members_;
    card_numbers_.push_back(
        {q.insured_card_symbol, q.insured_identification_number, q.insured_branch_number});
    const bool covered = q.covers(today_s_);
    if (covered) ++covered_;
    if (last_.person_link.empty()) {
      ++without_total_;
      if (covered) without_.add(member_json(q));
    }
    if (!last_.conversions.empty() && last_.conversions != "[]") {
      std::string o = "{";
      json_key(o, "member");
      o += member_json(q);
      json_key(o, "conversions");
      o += last_.conversions;
      o.push_back('}');
      conversions_.add(o);
    }
    {
      std::vector<const char*> fields;
      static constexpr std::string_view kBullet = "\xE2\x97\x8F";  // ●
      if (q.name.find(kBullet) != std::string::npos) fields.push_back("Name");
      if (q.insured_name.find(kBullet) != std::string::npos) fields.push_back("InsuredName");
      if (q.name_of_other.find(kBullet) != std::string::npos) fields.push_back("NameOfOther");
      if (q.address.find(kBullet) != std::string::npos) fields.push_back("Address");
      if (!fields.empty()) {
        std::string o = "{";
        json_key(o, "member");
        o += member_json(q);
        json_key(o, "fields");
        o.push_back('[');
        for (size_t i = 0; i < fields.size(); ++i) {
          if (i) o.push_back(',');
          json_string(o, fields[i]);
        }
        o += "]}";
        bullets_.add(o);
      }
    }
    if (covered) check_certificates(q, o_.today, certificates_);
    int32_t member = -1;
    for (auto& e : key_events_) {
      if (e.lag > o_.late_days) {
        if (member < 0) {
          member = static_cast<int32_t>(late_members_.size());
          late_members_.push_back(member_json(q));
        }
        e.member = member;
      }
      events_.push_back(e);
    }
  }

  std::string shared_my_number();
  std::string registration_lag();
  Result<std::string> rejected_at_import(store::Store& store, int64_t& total);

  const ReportOptions& o_;
  std::string insurer_;
  std::string today_s_;
  std::unordered_set<Link, LinkHash> own_links_;

  // The key being scanned.
  bool started_ = false, relevant_ = false, first_version_ = true;
  std::string key_[4];
  std::string prev_disq_;
  store::QualificationVersion last_;
  std::vector<LagEvent> key_events_;

  // Findings.
  int64_t members_ = 0, covered_ = 0, without_total_ = 0;
  List without_, conversions_, bullets_, certificates_;
  std::vector<PersonRecord> people_;
  std::vector<LagEvent> events_;
  std::vector<std::string> late_members_;
  std::vector<detail::CardNumbers> card_numbers_;  // R-CONF-9: every member's numbers
  int64_t onboarding_us_ = 0;
  int64_t shared_count_ = 0, late_count_ = 0;
};

// Each of this insurer's members against every other registration under the same link.
std::string ReportBuilder::shared_my_number() {
  std::sort(people_.begin(), people_.end(),
            [](const PersonRecord& a, const PersonRecord& b) { return a.link < b.link; });
  List out;
  for (size_t i = 0; i < people_.size();) {
    size_t j = i;
    while (j < people_.size() && people_[j].link == people_[i].link) ++j;
    for (size_t a = i; a < j; ++a) {
      if (!people_[a].own) continue;
      for (size_t b = i; b < j; ++b) {
        if (a == b) continue;
        const auto& x = people_[a];
        const auto& y = people_[b];
        std::vector<const char*> differs;
        if (x.name != y.name) differs.push_back("Name");
        if (x.kana != y.kana) differs.push_back("NameKana");
        if (x.birthdate != y.birthdate) differs.push_back("Birthdate");
        if (x.sex != y.sex) differs.push_back("Sex1");
        if (differs.empty()) continue;
        std::string o = "{";
        json_key(o, "member");
        o += member_json(x);
        json_key(o, "other");
        if (y.own) {
          o += member_json(y);
        } else {
          o += "{";
          json_field(o, "insurerNumber", y.insurer_number);
          o += "}";
        }
        json_key(o, "differs");
        o.push_back('[');
        for (size_t k = 0; k < differs.size(); ++k) {
          if (k) o.push_back(',');
          json_string(o, differs[k]);
        }
        o.push_back(']');
        // Birth date or sex differing is the strong sign of a number typed to the wrong person.
        bool strong = x.birthdate != y.birthdate || x.sex != y.sex;
        json_field(o, "suspicion", strong ? "high" : "name");
        o.push_back('}');
        out.add(o);
      }
    }
    i = j;
  }
  shared_count_ = out.count;
  return out.close();
}

std::string ReportBuilder::registration_lag() {
  const core::Date since =
      o_.lag_since ? *o_.lag_since
                   : (onboarding_us_ ? core::Date::from_unix_us_jst(onboarding_us_) : o_.today);
  int64_t backlog = 0;
  std::vector<int32_t> lags;
  int64_t buckets[7] = {};
  static constexpr const char* kBucketNames[7] = {"inAdvance", "sameDay", "1-5", "6-14",
                                                  "15-30", "31-90", "91+"};
  std::vector<const LagEvent*> late;
  for (const auto& e : events_) {
    if (e.effective < since.days()) {
      ++backlog;
      continue;
    }
    lags.push_back(std::max(0, e.lag));
    int b = e.lag < 0 ? 0 : e.lag == 0 ? 1 : e.lag <= 5 ? 2 : e.lag <= 14 ? 3 : e.lag <= 30 ? 4
            : e.lag <= 90 ? 5 : 6;
    ++buckets[b];
    if (e.lag > o_.late_days) late.push_back(&e);
  }
  std::sort(lags.begin(), lags.end());
  auto pct = [&](int p) -> int64_t {
    if (lags.empty()) return 0;
    size_t idx = (lags.size() - 1) * static_cast<size_t>(p) / 100;
    return lags[idx];
  };
  std::sort(late.begin(), late.end(), [](const LagEvent* a, const LagEvent* b) {
    return a->lag != b->lag ? a->lag > b->lag : a->recorded_us < b->recorded_us;
  });
  late_count_ = static_cast<int64_t>(late.size());
  std::string o = "{";
  json_field(o, "since", since.iso());
  json_field(o, "lateDays", o_.late_days);
  json_field(o, "events", static_cast<int64_t>(lags.size()));
  json_field(o, "backlog", backlog);
  json_key(o, "buckets");
  o.push_back('{');
  for (int b = 0; b < 7; ++b) json_field(o, kBucketNames[b], buckets[b]);
  o.push_back('}');
  json_field(o, "p50", pct(50));
  json_field(o, "p90", pct(90));
  json_field(o, "p99", pct(99));
  json_field(o, "max", lags.empty() ? 0 : static_cast<int64_t>(lags.back()));
  json_key(o, "late");
  List list;
  for (const LagEvent* e : late) {
    std::string x = "{";
    json_key(x, "member");
    x += late_members_[static_cast<size_t>(e->member)];
    json_field(x, "event", e->loss ? "DisqualificationDate" : "QualificationDate");
    core::Date d;
    d = d.add_days(e->effective);
    json_field(x, "effectiveDate", d.yyyymmdd());
    json_field(x, "recordedAt", detail::iso_jst(e->recorded_us));
    json_field(x, "lagDays", static_cast<int64_t>(e->lag));
    x.push_back('}');
    list.add(x);
  }
  o += list.close();
  o.push_back('}');
  return o;
}

// Rows rejected at import, by error code. Import runs are kept per file, not per insurer (a
// file may carry several), so every run is listed with its source.
Result<std::string> ReportBuilder::rejected_at_import(store::Store& store, int64_t& total) {
  auto runs = store.import_runs();
  if (!runs) return runs.error();
  std::map<std::string, int64_t> by_code;
  List list;
  total = 0;
  for (const auto& r : *runs) {
    total += r.rejected;
    std::string codes = "{";
    boost::system::error_code ec;
    auto doc = boost::json::parse(r.rejected_by_code_json.empty() ? "{}" : r.rejected_by_code_json, ec);
    if (!ec && doc.is_object()) {
      for (const auto& [k, v] : doc.as_object()) {
        int64_t n = v.is_int64() ? v.as_int64() : v.is_uint64() ? static_cast<int64_t>(v.as_uint64()) : 0;
        by_code[std::string(k)] += n;
        json_field(codes, k, n);
      }
      codes.push_back('}');
    } else {
      codes = "null";  // the run's counts by code could not be read
    }
    std::string o = "{";
    json_field(o, "startedAt", detail::iso_jst(r.started_at_us));
    json_field(o, "source", r.source);
    json_field(o, "accepted", r.accepted);
    json_field(o, "unchanged", r.unchanged);
    json_field(o, "rejected", r.rejected);
    json_key(o, "byCode");
    o += codes;
    o.push_back('}');
    list.add(o);
  }
  std::string o = "{";
  json_field(o, "total", total);
  json_key(o, "byCode");
  o.push_back('{');
  for (const auto& [k, n] : by_code) json_field(o, k, n);
  o.push_back('}');
  json_key(o, "runs");
  o += list.close();
  o.push_back('}');
  return o;
}

std::string ReportBuilder::finish(store::Store& store, Status& status) {
  std::string shared = shared_my_number();
  int64_t ambiguous_count = 0;
  std::string ambiguous = detail::ambiguous_card_numbers(insurer_, card_numbers_, ambiguous_count);
  std::string lag = registration_lag();
  int64_t rejected_total = 0;
  auto rejected = rejected_at_import(store, rejected_total);
  int64_t aid_total = 0;  // 国保・後期 members also covered by 医療扶助 (quality/medical_aid.h)
  auto aid = medical_aid_overlaps(store, insurer_, &aid_total);
  if (!rejected || !aid) {
    status = !rejected ? rejected.status() : aid.status();
    return {};
  }
  std::string o = "{";
  json_field(o, "insurerNumber", insurer_);
  json_field(o, "asOf", o_.today.iso());
  json_field(o, "generatedAt", detail::iso_jst(core::now_unix_us()));
  json_key(o, "summary");
  o.push_back('{');
  json_field(o, "members", members_);
  json_field(o, "coveredToday", covered_);
  json_field(o, "sharedMyNumber", shared_count_);
  json_field(o, "withoutMyNumber", without_total_);
  json_field(o, "kanjiConversions", conversions_.count);
  json_field(o, "bulletInName", bullets_.count);
  json_field(o, "contradictoryCertificates", certificates_.count);
  json_field(o, "lateRegistrations", late_count_);
  json_field(o, "rejectedAtImport", rejected_total);
  json_field(o, "ambiguousCardNumbers", ambiguous_count);
  json_field(o, "medicalAidOverlap", aid_total);
  o.push_back('}');
  json_key(o, "sharedMyNumber");
  o += shared;
  json_key(o, "withoutMyNumber");
  o.push_back('{');
  json_field(o, "total", without_total_);
  json_field(o, "coveredToday", without_.count);
  json_key(o, "members");
  o += without_.close();
  o.push_back('}');
  json_key(o, "kanjiConversions");
  o += conversions_.close();
  json_key(o, "bulletInName");
  o += bullets_.close();
  json_key(o, "contradictoryCertificates");
  o += certificates_.close();
  json_key(o, "registrationLag");
  o += lag;
  json_key(o, "rejectedAtImport");
  o += *rejected;
  json_key(o, "ambiguousCardNumbers");
  o += ambiguous;
  json_key(o, "medicalAidOverlap");
  o += *aid;
  o.push_back('}');
  return o;
}

}  // namespace

Result<std::string> build_report(store::Store& store, const ReportOptions& options) {
  auto insurer = detail::checked_insurer(options.insurer_number);
  if (!insurer) return insurer.error();
  if (options.late_days < 0)
    return Error{"E_FLAG", "late-days", "遅延とみなす日数は0以上です"};
  ReportBuilder b(options, *insurer);
  if (auto st = b.collect_links(store); !st) return st.error();
  if (auto st = b.scan(store); !st) return st.error();
  Status status;
  std::string out = b.finish(store, status);
  if (!status) return status.error();
  return out;
}

}  // namespace onshi::quality
