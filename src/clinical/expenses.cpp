// 医療費通知情報 (expenses): the one rule of the kind that needs the person — a row's Name and
// Birthdate must be those of the qualification it names, so an insurer's mix-up of two members
// never files one member's costs under the other. Names are compared after NFKC with every
// space removed (「山田　太郎」 = 「山田太郎」), against the qualification's 氏名 or its カナ.
#include "clinical/detail.h"
#include "core/text.h"

namespace onshi::clinical::detail {
namespace {

std::string name_form(std::string_view name) {
  std::string v = core::normalize_card_field(name);
  std::string out;
  for (char c : v)
    if (c != ' ') out.push_back(c);
  return out;
}

// The payload's value of `field` (the kind's payload columns).
std::string field_of(const Parsed& p, std::string_view field) {
  for (auto& [name, value] : decode_payload(ClinicalKind::kExpense, p.payload))
    if (name == field) return value;
  return "";
}

}  // namespace

std::optional<batch::RowError> check_expense_person(const Parsed& p, const Resolver::Person& who,
                                                    int64_t row) {
  if (field_of(p, "Birthdate") != who.birthdate)
    return batch::RowError{row, "Birthdate", "E_EXPENSE_PERSON",
                           "生年月日がこの資格の加入者と一致しません。行は登録しません"};
  const std::string name = name_form(field_of(p, "Name"));
  if (name != name_form(who.name) && name != name_form(who.name_kana))
    return batch::RowError{row, "Name", "E_EXPENSE_PERSON",
                           "氏名がこの資格の加入者と一致しません。行は登録しません"};
  return std::nullopt;
}

}  // namespace onshi::clinical::detail
