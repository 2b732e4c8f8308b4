// Internals of the claims module shared by its source files (not part of the contract): the
// compact in-memory form of the qualification history that History::load builds.
//
// A version keeps only what the rules read, with dates as yyyymmdd integers so coverage is
// two integer comparisons. Card keys live in one byte arena, found through an open-addressing
// hash table of indices; the same person's qualifications are found through a sorted table
// of (person link prefix, card key), the link being the current version's. This keeps a
// million members near 100 MB instead of the several hundred full QualificationVersion
// copies would take.
#pragma once

#include <climits>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "batch/batch.h"
#include "claims/claims.h"
#include "core/codes.h"

namespace onshi::claims::detail {

constexpr int32_t kOpenEnd = 99999999;  // DisqualificationDate absent

// One kanji conversion recorded at registration ({"field","position","original","replacement"}).
struct Conversion {
  std::string field;
  int64_t position = -1;
  std::string original, replacement;
};

// One 特定疾病療養受療証 of a version (SpecificDiseasesCertificate), dates as integers.
struct Disease {
  std::string category;          // SpecificDiseasesDiseaseCategory OQSCD013
  int32_t certificate_date = 0;  // SpecificDiseasesCertificateDate 交付年月日
  int32_t valid_start = 0;       // SpecificDiseasesValidStartDate (0 = from issue)
  int32_t valid_end = kOpenEnd;  // SpecificDiseasesValidEndDate (inclusive)
};

struct Version {
  int64_t recorded_at_us = 0;
  int32_t qualification_date = 0;            // QualificationDate (0 = absent)
  int32_t disqualification_date = kOpenEnd;  // DisqualificationDate (first uncovered day)
  int32_t issuance_date = 0;                 // InsuredCertificateIssuanceDate (0 = absent)
  int32_t birthdate = 0;                     // Birthdate
  int32_t conversions = -1;                  // index into Impl::conversions, or -1
  int32_t elderly_date = 0;   // ElderlyRecipientCertificateDate 交付年月日 (0 = no 高齢受給者証)
  int32_t elderly_start = 0;  // ElderlyRecipientValidStartDate
  int32_t elderly_ratio = 0;  // ElderlyRecipientContributionRatio in tenths (2, 3)
  int32_t diseases = -1;      // index into Impl::diseases (特定疾病療養受療証), or -1
  char sex1 = 0;                             // Sex1 ('1', '2', '3')
  std::string name;                          // Name as stored
  bool covers(int32_t d) const { return qualification_date <= d && d < disqualification_date; }
};

// The first 16 bytes of a person link (a keyed SHA-256): unique in practice, half the size.
struct Link {
  uint64_t hi = 0, lo = 0;
  bool empty() const { return hi == 0 && lo == 0; }
  auto operator<=>(const Link&) const = default;
};

struct KeyEntry {
  uint32_t key_offset = 0, key_length = 0;  // in Impl::arena
  uint32_t first_version = 0, end_version = 0;
  Link link;  // the current (latest) version's person link
};

// A confirmation made at reception (audit action "confirm" with a card key as subject).
struct Confirmation {
  uint32_t key = 0;          // card key index
  int32_t date = 0;          // the date reception asked for (yyyymmdd)
  int64_t time_us = 0;       // when
  uint64_t institution = 0;  // 医療機関コード as a number
};

uint64_t institution_number(std::string_view code);  // "1310112345" → 1310112345, else 0

// What the rules need of a confirmation in the audit log: the institution (as a number) and
// the date reception asked for. nullopt when the entry is not a confirmation or cannot be
// decoded (security/audit_events.h) — such an entry is no evidence of a confirmation.
struct LoggedConfirmation {
  uint64_t institution = 0;
  int32_t date = 0;  // yyyymmdd
  core::QualificationValidity validity = core::QualificationValidity::kNotFound;
};
std::optional<LoggedConfirmation> logged_confirmation(const store::AuditEntry& e);

// yyyymmdd → integer, 0 when not 8 digits.
int32_t date_int(std::string_view s);

// ---- R-CONF-8: the paper card was right (exceptions.cpp) ----
// What the exceptions read of a claim already parsed and found under card key `key`.
struct PaperCardQuery {
  uint32_t key = 0;
  int32_t first_day = 0;         // FirstServiceDate as yyyymmdd
  int64_t day_start_us = 0;      // 00:00 JST of that day
  std::string_view insurer;      // InsurerNumber (normalised)
  int32_t elderly_ratio = 0;     // the claim's 高齢受給者証 ratio in tenths, 0 = not given
  std::string_view disease;      // the claim's 特定疾病 category, "" = not given
};
struct PaperCard {
  std::string code, message;
};
// The R-CONF-8 exception that makes a covered claim ACCEPT, or nullopt (plain OK): same-day
// issue of the card, a new insurer's or any late registration, a 高齢受給者証 issued on the
// day the income category changed, a 特定疾病療養受療証 issued on the 対象者登録日 — each used
// that day before the system knew it. Only for care in full operation (core/rule_dates.h).
std::optional<PaperCard> paper_card_exception(const History::Impl& h, const PaperCardQuery& q);
// A note for the Message when the claim's ratio or disease differs from the data ("" none).
std::string certificate_note(const History::Impl& h, const PaperCardQuery& q);

// ---- R-CONF-9: card-layout misreads (layout.cpp) ----
// Builds Impl::by_layout from the loaded keys (one pass, two hashes per key at most).
void build_layout_index(History::Impl& m);
// The registered card keys of `insurer` whose numbers are a re-split of the claim's: run
// together or split elsewhere, the 枝番 appended to the 番号, leading zeros dropped, hyphens
// and full-width forms — the claim's own key excluded. `branch` may be "". Sorted, unique.
std::vector<uint32_t> layout_candidates(const History::Impl& h, std::string_view insurer,
                                        std::string_view symbol, std::string_view number,
                                        std::string_view branch);

}  // namespace onshi::claims::detail

namespace onshi::claims {

struct History::Impl {
  std::string arena;                      // card keys, back to back
  std::vector<detail::KeyEntry> keys;     // in card-key order
  std::vector<detail::Version> versions;  // grouped by key, oldest first
  std::vector<std::vector<detail::Conversion>> conversions;
  std::vector<std::vector<detail::Disease>> diseases;
  // R-CONF-9: (hash of the card numbers in layout-free form, key index), sorted; built after
  // every load (detail::build_layout_index), never stored in the snapshot.
  std::vector<std::pair<uint64_t, uint32_t>> by_layout;
  std::vector<uint32_t> slots;  // open addressing: key index + 1, 0 = empty
  uint64_t mask = 0;
  std::vector<std::pair<detail::Link, uint32_t>> by_person;  // sorted
  std::unordered_map<std::string, int64_t> insurer_first_recorded_us;
  int64_t system_start_us = 0;  // the first version recorded in the store (0 = empty)
  // Confirmations recorded at or after `confirmations_from_us`, sorted by (key, time). Claims
  // whose confirmations may be older read the audit log through its index instead.
  std::vector<detail::Confirmation> confirmations;
  int64_t confirmations_from_us = INT64_MAX;
  bool from_snapshot = false;

  Status load_versions(store::Store& store);
  Status load_confirmations(store::Store& store, int64_t confirmations_since_us);

  std::string_view key(uint32_t i) const {
    return std::string_view(arena).substr(keys[i].key_offset, keys[i].key_length);
  }
  // Index of a card key, or -1.
  int64_t find(std::string_view card_key) const;
  // Every key starting with `prefix` (keys are in byte order, as the store sorts them).
  std::vector<uint32_t> find_prefix(std::string_view prefix) const;
  // Every key whose current version carries `link` (including the one asked from).
  std::vector<uint32_t> keys_of_person(const detail::Link& link) const;
  // The latest version of key `i`, and the one as known at `known_at_us` (nullptr if none).
  const detail::Version& current(uint32_t i) const { return versions[keys[i].end_version - 1]; }
  const detail::Version* as_of(uint32_t i, int64_t known_at_us) const;
};

namespace detail {
// ---- rows in and out (io.cpp), shared with the file check (check_file.cpp) ----
// The input columns for the batch pipeline (PrescribingMedicalInstitutionCode and the
// 医療扶助 columns optional).
const std::vector<batch::Column>& claim_columns();
// One row as the pipeline read it → a claim; a row it could not read becomes a claim with
// E_ROW (RETURNed), keeping its ClaimId where it can be found.
Claim claim_of(const batch::Row& row);
// The output header line and one result row, as CSV (UTF-8, each ending in LF); with
// `medical_aid`, the 医療扶助 columns after Message.
std::string header_line(bool medical_aid = false);
void csv_row(std::string& out, const ResultRow& r, bool medical_aid = false);

// The on-disk snapshot of a loaded history (snapshot.cpp). save: false when it could not be
// written (the run goes on without). load: true when `file` holds a snapshot matching the
// store, read into `m` (confirmations excluded).
bool save_snapshot(const History::Impl& m, const std::filesystem::path& file);
bool load_snapshot(store::Store& store, const std::filesystem::path& file, History::Impl& m);
}  // namespace detail

}  // namespace onshi::claims
