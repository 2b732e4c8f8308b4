// Claims in and results out: the claims' columns, one read row → a Claim, result rows as CSV
// and JSON, and the request bodies of POST /v1/claims:check. The file run of `onshi claims
// check` is in check_file.cpp, on the batch pipeline (batch/batch.h).
//
// A row that cannot be read (bytes not in the encoding, quotes not per RFC 4180, another
// number of columns than the header) is not an error of the run: it becomes a claim answered
// RETURN with E_ROW, keeping its ClaimId where one can be found, so every input row has a
// result row.
#include <algorithm>
#include <boost/json.hpp>
#include <deque>

#include "claims/detail.h"

namespace onshi::claims {
namespace {

constexpr int kBaseColumns = 15;  // input_columns()
constexpr int kColumns = 17;      // and medical_aid_columns()

// ---- columns ----

enum Col {
  kClaimId,
  kMedicalInstitutionCode,
  kPrescribing,
  kServiceMonth,
  kFirst,
  kLast,
  kInsurer,
  kSymbol,
  kNumber,
  kBranch,
  kName,
  kBirthdate,
  kSex1,
  kElderlyRatio,
  kDisease,
  kPublicExpenseNumber,
  kBeneficiaryNumber
};

std::string* field_of(Claim& c, int col) {
  switch (col) {
    case kClaimId:
      return &c.claim_id;
    case kMedicalInstitutionCode:
      return &c.medical_institution_code;
    case kPrescribing:
      return &c.prescribing_medical_institution_code;
    case kServiceMonth:
      return &c.service_month;
    case kFirst:
      return &c.first_service_date;
    case kLast:
      return &c.last_service_date;
    case kInsurer:
      return &c.insurer_number;
    case kSymbol:
      return &c.insured_card_symbol;
    case kNumber:
      return &c.insured_identification_number;
    case kBranch:
      return &c.insured_branch_number;
    case kName:
      return &c.name;
    case kBirthdate:
      return &c.birthdate;
    case kSex1:
      return &c.sex1;
    case kElderlyRatio:
      return &c.elderly_recipient_contribution_ratio;
    case kDisease:
      return &c.specific_diseases_disease_category;
    case kPublicExpenseNumber:
      return &c.public_expense_number;
    case kBeneficiaryNumber:
      return &c.beneficiary_number;
  }
  return nullptr;
}

const std::string& column_name(int col) {
  return col < kBaseColumns ? input_columns()[static_cast<size_t>(col)]
                            : medical_aid_columns()[static_cast<size_t>(col - kBaseColumns)];
}

int column_index(std::string_view name) {
  for (int i = 0; i < kColumns; ++i) {
    if (column_name(i) == name) return i;
  }
  return -1;
}

void csv_field(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string row_label(int64_t row) { return "row:" + std::to_string(row); }

// The claim of a row the pipeline could not read: RETURNed with E_ROW.
Claim unreadable_claim(const batch::Row& row) {
  Claim c;
  const std::string n = std::to_string(row.number);
  c.row_error_code = "E_ROW";
  if (row.problem == batch::Unreadable::kEncoding) {
    c.claim_id = row_label(row.number);
    c.row_error_message = "行 " + n + ": 文字コードとして読めないバイトがあります";
    return c;
  }
  if (row.problem == batch::Unreadable::kQuote) {
    // Keep the claim's own id when it stands unquoted in the first column.
    std::string_view first = row.text.substr(0, row.text.find(','));
    bool usable = !row.file_columns->empty() && (*row.file_columns)[0] == kClaimId &&
                  !first.empty() && first.find('"') == std::string_view::npos &&
                  first.size() <= 64;
    c.claim_id = usable ? std::string(first) : row_label(row.number);
    c.row_error_message = "行 " + n + ": 引用符 (\") の使い方が RFC 4180 に合いません";
    return c;
  }
  return c;
}

}  // namespace

namespace detail {

const std::vector<batch::Column>& claim_columns() {
  static const std::vector<batch::Column> cols = [] {
    std::vector<batch::Column> v;
    for (int c = 0; c < kColumns; ++c)
      v.push_back({column_name(c), c != kPrescribing && c < kElderlyRatio});
    return v;
  }();
  return cols;
}

Claim claim_of(const batch::Row& row) {
  if (row.problem == batch::Unreadable::kEncoding || row.problem == batch::Unreadable::kQuote)
    return unreadable_claim(row);
  Claim c;
  for (int col = 0; col < kColumns; ++col)
    *field_of(c, col) = std::string(row.value(static_cast<size_t>(col)));
  if (row.problem == batch::Unreadable::kFieldCount) {
    if (c.claim_id.empty()) c.claim_id = row_label(row.number);
    c.row_error_code = "E_ROW";
    c.row_error_message = "行 " + std::to_string(row.number) + ": 列数 " +
                          std::to_string(row.fields_in_row) + " がヘッダーの列数 " +
                          std::to_string(row.fields_in_header) + " と違います";
  }
  return c;
}

void csv_row(std::string& out, const ResultRow& r, bool medical_aid) {
  const std::string_view vals[] = {r.claim_id,
                                   outcome_name(r.result),
                                   r.reason_code,
                                   r.insurer_number,
                                   r.insured_card_symbol,
                                   r.insured_identification_number,
                                   r.insured_branch_number,
                                   r.from_date,
                                   r.to_date,
                                   r.message};
  bool first = true;
  for (auto v : vals) {
    if (!first) out += ',';
    first = false;
    csv_field(out, v);
  }
  if (medical_aid) {
    out += ',';
    csv_field(out, r.public_expense_number);
    out += ',';
    csv_field(out, r.beneficiary_number);
  }
  out += '\n';
}

std::string header_line(bool medical_aid) {
  std::string h;
  for (const auto& c : output_columns(medical_aid)) {
    if (!h.empty()) h += ',';
    h += c;
  }
  return h + '\n';
}

}  // namespace detail

const std::vector<std::string>& input_columns() {
  static const std::vector<std::string> cols = {"ClaimId",
                                                "MedicalInstitutionCode",
                                                "PrescribingMedicalInstitutionCode",
                                                "ServiceMonth",
                                                "FirstServiceDate",
                                                "LastServiceDate",
                                                "InsurerNumber",
                                                "InsuredCardSymbol",
                                                "InsuredIdentificationNumber",
                                                "InsuredBranchNumber",
                                                "Name",
                                                "Birthdate",
                                                "Sex1",
                                                "ElderlyRecipientContributionRatio",
                                                "SpecificDiseasesDiseaseCategory"};
  return cols;
}

const std::vector<std::string>& medical_aid_columns() {
  static const std::vector<std::string> cols = {"PublicExpenseNumber", "BeneficiaryNumber"};
  return cols;
}

const std::vector<std::string>& output_columns(bool medical_aid) {
  static const std::vector<std::string> cols = {"ClaimId",
                                                "Result",
                                                "ReasonCode",
                                                "InsurerNumber",
                                                "InsuredCardSymbol",
                                                "InsuredIdentificationNumber",
                                                "InsuredBranchNumber",
                                                "FromDate",
                                                "ToDate",
                                                "Message"};
  static const std::vector<std::string> with_aid = [] {
    std::vector<std::string> v = cols;
    for (const auto& c : medical_aid_columns()) v.push_back(c);
    return v;
  }();
  return medical_aid ? with_aid : cols;
}

namespace {

// A CSV body (UTF-8 ± BOM, or CP932) read as the file run reads its rows.
Result<std::vector<Claim>> parse_csv_body(std::string_view body) {
  std::string text;
  if (core::detect_encoding(body) == core::Encoding::kUtf8) {
    text = std::string(core::strip_utf8_bom(body));
  } else {
    auto t = core::shift_jis_to_utf8(body);
    if (!t.ok()) return Error{"E_ENCODING", "", "本文が UTF-8 でも Shift_JIS でもありません"};
    text = std::move(*t);
  }
  if (text.empty()) return Error{"E_CSV_HEADER", "", "本文が空です"};
  std::vector<Claim> claims;
  Status st = batch::for_each_row(text, detail::claim_columns(), /*strict_quotes=*/true,
                                  [&](const batch::Row& row) {
                                    claims.push_back(detail::claim_of(row));
                                  });
  if (!st) return st.error();
  return claims;
}

// Element `i` of a JSON body: an object of strings (or integers) keyed by column name.
Claim claim_of_json(const boost::json::value& element, size_t i) {
  Claim c;
  const auto* o = element.if_object();
  bool bad = !o;
  if (o) {
    for (const auto& [k, v] : *o) {
      std::string name(k);
      if (!name.empty() && name[0] >= 'a' && name[0] <= 'z')
        name[0] = static_cast<char>(name[0] - 32);
      int col = column_index(name);
      if (col < 0) continue;  // other keys are ignored
      if (v.is_string()) {
        *field_of(c, col) = std::string(v.as_string());
      } else if (v.is_int64()) {
        *field_of(c, col) = std::to_string(v.as_int64());
      } else if (!v.is_null()) {
        bad = true;
      }
    }
  }
  if (bad) {
    if (c.claim_id.empty()) c.claim_id = "row:" + std::to_string(i);
    c.row_error_code = "E_ROW";
    c.row_error_message = "要素 " + std::to_string(i) + ": 値が文字列のオブジェクトではありません";
  }
  return c;
}

Result<std::vector<Claim>> parse_json_body(std::string_view body) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec) return Error{"E_JSON_SYNTAX", "", "JSONの構文に誤りがあります"};
  const boost::json::array* arr = doc.if_array();
  if (!arr && doc.is_object()) {
    if (const auto* c = doc.as_object().if_contains("claims")) arr = c->if_array();
  }
  if (!arr) return Error{"E_JSON_TYPE", "claims", "請求は配列か {\"claims\":[…]} で送ってください"};
  std::vector<Claim> claims;
  for (size_t i = 0; i < arr->size(); ++i) claims.push_back(claim_of_json((*arr)[i], i));
  return claims;
}

}  // namespace

Result<std::vector<Claim>> parse_claims_body(std::string_view body, bool json) {
  return json ? parse_json_body(body) : parse_csv_body(body);
}

std::string results_to_csv(const std::vector<ResultRow>& rows) {
  const bool aid = std::any_of(rows.begin(), rows.end(),
                               [](const ResultRow& r) { return !r.public_expense_number.empty(); });
  std::string out = detail::header_line(aid);
  for (const auto& r : rows) detail::csv_row(out, r, aid);
  return out;
}

std::string results_to_json(const std::vector<ResultRow>& rows) {
  boost::json::array arr;
  arr.reserve(rows.size());
  for (const auto& r : rows) {
    arr.push_back(
        boost::json::object{{"claimId", r.claim_id},
                            {"result", outcome_name(r.result)},
                            {"reasonCode", r.reason_code},
                            {"insurerNumber", r.insurer_number},
                            {"insuredCardSymbol", r.insured_card_symbol},
                            {"insuredIdentificationNumber", r.insured_identification_number},
                            {"insuredBranchNumber", r.insured_branch_number},
                            {"fromDate", r.from_date},
                            {"toDate", r.to_date},
                            {"message", r.message},
                            {"publicExpenseNumber", r.public_expense_number},
                            {"beneficiaryNumber", r.beneficiary_number}});
  }
  return boost::json::serialize(arr);
}

}  // namespace onshi::claims
