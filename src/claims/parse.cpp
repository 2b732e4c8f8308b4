// Step 1 of the claims check: one claim's raw values → a Parsed claim, or the first field at
// fault with its parse reason (docs/claims.md, "Parse reasons").
//
// Card numbers are normalised as registrations are (full-width digits, hyphen look-alikes,
// spaces), so a claim matches the card key it was registered under. A 医療扶助 claim is told
// apart by its numbers alone: an InsurerNumber of 法別 12 is a 公費負担者番号 (単独, R-CLM-3),
// checked with its own rules (8 digits with check digit; the 受給者番号 7 digits with check
// digit; no symbol or branch), and PublicExpenseNumber + BeneficiaryNumber add the 医療扶助
// part to an insurance claim (併用).
#include "claims/rules_detail.h"
#include "core/burden.h"
#include "core/medical_aid.h"
#include "core/numbers.h"
#include "core/qualification.h"

namespace onshi::claims::detail {
namespace {

// Ok, or a warning (W_…) the rules accept, as for the 地方公費 check digit.
bool acceptable(const Status& s) {
  return s.ok() || s.error().code.rfind("W_", 0) == 0;
}

std::optional<ParseFail> parse_dates(const Claim& c, Parsed& p) {
  const std::string& m = c.service_month;
  int32_t mi = m.size() == 6 ? date_int(m + "01") : 0;
  if (mi == 0 || !core::Date::valid_ymd(mi / 10000, mi / 100 % 100, 1) || mi / 10000 < 1800) {
    return ParseFail{"E_SERVICE_DATE", "ServiceMonth: YYYYMM の年月ではありません"};
  }
  p.month = m;
  p.month_start = core::Date::from_ymd(mi / 10000, mi / 100 % 100, 1);
  auto f = core::Date::parse(c.first_service_date);
  if (!f) return ParseFail{"E_SERVICE_DATE", field_message("FirstServiceDate", f.error())};
  auto l = core::Date::parse(c.last_service_date);
  if (!l) return ParseFail{"E_SERVICE_DATE", field_message("LastServiceDate", l.error())};
  if (*l < *f) {
    return ParseFail{"E_SERVICE_DATE", "LastServiceDate: FirstServiceDate より前の日付です"};
  }
  if (f->first_of_month() != p.month_start || l->first_of_month() != p.month_start) {
    return ParseFail{"E_SERVICE_DATE",
                     "FirstServiceDate/LastServiceDate: ServiceMonth の月の日付ではありません"};
  }
  p.first = *f;
  p.last = *l;
  p.fi = to_int(*f);
  p.li = to_int(*l);
  return std::nullopt;
}

// A 医療扶助 claim (単独): InsurerNumber is the office's 公費負担者番号.
std::optional<ParseFail> parse_aid_only(const Claim& c, const std::string& ins, Parsed& p) {
  if (auto s = core::check_public_expense_number(ins); !s.ok()) {
    return ParseFail{"E_INSURER_NUMBER", field_message("InsurerNumber", s.error())};
  }
  if (!core::normalize_card_field(c.insured_card_symbol).empty() ||
      !core::normalize_card_field(c.insured_branch_number).empty()) {
    return ParseFail{
        "E_CARD_NUMBER",
        "InsuredCardSymbol/InsuredBranchNumber: 医療扶助の請求に記号・枝番はありません"};
  }
  std::string number = core::normalize_card_field(c.insured_identification_number);
  if (auto s = core::check_beneficiary_number(number); !s.ok()) {
    return ParseFail{"E_RECIPIENT_NUMBER", field_message("InsuredIdentificationNumber", s.error())};
  }
  // The 併用 columns, when filled, must repeat the same numbers.
  std::string pe = core::trim_insurer_number(core::normalize_card_field(c.public_expense_number));
  std::string bn = core::normalize_card_field(c.beneficiary_number);
  if ((!pe.empty() && pe != ins) || (!bn.empty() && bn != number)) {
    return ParseFail{"E_PUBLIC_EXPENSE_NUMBER",
                     "PublicExpenseNumber/BeneficiaryNumber: InsurerNumber が公費負担者番号の請求"
                     "では同じ番号を指定するか空にしてください"};
  }
  p.insurer = p.aid_insurer = ins;
  p.number = p.aid_number = number;
  p.card_key = p.aid_key = core::make_card_key(ins, "", number, "");
  p.aid_only = true;
  return std::nullopt;
}

// The 併用 columns of an insurance claim: both or neither.
std::optional<ParseFail> parse_public_expense(const Claim& c, Parsed& p) {
  std::string pe = core::trim_insurer_number(core::normalize_card_field(c.public_expense_number));
  std::string bn = core::normalize_card_field(c.beneficiary_number);
  if (pe.empty() && bn.empty()) return std::nullopt;
  if (pe.empty()) {
    return ParseFail{"E_PUBLIC_EXPENSE_NUMBER",
                     "PublicExpenseNumber: BeneficiaryNumber があるのに公費負担者番号がありません"};
  }
  if (auto s = core::check_public_expense_number(pe); !acceptable(s)) {
    return ParseFail{"E_PUBLIC_EXPENSE_NUMBER", field_message("PublicExpenseNumber", s.error())};
  }
  if (bn.empty()) {
    return ParseFail{"E_RECIPIENT_NUMBER", "BeneficiaryNumber: 受給者番号がありません"};
  }
  if (auto s = core::check_beneficiary_number(bn); !s.ok()) {
    return ParseFail{"E_RECIPIENT_NUMBER", field_message("BeneficiaryNumber", s.error())};
  }
  if (!core::is_medical_aid_number(pe)) {
    p.other_public_expense = pe;  // another 公費: valid, not checked here
    return std::nullopt;
  }
  p.aid_insurer = pe;
  p.aid_number = bn;
  p.aid_key = core::make_card_key(pe, "", bn, "");
  return std::nullopt;
}

// The insurance card key, normalised as registrations are.
std::optional<ParseFail> parse_card(const Claim& c, const std::string& ins, Parsed& p) {
  if (auto s = core::check_insurer_number(ins); !s.ok()) {
    return ParseFail{"E_INSURER_NUMBER", field_message("InsurerNumber", s.error())};
  }
  p.insurer = ins;
  p.symbol = core::normalize_card_field(c.insured_card_symbol);
  p.number = core::normalize_card_field(c.insured_identification_number);
  p.branch = core::normalize_card_field(c.insured_branch_number);
  if (p.number.empty() || p.number.size() > 40 || p.symbol.size() > 40) {
    return ParseFail{"E_CARD_NUMBER", "InsuredIdentificationNumber: 番号がないか長すぎます"};
  }
  if (!p.branch.empty() && (p.branch.size() != 2 || !core::all_digits(p.branch))) {
    return ParseFail{"E_CARD_NUMBER", "InsuredBranchNumber: 枝番は2桁の数字です"};
  }
  p.card_key = core::make_card_key(p.insurer, p.symbol, p.number, p.branch);
  return parse_public_expense(c, p);
}

}  // namespace

std::string field_message(std::string_view field, const Error& e) {
  return std::string(field) + ": " + e.message + " (" + e.code + ")";
}

std::optional<ParseFail> parse(const Claim& c, Parsed& p) {
  if (!c.row_error_code.empty()) return ParseFail{c.row_error_code, c.row_error_message};
  if (c.claim_id.empty() || c.claim_id.size() > 64) {
    return ParseFail{"E_CLAIM_ID", "ClaimId: 1から64バイトで指定してください"};
  }
  if (auto s = core::check_medical_institution_code(c.medical_institution_code); !s.ok()) {
    return ParseFail{"E_MEDICAL_INSTITUTION_CODE",
                     field_message("MedicalInstitutionCode", s.error())};
  }
  p.institution = c.medical_institution_code;
  if (!c.prescribing_medical_institution_code.empty()) {
    if (auto s = core::check_medical_institution_code(c.prescribing_medical_institution_code);
        !s.ok()) {
      return ParseFail{"E_PRESCRIBING_INSTITUTION_CODE",
                       field_message("PrescribingMedicalInstitutionCode", s.error())};
    }
    p.prescriber = c.prescribing_medical_institution_code;
  }
  if (auto fail = parse_dates(c, p)) return fail;
  std::string ins = core::trim_insurer_number(core::normalize_card_field(c.insurer_number));
  auto fail = core::is_medical_aid_number(ins) ? parse_aid_only(c, ins, p) : parse_card(c, ins, p);
  if (fail) return fail;
  if (c.name.empty() || c.name.size() > 200) return ParseFail{"E_NAME", "Name: 氏名がありません"};
  p.name = c.name;
  auto b = core::Date::parse(c.birthdate);
  if (!b) return ParseFail{"E_BIRTHDATE", field_message("Birthdate", b.error())};
  p.birthdate = to_int(*b);
  if (c.sex1.size() != 1 || (c.sex1[0] != '1' && c.sex1[0] != '2' && c.sex1[0] != '3')) {
    return ParseFail{"E_SEX", "Sex1: 1, 2 または 3 です"};
  }
  p.sex1 = c.sex1[0];
  if (!c.elderly_recipient_contribution_ratio.empty()) {
    int r = core::parse_ratio_percent(c.elderly_recipient_contribution_ratio);
    if (r != 1 && r != 2 && r != 3)
      return ParseFail{"E_ELDERLY_RATIO",
                       "ElderlyRecipientContributionRatio: 010, 020 または 030 です"};
    p.elderly_ratio = r;
  }
  if (!c.specific_diseases_disease_category.empty()) {
    const std::string& d = c.specific_diseases_disease_category;
    if (d.size() != 2 || !core::all_digits(d))
      return ParseFail{"E_DISEASE_CATEGORY", "SpecificDiseasesDiseaseCategory: 2桁の数字です"};
    p.disease = d;
  }
  return std::nullopt;
}

}  // namespace onshi::claims::detail
