// The 医療扶助 block of the View (view.h): what the reception screen shows of a recipient's
// result (InsuredCardClassification A1) — the welfare office, the tickets, 委託/未委託/未登録 —
// and what front-desk staff do next, in Japanese. The state is read from the result alone, as
// the central service decided it (confirm/medical_aid.h): a ticket with
// DesignatedMedicalInstitutionFlag 0 means 委託, flag 1 未委託, no ticket 未登録. The block shows
// only what the result carries, so a withheld 受給者番号 is never on the screen.
#include <boost/json.hpp>

#include "core/codes.h"
#include "core/date.h"
#include "core/medical_aid.h"
#include "core/numbers.h"
#include "terminal/view.h"

namespace onshi::terminal {

namespace json = boost::json;

namespace {

std::string wareki_of(std::string_view yyyymmdd) {
  auto d = core::Date::parse(yyyymmdd);
  return d ? core::to_wareki(*d) : std::string(yyyymmdd);
}

// 令和7年4月 for 202504.
std::string month_label(const std::string& yyyymm) {
  if (yyyymm.size() != 6) return yyyymm;
  auto d = core::Date::parse(yyyymm + "01");
  if (!d) return yyyymm;
  return core::to_wareki_year(*d) + std::to_string(d->month()) + "月";
}

std::string code_label(std::string_view table, const std::string& code) {
  if (code.empty()) return "";
  auto l = core::code_label(table, code);
  return l ? std::string(*l) : code;
}

json::object ticket_json(const oqs::MedicalTicketInfo& info) {
  const core::MedicalTicket& t = info.ticket;
  json::object o;
  o["type"] = code_label("OQSCD018", t.ticket_type);
  o["month"] = month_label(t.medical_treatment_month);
  o["validFrom"] = t.valid_date.empty() ? "" : wareki_of(t.valid_date);
  o["validTo"] = t.expiration_date.empty() ? "" : wareki_of(t.expiration_date);
  o["issueNumber"] = t.issue_number;
  o["designatedCode"] = t.designated_code;
  o["designatedName"] = t.designated_name;
  o["designated"] = info.designated_medical_institution_flag == "0";
  o["prescriptionIssuer"] = t.prescription_issuer_name;
  json::array injuries;
  for (const auto* n : {&t.injury_name1, &t.injury_name2, &t.injury_name3})
    if (!n->empty()) injuries.push_back(json::string(*n));
  o["injuries"] = std::move(injuries);
  o["treatmentType"] = code_label("OQSCD019", t.medical_treatment_type);
  o["selfPay"] = t.self_pay_amount.empty() ? "" : t.self_pay_amount + "円";
  o["singleOrCombined"] = code_label("OQSCD020", t.single_or_combined_use);
  o["districtContact"] = t.district_contact_name;
  o["handlingContact"] = t.handling_contact_name;
  json::array remarks;
  for (const auto* n : {&t.remarks1, &t.remarks2, &t.remarks3})
    if (!n->empty()) remarks.push_back(json::string(*n));
  o["remarks"] = std::move(remarks);
  return o;
}

}  // namespace

std::string medical_aid_state(const oqs::ResultItem& item) {
  bool contracted = false, other = false;
  for (const auto& t : item.medical_tickets) {
    contracted = contracted || t.designated_medical_institution_flag == "0";
    other = other || t.designated_medical_institution_flag == "1";
  }
  return contracted ? "contracted" : other ? "not-contracted" : "unregistered";
}

bool is_medical_aid_item(const oqs::ResultItem& item) {
  return item.qualification.insured_card_classification == core::kMedicalAidCardClassification;
}

std::string medical_aid_next_step(std::string_view state) {
  if (state == "contracted")
    return "医療券（調剤券）の内容（診療年月・傷病名・本人支払額）を確認して受け付けてください。"
           "レセプトは表示された受給者番号で福祉事務所に請求します。";
  if (state == "not-contracted")
    return "この医療機関は今月の医療券（調剤券）の指定医療機関ではありません（未委託）。"
           "受給者番号は表示されません。福祉事務所に連絡し医療券の発行を確認してください。";
  return "今月の医療券（調剤券）が登録されていません（未登録）。受給者番号は表示されません。"
         "福祉事務所に連絡し医療券の発行を確認してください。";
}

json::value medical_aid_json(const oqs::ResultItem& item) {
  const core::Qualification& q = item.qualification;
  const std::string state = medical_aid_state(item);
  json::object o;
  o["office"] = q.insurer_name;
  o["publicExpenseNumber"] = core::trim_insurer_number(q.insurer_number);
  o["recipientNumber"] = q.insured_identification_number;
  o["state"] = state;
  o["stateLabel"] = state == "contracted"       ? "委託"
                    : state == "not-contracted" ? "未委託"
                                                : "未登録";
  json::array tickets;
  for (const auto& t : item.medical_tickets) tickets.push_back(ticket_json(t));
  o["tickets"] = std::move(tickets);
  o["next"] = medical_aid_next_step(state);
  return o;
}

std::vector<Guidance> medical_aid_guidance(const oqs::ConfirmResult& r) {
  std::vector<Guidance> out;
  for (const auto& item : r.results) {
    if (!is_medical_aid_item(item)) continue;
    const std::string state = medical_aid_state(item);
    const std::string office = item.qualification.insurer_name.empty()
                                   ? std::string("福祉事務所")
                                   : item.qualification.insurer_name;
    if (state == "not-contracted")
      out.push_back({"medical-aid-not-contracted", "医療扶助：未委託（" + office + "）",
                     medical_aid_next_step(state)});
    else if (state == "unregistered")
      out.push_back({"medical-aid-unregistered", "医療扶助：医療券の登録なし（" + office + "）",
                     medical_aid_next_step(state)});
  }
  // By numbers with a 公費負担者番号: the office may not have registered the person (seed 004).
  if (r.qualification_validity == "4" && r.search_echo &&
      core::is_medical_aid_number(core::trim_insurer_number(r.search_echo->insurer_number)))
    out.push_back({"medical-aid-not-found", "医療扶助：該当資格なし",
                   "福祉事務所が資格情報を登録していない場合や、この医療機関が医療扶助情報を"
                   "「利用する」に設定していない場合も「該当資格なし」と表示されます。"
                   "福祉事務所に照会してください。"});
  return out;
}

}  // namespace onshi::terminal
