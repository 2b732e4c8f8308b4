// The four kinds' columns and row rules, as one table per kind: each column's element name,
// whether a file must fill it, the rule its value follows and whether it is part of the
// kind's natural key. Everything a file row and a JSON record must satisfy is decided here,
// before the qualification is looked up, so a malformed row costs no store read.
//
// Codes follow the public ones: a drug is a レセプト電算処理システム用 医薬品コード (9 digits,
// starting with 6) or a YJ code (12 characters: 7 digits, the dosage-form letter, 3 letters
// or digits and a check digit); a procedure a 診療行為コード (9 digits starting with 1); a
// check item a 特定健診 項目コード (17 letters or digits). An institution's kind (1 医科,
// 3 歯科, 4 調剤) is the 点数表 digit of its 医療機関コード, and the row must agree with it.
// 医療費通知情報 (expenses) takes its Category as that digit or as 医科/歯科/調剤 (stored as
// the digit), whole yen and a month; its Name and Birthdate are checked against the
// qualification later (expenses.cpp), once the person is known.
#include <algorithm>

#include "clinical/detail.h"
#include "core/limits.h"
#include "core/numbers.h"
#include "core/text.h"

namespace onshi::clinical {
namespace {

enum class Rule {
  kText,         // up to kMaxText characters, no control characters
  kDate,         // YYYYMMDD, not after today
  kInstitution,  // 医療機関コード (10 digits with its check digit)
  kInstitutionKind,  // 1 / 3 / 4, the 点数表 digit of the row's MedicalInstitutionCode
  kDrug, kProcedure, kItem,
  kDecimal,      // -?digits[.digits]
  kCount,        // 1–9999
  kFlag,         // 0 / 1
  kDataType,     // PQ / CD / ST
  kJudgement,    // N / L / H / A
  kCheckupInstitution,  // 10 digits (健診機関番号)
  kPrescriptionId,      // 1–36 of [0-9A-Za-z-]
  kRp,                  // 1–99
  kMonth,               // YYYYMM, not after this month
  kCategory,            // 1 / 3 / 4 (医科 / 歯科 / 調剤 are read as these)
  kDays,                // 0–31
  kYen,                 // 0–999,999,999
};

struct FieldSpec {
  const char* name;
  bool required;
  Rule rule;
  bool key;
};

struct KindSpec {
  std::vector<FieldSpec> fields;  // the kind's own columns, after the qualification's
  const char* date_field;         // the day the windows count from
  const char* later_date_field;   // when filled, it counts instead (prescriptions: dispensing)
};

constexpr size_t kMaxText = 200;
constexpr size_t kQualificationColumns = 4;

const KindSpec& spec(ClinicalKind kind) {
  static const KindSpec medication{{{"DispensingDate", true, Rule::kDate, true},
                                    {"MedicalInstitutionCode", true, Rule::kInstitution, true},
                                    {"MedicalInstitutionName", true, Rule::kText, false},
                                    {"InstitutionClassification", true, Rule::kInstitutionKind, false},
                                    {"DrugC", true, Rule::kDrug, true},
                                    {"DrugN", true, Rule::kText, false},
                                    {"Qua1", true, Rule::kDecimal, false},
                                    {"Unit", true, Rule::kText, false},
                                    {"UsageN", false, Rule::kText, true},
                                    {"Times", true, Rule::kCount, false}},
                                   "DispensingDate", nullptr};
  static const KindSpec checkups{
      {{"EffectiveTime", true, Rule::kDate, true},
       {"HealthCheckupInstitutionCode", false, Rule::kCheckupInstitution, true},
       {"HealthCheckupInstitutionName", false, Rule::kText, false},
       {"ItemCode", true, Rule::kItem, true},
       {"ItemName", true, Rule::kText, false},
       {"DataType", true, Rule::kDataType, false},
       {"DataValue", true, Rule::kText, false},
       {"Unit", false, Rule::kText, false},
       {"DataValueName", false, Rule::kText, false},
       {"ReferenceRangeLow", false, Rule::kDecimal, false},
       {"ReferenceRangeHigh", false, Rule::kDecimal, false},
       {"Judgement", false, Rule::kJudgement, false}},
      "EffectiveTime", nullptr};
  static const KindSpec treatments{{{"TreatmentDate", true, Rule::kDate, true},
                                    {"MedicalInstitutionCode", true, Rule::kInstitution, true},
                                    {"MedicalInstitutionName", true, Rule::kText, false},
                                    {"InstitutionClassification", true, Rule::kInstitutionKind, false},
                                    {"ProcedureC", true, Rule::kProcedure, true},
                                    {"ProcedureN", true, Rule::kText, false},
                                    {"OperationFlg", false, Rule::kFlag, false},
                                    {"Times", false, Rule::kCount, false},
                                    {"DiagnosisNames", false, Rule::kText, false}},
                                   "TreatmentDate", nullptr};
  static const KindSpec prescriptions{
      {{"PrescriptionId", true, Rule::kPrescriptionId, true},
       {"PrescriptionDate", true, Rule::kDate, false},
       {"PrescribingInstitutionCode", true, Rule::kInstitution, false},
       {"PrescribingInstitutionName", true, Rule::kText, false},
       {"DispensingDate", false, Rule::kDate, false},
       {"DispensingInstitutionCode", false, Rule::kInstitution, false},
       {"DispensingInstitutionName", false, Rule::kText, false},
       {"RpNumber", false, Rule::kRp, true},
       {"DrugC", true, Rule::kDrug, true},
       {"DrugN", true, Rule::kText, false},
       {"Qua1", true, Rule::kDecimal, false},
       {"Unit", true, Rule::kText, false},
       {"UsageN", false, Rule::kText, false},
       {"Times", true, Rule::kCount, false}},
      "PrescriptionDate", "DispensingDate"};
  static const KindSpec expenses{{{"MedicalTreatmentMonth", true, Rule::kMonth, true},
                                  {"Birthdate", true, Rule::kDate, false},
                                  {"Name", true, Rule::kText, false},
                                  {"MedicalInstitutionCode", true, Rule::kInstitution, true},
                                  {"MedicalInstitutionName", true, Rule::kText, false},
                                  {"Category", true, Rule::kCategory, true},
                                  {"Days", true, Rule::kDays, false},
                                  {"TotalCost", true, Rule::kYen, false},
                                  {"PatientShare", true, Rule::kYen, false}},
                                 "MedicalTreatmentMonth", nullptr};
  switch (kind) {
    case ClinicalKind::kExpense: return expenses;
    case ClinicalKind::kMedication: return medication;
    case ClinicalKind::kCheckup: return checkups;
    case ClinicalKind::kTreatment: return treatments;
    case ClinicalKind::kPrescription: break;
  }
  return prescriptions;
}

bool is_decimal(std::string_view v) {
  size_t i = !v.empty() && v[0] == '-' ? 1 : 0;
  size_t digits = 0, dot = std::string_view::npos;
  for (; i < v.size(); ++i) {
    if (v[i] == '.' && dot == std::string_view::npos && digits > 0) {
      dot = i;
    } else if (v[i] >= '0' && v[i] <= '9') {
      ++digits;
    } else {
      return false;
    }
  }
  return digits > 0 && v.back() != '.' && v.size() <= 16;
}

bool is_upper_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); }

bool is_drug_code(std::string_view v) {
  if (v.size() == 9) return v[0] == '6' && core::all_digits(v);
  if (v.size() != 12) return false;
  return core::all_digits(v.substr(0, 7)) && v[7] >= 'A' && v[7] <= 'Z' &&
         std::all_of(v.begin() + 8, v.begin() + 11, is_upper_alnum) && v[11] >= '0' &&
         v[11] <= '9';
}

bool has_control(std::string_view v) {
  return std::any_of(v.begin(), v.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

// A whole number in [lo, hi].
bool in_range(std::string_view v, int lo, int hi) {
  if (v.empty() || v.size() > 5 || !core::all_digits(v)) return false;
  int n = std::stoi(std::string(v));
  return n >= lo && n <= hi;
}

// Without leading and trailing blanks: spaces and tabs, and CR and LF too for `codes`
// (core::normalize_card_field's trim).
std::string_view trimmed_view(std::string_view v, bool codes = false) {
  auto blank = [codes](char c) {
    return c == ' ' || c == '\t' || (codes && (c == '\r' || c == '\n'));
  };
  while (!v.empty() && blank(v.front())) v.remove_prefix(1);
  while (!v.empty() && blank(v.back())) v.remove_suffix(1);
  return v;
}

// The rules of the expenses' own columns (check_value's tail).
batch::RowError check_expense_value(const FieldSpec& f, const std::string& v,
                                    const LoadOptions& load) {
  auto err = [&](std::string code, std::string message) {
    return batch::RowError{0, f.name, std::move(code), std::move(message)};
  };
  switch (f.rule) {
    case Rule::kMonth: {
      auto d = core::Date::parse(v + "01");
      if (v.size() != 6 || !core::all_digits(v) || !d)
        return err("E_DATE", "診療年月は YYYYMM の形式で指定してください");
      if (*d > load.today) return err("E_DATE_FUTURE", "未来の診療年月です");
      return {};
    }
    case Rule::kCategory:
      if (v != "1" && v != "3" && v != "4")
        return err("E_CODE", "区分は 医科（1）, 歯科（3）, 調剤（4）のいずれかです");
      return {};
    case Rule::kDays:
      if (!(v == "0" || in_range(v, 1, 31))) return err("E_CLINICAL_VALUE", "日数は0〜31 の整数です");
      return {};
    case Rule::kYen:
      if (v.empty() || v.size() > 9 || !core::all_digits(v) || (v.size() > 1 && v[0] == '0'))
        return err("E_CLINICAL_VALUE", "金額は0〜999,999,999 の整数（円）です");
      return {};
    default:
      return {};
  }
}

// The error of one value under its rule, or an empty code. `v` is normalised already.
batch::RowError check_value(const FieldSpec& f, const std::string& v, const LoadOptions& load) {
  auto err = [&](std::string code, std::string message) {
    return batch::RowError{0, f.name, std::move(code), std::move(message)};
  };
  switch (f.rule) {
    case Rule::kText:
      if (has_control(v)) return err("E_BAD_CHARACTER", "制御文字は使えません");
      if (core::codepoint_count(v) > kMaxText)
        return err("E_LENGTH", "長すぎます（" + std::to_string(kMaxText) + "文字以内）");
      return {};
    case Rule::kDate: {
      auto d = core::Date::parse(v);
      if (!d) return err(d.error().code, d.error().message);
      if (*d > load.today) return err("E_DATE_FUTURE", "未来の日付です");
      return {};
    }
    case Rule::kInstitution:
      if (auto st = core::check_medical_institution_code(v); !st)
        return err(st.error().code, st.error().message);
      return {};
    case Rule::kInstitutionKind:
      if (v != "1" && v != "3" && v != "4")
        return err("E_CODE", "医療機関の種類は 1（医科）, 3（歯科）, 4（調剤）のいずれかです");
      return {};
    case Rule::kDrug:
      if (!is_drug_code(v))
        return err("E_CLINICAL_DRUG_CODE",
                   "医薬品コードはレセプト電算コード（6で始まる9桁）か YJ コード（12桁）です");
      return {};
    case Rule::kProcedure:
      if (!(v.size() == 9 && v[0] == '1' && core::all_digits(v)))
        return err("E_CLINICAL_PROCEDURE_CODE", "診療行為コードは1で始まる9桁の数字です");
      return {};
    case Rule::kItem:
      if (!(v.size() == 17 && std::all_of(v.begin(), v.end(), is_upper_alnum)))
        return err("E_CLINICAL_ITEM_CODE", "健診項目コードは17桁の英数字です");
      return {};
    case Rule::kDecimal:
      if (!is_decimal(v)) return err("E_CLINICAL_VALUE", "数値ではありません");
      return {};
    case Rule::kCount:
      if (!in_range(v, 1, 9999)) return err("E_CLINICAL_VALUE", "1〜9999 の整数です");
      return {};
    case Rule::kFlag:
      if (v != "0" && v != "1") return err("E_CODE", "0 か 1 です");
      return {};
    case Rule::kDataType:
      if (v != "PQ" && v != "CD" && v != "ST")
        return err("E_CODE", "データ型は PQ（数値）, CD（コード）, ST（文字列）のいずれかです");
      return {};
    case Rule::kJudgement:
      if (v != "N" && v != "L" && v != "H" && v != "A")
        return err("E_CODE", "判定は N（基準範囲内）, L（低値）, H（高値）, A（異常）のいずれかです");
      return {};
    case Rule::kCheckupInstitution:
      if (!(v.size() == 10 && core::all_digits(v)))
        return err("E_LENGTH", "健診機関番号は10桁の数字です");
      return {};
    case Rule::kPrescriptionId:
      if (v.empty() || v.size() > 36 || !std::all_of(v.begin(), v.end(), [](char c) {
            return is_upper_alnum(c) || (c >= 'a' && c <= 'z') || c == '-';
          }))
        return err("E_CLINICAL_PRESCRIPTION_ID", "処方箋IDは36文字以内の英数字とハイフンです");
      return {};
    case Rule::kRp:
      if (!in_range(v, 1, 99)) return err("E_CLINICAL_VALUE", "RP番号は1〜99 の整数です");
      return {};
    case Rule::kMonth:
    case Rule::kCategory:
    case Rule::kDays:
    case Rule::kYen:
      return check_expense_value(f, v, load);
  }
  return {};
}

// Codes and numbers are compared after NFKC (full-width digits → ASCII); text keeps its form.
// Into `out`, whose buffer is reused from row to row.
void normalise(const FieldSpec& f, std::string_view raw, std::string& out) {
  if (f.rule == Rule::kText) {
    out.assign(trimmed_view(raw));
    return;
  }
  if (std::all_of(raw.begin(), raw.end(), [](char c) { return (c & 0x80) == 0; })) {  // normalize_card_field's own ASCII path, in place
    out.assign(trimmed_view(raw, true));
    for (char& c : out)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  } else {
    out = core::normalize_card_field(raw);
  }
  if (f.rule == Rule::kCategory) {
    if (out == "医科") out = "1";
    else if (out == "歯科") out = "3";
    else if (out == "調剤") out = "4";
  } else if (f.rule == Rule::kYen || f.rule == Rule::kDays) {  // "1,234" as written on a notice
    out.erase(std::remove(out.begin(), out.end(), ','), out.end());
  }
}

}  // namespace

const std::vector<batch::Column>& columns(ClinicalKind kind) {
  static const auto make = [](ClinicalKind k) {
    std::vector<batch::Column> cols{{"InsurerNumber", true},
                                    {"InsuredCardSymbol", false},
                                    {"InsuredIdentificationNumber", true},
                                    {"InsuredBranchNumber", false}};
    for (const FieldSpec& f : spec(k).fields) cols.push_back({f.name, f.required});
    return cols;
  };
  static const std::vector<batch::Column> all[] = {
      make(ClinicalKind::kMedication), make(ClinicalKind::kCheckup),
      make(ClinicalKind::kTreatment), make(ClinicalKind::kPrescription),
      make(ClinicalKind::kExpense)};
  return all[static_cast<int>(kind) - 1];
}

std::vector<std::string> payload_columns(ClinicalKind kind) {
  std::vector<std::string> out;
  for (const FieldSpec& f : spec(kind).fields) out.push_back(f.name);
  return out;
}

std::vector<std::pair<std::string, std::string>> decode_payload(ClinicalKind kind,
                                                                std::string_view payload) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const FieldSpec& f : spec(kind).fields) {
    size_t cut = payload.find('\x1f');
    out.emplace_back(f.name, std::string(payload.substr(0, cut)));
    payload = cut == std::string_view::npos ? std::string_view() : payload.substr(cut + 1);
  }
  return out;
}

namespace detail {
namespace {

// The qualification columns: normalised, checked; errors appended.
void parse_qualification(const batch::Row& row, const LoadOptions& load, Parsed& p,
                         RowErrors& errors) {
  auto add = [&](std::string field, std::string code, std::string message) {
    errors.push_back({row.number, std::move(field), std::move(code), std::move(message)});
  };
  p.insurer = core::normalize_card_field(row.value(0));
  if (p.insurer.empty()) {
    add("InsurerNumber", "E_MISSING", "保険者番号がありません");
  } else if (auto st = core::check_insurer_number(p.insurer); !st) {
    add("InsurerNumber", st.error().code, st.error().message);
  } else {
    p.insurer = core::trim_insurer_number(p.insurer);
    if (load.only_insurer && *load.only_insurer != p.insurer)
      add("InsurerNumber", "E_FORBIDDEN_INSURER", "他の保険者の加入者の情報は登録できません");
  }
  p.symbol = core::normalize_card_field(row.value(1));
  p.number = core::normalize_card_field(row.value(2));
  p.branch = core::normalize_card_field(row.value(3));
  if (p.number.empty()) add("InsuredIdentificationNumber", "E_MISSING", "被保険者証番号がありません");
  for (auto [limit, value] : {std::pair{&core::kInsuredCardSymbolLimit, &p.symbol},
                              std::pair{&core::kInsuredIdentificationNumberLimit, &p.number}})
    if (Status st = core::check_length(*limit, *value); !st)
      add(st.error().field, st.error().code, st.error().message);
  if (!p.branch.empty() && !(p.branch.size() == 2 && core::all_digits(p.branch)))
    add("InsuredBranchNumber", "E_BRANCH_NUMBER", "枝番は2桁の数字です");
}

// The rules that span columns: the institution's kind, the dispensing after the prescription.
void cross_checks(ClinicalKind kind, const std::vector<std::string>& v,
                  const std::vector<FieldSpec>& fields, int64_t row, RowErrors& errors) {
  auto at = [&](const char* name) -> const std::string& {
    for (size_t i = 0; i < fields.size(); ++i)
      if (std::string_view(fields[i].name) == name) return v[i];
    static const std::string none;
    return none;
  };
  auto refuse = [&](const char* field, std::string message) {
    errors.push_back({row, field, "E_CLINICAL_INSTITUTION_KIND", std::move(message)});
  };
  if (kind == ClinicalKind::kMedication || kind == ClinicalKind::kTreatment) {
    const std::string& code = at("MedicalInstitutionCode");
    const std::string& cls = at("InstitutionClassification");
    if (code.size() == 10 && !cls.empty() && code[2] != cls[0])
      refuse("InstitutionClassification", "医療機関の種類が医療機関コードの点数表（" +
                                              code.substr(2, 1) + "）と一致しません");
    else if (kind == ClinicalKind::kTreatment && cls == "4")
      refuse("InstitutionClassification", "薬局（調剤）の診療情報は登録できません");
  }
  if (kind == ClinicalKind::kExpense) {
    const std::string& code = at("MedicalInstitutionCode");
    if (code.size() == 10 && code[2] != at("Category")[0])
      refuse("Category", "区分が医療機関コードの点数表（" + code.substr(2, 1) + "）と一致しません");
    if (std::stoll(at("PatientShare")) > std::stoll(at("TotalCost")))
      errors.push_back({row, "PatientShare", "E_EXPENSE_SHARE", "窓口負担額が医療費の総額を超えています"});
    return;
  }
  if (kind == ClinicalKind::kCheckup && at("DataType") == "PQ" && !is_decimal(at("DataValue")))
    errors.push_back({row, "DataValue", "E_CLINICAL_VALUE", "データ型 PQ の値は数値です"});
  if (kind != ClinicalKind::kPrescription) return;
  const std::string& prescriber = at("PrescribingInstitutionCode");
  if (prescriber.size() == 10 && prescriber[2] == '4')
    refuse("PrescribingInstitutionCode", "処方した医療機関の医療機関コードが薬局のものです");
  const std::string& dispenser = at("DispensingInstitutionCode");
  if (dispenser.size() == 10 && dispenser[2] != '4')
    refuse("DispensingInstitutionCode", "調剤した薬局の医療機関コードが薬局のものではありません");
  if (!at("DispensingDate").empty() && dispenser.empty())
    errors.push_back({row, "DispensingInstitutionCode", "E_MISSING", "調剤した薬局がありません"});
  if (!at("DispensingDate").empty() && at("DispensingDate") < at("PrescriptionDate"))
    errors.push_back({row, "DispensingDate", "E_DATE_ORDER", "調剤日が処方日より前です"});
}

}  // namespace

std::variant<Parsed, RowErrors> parse_row(ClinicalKind kind, const batch::Row& row,
                                          const LoadOptions& load) {
  Parsed p;
  RowErrors errors;
  parse_qualification(row, load, p, errors);
  const KindSpec& s = spec(kind);
  thread_local std::vector<std::string> values;  // buffers reused by the thread's next row
  values.resize(s.fields.size());
  size_t length = 0;
  for (size_t i = 0; i < s.fields.size(); ++i) {
    const FieldSpec& f = s.fields[i];
    normalise(f, row.value(kQualificationColumns + i), values[i]);
    length += values[i].size() + 1;
    if (values[i].empty()) {
      if (f.required) errors.push_back({row.number, f.name, "E_MISSING", "値がありません"});
      continue;
    }
    batch::RowError e = check_value(f, values[i], load);
    if (!e.code.empty()) {
      e.row = row.number;
      errors.push_back(std::move(e));
    }
  }
  if (errors.empty()) cross_checks(kind, values, s.fields, row.number, errors);
  if (!errors.empty()) return errors;
  p.payload.reserve(length);
  p.key_tail.reserve(length + 64);  // the card key goes in front of it (load.cpp)
  for (size_t i = 0; i < s.fields.size(); ++i) {
    const std::string_view name = s.fields[i].name;
    if (i) p.payload += '\x1f';
    p.payload += values[i];
    if (s.fields[i].key) (p.key_tail += '\x1f') += values[i];
    if (name == s.date_field && p.record_date.empty()) p.record_date = values[i];
    if (s.later_date_field && name == s.later_date_field && !values[i].empty())
      p.record_date = values[i];
  }
  if (p.record_date.size() == 6) p.record_date += "01";  // a month (expenses): its first day
  return p;
}

}  // namespace detail
}  // namespace onshi::clinical
