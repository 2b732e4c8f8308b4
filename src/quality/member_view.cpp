// The insurer's member view (R-REG-7; seed 000 §3, §8): everything an insurer needs to
// answer a member's inquiry ("the clinic says I am not covered") on one screen.
//
// For each card key asked about: every version with its recorded time, what changed and
// the kanji conversions made; whether a My Number is registered (never the number); what an
// institution is shown today — the very result document a confirmation with consent would
// return, written by the interface's own JSON writer so the two cannot drift apart; and the
// confirmations institutions made, from the audit log (each one durable before it was
// answered, so a confirmation made a moment ago is on the screen). The view is itself a read of
// personal data and is audited: it is answered only once its audit entries are durable.
#include <boost/json.hpp>

#include "core/burden.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/qualification_json.h"
#include "core/text.h"
#include "oqs/messages.h"
#include "quality/detail.h"
#include "quality/quality.h"
#include "security/audit_events.h"

namespace onshi::quality {
namespace {

using detail::json_field;
using detail::json_key;

namespace json = boost::json;

// Element names whose value differs between two versions (top-level keys of the JSON form).
std::vector<std::string> changed_fields(const core::Qualification& a, const core::Qualification& b) {
  std::vector<std::string> out;
  boost::system::error_code e1, e2;
  auto ja = json::parse(core::qualification_to_json(a), e1);
  auto jb = json::parse(core::qualification_to_json(b), e2);
  if (e1 || e2 || !ja.is_object() || !jb.is_object()) return out;
  const auto& oa = ja.as_object();
  const auto& ob = jb.as_object();
  for (const auto& [k, v] : ob) {
    const auto* old = oa.if_contains(k);
    if (!old || *old != v) out.emplace_back(k);
  }
  for (const auto& [k, v] : oa)
    if (!ob.if_contains(k)) out.emplace_back(k);
  return out;
}

// QualificationValidity an institution would get today (the rules of confirm/).
Result<std::string> validity_today(store::Store& store, const store::QualificationVersion& v,
                                   const std::string& today) {
  if (v.qualification.covers(today)) return std::string("1");
  if (v.person_link.empty()) return std::string("2");
  auto others = store.find_by_person_link(v.person_link, core::now_unix_us());
  if (!others) return others.error();
  const std::string key = v.qualification.card_key();
  for (const auto& o : *others) {
    if (o.qualification.card_key() == key) continue;
    if (o.qualification.covers(today) ||
        o.qualification.qualification_date > v.qualification.qualification_date)
      return std::string("3");
  }
  return std::string("2");
}

std::string shown_to_institutions(const store::QualificationVersion& v, core::Date today,
                                  const std::string& validity) {
  oqs::ConfirmResult r;
  r.header.process_execution_time = core::timestamp_jst();
  r.header.qualification_confirmation_date = today.yyyymmdd();
  r.header.reference_classification = "2";
  r.header.segment_of_result = "1";
  r.processing_result_status = "1";
  r.qualification_validity = validity;
  oqs::ResultItem item;
  item.qualification = v.qualification;
  if (auto birth = core::Date::parse(v.qualification.birthdate);
      birth && core::is_preschool(*birth, today))
    item.preschool_classification = "1";
  item.include_limit = true;  // shown only when the patient consents
  item.include_specific_diseases = true;
  item.consents.limit_flg = "1";
  r.results.push_back(std::move(item));
  return oqs::write_confirm_result_json(r);
}

// One confirmation of the view, as decoded from its audit entry (security/audit_events.h).
std::string confirmation_json(const security::Confirmation& c, const store::AuditEntry& e) {
  std::string o = "{";
  json_field(o, "medicalInstitutionCode", c.medical_institution_code);
  json_field(o, "time", detail::iso_jst(e.time_us));
  json_field(o, "qualificationConfirmationDate", c.date.yyyymmdd());
  json_field(o, "qualificationValidity", std::to_string(static_cast<int>(c.validity)));
  json_field(o, "limitApplicationCertificateRelatedConsFlg", c.limit_consent ? "1" : "0");
  json_field(o, "referenceClassification",
             std::to_string(static_cast<int>(c.reference_classification)));
  json_field(o, "auditSeq", e.seq);
  o.push_back('}');
  return o;
}

// The card keys a query names: the one key when the 枝番 is given, else every branch of the
// card registered now.
Result<std::vector<std::string>> card_keys(store::Store& store, const MemberQuery& query,
                                           const std::string& insurer) {
  const std::string symbol = core::normalize_card_field(query.insured_card_symbol);
  const std::string number = core::normalize_card_field(query.insured_identification_number);
  const std::string branch = core::normalize_card_field(query.insured_branch_number);
  if (number.empty())
    return Error{"E_MISSING", "insuredIdentificationNumber", "被保険者証番号を指定してください"};
  if (Status st = core::check_length(core::kInsuredCardSymbolLimit, symbol); !st)
    return Error{st.error().code, "insuredCardSymbol", st.error().message};
  if (Status st = core::check_length(core::kInsuredIdentificationNumberLimit, number); !st)
    return Error{st.error().code, "insuredIdentificationNumber", st.error().message};
  if (!branch.empty() && !(branch.size() == 2 && core::all_digits(branch)))
    return Error{"E_BRANCH_NUMBER", "insuredBranchNumber", "枝番は2桁の数字です"};
  std::vector<std::string> keys;
  if (!branch.empty()) {
    keys.push_back(core::make_card_key(insurer, symbol, number, branch));
  } else {
    auto found = store.find_by_card(insurer, symbol, number, core::now_unix_us());
    if (!found) return found.error();
    for (const auto& v : *found) keys.push_back(v.qualification.card_key());
  }
  return keys;
}

// "versions": every version, oldest first, with what changed from the one before.
void append_versions(std::string& o, const std::vector<store::QualificationVersion>& history) {
  json_key(o, "versions");
  o.push_back('[');
  for (size_t i = 0; i < history.size(); ++i) {
    const auto& v = history[i];
    if (i) o.push_back(',');
    o.push_back('{');
    json_field(o, "recordedAt", detail::iso_jst(v.recorded_at_us));
    json_field(o, "source", v.source);
    json_key(o, "changes");
    o.push_back('[');
    if (i > 0) {
      const auto& prev = history[i - 1];
      auto changed = changed_fields(prev.qualification, v.qualification);
      if (prev.person_link != v.person_link) changed.emplace_back("myNumber");
      for (size_t k = 0; k < changed.size(); ++k) {
        if (k) o.push_back(',');
        detail::json_string(o, changed[k]);
      }
    }
    o.push_back(']');
    json_key(o, "myNumberRegistered");
    o += v.person_link.empty() ? "false" : "true";
    json_key(o, "conversions");
    o += v.conversions.empty() ? "[]" : v.conversions;
    json_key(o, "qualification");
    o += core::qualification_to_json(v.qualification);
    o.push_back('}');
  }
  o.push_back(']');
}

// "confirmations": the confirmations institutions made of the card key, from the audit log.
Status append_confirmations(std::string& o, store::Store& store, const std::string& key) {
  json_key(o, "confirmations");
  o.push_back('[');
  bool first = true;
  auto st = store.scan_audit_by_subject(key, [&](const store::AuditEntry& e) {
    if (!security::is_confirmation(e)) return true;
    auto c = security::decode_confirmation(e);
    if (!c) {  // not shown, but never silently: the operator sees which entry
      core::log_warn("quality.audit_entry_unreadable",
                     {{"seq", std::to_string(e.seq)}, {"code", c.error().code},
                      {"field", c.error().field}});
      return true;
    }
    if (!first) o.push_back(',');
    first = false;
    o += confirmation_json(*c, e);
    return true;
  });
  if (!st) return st;
  o.push_back(']');
  return Status::Ok();
}

// One member of the view: the current qualification, what institutions are shown today,
// the versions and the confirmations.
Result<std::string> member_json(store::Store& store, const std::string& key,
                                const std::vector<store::QualificationVersion>& history,
                                core::Date today) {
  const auto& current = history.back();
  std::string o = "{";
  detail::member_fields(o, current.qualification);
  json_key(o, "myNumberRegistered");
  o += current.person_link.empty() ? "false" : "true";
  json_key(o, "current");
  o += core::qualification_to_json(current.qualification);

  auto validity = validity_today(store, current, today.yyyymmdd());
  if (!validity) return validity.error();
  json_key(o, "shownToInstitutions");
  o += "{";
  json_field(o, "asOf", today.iso());
  json_field(o, "qualificationValidity", *validity);
  json_key(o, "result");
  o += shown_to_institutions(current, today, *validity);
  o += "}";

  append_versions(o, history);
  if (auto st = append_confirmations(o, store, key); !st) return st.error();
  o.push_back('}');
  return o;
}

}  // namespace

Result<std::string> member_view(store::Store& store, security::AuditLog& audit,
                                const MemberQuery& query) {
  auto insurer = detail::checked_insurer(query.insurer_number);
  if (!insurer) return insurer.error();
  auto keys = card_keys(store, query, *insurer);
  if (!keys) return keys.error();

  // No flush is needed to show a confirmation made a moment ago: a confirmation is answered
  // only once its audit entry is durable (AuditLog::record_durable).

  const core::Date today = core::Date::today_jst();
  std::string members = "[";
  int64_t shown = 0;
  for (const auto& key : *keys) {
    auto history = store.history(key);
    if (!history) return history.error();
    if (history->empty()) continue;
    auto member = member_json(store, key, *history, today);
    if (!member) return member.error();
    if (shown++) members.push_back(',');
    members += *member;

    // Audit or refuse: the view is answered only once this read is durably recorded.
    security::MemberView ev{*insurer, key, static_cast<int64_t>(history->size())};
    if (auto st = audit.record_durable(ev); !st) return st.error();
  }
  members.push_back(']');
  if (shown == 0)
    return Error{"E_MEMBER_NOT_FOUND", "insuredIdentificationNumber",
                 "該当する被保険者が登録されていません"};

  std::string out = "{";
  json_field(out, "insurerNumber", *insurer);
  json_field(out, "asOf", today.iso());
  json_key(out, "members");
  out += members;
  out.push_back('}');
  return out;
}

}  // namespace onshi::quality
