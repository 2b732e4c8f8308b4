// Who may see a person's clinical information (R-CONF-5): the gate every clinical view of
// the central service calls, and the rules behind it — consents given at the card reader,
// the operator's disaster periods (災害時), and the professional accounts institutions
// register. The state is the access store (store/access.h); the rules are here.
//
// The one decision: a view asks Gatekeeper::authorize once, and that call both decides and
// records the audit entry — a view is answered only when the entry is durable, a refusal is
// recorded too — so no view can forget the check or the audit. (Gatekeeper::prepare is the
// same decision handing back its entry, for a server that answers from the audit writer's
// completion instead of waiting: it answers nothing before that entry is durable.) In order:
//   1. the request names a professional account of that institution (else E_ACCOUNT_MISSING
//      / E_ACCOUNT_UNKNOWN), whose role may see the category (else E_ACCOUNT_ROLE: reception
//      sees coverage only; pharmacists see medication, health checks and treatment, not
//      surgery);
//   2. the person's latest consent at that institution for that category is live (consented ≤
//      now < available-until, not withdrawn) → allowed, basis "consent";
//   3. else a disaster period covers the institution's prefecture (the code's first two
//      digits) now and the category is medication or treatment → allowed, basis "disaster";
//   4. else E_CONSENT_EXPIRED 「同意有効期限切れ」 (the consent ended or was withdrawn; the
//      OQSCD031 reason is given) or E_CONSENT_NONE (never consented here — a confirmation by
//      numbers records no consent).
// Consents are read from the database on every call; disaster periods are kept at most
// `disaster_cache` (1 s), so a declaration or an end is in force on every server within it.
//
// Thread-safe. The My Number never appears: a person is the person link (raw bytes), and the
// audit names it in hex.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "security/audit.h"
#include "store/access.h"

namespace onshi::access {

// What a consent covers (OQSCD036; the consent flags of the result, research §3.3).
enum class Category {
  kMedication,     // YZK 薬剤情報・処方／調剤情報 (PharmacistsInfoConsFlg)
  kHealthCheckup,  // TKK 特定健診情報 (SpecificHealthCheckupsInfoConsFlg)
  kTreatment,      // SRJ 診療情報 (DiagnosisInfoConsFlg)
  kSurgery,        // SHJ 手術情報 (OperationInfoConsFlg)
};
inline constexpr Category kCategories[] = {Category::kMedication, Category::kHealthCheckup,
                                           Category::kTreatment, Category::kSurgery};
std::string_view category_code(Category c);   // "YZK", "TKK", "SRJ", "SHJ"
std::string_view category_name(Category c);   // "medication", "checkup", "treatment", "surgery"
std::string_view category_label(Category c);  // 薬剤情報 …
// Accepts the code or the name. Errors: E_CODE (field "category").
Result<Category> parse_category(std::string_view text);

// The roles of a professional account (their codes are what the terminal and the service
// exchange).
enum class ProfessionalRole { kReception, kDoctor, kDentist, kPharmacist };
std::string_view role_code(ProfessionalRole r);   // "reception", "doctor", "dentist", "pharmacist"
std::string_view role_label(ProfessionalRole r);  // 受付, 医師, 歯科医師, 薬剤師
// Accepts the code or the Japanese label. Errors: E_ACCOUNT_ROLE (field "role").
Result<ProfessionalRole> parse_role(std::string_view text);
bool role_may_view(ProfessionalRole r, Category c);

// A pharmacy: the 医療機関コード's third digit (点数表番号) is 4.
bool is_pharmacy(std::string_view institution_code);

// How long a consent given at the reader stays available, by care setting (OQSCD028 診療区分):
// "1" 外来 and "4" 救急時 24 hours (the public clients' ConsTime + 24 h); "2" 訪問診療等 and
// "3" オンライン診療等 30 days (the care continues at home or on line; docs/clinical.md).
// Errors: E_CODE (field "careSetting").
Result<int64_t> consent_window_us(std::string_view care_setting);

// ---- consents at the reader ----

// What a patient agreed to at an institution's card reader.
struct ReaderConsent {
  std::string person_link;  // raw bytes
  std::string institution;
  std::string card_serial;
  std::string care_setting = "1";
  int64_t consented_at_us = 0;
  std::vector<Category> categories;
};
// Records one consent row per category (none: nothing). Errors: E_CODE (care setting), E_STORE.
Status record_consents(store::AccessStore& store, const ReaderConsent& consent);

// Withdraws the person's live consents (all institutions when `institution` is "", all
// categories when `category` is nullopt) with OQSCD031 `reason` ("1" 医療機関, "2" 患者,
// "3" 用途変更), in force on every server at once, and audits it. Returns how many ended.
// Errors: E_CODE (reason), E_STORE.
Result<int64_t> withdraw_consents(store::AccessStore& store, security::AuditLog& audit,
                                  const security::Actor& actor, std::string_view person_link,
                                  std::string_view institution, std::optional<Category> category,
                                  std::string_view reason);

// ---- professional accounts (registered by an institution's certificate) ----

// Checks an account id: 1–32 of A–Z a–z 0–9 . _ - (E_ACCOUNT_ID, field "id").
Status check_account_id(std::string_view id);
// Registers (or re-registers with a new role) an account of `institution` and audits it.
// A pharmacy registers only reception and pharmacist accounts. Errors: E_ACCOUNT_ID,
// E_ACCOUNT_ROLE, E_STORE.
Status register_account(store::AccessStore& store, security::AuditLog& audit,
                        std::string_view institution, std::string_view account_id,
                        std::string_view role);
// Removes it (audited); false when it was not registered. Errors: E_ACCOUNT_ID, E_STORE.
Result<bool> remove_account(store::AccessStore& store, security::AuditLog& audit,
                            std::string_view institution, std::string_view account_id);

// ---- disaster periods (the operator) ----

// Checks "13,14" (each 01–47, no repeats) into a sorted list. Errors: E_PREFECTURE.
Result<std::vector<std::string>> parse_prefectures(std::string_view text);
// Declares a period [from, to) for the prefectures and audits it (actor operator).
// Errors: E_PREFECTURE, E_DISASTER_PERIOD (to ≤ from), E_STORE.
Result<int64_t> declare_disaster(store::AccessStore& store, security::AuditLog& audit,
                                 const std::vector<std::string>& prefectures, int64_t from_us,
                                 int64_t to_us, std::string_view note);
// Ends a period now and audits it. Errors: E_DISASTER_UNKNOWN (no such period in force), E_STORE.
Status end_disaster(store::AccessStore& store, security::AuditLog& audit, int64_t id);

// ---- the gate ----

struct GateOptions {
  std::chrono::milliseconds disaster_cache{1000};  // how long disaster periods are kept
};

struct AccessRequest {
  std::string institution;  // from the client certificate
  std::string account;      // the professional account the request names ("" = none)
  std::string person_link;  // raw bytes; "" when the request named nobody known
  Category category = Category::kMedication;
  std::string view;    // what is asked, for the audit ("consentStatus", "medication" …)
  int64_t now_us = 0;  // 0 = now
};

struct Decision {
  bool allowed = false;
  std::string basis;                         // "consent" or "disaster" when allowed
  Error refusal;                             // when refused: code, field, Japanese message
  std::string role;                          // the account's role code, when known
  std::optional<store::ConsentRow> consent;  // the latest consent, when there is one
  std::string expiry_reason;  // OQSCD031 when E_CONSENT_EXPIRED: "0" ended, "1"–"3" withdrawn
};

// A decision made but not yet audited (Gatekeeper::prepare): act on `decision` only once
// `audit` is durable; when it cannot be made durable, act on audit_failed(decision, error).
struct PendingDecision {
  Decision decision;
  security::ClinicalAccess audit;
};

class Gatekeeper {
 public:
  Gatekeeper(store::AccessStore& store, security::AuditLog& audit, GateOptions options = {});

  // Decides and audits (durably) one request. A store or audit failure is a refusal with
  // E_STORE: nothing is given without its audit entry.
  // = prepare, then its entry made durable (record_durable), else audit_failed.
  Decision authorize(const AccessRequest& request);
  // The decision of `authorize` and its audit entry, not recorded: the caller makes the entry
  // durable (AuditLog::record_then) before it answers anything of the decision.
  PendingDecision prepare(const AccessRequest& request);
  // What `authorize` answers when the entry could not be made durable: refused, E_STORE with
  // the audit's message (the role kept for the caller's log).
  static Decision audit_failed(const Decision& decision, const Error& error);

  // Whether a disaster period covers the institution's prefecture at `now_us` (cached).
  Result<bool> disaster_in_force(std::string_view institution, int64_t now_us);

 private:
  Decision decide(const AccessRequest& request, int64_t now_us);
  store::AccessStore& store_;
  security::AuditLog& audit_;
  GateOptions options_;
  std::mutex mu_;
  std::vector<store::DisasterPeriod> disasters_;
  std::optional<std::chrono::steady_clock::time_point> loaded_at_;
};

// The person link as the audit and `onshi audit show` name it (lower-case hex), and back
// (E_PERSON_LINK, field "personLink", for anything but 64 hex digits).
std::string person_link_hex(std::string_view person_link);
Result<std::string> parse_person_link_hex(std::string_view hex);

}  // namespace onshi::access
