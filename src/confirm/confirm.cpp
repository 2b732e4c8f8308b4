// The confirmation rules: validate the typed card data, find the qualification as known at
// the time asked, judge the coverage on the date asked, look for a newer qualification of the
// same person, gate the consented blocks, and audit the read.
//
// Validation happens before any lookup so an invalid request reads nothing and changes
// nothing; a lookup failure inside the store answers SegmentOfResult 9 (E_STORE) rather than
// a guess. The result is returned only once the read's audit entry is durable
// (AuditLog::record_durable); when it cannot be made durable the caller gets the same
// SegmentOfResult 9 with the audit's error instead, and nothing of the person.
#include "confirm/confirm.h"

#include <algorithm>
#include <span>
#include <tuple>

#include "core/burden.h"
#include "core/codes.h"
#include "core/date.h"
#include "core/limits.h"
#include "core/medical_aid.h"
#include "core/numbers.h"
#include "core/rule_dates.h"
#include "core/text.h"
#include "security/audit_events.h"
#include "security/crypto.h"

namespace onshi::confirm {
namespace {

// The search of a request, checked and normalised.
struct Search {
  core::Date date, birth;
  std::string insurer, symbol, number, branch;
};

// Checks the header and the search; nothing is read before the request is well-formed.
Result<Search> check_request(const oqs::ConfirmRequest& req, const Caller& caller) {
  const auto& h = req.header;
  const auto& s = req.search;
  if (auto st = core::check_medical_institution_code(h.medical_institution_code); !st)
    return Error{st.error().code, "MedicalInstitutionCode", st.error().message};
  if (h.medical_institution_code != caller.medical_institution_code)
    return Error{"E_INSTITUTION_MISMATCH", "MedicalInstitutionCode",
                 "医療機関コードが証明書の医療機関コードと一致しません"};
  auto date = core::Date::parse(h.qualification_confirmation_date);
  if (!date) return Error{date.error().code, "QualificationConfirmationDate", date.error().message};
  if (Status st =
          core::check_length(core::kArbitraryFileIdentifierLimit, h.arbitrary_file_identifier);
      !st)
    return st.error();
  Search out;
  out.date = *date;
  out.insurer = core::normalize_card_field(s.insurer_number);
  const bool aid = core::is_medical_aid_number(out.insurer);
  if (auto st = aid ? core::check_public_expense_number(out.insurer)
                    : core::check_insurer_number(out.insurer);
      !st)
    return Error{st.error().code, "InsurerNumber", st.error().message};
  out.insurer = core::trim_insurer_number(out.insurer);
  out.symbol = core::normalize_card_field(s.insured_card_symbol);
  out.number = core::normalize_card_field(s.insured_identification_number);
  out.branch = core::normalize_card_field(s.insured_branch_number);
  if (out.number.empty())
    return Error{"E_MISSING", "InsuredIdentificationNumber", "被保険者証番号がありません"};
  if (aid) {  // 医療扶助: the 受給者番号 alone (confirm/medical_aid.h)
    if (!out.symbol.empty() || !out.branch.empty())
      return Error{"E_STRUCTURE", out.symbol.empty() ? "InsuredBranchNumber" : "InsuredCardSymbol",
                   "医療扶助の照会では記号・枝番を指定しません（公費負担者番号と受給者番号のみ）"};
    if (auto st = core::check_beneficiary_number(out.number); !st)
      return Error{st.error().code, "InsuredIdentificationNumber",
                   "受給者番号: " + st.error().message};
  }
  for (auto [limit, value] : {std::pair{&core::kInsuredCardSymbolLimit, &out.symbol},
                              std::pair{&core::kInsuredIdentificationNumberLimit, &out.number}})
    if (Status st = core::check_length(*limit, *value); !st) return st.error();
  if (!out.branch.empty() && !(out.branch.size() == 2 && core::all_digits(out.branch)))
    return Error{"E_BRANCH_NUMBER", "InsuredBranchNumber", "枝番は2桁の数字です"};
  auto birth = core::Date::parse(s.birthdate);
  if (!birth) return Error{birth.error().code, "Birthdate", birth.error().message};
  out.birth = *birth;
  const std::string& cons = s.limit_application_certificate_related_cons_flg;
  if (cons != "0" && cons != "1")
    return Error{"E_CODE", "LimitApplicationCertificateRelatedConsFlg",
                 "限度額適用認定証提供同意フラグは0か1です"};
  return out;
}

// The versions of the card as known at `known_at` whose birth date is the request's: the one
// key when the 枝番 is given, else every branch of the card.
Result<std::vector<store::QualificationVersion>> versions_of(store::Store& store, const Search& q,
                                                             const std::string& birthdate,
                                                             int64_t known_at) {
  std::vector<store::QualificationVersion> found;
  if (!q.branch.empty()) {
    auto v = store.qualification_as_of(core::make_card_key(q.insurer, q.symbol, q.number, q.branch),
                                       known_at);
    if (!v) return v.error();
    if (*v) found.push_back(std::move(**v));
  } else {
    auto vs = store.find_by_card(q.insurer, q.symbol, q.number, known_at);
    if (!vs) return vs.error();
    found = std::move(*vs);
  }
  std::erase_if(found, [&](const store::QualificationVersion& v) {
    return v.qualification.birthdate != birthdate;
  });
  return found;
}

// Moves the version's data into a result item (the version is not used afterwards).
oqs::ResultItem make_item(store::QualificationVersion& v, const Search& q, const oqs::SearchInfo& s,
                          const std::string& now_ts) {
  const std::string& cons = s.limit_application_certificate_related_cons_flg;
  oqs::ResultItem item;
  const bool has_specific = !v.qualification.specific_diseases.empty();
  item.qualification = std::move(v.qualification);
  if (core::is_preschool(q.birth, q.date)) item.preschool_classification = "1";
  item.consents.limit_flg = cons;
  if (cons == "1") item.consents.limit_time = now_ts;
  // Limit-certificate and specific-disease information are viewable from full operation on
  // (seed 000 §2, core/rule_dates.h): an answer as of an earlier date carries neither.
  const bool viewable = cons == "1" && core::limit_information_viewable(q.date);
  item.include_limit = viewable;
  item.include_specific_diseases = viewable;
  if (viewable && has_specific) {
    item.consents.specific_diseases_flg = "1";
    item.consents.specific_diseases_time = now_ts;
  }
  item.arbitrary_identifier = s.arbitrary_identifier;
  return item;
}

// The validity of the one match on `d`: valid, invalid, or invalid with a newer
// qualification of the same person (another card of theirs that covers `d` or began later).
Result<core::QualificationValidity> validity_of_match(store::Store& store,
                                                      const store::QualificationVersion& v,
                                                      const std::string& d, int64_t known_at) {
  if (v.qualification.covers(d)) return core::QualificationValidity::kValid;
  if (v.person_link.empty()) return core::QualificationValidity::kInvalid;
  auto others = store.find_by_person_link(v.person_link, known_at);
  if (!others) return others.error();
  const std::string key = v.qualification.card_key();
  for (const auto& o : *others) {
    if (o.qualification.card_key() == key) continue;
    if (o.qualification.covers(d) ||
        o.qualification.qualification_date > v.qualification.qualification_date)
      return core::QualificationValidity::kInvalidNewer;
  }
  return core::QualificationValidity::kInvalid;
}

// Exactly one qualification is answered (face-file consumers refuse more than one): the
// newest covering `d`; else the next one to start after it (a new insurer already
// registered: invalid, newer); else the latest one, lost before it. nullptr when none.
const store::QualificationVersion* choose_for_person(
    std::span<const store::QualificationVersion> versions, const std::string& d,
    core::QualificationValidity& validity) {
  const store::QualificationVersion* chosen = nullptr;
  validity = core::QualificationValidity::kNotFound;
  auto newer = [](const store::QualificationVersion* a, const store::QualificationVersion& b) {
    return !a || b.qualification.qualification_date > a->qualification.qualification_date ||
           (b.qualification.qualification_date == a->qualification.qualification_date &&
            b.recorded_at_us > a->recorded_at_us);
  };
  for (const auto& v : versions)
    if (v.qualification.covers(d) && newer(chosen, v)) chosen = &v;
  if (chosen) {
    validity = core::QualificationValidity::kValid;
    return chosen;
  }
  for (const auto& v : versions) {
    if (v.qualification.qualification_date <= d) continue;
    if (!chosen || v.qualification.qualification_date < chosen->qualification.qualification_date)
      chosen = &v;
  }
  if (chosen) {
    validity = core::QualificationValidity::kInvalidNewer;
    return chosen;
  }
  for (const auto& v : versions)
    if (newer(chosen, v)) chosen = &v;
  if (chosen) validity = core::QualificationValidity::kInvalid;
  return chosen;
}

// The consent flags of a card confirmation (R-CONF-4, R-CONF-5).
void set_card_consents(oqs::ResultItem& item, core::Date date, const CardOptions& options,
                       int64_t now_us) {
  const std::string now_ts = core::timestamp_jst(now_us);
  auto& c = item.consents;
  // R-CONF-4: the limit and specific-disease blocks only with the limit consent, and only for
  // a date in full operation (seed 000 §2, core/rule_dates.h).
  const bool viewable = options.limit_consent && core::limit_information_viewable(date);
  item.include_limit = viewable;
  item.include_specific_diseases = viewable;
  c.limit_flg = options.limit_consent ? "1" : "0";
  if (options.limit_consent) c.limit_time = now_ts;
  const bool specific = viewable && !item.qualification.specific_diseases.empty();
  c.specific_diseases_flg = specific ? "1" : "0";
  if (specific) c.specific_diseases_time = now_ts;
  // R-CONF-5: the clinical categories, each until the end of the consent window.
  const int64_t window =
      options.consent_window_us ? options.consent_window_us : 24LL * 3600 * 1000000;
  const std::string until_ts = core::timestamp_jst(now_us + window);
  for (auto [given, flg, time, until] :
       {std::tuple{options.medication_consent, &c.pharmacists_flg, &c.pharmacists_time,
                   &c.pharmacists_available},
        {options.health_checkup_consent, &c.health_checkups_flg, &c.health_checkups_time,
         &c.health_checkups_available},
        {options.treatment_consent, &c.diagnosis_flg, &c.diagnosis_time, &c.diagnosis_available},
        {options.surgery_consent, &c.operation_flg, &c.operation_time, &c.operation_available}}) {
    *flg = given ? "1" : "0";
    if (given) {
      *time = now_ts;
      *until = until_ts;
    }
  }
}

// The recipient behind a 公費負担者番号 and 受給者番号 (medical_aid.h): not there for an
// institution whose setting is off on the date, nor when no recipient has these numbers.
Result<AidAnswer> recipient_by_numbers(store::Store& store, const MedicalAidSources& aid,
                                       SettingCache& settings, const Search& q,
                                       const std::string& birthdate, const Caller& caller,
                                       int64_t known_at) {
  const std::string d = q.date.yyyymmdd();
  auto enabled = settings.enabled(aid, caller.medical_institution_code, d);
  if (!enabled) return enabled.error();
  AidAnswer none;
  if (!*enabled) {
    none.branch = AidBranch::kNotEnabled;
    return none;
  }
  auto found = versions_of(store, q, birthdate, known_at);
  if (!found) return found.error();
  std::vector<const store::QualificationVersion*> recipients;
  for (const auto& v : *found)
    if (is_recipient(v.qualification)) recipients.push_back(&v);
  const store::QualificationVersion* chosen = recipient_on(recipients, d);
  if (!chosen) return none;
  return answer_recipient(aid, *chosen, caller.medical_institution_code, d, known_at);
}

// The recipient part of a person by card (medical_aid.h): nullopt when the person is no
// recipient; else the rules' answer (not-enabled when the setting is off on the date).
Result<std::optional<AidAnswer>> person_recipient(
    const MedicalAidSources& aid, SettingCache& settings,
    const std::vector<const store::QualificationVersion*>& recipients,
    const std::string& institution_code, const std::string& d, int64_t known_at) {
  if (recipients.empty()) return std::optional<AidAnswer>();
  auto enabled = settings.enabled(aid, institution_code, d);
  if (!enabled) return enabled.error();
  AidAnswer none;
  if (!*enabled) none.branch = AidBranch::kNotEnabled;
  const store::QualificationVersion* chosen = *enabled ? recipient_on(recipients, d) : nullptr;
  if (!chosen) return std::optional<AidAnswer>(std::move(none));
  auto a = answer_recipient(aid, *chosen, institution_code, d, known_at);
  if (!a) return a.error();
  return std::optional<AidAnswer>(std::move(*a));
}

// The common part of a card confirmation's audit record.
security::Confirmation card_event(const Caller& caller, core::Date date, const CardOptions& options,
                                  security::IdentityCheck method) {
  security::Confirmation ev;
  ev.medical_institution_code = caller.medical_institution_code;
  ev.date = date;
  ev.limit_consent = options.limit_consent;
  ev.reference_classification = core::ReferenceClassification::kMyNumberCard;
  ev.method = method;
  ev.card_serial = options.card_serial;
  ev.medication_consent = options.medication_consent;
  ev.health_checkup_consent = options.health_checkup_consent;
  ev.treatment_consent = options.treatment_consent;
  ev.surgery_consent = options.surgery_consent;
  return ev;
}

// The answered qualification with the blocks the patient consented to at the reader.
oqs::ResultItem person_item(const store::QualificationVersion& chosen, core::Date date,
                            const CardOptions& options, int64_t now_us) {
  oqs::ResultItem item;
  item.qualification = chosen.qualification;
  if (auto birth = core::Date::parse(item.qualification.birthdate);
      birth && core::is_preschool(*birth, date))
    item.preschool_classification = "1";
  set_card_consents(item, date, options, now_us);
  return item;
}

// The person's results by card: the insurance one (`insured`, of `validity`) and the
// recipient's (`aid`), in that order; the insurance one left out when it is not valid and the
// recipient's is there. Returns the body's QualificationValidity (confirm.h).
core::QualificationValidity combine(std::optional<oqs::ResultItem> insured,
                                    core::QualificationValidity validity,
                                    std::optional<oqs::ResultItem> aid,
                                    core::QualificationValidity aid_validity,
                                    std::vector<oqs::ResultItem>& out) {
  using V = core::QualificationValidity;
  if (insured && (validity == V::kValid || !aid)) out.push_back(std::move(*insured));
  if (aid) out.push_back(std::move(*aid));
  if (!aid) return validity;
  if (validity == V::kValid || aid_validity == V::kValid) return V::kValid;
  return aid_validity;
}

}  // namespace

Confirmer::Confirmer(store::Store& store, security::AuditLog& audit, MedicalAidSources aid)
    : store_(store), audit_(audit), aid_(aid), settings_(std::make_unique<SettingCache>()) {}

oqs::ConfirmResult Prepared::refused(const Error& error) const {
  auto r = oqs::error_result(header, error);
  r.header.reference_classification = reference_classification;
  return r;
}

oqs::ConfirmResult Confirmer::confirm(const oqs::ConfirmRequest& req, const Caller& caller,
                                      const Options& options) {
  Prepared p = prepare(req, caller, options);
  if (!p.audit) return std::move(p.result);
  if (auto st = audit_.record_durable(std::move(*p.audit)); !st) return p.refused(st.error());
  return std::move(p.result);
}

Prepared Confirmer::prepare(const oqs::ConfirmRequest& req, const Caller& caller,
                            const Options& options) {
  const auto& h = req.header;
  const auto& s = req.search;
  Prepared p;
  p.header = h;
  p.reference_classification = options.reference_classification;
  auto fail = [&](std::string code, std::string field, std::string message) {
    p.result = p.refused(Error{std::move(code), std::move(field), std::move(message)});
    return std::move(p);
  };

  // ---- validate (nothing is read before the request is known to be well-formed) ----
  auto q = check_request(req, caller);
  if (!q) return fail(q.error().code, q.error().field, q.error().message);
  const std::string& cons = s.limit_application_certificate_related_cons_flg;
  const auto classification = options.reference_classification == "1"
                                  ? core::ReferenceClassification::kMyNumberCard
                                  : core::ReferenceClassification::kInsuranceCard;

  // ---- look up as known at T ----
  int64_t known_at = options.known_at_us ? options.known_at_us : core::now_unix_us();
  if (core::is_medical_aid_number(q->insurer)) {
    auto a = recipient_by_numbers(store_, aid_, *settings_, *q, s.birthdate, caller, known_at);
    if (!a) return fail("E_STORE", "", "資格情報を参照できませんでした");
    oqs::ConfirmResult& r = p.result;
    r.header = oqs::echo_header(h, options.reference_classification);
    r.search_echo = s;
    // R-AID-2: the 受給者番号 travels back only to a contracted institution.
    if (a->branch != AidBranch::kContracted) r.search_echo->insured_identification_number.clear();
    r.processing_result_status = "1";
    r.qualification_validity = std::to_string(static_cast<int>(a->validity));
    if (a->item) {
      a->item->arbitrary_identifier = s.arbitrary_identifier;
      r.results.push_back(std::move(*a->item));
    }
    p.audit = recipient_audit(caller.medical_institution_code, q->date, *a);
    p.audit->reference_classification = classification;
    return p;
  }
  auto versions = versions_of(store_, *q, s.birthdate, known_at);
  if (!versions) return fail("E_STORE", "", "資格情報を参照できませんでした");
  std::vector<store::QualificationVersion>& found = *versions;

  oqs::ConfirmResult& r = p.result;
  r.header = oqs::echo_header(h, options.reference_classification);
  r.search_echo = s;
  r.processing_result_status = "1";
  const std::string d = q->date.yyyymmdd();
  const std::string now_ts = core::timestamp_jst();

  core::QualificationValidity validity = core::QualificationValidity::kNotFound;
  std::string subject;  // the card key read, for the audit (one match only)
  if (found.size() > 1) {
    validity = core::QualificationValidity::kMultiple;
    r.results.reserve(found.size());
    for (auto& v : found) r.results.push_back(make_item(v, *q, s, now_ts));
  } else if (found.size() == 1) {
    auto& v = found.front();
    auto judged = validity_of_match(store_, v, d, known_at);
    if (!judged) return fail("E_STORE", "", "資格情報を参照できませんでした");
    validity = *judged;
    subject = v.qualification.card_key();
    r.results.push_back(make_item(v, *q, s, now_ts));
  }
  r.qualification_validity = std::to_string(static_cast<int>(validity));

  // ---- the read to audit ----
  security::Confirmation& ev = p.audit.emplace();
  ev.medical_institution_code = caller.medical_institution_code;
  ev.card_key = std::move(subject);
  ev.date = q->date;
  ev.validity = validity;
  ev.matches = static_cast<int64_t>(found.size());
  ev.limit_consent = cons == "1";
  ev.reference_classification = classification;
  return p;
}

oqs::ConfirmResult Confirmer::confirm_person(std::string_view person_link,
                                             std::string_view confirmation_date,
                                             const Caller& caller, const CardOptions& options) {
  oqs::RequestHeader h;
  h.qualification_confirmation_date = std::string(confirmation_date);
  h.medical_institution_code = caller.medical_institution_code;
  // The face file's identifier is made by the service (research §2.4): 16 characters.
  h.arbitrary_file_identifier = security::base64url(security::random_bytes(12));
  Options header_options;
  header_options.reference_classification = "1";
  auto fail = [&](std::string code, std::string field, std::string message) {
    auto r = oqs::error_result(h, Error{std::move(code), std::move(field), std::move(message)});
    r.header.reference_classification = "1";
    return r;
  };
  if (auto st = core::check_medical_institution_code(caller.medical_institution_code); !st)
    return fail(st.error().code, "MedicalInstitutionCode", st.error().message);
  auto date = core::Date::parse(confirmation_date);
  if (!date) return fail(date.error().code, "QualificationConfirmationDate", date.error().message);
  if (person_link.empty()) return fail("E_MISSING", "", "本人を特定できません");
  auto method = security::parse_identity_check(options.method);
  if (!method || *method == security::IdentityCheck::kNumbers)
    return fail("E_CODE", "method", "本人確認の方法は pin, face, visual のいずれかです");

  const int64_t known_at = options.known_at_us ? options.known_at_us : core::now_unix_us();
  auto versions = store_.find_by_person_link(person_link, known_at);
  if (!versions) return fail("E_STORE", "", "資格情報を参照できませんでした");
  const std::string d = date->yyyymmdd();
  // Insurance first, 医療扶助 recipients after (medical_aid.h).
  auto split = std::stable_partition(versions->begin(), versions->end(),
                                     [](const auto& v) { return !is_recipient(v.qualification); });
  const std::span<const store::QualificationVersion> insured(versions->begin(), split);
  std::vector<const store::QualificationVersion*> recipients;
  for (auto it = split; it != versions->end(); ++it) recipients.push_back(&*it);
  auto aid =
      person_recipient(aid_, *settings_, recipients, caller.medical_institution_code, d, known_at);
  if (!aid) return fail("E_STORE", "", "資格情報を参照できませんでした");

  core::QualificationValidity validity;
  const store::QualificationVersion* chosen = choose_for_person(insured, d, validity);
  const int64_t now_us = options.now_us ? options.now_us : core::now_unix_us();
  std::optional<oqs::ResultItem> insured_item, aid_item;
  if (chosen) insured_item = person_item(*chosen, *date, options, now_us);
  if (*aid && (*aid)->item) {
    aid_item = std::move(*(*aid)->item);
    set_card_consents(*aid_item, *date, options, now_us);
  }
  oqs::ConfirmResult r;
  r.header = oqs::echo_header(h, header_options.reference_classification);
  r.processing_result_status = "1";
  const auto body_validity = combine(std::move(insured_item), validity, std::move(aid_item),
                                     *aid ? (*aid)->validity : validity, r.results);
  r.qualification_validity = std::to_string(static_cast<int>(body_validity));

  // ---- audit each part read (never the My Number: the card is named by its serial) ----
  if (!insured.empty() || !*aid) {
    security::Confirmation ev = card_event(caller, *date, options, *method);
    ev.card_key = chosen ? chosen->qualification.card_key() : std::string();
    ev.validity = validity;
    ev.matches = static_cast<int64_t>(insured.size());
    if (auto st = audit_.record_durable(std::move(ev)); !st)
      return fail(st.error().code, "", st.error().message);
  }
  if (*aid) {
    security::Confirmation ev = card_event(caller, *date, options, *method);
    const security::Confirmation part =
        recipient_audit(caller.medical_institution_code, *date, **aid);
    ev.card_key = part.card_key;
    ev.validity = part.validity;
    ev.matches = static_cast<int64_t>(recipients.size());
    ev.medical_aid = part.medical_aid;
    if (auto st = audit_.record_durable(std::move(ev)); !st)
      return fail(st.error().code, "", st.error().message);
  }
  return r;
}

}  // namespace onshi::confirm
