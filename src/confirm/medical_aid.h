// 医療扶助 at reception (R-AID-1..3, seed 004): the rules that decide what an institution is
// told of a recipient (被保護者) — one place, used by the confirmation by numbers, by card and
// by the 医療扶助 bulk inquiry (OQSmutic01).
//
// A recipient is a member-store qualification with InsuredCardClassification A1 (core/
// medical_aid.h); its tickets are in store::TicketStore. An institution sees recipients only
// while its 「医療扶助情報：利用する」 setting is on on the date asked (R-AID-3, the registry's
// dated setting); for any other institution a recipient is not there at all. With the setting
// on, for a recipient found by its numbers or its person link, on date D of month M:
//   contracted     covered on D and a ticket of M designates the institution (a pharmacy —
//                  点数表 digit 4 of its code — by its 調剤券 TicketType 02, others by the 医療券
//                  01): QualificationValidity 1, the whole qualification with the 受給者番号,
//                  and PublicExpenseResultList with those tickets (DesignatedMedicalInstitution-
//                  Flag 0);
//   not-contracted covered on D, tickets of M exist, none for this institution: validity 1,
//                  the 受給者番号 withheld (R-AID-2) and one MedicalTicketInfo with only
//                  MedicalTreatmentMonth and DesignatedMedicalInstitutionFlag 1;
//   unregistered   covered on D, no ticket of M: validity 6 有効（未登録）, 受給者番号 withheld;
//   not-found      not covered on D (or not registered at all): 該当資格なし, nothing answered.
// What remains of a withheld answer: InsuredCardClassification A1, InsurerNumber (the office's
// 公費負担者番号) and InsurerName (the office), so reception can call it; Name, NameKana, Sex1,
// Birthdate (the patient at the counter). Everything else — the 受給者番号, address, dates,
// and every medical element of the tickets (issue number, the designated institution, injuries,
// treatment type, self-pay, contacts, statuses, remarks) — is left out (docs/medical-aid.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/codes.h"
#include "core/date.h"
#include "oqs/messages.h"
#include "security/audit_events.h"
#include "store/institutions.h"
#include "store/store.h"
#include "store/tickets.h"

namespace onshi::confirm {

// Where the rules read. Both null (the default) means 医療扶助 is not served at all: every
// recipient is "not there" for every institution.
struct MedicalAidSources {
  store::InstitutionStore* institutions = nullptr;  // the 医療扶助情報 setting
  store::TicketStore* tickets = nullptr;
  bool available() const { return institutions != nullptr && tickets != nullptr; }
};

// The branch taken, as the audit records it ("medicalAid" of security::Confirmation).
enum class AidBranch { kNotEnabled, kNotFound, kContracted, kNotContracted, kUnregistered };
// "not-enabled", "not-found", "contracted", "not-contracted", "unregistered".
std::string_view aid_branch_name(AidBranch branch);

// What the rules answer for one recipient.
struct AidAnswer {
  AidBranch branch = AidBranch::kNotFound;
  core::QualificationValidity validity = core::QualificationValidity::kNotFound;
  std::optional<oqs::ResultItem> item;  // none for not-enabled / not-found
  std::string card_key;                 // the recipient's card key read ("" when none)
};

// True when `institution_code` may see recipients on `yyyymmdd` (R-AID-3): its setting is on,
// and the date is not before 医療扶助 online confirmation began (2024-03-01, seed 004). False
// when the sources are not available. Errors: the store's (E_STORE …).
Result<bool> medical_aid_enabled(const MedicalAidSources& sources,
                                 std::string_view institution_code, std::string_view yyyymmdd);

// medical_aid_enabled remembered per (institution, day) for `ttl`: every confirmation of a
// recipient asks the setting, and the registry's store is not built for that rate (one
// connection on SQLite). A change of the setting reaches confirmations within `ttl`; errors
// are not remembered. Thread-safe.
class SettingCache {
 public:
  explicit SettingCache(std::chrono::milliseconds ttl = std::chrono::seconds(5)) : ttl_(ttl) {}
  Result<bool> enabled(const MedicalAidSources& sources, std::string_view institution_code,
                       std::string_view yyyymmdd);

 private:
  struct Entry {
    bool on = false;
    std::chrono::steady_clock::time_point until;
  };
  std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // code + day → setting
};

// The ticket type that contracts `institution_code`: "02" 調剤券 for a pharmacy, else "01".
std::string_view ticket_type_for(std::string_view institution_code);

// The rules above for one recipient and the tickets of the recipient as known at the time
// asked (TicketStore::tickets_of). Pure.
AidAnswer decide(const core::Qualification& recipient, std::vector<store::TicketVersion> tickets,
                 std::string_view institution_code, const std::string& yyyymmdd);

// Reads the recipient's tickets as known at `known_at_us` and decides. The setting is the
// caller's to check first (medical_aid_enabled). Errors: the store's.
Result<AidAnswer> answer_recipient(const MedicalAidSources& sources,
                                   const store::QualificationVersion& recipient,
                                   std::string_view institution_code, const std::string& yyyymmdd,
                                   int64_t known_at_us);

// The recipient among `versions` (A1 qualifications of one person) to answer on `yyyymmdd`:
// the one covering the date with the newest QualificationDate; nullptr when none does.
const store::QualificationVersion* recipient_on(
    const std::vector<const store::QualificationVersion*>& versions, const std::string& yyyymmdd);

// The audit record of a recipient's answer to `institution_code` on `date`: the card key
// read, the validity, and the branch as "medicalAid" (never a My Number).
security::Confirmation recipient_audit(std::string_view institution_code, core::Date date,
                                       const AidAnswer& answer);

// True for a qualification of 医療扶助 (InsuredCardClassification A1 or a 法別12 number).
bool is_recipient(const core::Qualification& q);

}  // namespace onshi::confirm
