// Internal helpers shared by the quality report, the overlap list and the member view: a
// small append-only JSON writer (reports reach hundreds of thousands of entries, so they are
// written straight into one string rather than built as a tree), ISO times in JST, and how a
// member is named — by the insurer's own numbers, never by anything derived from the
// My Number.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/qualification.h"
#include "core/status.h"

namespace onshi::quality::detail {

// Appends `s` as a JSON string literal.
void json_string(std::string& out, std::string_view s);
// Appends `"key":` (preceded by a comma unless `out` ends with '{' or '[').
void json_key(std::string& out, std::string_view key);
// Appends `"key":"value"`, and `"key":number`.
void json_field(std::string& out, std::string_view key, std::string_view value);
void json_field(std::string& out, std::string_view key, int64_t value);

// "2025-04-15T09:30:12.345+09:00" for a Unix time in microseconds.
std::string iso_jst(int64_t unix_us);

// Appends the member's card numbers as the fields of a JSON object (no braces):
// "insurerNumber":…,"insuredCardSymbol":…,"insuredIdentificationNumber":…,"insuredBranchNumber":…
void member_fields(std::string& out, const core::Qualification& q);

// Validates and normalises an insurer number given on a command line or in a query.
// Errors: E_INSURER_NUMBER (field "insurerNumber").
Result<std::string> checked_insurer(std::string_view raw);

// One member's printed numbers, for ambiguous_card_numbers.
struct CardNumbers {
  std::string symbol, number, branch;
};
// R-CONF-9 (layout.cpp): this insurer's members whose 記号・番号 are a re-split of another
// member's, as a JSON array of {"member":{numbers},"resplitOf":[{numbers}…]}; `count` is set
// to its length.
std::string ambiguous_card_numbers(const std::string& insurer,
                                   const std::vector<CardNumbers>& members, int64_t& count);

// Name (or kana) with the spaces between family and given name removed, for comparing the
// person data of two registrations.
std::string without_spaces(std::string_view s);

}  // namespace onshi::quality::detail
