// Number confirmation at the terminal (R-CONF-2, R-REG-4): the staff types the card's
// 保険者番号, 記号, 番号, 枝番 and the birth date (西暦 or 和暦). Every field is checked here
// first — with the service's own number rules (core/numbers.h) and length limits
// (core/limits.h) — and a request with any error reaches neither the central service nor
// the history: the answer is 400 E_VALIDATION with one entry per field. A valid one goes to
// POST /xml/OQSsiquc01 as the receipt computer's document would.
#include "core/numbers.h"

#include <algorithm>
#include <variant>
#include <vector>

#include "core/date.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/medical_aid.h"
#include "core/text.h"
#include "terminal/detail.h"

namespace onshi::terminal {

namespace {

struct FieldError {
  std::string field, code, message;
};

// The typed card data once every field is valid.
struct Numbers {
  std::string insurer, symbol, number, branch;
  core::Date birth;
};

// Characters that never belong in a typed 記号・番号: format-conversion marks (●, 〓) and
// placeholders.
bool has_bad_character(std::string_view s) {
  for (std::string_view bad : {"●", "○", "■", "□", "〓", "*", "?", "？", "＊"})
    if (s.find(bad) != std::string_view::npos) return true;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7F) return true;
  return false;
}

// The birth date as typed: YYYYMMDD, YYYY-MM-DD (or YYYY/MM/DD) or 和暦.
Result<core::Date> parse_birthdate_input(std::string_view typed) {
  std::string s = core::normalize_card_field(typed);
  if (s.empty()) return Error{"E_EMPTY", "", "生年月日を入力してください"};
  if (s.size() == 10 && (s[4] == '-' || s[4] == '/') && s[7] == s[4]) {
    std::string compact = s.substr(0, 4) + s.substr(5, 2) + s.substr(8, 2);
    if (core::all_digits(compact)) return core::Date::parse(compact);
  }
  if (s[0] >= '0' && s[0] <= '9') {
    if (core::all_digits(s) && s.size() == 8) return core::Date::parse(s);
    return Error{"E_DATE_FORMAT", "",
                 "生年月日は「19800515」「1980-05-15」または和暦「S55.5."
                 "15」「昭和55年5月15日」で入力してください"};
  }
  return core::Date::parse_wareki(s);
}

// 記号 (may be empty) or 番号: no conversion marks, within the interface's length.
void check_card_field(const std::string& field, const std::string& value, std::string_view label,
                      const core::FieldLimit& limit, std::vector<FieldError>& errors) {
  if (has_bad_character(value)) {
    errors.push_back({field, "E_BAD_CHARACTER",
                      std::string(label) + "に使えない文字（●など）があります。保険証の" +
                          std::string(label) + "をそのまま入力してください"});
  } else if (Status s = core::check_length(limit, value); !s.ok()) {
    errors.push_back({field, s.error().code, s.error().message});
  }
}

// 医療扶助 (R-AID-1): the 受給者番号 (7 digits with check digit) alone, no 記号.
void check_recipient_numbers(const Numbers& n, std::vector<FieldError>& errors) {
  if (!n.symbol.empty())
    errors.push_back({"symbol", "E_STRUCTURE", "医療扶助の照会では記号は入力しません"});
  if (!n.number.empty())
    if (Status s = core::check_beneficiary_number(n.number); !s.ok())
      errors.push_back({"number", s.error().code, "受給者番号: " + s.error().message});
}

// Every field of the body, or the errors of all fields that are wrong.
std::variant<Numbers, std::vector<FieldError>> validate_numbers(const json::object& body,
                                                                core::Date today) {
  std::vector<FieldError> errors;
  Numbers n;
  n.insurer = core::normalize_card_field(member(body, "insurerNumber"));
  n.insurer.erase(std::remove(n.insurer.begin(), n.insurer.end(), ' '), n.insurer.end());
  const bool aid = core::is_medical_aid_number(n.insurer);  // 公費負担者番号 of 医療扶助
  if (n.insurer.empty()) {
    errors.push_back({"insurerNumber", "E_EMPTY", "保険者番号を入力してください"});
  } else if (Status s = aid ? core::check_public_expense_number(n.insurer)
                            : core::check_insurer_number(n.insurer);
             !s.ok()) {
    errors.push_back({"insurerNumber", s.error().code, s.error().message});
  }
  n.symbol = core::normalize_card_field(member(body, "symbol"));
  check_card_field("symbol", n.symbol, "記号", core::kInsuredCardSymbolLimit, errors);
  n.number = core::normalize_card_field(member(body, "number"));
  if (n.number.empty())
    errors.push_back({"number", "E_EMPTY", "番号を入力してください"});
  else
    check_card_field("number", n.number, "番号", core::kInsuredIdentificationNumberLimit, errors);
  if (aid) check_recipient_numbers(n, errors);
  // 枝番: empty or two digits
  n.branch = core::normalize_card_field(member(body, "branch"));
  if (!n.branch.empty() && !(n.branch.size() == 2 && core::all_digits(n.branch)))
    errors.push_back(
        {"branch", "E_BRANCH_NUMBER",
         "枝番は2桁の数字で入力してください（例 00、01）。ない場合は空欄にしてください"});
  auto birth = parse_birthdate_input(member(body, "birthdate"));
  if (!birth) {
    errors.push_back({"birthdate", birth.error().code, birth.error().message});
  } else if (*birth > today) {
    errors.push_back({"birthdate", "E_DATE_FUTURE", "生年月日が未来の日付です"});
  } else {
    n.birth = *birth;
  }
  if (!errors.empty()) return errors;
  return n;
}

// 400 E_VALIDATION: problem+json whose `errors` lists each field's code and detail.
http::Response validation_failed(const std::vector<FieldError>& errors) {
  json::array list;
  std::string fields;
  for (const auto& e : errors) {
    list.push_back(json::object{{"field", e.field}, {"code", e.code}, {"detail", e.message}});
    fields += (fields.empty() ? "" : ",") + e.field;
  }
  core::log_info("terminal.numbers_invalid", {{"fields", fields}});
  return api_error(400, "E_VALIDATION", errors.front().field, "入力内容を確認してください",
                   json::object{{"errors", std::move(list)}});
}

// The in-band refusal of the central service (SegmentOfResult 9): its ErrorMessage is
// "<element>: <message>", answered as a field error.
http::Response refused_in_band(const oqs::ResultHeader& header) {
  std::string message = header.error_message, field;
  if (auto p = message.find(": "); p != std::string::npos && p < 64) {
    field = message.substr(0, p);
    message = message.substr(p + 2);
  }
  core::log_info("terminal.numbers_refused", {{"code", header.error_code}});
  return api_error(400, header.error_code, field, message);
}

}  // namespace

http::Response Terminal::Impl::number_confirmation(const http::Request& req) {
  auto body = parse_object(req.body);
  if (!body) return bad_json();
  const core::Date today = core::Date::today_jst();
  auto checked = validate_numbers(*body, today);
  if (auto* errors = std::get_if<std::vector<FieldError>>(&checked))
    return validation_failed(*errors);
  const Numbers& n = std::get<Numbers>(checked);
  oqs::ConfirmRequest request;
  request.header.qualification_confirmation_date = today.yyyymmdd();
  request.header.medical_institution_code = institution_code;
  request.search.insurer_number = core::pad_insurer_number(n.insurer);
  request.search.insured_card_symbol = n.symbol;
  request.search.insured_identification_number = n.number;
  request.search.insured_branch_number = n.branch;
  request.search.birthdate = n.birth.yyyymmdd();
  request.search.limit_application_certificate_related_cons_flg =
      flag(*body, "limitConsent") ? "1" : "0";
  auto xml = oqs::write_confirm_request_xml(request, core::Encoding::kUtf8);
  if (!xml) return api_error(400, xml.error().code, "", xml.error().message);
  auto r = central->request("POST", "/xml/OQSsiquc01", *xml, "application/xml");
  if (!r) {
    core::log_warn("terminal.central_error", {{"route", "numbers"}, {"code", r.error().code}});
    return central_unreachable(r.error());
  }
  if (r->status != 200) {
    std::string code = problem_code(r->body);
    core::log_warn("terminal.central_error",
                   {{"route", "numbers"}, {"code", code}, {"status", std::to_string(r->status)}});
    return api_error(502, "E_TERMINAL_HTTP", "",
                     staff_message(code.empty() ? "E_TERMINAL_HTTP" : code));
  }
  auto result = oqs::parse_confirm_result_xml(r->body);
  if (!result)
    return api_error(502, "E_TERMINAL_RESPONSE", "", staff_message("E_TERMINAL_RESPONSE"));
  if (result->header.segment_of_result == "9") return refused_in_band(result->header);
  return finish("numbers", "", r->body, std::move(*result));
}

}  // namespace onshi::terminal
