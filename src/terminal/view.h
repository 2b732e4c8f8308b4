// The View: a confirmation result as the reception screen shows it (R-CONF-3, R-CONF-4,
// R-CONF-7), computed in C++ from the interface's result document so the screen only lays
// it out. Dates become 和暦, the age is counted on the confirmation date, codes become labels,
// 患者区分 is built as on the seed screen ("健康保険組合 本人 3割"), the limit certificate and
// the specific-disease certificates appear only when the patient consented, and `guidance`
// tells front-desk staff, in Japanese, what to do in the irregular cases of R-CONF-7. A
// 医療扶助 recipient's result carries a "medicalAid" block (office, tickets, 委託/未委託/未登録
// and the next step; view_aid.cpp).
// The View has no My Number: the result document never carries one.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "core/qualification.h"
#include "oqs/messages.h"

namespace onshi::terminal {

// How the result was obtained (echoed into the View).
struct ViewContext {
  int64_t history_id = 0;
  std::string route;   // "card" | "numbers" | "folder"
  std::string method;  // "pin" | "face" | "visual" | ""
  std::string file;    // "face/OQSsiquc01res_face_….xml" or ""
};

struct Guidance {
  std::string case_id;  // "invalid", "invalid-newer", "not-found", "multiple",
                        // "certificate-holder", "elderly-limit-mismatch"
  std::string title;
  std::string text;
};

// OQSCD006 label ("有効" … "複数該当") and the screen's state word ("valid", "invalid",
// "invalid-newer", "not-found", "multiple"); "" for an unknown code.
std::string validity_label(std::string_view validity);
std::string validity_state(std::string_view validity);

// 患者区分: insurer kind, 本人/家族 and the burden ratio on `on` ("健康保険組合 本人 3割").
std::string patient_category(const core::Qualification& q, core::Date on);

// The R-CONF-7 guidance for a result, in display order.
std::vector<Guidance> guidance_for(const oqs::ConfirmResult& result);

// R-CONF-8 (seed 000 §3): the exceptions where the certificate the patient holds, not the
// system, is right — notes for the front desk beside the result, in display order:
// "elderly-same-day" (the result carries a 高齢受給者証: one issued today on an income-category
// change may not be in the system yet) and "specific-disease-same-day" (the patient consented
// to the limit information: a 特定疾病療養受療証 issued today on the 対象者登録日 may not be).
// The third, 個人番号の未提出, arises when a card finds no qualification (E_CARD_NO_QUALIFICATION;
// the screen's own note, web/terminal/reception.js).
std::vector<Guidance> paper_card_notes(const oqs::ConfirmResult& result);

// ---- 医療扶助 (view_aid.cpp) ----
// True for a recipient's result (InsuredCardClassification A1).
bool is_medical_aid_item(const oqs::ResultItem& item);
// "contracted" (a ticket with DesignatedMedicalInstitutionFlag 0), "not-contracted" (flag 1),
// "unregistered" (no ticket).
std::string medical_aid_state(const oqs::ResultItem& item);
// What front-desk staff do next in that state (Japanese).
std::string medical_aid_next_step(std::string_view state);
// The View's "medicalAid" block of a recipient's result (docs/terminal.md).
boost::json::value medical_aid_json(const oqs::ResultItem& item);
// The guidance for 医療扶助 results (未委託, 未登録, 該当資格なし by a 公費負担者番号).
std::vector<Guidance> medical_aid_guidance(const oqs::ConfirmResult& result);

// The View JSON (docs/terminal.md). `today` is used when the result has no confirmation date.
std::string render_view(const oqs::ConfirmResult& result, const ViewContext& context, core::Date today);

}  // namespace onshi::terminal
