// Field length limits: one table for every input path — the terminal's screen API, the
// central service (XML and JSON confirmation, bulk inquiry, member view) and the member
// import and registration — so one value is refused (or accepted) the same everywhere.
//
// Each limit comes from the public interface (research onshi-interface §2.1, the 照会番号登録
// validation of the same elements) and is counted in the unit the interface states. Values
// are measured after the path's own normalisation (full-width digits and letters to
// half-width, trimmed). Elements without a limit in the interface (names, kana, address)
// have none here either. docs/errors.md shows the table.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace onshi::core {

enum class LengthUnit { kCharacters, kBytes };  // characters = Unicode code points of UTF-8

struct FieldLimit {
  std::string_view element;  // the interface's element name, e.g. "InsuredCardSymbol"
  std::string_view label;    // its Japanese name in messages, e.g. "被保険者証記号"
  LengthUnit unit;
  size_t max;
};

inline constexpr FieldLimit kInsuredCardSymbolLimit{"InsuredCardSymbol", "被保険者証記号",
                                                    LengthUnit::kCharacters, 20};
inline constexpr FieldLimit kInsuredIdentificationNumberLimit{
    "InsuredIdentificationNumber", "被保険者証番号", LengthUnit::kCharacters, 20};
inline constexpr FieldLimit kArbitraryFileIdentifierLimit{
    "ArbitraryFileIdentifier", "任意のファイル識別子", LengthUnit::kCharacters, 50};

// Every limit above, in this order (for the documentation test).
const std::vector<FieldLimit>& field_limits();

// The length of `value` in the limit's unit.
size_t length_in(const FieldLimit& limit, std::string_view value);

// Ok when `value` fits; otherwise E_LENGTH with field = the element name and a Japanese
// message naming the limit, e.g. 「被保険者証記号が長すぎます（20文字以内、入力は23文字）」.
// Callers that name the field differently (the terminal's `symbol`) replace the field.
Status check_length(const FieldLimit& limit, std::string_view value);

}  // namespace onshi::core
