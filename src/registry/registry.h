// Registration (R-REG-1..3): insurers load their members, from a CSV/Shift_JIS file
// (`onshi import`) or over HTTPS (`POST /v1/registrations`), with the same rules.
//
// A record is the full current state of one qualification, keyed by (InsurerNumber,
// InsuredCardSymbol, InsuredIdentificationNumber, InsuredBranchNumber): new → added,
// different → a new version, identical → unchanged, so re-running a file changes nothing.
// Every record is validated first (check digits, dates, codes, "●" and other characters that
// cannot be in a number, date order, certificate consistency); a rejected record never
// reaches the store and is reported with row, field, code and message. Accepted records are
// written in batches, each batch one transaction, so a crash (even kill -9) loses at most the
// batch in flight and a re-run ends in exactly the state of one clean run. The My Number is
// sealed and linked (security::Keyring) before it reaches the store and appears in no error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "batch/batch.h"
#include "core/date.h"
#include "core/qualification.h"
#include "core/status.h"
#include "core/text.h"
#include "security/crypto.h"
#include "store/store.h"

namespace onshi::registry {

// One input record: interface element name → raw value, as read from a CSV row or a JSON
// object (JSON keys are mapped from lowerCamelCase to the element names first).
using FieldMap = std::vector<std::pair<std::string, std::string>>;

// The element names a record may carry (CSV header names), in the documented column order.
const std::vector<std::string>& known_fields();
// The same columns as indices, for code that builds records as rows (the demo generator,
// the CSV import): known_fields()[kInsurerNumber] == "InsurerNumber"; kFieldCount columns.
enum Field : int {
  kInsurerNumber,
  kInsurerName,
  kInsuredCardClassification,
  kInsuredCardSymbol,
  kInsuredIdentificationNumber,
  kInsuredBranchNumber,
  kPersonalFamilyClassification,
  kInsuredName,
  kName,
  kNameOfOther,
  kNameKana,
  kNameOfOtherKana,
  kSex1,
  kSex2,
  kBirthdate,
  kPostNumber,
  kAddress,
  kQualificationDate,
  kDisqualificationDate,
  kReasonOfLoss,
  kInsuredCertificateIssuanceDate,
  kInsuredCardValidDate,
  kInsuredCardExpirationDate,
  kInsuredPartialContributionRatio,
  kElderlyRecipientCertificateDate,
  kElderlyRecipientValidStartDate,
  kElderlyRecipientValidEndDate,
  kElderlyRecipientContributionRatio,
  kLimitApplicationCertificateClassification,
  kLimitApplicationCertificateClassificationFlag,
  kLimitApplicationCertificateDate,
  kLimitApplicationCertificateValidStartDate,
  kLimitApplicationCertificateValidEndDate,
  kLimitApplicationCertificateLongTermDate,
  kSpecificDiseasesDiseaseCategory,
  kSpecificDiseasesCertificateDate,
  kSpecificDiseasesValidStartDate,
  kSpecificDiseasesValidEndDate,
  kSpecificDiseasesSelfPay,
  kMyNumber,
  kFieldCount
};
// Required ones: InsurerNumber, InsuredIdentificationNumber, Name, Sex1, Birthdate,
// QualificationDate — what a qualification cannot be confirmed without. Everything else is
// optional (後期高齢者 have no 本人/家族; insurers' systems differ in what they hold).
const std::vector<std::string>& required_fields();

// A rejected record: row (1-based data row — the CSV header is row 0 — or the index in the
// JSON array), field, code and message. The batch pipeline's row error (batch/batch.h).
using RecordError = batch::RowError;

struct ValidatedRecord {
  core::Qualification qualification;  // normalised, names in the stored character set
  std::string my_number;              // "" when absent; never logged
  std::string conversions;            // kanji conversions made (JSON array) or "" (R-REG-5)
};

// ---- The stored character set (R-REG-5; docs/data-quality.md) ----
// Names, addresses and insurer names are stored in JIS X 0208 (CP932's rows 1–8 and 16–84,
// without 凜 and 熙), ASCII and half-width katakana. validate_record converts any other
// character of InsurerName, InsuredName, Name, NameOfOther and Address, one character for
// one: to its standard form (variant table, e.g. 髙→高, 﨑→崎, 德→徳), else to a one-character
// Unicode equivalent inside the set (塚→塚), else to kSubstituteCharacter — and records
// each conversion with the version: [{"field":"Name","position":0,"original":"髙",
// "replacement":"高"}] (position = 0-based code point index in the field's value).
inline constexpr char32_t kSubstituteCharacter = U'\u3013';  // 〓 (下駄)
struct KanjiConversion {
  std::string field;  // element name, e.g. "Name"
  int64_t position = 0;
  std::string original, replacement;
};
bool in_stored_character_set(char32_t c);
// The character stored for `c` (c itself when inside the set).
char32_t stored_form_of(char32_t c);
// `text` (valid UTF-8) in the stored set; appends one entry per replaced character.
std::string to_stored_text(std::string_view field, std::string_view text,
                           std::vector<KanjiConversion>& conversions);
// The JSON array kept in store::PutItem::conversions ("" when empty).
std::string conversions_to_json(const std::vector<KanjiConversion>& conversions);

// What a record registers: an insurer's member, or a welfare office's 医療扶助 recipient
// (受給者, registry/medical_aid.h) — keyed by 公費負担者番号 (法別 12) and 受給者番号, with only
// the columns of recipient_fields() and InsuredCardClassification A1.
enum class RecordKind { kMember, kRecipient };

// Validates and normalises one record. `today` bounds dates (no birth in the future).
// Returns the record, or every error found in it (not just the first). A field the kind
// does not have is E_UNKNOWN_FIELD.
std::variant<ValidatedRecord, std::vector<Error>> validate_record(
    const FieldMap& fields, core::Date today, RecordKind kind = RecordKind::kMember);

struct Report {
  int64_t accepted = 0;   // added or changed
  int64_t unchanged = 0;
  int64_t rejected = 0;
  std::vector<RecordError> errors;
  std::string notice;  // what to do about the run as a whole (e.g. no row could be decoded), or ""
  // {"accepted":N,"unchanged":N,"rejected":N[,"notice":…],"errors":[{"row":R,"field":…,"code":…,"message":…}]}
  std::string to_json() const;
};

class Registrar {
 public:
  Registrar(store::Store& store, const security::Keyring& keyring);
  // Validates and registers `records` (one batch, one transaction). When `only_insurer` is
  // set, records of any other insurer number are rejected (E_FORBIDDEN_INSURER; for
  // recipients E_FORBIDDEN_OFFICE: another welfare office's 公費負担者番号). `first_row`
  // numbers the rows in errors.
  Result<Report> register_records(const std::vector<FieldMap>& records, const std::string& source,
                                  const std::optional<std::string>& only_insurer = std::nullopt,
                                  int64_t first_row = 0, RecordKind kind = RecordKind::kMember);

 private:
  store::Store& store_;
  const security::Keyring& keyring_;
};

// The pipeline's options (batch/batch.h): encoding (nullopt = detect UTF-8 ± BOM or CP932),
// batch_size (rows per transaction), threads (validation threads), progress (a bar on stderr
// while it is a terminal), and file_problems (when set and the file is refused: every problem
// found, as report entries of row 0 — each unknown, duplicate and missing column). The member
// import uses no checkpoint (see import_csv).
using ImportOptions = batch::Options;

// Imports a member CSV. Errors (the file is unusable; nothing was written): E_FILE (missing
// or unreadable), E_ENCODING, E_CSV_HEADER (unknown or duplicate columns, missing required
// columns — the message names them all). Row-level problems are in the Report, not errors.
//
// Duplicate keys: the first valid row of a card key (保険者番号, 記号, 番号, 枝番) in the file
// is registered; every later row with the same key is rejected with E_DUPLICATE_KEY ("row N
// has the key of row M"), whether or not its content differs. So a file is one state per
// key, and running it again changes nothing, whatever it contains. When no row at all could
// be decoded, `Report::notice` names the encoding used and the --encoding option.
//
// The file runs on the batch pipeline (batch/batch.h) without a checkpoint: a run killed
// part-way is simply run again — the duplicate rule needs every row of the file, and
// registering an identical record changes nothing, so the re-run ends in the state of one
// clean run and reports the whole file.
Result<Report> import_csv(store::Store& store, const security::Keyring& keyring,
                          const std::filesystem::path& csv, const ImportOptions& options = {});

// Maps a lowerCamelCase JSON key to its element name ("insurerNumber" → "InsurerNumber").
std::string element_name_from_json_key(std::string_view key);

// The records of a registration body: an array of member objects, or {"records":[…]}. Keys
// are lowerCamelCase element names; certificates may be nested as the member view writes
// them ("elderlyRecipient" and "limitApplication" objects of strings, a "specificDiseases"
// array of such objects, joined with '|' per element as in the CSV). A record of the wrong
// shape gets an E_JSON_TYPE entry in `shape_errors` (row = its index, field = the key) and
// an empty field map; the others are not validated here. Errors (the body as a whole):
// E_JSON_SYNTAX, E_JSON_TYPE (field "records": neither form), E_TOO_MANY (field "records":
// more than kMaxJsonRecords).
inline constexpr size_t kMaxJsonRecords = 100000;
struct JsonRecords {
  std::vector<FieldMap> records;  // one per element, in order
  std::vector<RecordError> shape_errors;
};
Result<JsonRecords> records_from_json(std::string_view body);

}  // namespace onshi::registry
