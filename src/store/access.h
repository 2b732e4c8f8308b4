// The access store: what decides whether clinical information may leave the service — the
// patients' consents given at a card reader, the operator's disaster periods (災害時), and the
// professional accounts institutions register (access/access.h holds the rules over them).
//
// The one decision: all of it is read from the database on every decision, never from one
// process's memory, so a consent withdrawn, a disaster declared or an account removed through
// one server is in force on every server at once (the access module may keep the disaster
// periods for at most a second). Consents are rows that are only ever added, and withdrawn by
// setting their withdrawal time; the latest consent of (person, institution, category) is the
// one that counts.
//
// Backends: sqlite:DIR keeps the tables `consents`, `disaster_periods`,
// `professional_accounts` and `institution_settings` in DIR/access.db; postgresql:// the same tables (component "access"
// in onshi_schema). Both pass one conformance suite (tests/store/access_contract_test.cpp).
// Implementations are safe for concurrent use from many threads and processes; every write is
// atomic; values are only ever bound. Errors: E_STORE (E_STORE_OPEN / E_STORE_SCHEMA from the
// first call when the store cannot be opened); E_COPY_CONFLICT from the verbatim puts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace onshi::store {

// One consent a patient gave at an institution's card reader for one category of clinical
// information (OQSCD036: "YZK" medication and prescriptions, "TKK" health checks, "SRJ"
// treatment, "SHJ" surgery). The My Number is never part of it: only the person link.
struct ConsentRow {
  int64_t id = 0;           // assigned by put_consents (1, 2, …)
  std::string person_link;  // raw bytes (security/crypto.h person_link)
  std::string institution;  // 10-digit 医療機関コード
  std::string category;     // "YZK", "TKK", "SRJ", "SHJ"
  std::string care_setting;  // OQSCD028: "1" 外来, "2" 訪問診療等, "3" オンライン診療等, "4" 救急時
  std::string card_serial;                 // the card that was presented
  int64_t consented_at_us = 0;             // …ConsTime
  int64_t available_until_us = 0;          // …AvailableTime (exclusive)
  std::optional<int64_t> withdrawn_at_us;  // set by withdraw_consents
  std::string withdrawn_reason;  // OQSCD031 when withdrawn: "1" 医療機関, "2" 患者, "3" 用途変更
  bool operator==(const ConsentRow&) const = default;
};

// A disaster period the operator declared: institutions whose code starts with one of the
// prefectures may view some categories without a consent while from ≤ t < to.
struct DisasterPeriod {
  int64_t id = 0;                        // assigned by declare_disaster
  std::vector<std::string> prefectures;  // 2-digit codes, "13", "14"
  int64_t from_us = 0, to_us = 0;        // [from, to)
  int64_t declared_at_us = 0;
  std::optional<int64_t> ended_at_us;  // ended early by the operator (to_us is then ≤ it)
  std::string note;                    // free text (the disaster's name)
  bool operator==(const DisasterPeriod&) const = default;
};

// A professional account an institution registered (the terminal's users; their passwords
// stay on the terminal). Keyed by (institution, account_id).
struct ProfessionalAccount {
  std::string institution;  // 10-digit 医療機関コード
  std::string account_id;   // the terminal's user id
  std::string role;         // "reception", "doctor", "dentist", "pharmacist"
  int64_t registered_at_us = 0;
  std::optional<int64_t> removed_at_us;  // removed: no longer admitted
  bool operator==(const ProfessionalAccount&) const = default;
};

// A dated setting of an institution that decides what it may be shown, like the registry's
// 医療扶助 setting: `setting` kSettingEPrescription is 「電子処方箋：利用する」 (seed 004 §2: only
// hospitals and clinics that use the electronic prescription service see prescriptions and
// dispensings). Rows are only added; the latest one effective on or before a day counts.
inline constexpr std::string_view kSettingEPrescription = "ePrescription";
struct InstitutionSetting {
  int64_t id = 0;             // assigned by add_setting (1, 2, …)
  std::string institution;    // 10-digit 医療機関コード
  std::string setting;        // kSettingEPrescription
  std::string effective_on;   // YYYYMMDD, in force from that day
  bool use = false;           // 利用する / 利用しない
  int64_t recorded_at_us = 0;
  bool operator==(const InstitutionSetting&) const = default;
};

class AccessStore {
 public:
  virtual ~AccessStore() = default;

  // ---- consents ----
  // Adds the consents in one transaction and returns their ids, in order (ids ignored).
  virtual Result<std::vector<int64_t>> put_consents(std::span<const ConsentRow> rows) = 0;
  // The latest consent (greatest consented_at, then id) of the person at the institution for
  // the category, withdrawn or not, or nullopt when there never was one.
  virtual Result<std::optional<ConsentRow>> latest_consent(std::string_view person_link,
                                                           std::string_view institution,
                                                           std::string_view category) = 0;
  // Every consent of the person, oldest first.
  virtual Result<std::vector<ConsentRow>> consents_of(std::string_view person_link) = 0;
  // Withdraws, at `now_us` with `reason`, the person's consents that are neither withdrawn
  // nor ended at `now_us` — at `institution` only unless it is "", of `category` only unless
  // it is "". Returns how many were withdrawn. Atomic.
  virtual Result<int64_t> withdraw_consents(std::string_view person_link,
                                            std::string_view institution, std::string_view category,
                                            std::string_view reason, int64_t now_us) = 0;

  // ---- disaster periods ----
  // Records a period (id ignored) and returns its id.
  virtual Result<int64_t> declare_disaster(const DisasterPeriod& period) = 0;
  // Ends period `id` at `now_us` (to_us becomes min(to_us, now_us)). False when there is no
  // such period or it had ended already (nothing changes then).
  virtual Result<bool> end_disaster(int64_t id, int64_t now_us) = 0;
  // Every period, by id.
  virtual Result<std::vector<DisasterPeriod>> disasters() = 0;

  // ---- professional accounts ----
  // Registers the account, or changes its role and registers it again when it was removed
  // (registered_at_us becomes the new time, removed_at_us is cleared). Atomic.
  virtual Status put_account(const ProfessionalAccount& account) = 0;
  // Marks the account removed at `now_us`; false when it is unknown or removed already.
  virtual Result<bool> remove_account(std::string_view institution, std::string_view account_id,
                                      int64_t now_us) = 0;
  virtual Result<std::optional<ProfessionalAccount>> find_account(std::string_view institution,
                                                                  std::string_view account_id) = 0;
  // The institution's accounts ("" = every institution's), removed ones included, by
  // (institution, account_id).
  virtual Result<std::vector<ProfessionalAccount>> accounts(std::string_view institution) = 0;

  // ---- institution settings ----
  // Records a setting (id ignored) and returns its id.
  virtual Result<int64_t> add_setting(const InstitutionSetting& setting) = 0;
  // The setting in force on `day` (YYYYMMDD): the greatest effective_on ≤ day, then the
  // greatest id; nullopt when none is in force yet.
  virtual Result<std::optional<InstitutionSetting>> setting_on(std::string_view institution,
                                                               std::string_view setting,
                                                               std::string_view day) = 0;
  // The institution's settings ("" = every institution's), by id.
  virtual Result<std::vector<InstitutionSetting>> settings(std::string_view institution) = 0;

  // ---- copying a database (`onshi db copy`, store/copy.h) ----
  // Calls `fn` for every consent with id > `after_id`, by id, at most `limit`; stop early by
  // returning false.
  virtual Status scan_consents(int64_t after_id, size_t limit,
                               const std::function<bool(const ConsentRow&)>& fn) = 0;
  // Each put_*_verbatim stores rows exactly as given in one transaction and returns how many
  // were inserted: a row whose key (id; id; institution and account) is present with the same
  // fields is skipped, one present with other fields is E_COPY_CONFLICT naming it and nothing
  // of the batch is written. Later puts get ids greater than every stored one.
  virtual Result<int64_t> put_consents_verbatim(std::span<const ConsentRow> rows) = 0;
  virtual Result<int64_t> put_disasters_verbatim(std::span<const DisasterPeriod> rows) = 0;
  virtual Result<int64_t> put_accounts_verbatim(std::span<const ProfessionalAccount> rows) = 0;
  virtual Result<int64_t> put_settings_verbatim(std::span<const InstitutionSetting> rows) = 0;
};

}  // namespace onshi::store
