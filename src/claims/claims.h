// The claims check (レセプトの資格確認, 振替・分割) for review & payment organisations
// (R-CLM-1..3, R-CONF-6, R-CONF-8, R-CONF-9).
//
// A claim (レセプト) names a card key and the dates of care. The check answers, per claim, one
// Result: OK (its qualification covers the dates), ACCEPT (it differs from the insurer's
// current data but must not be returned: the institution confirmed online and the system
// showed coverage then, a recorded kanji conversion, or an R-CONF-8 exception where the
// paper card was right), REASSIGN (振替: another qualification of the same person covers the
// dates), SPLIT (分割: the dates span two qualifications; one row per part) or RETURN (返戻).
// Every ReasonCode is documented in docs/claims.md.
//
// 医療扶助 claims (R-CLM-3): a claim whose InsurerNumber is a 公費負担者番号 of 法別 12 (with the
// 受給者番号 as InsuredIdentificationNumber), or an insurance claim with 医療扶助 併用
// (PublicExpenseNumber, BeneficiaryNumber), is checked against the recipient and the month's
// 医療券・調剤券 for the claiming institution (store/tickets.h): at institutions using the system
// the system's data are taken as correct, so what reception was shown is ACCEPTed.
//
// The decision that shaped the module: the whole qualification history is loaded once into
// compact in-memory tables (`History`: only what the rules read — dates, name, birth date,
// sex, recorded times, person link), so a claim costs a hash lookup and a few integer
// comparisons, and millions of claims stream through in batches on several threads. The
// store is touched per claim only to read the audit log's confirmations of that card key
// (indexed), and only for claims the current data do not settle.
//
// Thread safety: a loaded History is immutable and may be shared by any number of threads;
// check_claim is reentrant (it reads the store, which is thread-safe).
#pragma once

#include <array>
#include <climits>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "batch/batch.h"
#include "core/status.h"
#include "core/text.h"
#include "security/audit_events.h"
#include "store/store.h"
#include "store/tickets.h"

namespace onshi::claims {

// The input columns, in the documented order (CSV header names; JSON keys are the same in
// lowerCamelCase). PrescribingMedicalInstitutionCode and the last two
// (ElderlyRecipientContributionRatio, SpecificDiseasesDiseaseCategory) are optional; the
// others are required.
const std::vector<std::string>& input_columns();
// The optional columns of a claim under insurance with 医療扶助 併用: PublicExpenseNumber
// (公費負担者番号), BeneficiaryNumber (受給者番号). Accepted anywhere in the header.
const std::vector<std::string>& medical_aid_columns();
// The output columns, in order; with `medical_aid`, medical_aid_columns() follow Message.
const std::vector<std::string>& output_columns(bool medical_aid = false);

// One claim as received: input column name → raw value (already UTF-8).
struct Claim {
  std::string claim_id;                  // ClaimId
  std::string medical_institution_code;  // MedicalInstitutionCode
  std::string
      prescribing_medical_institution_code;   // PrescribingMedicalInstitutionCode ("" = none)
  std::string service_month;                  // ServiceMonth YYYYMM
  std::string first_service_date;             // FirstServiceDate YYYYMMDD
  std::string last_service_date;              // LastServiceDate YYYYMMDD
  std::string insurer_number;                 // InsurerNumber
  std::string insured_card_symbol;            // InsuredCardSymbol
  std::string insured_identification_number;  // InsuredIdentificationNumber
  std::string insured_branch_number;          // InsuredBranchNumber
  std::string name;                           // Name
  std::string birthdate;                      // Birthdate YYYYMMDD
  std::string sex1;                           // Sex1
  // Optional (R-CONF-8): the 高齢受給者証 ratio the claim was written with ("020", "030") and
  // the 特定疾病療養受療証's category (OQSCD013, "01"); "" = not given.
  std::string elderly_recipient_contribution_ratio;  // ElderlyRecipientContributionRatio
  std::string specific_diseases_disease_category;    // SpecificDiseasesDiseaseCategory
  std::string public_expense_number;          // PublicExpenseNumber ("" = none)
  std::string beneficiary_number;             // BeneficiaryNumber ("" = none)
  // Set when the row itself could not be read (bad quoting, wrong column count, bytes not in
  // the encoding, a JSON element that is not an object of strings): the claim is RETURNed
  // with this code and message.
  std::string row_error_code, row_error_message;
};

enum class Outcome { kOk, kAccept, kReassign, kSplit, kReturn };
std::string_view outcome_name(Outcome o);  // "OK", "ACCEPT", "REASSIGN", "SPLIT", "RETURN"

// One output row. A SPLIT claim gives one row per part; every other claim one row.
struct ResultRow {
  std::string claim_id;
  Outcome result = Outcome::kReturn;
  std::string reason_code;  // docs/claims.md
  // The qualification the row is to be paid under (REASSIGN/SPLIT: the target's numbers;
  // otherwise the claim's own numbers, normalised when they could be parsed).
  std::string insurer_number, insured_card_symbol, insured_identification_number,
      insured_branch_number;
  std::string from_date, to_date;  // YYYYMMDD; the part's dates for SPLIT
  std::string message;             // Japanese, for the reviewer; never a My Number
  // The 医療扶助 numbers the row is to be paid under (the new office's for REASSIGN), "" when
  // the claim has no 医療扶助 part.
  std::string public_expense_number, beneficiary_number;
};

// Counts of one run, for the summary line and the run's single audit entry.
struct Summary {
  int64_t claims = 0;                   // input rows
  int64_t rows = 0;                     // output rows (a SPLIT gives several)
  std::array<int64_t, 5> by_outcome{};  // claims per Outcome (indexed by the enum)
  int64_t person_lookups = 0;  // claims for which the same person's other qualifications were read
  int64_t confirmation_lookups = 0;  // claims for which the audit log's confirmations were read
  void add(const Summary& o);
  // {"claims":…,"rows":…,"ok":…,"accept":…,"reassign":…,"split":…,"return":…,"personLookups":…,"confirmationLookups":…}
  std::string to_json() const;
  // The run's audit record (`input`: the file name of a batch run, "" over HTTPS).
  security::ClaimsCheck audit_record(security::Actor actor, std::string input = {}) const;
};

// The qualification history in memory: every version of every card key, compacted.
class History {
 public:
  static constexpr int64_t kNoConfirmations = INT64_MAX;
  // Reads every version once through store.scan_versions, and the confirmations made at
  // reception since `confirmations_since_us` (Unix µs; 0 = the whole audit log) through
  // store.scan_audit. Claims whose confirmations could be older than that read the audit log
  // of their card key through its index instead, so the window changes speed, never results.
  // Confirmations recorded after the load are not seen through the preloaded window: a
  // History kept for long (the service's) passes kNoConfirmations, so that every claim reads
  // the audit log as it stands. Errors: the store's.
  //
  // With a `snapshot` path, the versions are read from that file when it matches the store
  // (same version count, same last card key history), and the file is (re)written after a
  // load from the store otherwise — a run after no new registrations skips the full scan.
  static Result<std::shared_ptr<const History>> load(store::Store& store,
                                                     int64_t confirmations_since_us = 0,
                                                     const std::filesystem::path& snapshot = {});
  bool from_snapshot() const;  // whether the versions came from the snapshot file
  ~History();
  int64_t card_keys() const;
  int64_t versions() const;
  int64_t confirmations() const;
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  History();
  std::unique_ptr<Impl> impl_;
};

// Checks one claim against `history` (and the store's audit log of confirmations, and for a
// 医療扶助 claim the tickets in `tickets`; null: no ticket registered). Never fails: a
// malformed claim is a RETURN row with a parse reason (E_… codes). Adds to `summary`.
std::vector<ResultRow> check_claim(const History& history, store::Store& store, const Claim& claim,
                                   Summary& summary, store::TicketStore* tickets = nullptr);

// ---- files and bodies ----

// The pipeline's options (batch/batch.h): encoding of the input (nullopt = detect UTF-8 ± BOM,
// else CP932), batch_size (claims per batch; memory is bounded by threads + 2 batches),
// threads, progress (a bar on stderr while it is a terminal).
using CheckOptions = batch::Options;

// Streams `in` (CSV with a header row) to `out` (CSV, header + rows, in the input's encoding),
// on the batch pipeline (batch/batch.h; the output is written to OUT.tmp and renamed at the
// end, so a killed run is simply run again). Errors (nothing usable was done): E_FILE
// (missing/unwritable), E_ENCODING (the header is not valid in the detected or given
// encoding), E_CSV_HEADER (empty file, unknown, duplicate or missing columns — all named).
// Row-level problems are RETURN rows, not errors.
// The results file has medical_aid_columns() after Message when the claims file's header names
// either of them. `tickets`: as for check_claim.
Result<Summary> check_csv_file(const History& history, store::Store& store,
                               const std::filesystem::path& in, const std::filesystem::path& out,
                               const CheckOptions& options = {},
                               store::TicketStore* tickets = nullptr);

// Parses a request body: CSV (with header) or a JSON array of objects (keys in lowerCamelCase
// or as the column names; also {"claims":[…]}). Errors: E_CSV_HEADER, E_JSON_SYNTAX,
// E_JSON_TYPE, E_ENCODING. A JSON element that is not an object of strings becomes a claim
// whose ClaimId is its index, answered RETURN E_ROW.
Result<std::vector<Claim>> parse_claims_body(std::string_view body, bool json);

// Result rows as CSV (header + rows, UTF-8; medical_aid_columns() after Message when a row has
// a 医療扶助 part) or as a JSON array of objects (lowerCamelCase, those two keys always).
std::string results_to_csv(const std::vector<ResultRow>& rows);
std::string results_to_json(const std::vector<ResultRow>& rows);

}  // namespace onshi::claims
