// The vocabulary of onboarding (kinds, stages, card-reader states, prefectures) and the
// numbers the bureau hands out.
//
// A 受付番号 is not a number of its own: it is the 医療機関コード designation will assign, in
// its 7-digit form (郡市区 2 + 番号 4 + 検証 1), with the check digit computed over the 9 leading
// digits of the 10-digit form (都道府県 + 点数表 + 郡市区 + 番号). Numbers are handed out in
// the 点数表's range, upwards, never below the highest number already handed out in the same
// 都道府県 × 点数表 × 郡市区 — that high-water mark is what keeps a deleted entry's number (the
// seed's "newest number" case) from reaching another institution.
#include <cstdio>

#include "core/numbers.h"
#include "institutions/institutions.h"

namespace onshi::institutions {

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::kHospital:
      return "hospital";
    case Kind::kClinic:
      return "clinic";
    case Kind::kDental:
      return "dental";
    case Kind::kPharmacy:
      return "pharmacy";
  }
  return "clinic";
}

std::string_view kind_label(Kind k) {
  switch (k) {
    case Kind::kHospital:
      return "病院";
    case Kind::kClinic:
      return "診療所";
    case Kind::kDental:
      return "歯科診療所";
    case Kind::kPharmacy:
      return "薬局";
  }
  return "診療所";
}

std::optional<Kind> parse_kind(std::string_view s) {
  for (Kind k : {Kind::kHospital, Kind::kClinic, Kind::kDental, Kind::kPharmacy}) {
    if (s == kind_name(k) || s == kind_label(k)) return k;
  }
  if (s == "医科" || s == "医科診療所") return Kind::kClinic;
  if (s == "歯科") return Kind::kDental;
  return std::nullopt;
}

char score_table(Kind k) {
  switch (k) {
    case Kind::kDental:
      return '3';
    case Kind::kPharmacy:
      return '4';
    default:
      return '1';
  }
}

std::string_view stage_name(Stage s) {
  switch (s) {
    case Stage::kProvisional:
      return "provisional";
    case Stage::kNumberAnswered:
      return "numberAnswered";
    case Stage::kDesignated:
      return "designated";
    case Stage::kInUse:
      return "inUse";
  }
  return "provisional";
}

std::string_view stage_label(Stage s) {
  switch (s) {
    case Stage::kProvisional:
      return "仮コード発行済";
    case Stage::kNumberAnswered:
      return "受付番号回答済";
    case Stage::kDesignated:
      return "指定済";
    case Stage::kInUse:
      return "利用中";
  }
  return "";
}

std::string_view reader_state_name(ReaderState s) {
  switch (s) {
    case ReaderState::kNone:
      return "none";
    case ReaderState::kApplied:
      return "applied";
    case ReaderState::kUndecided:
      return "undecided";
    case ReaderState::kShipped:
      return "shipped";
    case ReaderState::kCancelled:
      return "cancelled";
  }
  return "none";
}

std::pair<int, int> number_range(char table) {
  switch (table) {
    case '3':
      return {3000, 3999};
    case '4':
      return {4000, 4999};
    default:
      return {1000, 2999};
  }
}

bool is_skipped_number(int number) {
  return (number / 10) % 100 == 90 || number % 100 == 90;
}

int next_number(char table, int high_water) {
  auto [lo, hi] = number_range(table);
  for (int n = std::max(lo, high_water + 1); n <= hi; ++n) {
    if (!is_skipped_number(n)) return n;
  }
  return -1;
}

InstitutionNumber make_institution_number(std::string_view prefecture, char table,
                                          std::string_view district, int number) {
  char serial[8];
  std::snprintf(serial, sizeof serial, "%04d", number);
  std::string body = std::string(prefecture) + table + std::string(district) + serial;
  int check = core::weighted_check_digit(body);
  InstitutionNumber out;
  out.medical_institution_code = body + static_cast<char>('0' + check);
  out.reception_number = out.medical_institution_code.substr(3);
  return out;
}

std::string prefecture_name(std::string_view two) {
  static const char* const kNames[] = {
      "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県",   "福島県", "茨城県",
      "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県",
      "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県",   "愛知県", "三重県",
      "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県",
      "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県",   "高知県", "福岡県",
      "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県"};
  if (two.size() != 2 || two[0] < '0' || two[0] > '9' || two[1] < '0' || two[1] > '9') return "";
  int n = (two[0] - '0') * 10 + (two[1] - '0');
  if (n < 1 || n > 47) return "";
  return kNames[n - 1];
}

}  // namespace onshi::institutions
