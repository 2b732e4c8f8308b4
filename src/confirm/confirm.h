// Qualification confirmation at reception (R-CONF-2..4, R-CONF-6): the rules that turn an
// institution's request into the result of the interface.
//
// The request's card data are normalised (full/half width, hyphens, padding) and looked up
// "as known at" the given time; the date asked (QualificationConfirmationDate, past dates
// allowed) is then judged against the coverage, which is half-open: QualificationDate ≤ d <
// DisqualificationDate. QualificationValidity:
//   1 有効 — the qualification covers the date;
//   2 無効 — it does not, and the person has no other qualification that does;
//   3 無効（新しい資格あり）— it does not, but the same person (linked by the keyed hash of the
//     My Number, never the number itself) has another qualification covering the date or
//     starting later;
//   4 該当資格なし — no registered qualification has these numbers and birth date;
//   5 複数該当 — the 枝番 was omitted and several members match.
// The limit-certificate block is returned only with LimitApplicationCertificateRelatedConsFlg
// 1 (R-CONF-4); the specific-disease certificates follow the same consent. Every
// confirmation is audited (institution, member, date, result, consent), and answered only
// once its audit entry is durable: otherwise SegmentOfResult 9 with E_STORE and no person. A
// request that is malformed or invalid gets SegmentOfResult 9 with a stable ErrorCode
// (docs/errors.md) and changes nothing.
//
// 医療扶助 (confirm/medical_aid.h): an InsurerNumber of 法別 12 is a 公費負担者番号 and the
// InsuredIdentificationNumber its 受給者番号 (7 digits with check digit; no symbol or branch).
// Such a request, and a card whose person is a recipient, is answered by the 医療扶助 rules;
// the search echo then carries the 受給者番号 only when the answer is "contracted".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "confirm/medical_aid.h"
#include "core/date.h"
#include "oqs/messages.h"
#include "security/audit.h"
#include "store/store.h"

namespace onshi::confirm {

// Who asks, from the client certificate.
struct Caller {
  std::string medical_institution_code;  // 10-digit code of the certificate
};

struct Options {
  int64_t known_at_us = 0;  // 0 = now (reception); a claim check passes the confirmation time
  std::string reference_classification = "2";  // 2 被保険者証情報, 1 マイナンバーカード
};

// Confirmation by My Number card (R-CONF-1, R-CONF-4, R-CONF-5): the card was verified by
// card/card.h and gave the person link; the patient's choices at the reader come here.
struct CardOptions {
  std::string method;          // "pin", "face", "visual" — recorded in the audit (else E_CODE)
  std::string card_serial;     // certificate serial — recorded in the audit
  bool limit_consent = false;  // 限度額適用認定証等の情報提供に同意
  bool medication_consent = false;      // 薬剤情報等 (PharmacistsInfo)
  bool health_checkup_consent = false;  // 特定健診情報 (SpecificHealthCheckupsInfo)
  bool treatment_consent = false;       // 診療情報 (DiagnosisInfo)
  bool surgery_consent = false;         // 手術情報 (OperationInfo)
  // How long the clinical consents stay available (…AvailableTime = consent time + this);
  // the caller takes it from the care setting (access::consent_window_us). 0 = 24 hours.
  int64_t consent_window_us = 0;
  int64_t known_at_us = 0;  // 0 = now
  int64_t now_us = 0;       // consent time; 0 = now
};

// The answer to a 医療扶助 bulk inquiry (OQSmutic01): the day judged and one unit per recipient.
struct MonthlyRecipients {
  core::Date date;  // the month's day the inquiry stands for (medical_aid_bulk.cpp)
  std::vector<oqs::BulkConfirmUnit> units;
};

// A confirmation decided but not yet answered (Confirmer::prepare): the answer, and the
// audit entry that must be durable before it may be sent.
struct Prepared {
  oqs::ConfirmResult result;  // the answer once `audit` is durable
  // The read to audit first; nullopt when the answer tells nothing of anybody (an invalid
  // request, a store failure): then `result` is answered at once.
  std::optional<security::Confirmation> audit;
  // What is answered instead of `result` when `audit` cannot be made durable: SegmentOfResult
  // 9 with the audit's error (AuditLog::record_durable), nothing of the person.
  oqs::ConfirmResult refused(const Error& error) const;
  oqs::RequestHeader header;  // the request's header, for `refused`
  std::string reference_classification;
};

class Confirmer {
 public:
  // Without `aid` sources no institution sees recipients (as with the setting off).
  Confirmer(store::Store& store, security::AuditLog& audit, MedicalAidSources aid = {});
  // Never throws; thread-safe. The result is complete (header echo, status, validity, list).
  // = prepare, then the audit entry made durable (record_durable), else its refusal.
  oqs::ConfirmResult confirm(const oqs::ConfirmRequest& request, const Caller& caller,
                             const Options& options = {});
  // The rules and the lookup of `confirm` without the audit: the caller makes `audit` durable
  // (e.g. AuditLog::record_then) and answers `result` only then, else `refused(error)`.
  Prepared prepare(const oqs::ConfirmRequest& request, const Caller& caller,
                   const Options& options = {});

  // The face-file result (ReferenceClassification 1, research §2.4) for the person behind
  // a verified card on `confirmation_date` (YYYYMMDD): no QualificationConfirmSearchInfo; a
  // random ArbitraryFileIdentifier made here; exactly one result — the qualification covering
  // the date (QualificationValidity 1; the newest QualificationDate when several do), else
  // the next one starting after it (3), else the latest one lost (2); none at all → 4. The
  // consent flags follow `options` (the limit and specific-disease blocks only with the
  // limit consent; the medication, health-check, treatment (Diagnosis) and surgery
  // (Operation) consents with ConsTime now and AvailableTime now + consent_window_us).
  // Audited like confirm(), with the method and the card serial.
  // A person who is also a 医療扶助 recipient (medical_aid.h) gets the recipient's result
  // after the insurance one (ResultList order: insurance, then 医療扶助); an insurance result
  // that is not valid on the date is left out when the recipient's is there. The body's
  // QualificationValidity is 1 when either result is valid, else the recipient's (6), else
  // the insurance one's; each part has its own audit entry.
  oqs::ConfirmResult confirm_person(std::string_view person_link,
                                    std::string_view confirmation_date, const Caller& caller,
                                    const CardOptions& options);

  // The 医療扶助 bulk inquiry (OQSmutic01, research §2.3): one unit per recipient with a ticket
  // of `month` (YYYYMM) designating the caller, in (公費負担者番号, 受給者番号) order, each
  // answered by the rules of medical_aid.h (the search echo carries the 受給者番号 only for a
  // contracted answer) and audited; answered only once every entry is durable. Errors:
  // E_DATE (field MedicalTreatmentMonth), E_MEDICAL_AID_NOT_ENABLED (the caller's setting is
  // off on `today`), E_STORE.
  Result<MonthlyRecipients> recipients_of_month(const Caller& caller, std::string_view month,
                                                core::Date today);

 private:
  store::Store& store_;
  security::AuditLog& audit_;
  MedicalAidSources aid_;
  std::unique_ptr<SettingCache> settings_;  // the 医療扶助情報 setting, remembered 5 s
};

}  // namespace onshi::confirm
