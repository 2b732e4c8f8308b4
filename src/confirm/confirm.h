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
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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
  std::string method;       // "pin", "face", "visual" — recorded in the audit (else E_CODE)
  std::string card_serial;  // certificate serial — recorded in the audit
  bool limit_consent = false;          // 限度額適用認定証等の情報提供に同意
  bool medication_consent = false;     // 薬剤情報等 (PharmacistsInfo)
  bool health_checkup_consent = false; // 特定健診情報 (SpecificHealthCheckupsInfo)
  bool treatment_consent = false;      // 診療情報 (DiagnosisInfo)
  bool surgery_consent = false;        // 手術情報 (OperationInfo)
  // How long the clinical consents stay available (…AvailableTime = consent time + this);
  // the caller takes it from the care setting (access::consent_window_us). 0 = 24 hours.
  int64_t consent_window_us = 0;
  int64_t known_at_us = 0;  // 0 = now
  int64_t now_us = 0;       // consent time; 0 = now
};

class Confirmer {
 public:
  Confirmer(store::Store& store, security::AuditLog& audit);
  // Never throws; thread-safe. The result is complete (header echo, status, validity, list).
  oqs::ConfirmResult confirm(const oqs::ConfirmRequest& request, const Caller& caller,
                             const Options& options = {});

  // The face-file result (ReferenceClassification 1, research §2.4) for the person behind
  // a verified card on `confirmation_date` (YYYYMMDD): no QualificationConfirmSearchInfo; a
  // random ArbitraryFileIdentifier made here; exactly one result — the qualification covering
  // the date (QualificationValidity 1; the newest QualificationDate when several do), else
  // the next one starting after it (3), else the latest one lost (2); none at all → 4. The
  // consent flags follow `options` (the limit and specific-disease blocks only with the
  // limit consent; the medication, health-check, treatment (Diagnosis) and surgery
  // (Operation) consents with ConsTime now and AvailableTime now + consent_window_us). Audited like confirm(), with the method and the card serial.
  oqs::ConfirmResult confirm_person(std::string_view person_link,
                                    std::string_view confirmation_date, const Caller& caller,
                                    const CardOptions& options);

 private:
  store::Store& store_;
  security::AuditLog& audit_;
};

}  // namespace onshi::confirm
