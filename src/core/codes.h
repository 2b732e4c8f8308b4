// The interface's code tables OQSCD001–OQSCD026 (別紙5-1 業務コード仕様, as rebuilt in
// research onshi-interface §4) as typed values with their Japanese labels.
//
// Tables are static data compiled into the binary; lookups are by table id and code
// string, because codes travel as strings in the XML ("01", "A1", "B05"). A code that is
// not in its table is a validation error (E_CODE), never passed through.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace onshi::core {

struct CodeEntry {
  std::string_view code;
  std::string_view label;  // Japanese label, e.g. "被保険者証（一般）"
};

struct CodeTable {
  std::string_view id;       // "OQSCD010"
  std::string_view name;     // "被保険者証区分"
  std::string_view element;  // main interface element using it, e.g. "InsuredCardClassification"
  std::span<const CodeEntry> entries;
};

// All tables OQSCD001–OQSCD026 in id order.
std::span<const CodeTable> code_tables();
// The table with this id, or nullptr.
const CodeTable* code_table(std::string_view id);
// Label of `code` in table `id`, or nullopt when the code is not in the table.
std::optional<std::string_view> code_label(std::string_view id, std::string_view code);
bool valid_code(std::string_view id, std::string_view code);

// Typed values for the codes the service branches on.
enum class QualificationValidity {  // OQSCD006 資格有効性
  kValid = 1,           // 有効
  kInvalid = 2,         // 無効
  kInvalidNewer = 3,    // 無効（新しい資格あり）
  kNotFound = 4,        // 該当資格なし
  kMultiple = 5,        // 複数該当
  kValidUnregistered = 6  // 有効（未登録） (医療扶助)
};
enum class ReferenceClassification { kMyNumberCard = 1, kInsuranceCard = 2 };  // OQSCD002
enum class SegmentOfResult { kNormal = 1, kProcessing = 2, kAbnormal = 9 };   // OQSCD003
enum class ProcessingResultStatus { kNormal = 1, kError = 2 };                // OQSCD004
enum class CharacterCode { kUtf8 = 0, kShiftJis = 1 };                        // OQSCD005

// 患者区分 text shown at reception, e.g. "健康保険組合 本人 3割": the insurer kind from the
// insurer number (法別), 本人/家族, and the ratio in tenths (0 = omit).
std::string_view insurer_kind_label(std::string_view insurer_number_digits);

}  // namespace onshi::core
