// The View JSON (view.h): labels, 和暦, age, 患者区分 and the R-CONF-7 guidance texts.
#include "terminal/view.h"

#include <boost/json.hpp>

#include "core/burden.h"
#include "core/codes.h"
#include "core/numbers.h"
#include "core/text.h"

namespace onshi::terminal {

namespace json = boost::json;

namespace {

// 和暦 of a `YYYYMMDD` string; "" when empty or not a date.
std::string wareki(std::string_view yyyymmdd) {
  if (yyyymmdd.empty()) return "";
  auto d = core::Date::parse(yyyymmdd);
  return d ? core::to_wareki(*d) : std::string(yyyymmdd);
}

std::string label(std::string_view table, std::string_view code) {
  if (code.empty()) return "";
  auto l = core::code_label(table, code);
  return l ? std::string(*l) : std::string(code);
}

std::string tenths_label(int tenths) { return tenths > 0 ? std::to_string(tenths) + "割" : ""; }

// The ratio that applies on `on`, in tenths (0 = unknown).
int ratio_tenths(const core::Qualification& q, core::Date on) {
  auto birth = core::Date::parse(q.birthdate);
  if (!birth) return 0;
  if (!q.insured_partial_contribution_ratio.empty()) {
    int r = core::parse_ratio_percent(q.insured_partial_contribution_ratio);
    if (r > 0) return r;
  }
  core::AgeBand band = core::age_band(*birth, on);
  if (band == core::AgeBand::kElderly) {
    if (q.elderly_recipient) {
      int r = core::parse_ratio_percent(q.elderly_recipient->contribution_ratio);
      if (r > 0) return r;
    }
    return 0;
  }
  return core::default_ratio_tenths(band);
}

json::object consent(const std::string& flg, const std::string& time, const std::string* available) {
  json::object o;
  o["given"] = flg == "1";
  o["time"] = time;
  if (available) o["availableUntil"] = *available;
  return o;
}

json::value result_json(const oqs::ResultItem& item, core::Date on) {
  const core::Qualification& q = item.qualification;
  json::object o;
  o["name"] = q.name;
  o["nameKana"] = q.name_kana.empty() ? std::string() : core::to_fullwidth_katakana(q.name_kana);
  o["sex"] = label("OQSCD007", q.sex1);
  o["birthdate"] = q.birthdate;
  o["birthdateWareki"] = wareki(q.birthdate);
  if (auto b = core::Date::parse(q.birthdate)) {
    o["age"] = core::age_on(*b, on);
  } else {
    o["age"] = nullptr;
  }
  o["insurerNumber"] = core::trim_insurer_number(q.insurer_number);
  o["insurerName"] = q.insurer_name;
  o["symbol"] = q.insured_card_symbol;
  o["number"] = q.insured_identification_number;
  o["branch"] = q.insured_branch_number;
  o["cardClassification"] = label("OQSCD010", q.insured_card_classification);
  o["patientCategory"] = patient_category(q, on);
  o["qualificationDate"] = wareki(q.qualification_date);
  o["issuanceDate"] = wareki(q.insured_certificate_issuance_date);
  o["validFrom"] = wareki(q.insured_card_valid_date);
  o["validTo"] = wareki(q.insured_card_expiration_date);
  o["disqualificationDate"] = wareki(q.disqualification_date);
  o["address"] = q.address;
  o["postNumber"] = q.post_number;
  if (q.elderly_recipient) {
    json::object e;
    e["ratio"] = tenths_label(core::parse_ratio_percent(q.elderly_recipient->contribution_ratio));
    e["validFrom"] = wareki(q.elderly_recipient->valid_start_date);
    e["validTo"] = wareki(q.elderly_recipient->valid_end_date);
    o["elderly"] = std::move(e);
  } else {
    o["elderly"] = nullptr;
  }
  // R-CONF-4: the certificates only with the patient's consent.
  const bool consented = item.consents.limit_flg == "1";
  if (consented && q.limit_application) {
    json::object l;
    l["certificate"] = label("OQSCD011", q.limit_application->classification);
    l["classification"] = label("OQSCD012", q.limit_application->classification_flag);
    l["validFrom"] = wareki(q.limit_application->valid_start_date);
    l["validTo"] = wareki(q.limit_application->valid_end_date);
    o["limit"] = std::move(l);
  } else {
    o["limit"] = nullptr;
  }
  o["medicalAid"] = is_medical_aid_item(item) ? medical_aid_json(item) : json::value(nullptr);
  if (consented) {
    json::array list;
    for (const auto& s : q.specific_diseases) {
      json::object d;
      d["classification"] = label("OQSCD013", s.disease_category);
      d["selfPay"] = s.self_pay.empty() ? std::string() : s.self_pay + "円";
      d["validFrom"] = wareki(s.valid_start_date);
      d["validTo"] = wareki(s.valid_end_date);
      list.push_back(std::move(d));
    }
    o["specificDiseases"] = std::move(list);
  }
  return o;
}

core::Date confirmation_date(const oqs::ConfirmResult& r, core::Date today) {
  auto d = core::Date::parse(r.header.qualification_confirmation_date);
  return d ? *d : today;
}

}  // namespace

std::string validity_label(std::string_view v) {
  auto l = core::code_label("OQSCD006", v);
  return l ? std::string(*l) : "";
}

std::string validity_state(std::string_view v) {
  if (v == "1" || v == "6") return "valid";
  if (v == "2") return "invalid";
  if (v == "3") return "invalid-newer";
  if (v == "4") return "not-found";
  if (v == "5") return "multiple";
  return "";
}

std::string patient_category(const core::Qualification& q, core::Date on) {
  if (q.insured_card_classification == "A1") return "医療扶助（生活保護）";
  std::string out(core::insurer_kind_label(core::trim_insurer_number(q.insurer_number)));
  auto add = [&out](std::string_view part) {
    if (part.empty()) return;
    if (!out.empty()) out += ' ';
    out += part;
  };
  add(label("OQSCD009", q.personal_family_classification));
  add(tenths_label(ratio_tenths(q, on)));
  return out;
}

std::vector<Guidance> guidance_for(const oqs::ConfirmResult& r) {
  std::vector<Guidance> out;
  const std::string& v = r.qualification_validity;
  std::string lost;
  if (!r.results.empty()) lost = wareki(r.results.front().qualification.disqualification_date);
  if (v == "2") {
    out.push_back({"invalid", "資格が無効です",
                   "この資格は確認日時点で無効です" + (lost.empty() ? std::string() : "（資格喪失日 " + lost + "）") +
                       "。患者さんに現在お使いの保険証または資格確認書の提示をお願いし、新しい資格で確認し直してください。"
                       "確認できない場合は、医療機関の取扱いに従って一旦自費（10割）でお支払いいただくか、後日精算としてください。"});
  } else if (v == "3") {
    out.push_back({"invalid-newer", "無効（新しい資格あり）",
                   "この保険証の資格は喪失しており、別の新しい資格が登録されています。新しい保険者の保険証または資格確認書の提示を"
                   "お願いしてください（マイナンバーカードで確認すると新しい資格が表示されます）。加入したばかりの場合、新しい資格の"
                   "登録がまだ反映されていないことがあります。"});
  } else if (v == "4") {
    out.push_back({"not-found", "該当資格なし",
                   "入力された番号と生年月日に一致する資格が見つかりません。保険者番号・記号・番号・枝番・生年月日を保険証と見比べて"
                   "入力し直してください。保険者を変更した直後は、新しい保険者の登録が遅れていることがあります。その場合は保険証"
                   "または資格確認書で資格を確認し、患者さんに「被保険者資格申立書」を記入していただいてください。"});
  } else if (v == "5") {
    out.push_back({"multiple", "複数該当（枝番を入力してください）",
                   "同じ記号・番号の加入者が複数います。保険証に記載の枝番（2桁）を入力して、もう一度照会してください。"});
  }
  bool holder = false;
  for (const auto& item : r.results) holder = holder || item.qualification.insured_card_classification == "05";
  if (holder) {
    out.push_back({"certificate-holder", "被保険者資格証明書（国民健康保険）",
                   "この方には被保険者資格証明書が交付されています（保険料の滞納による）。窓口では原則10割をお支払いいただき、"
                   "患者さんが後日市町村に特別療養費を請求します。滞納分を納付したばかりで短期被保険者証などへの切り替え中の"
                   "ことがあるため、お住まいの市町村の国民健康保険担当に確認してください。"});
  }
  for (auto& g : medical_aid_guidance(r)) out.push_back(std::move(g));
  auto on = core::Date::parse(r.header.qualification_confirmation_date);
  for (const auto& item : r.results) {
    const core::Qualification& q = item.qualification;
    if (!on || item.consents.limit_flg != "1" || !q.limit_application ||
        q.limit_application->classification_flag.empty())
      continue;
    auto birth = core::Date::parse(q.birthdate);
    if (!birth) continue;
    int elderly = q.elderly_recipient ? std::max(0, core::parse_ratio_percent(q.elderly_recipient->contribution_ratio)) : 0;
    int card = std::max(0, core::parse_ratio_percent(q.insured_partial_contribution_ratio));
    core::AgeBand band = core::age_band(*birth, *on);
    if (core::limit_classification_plausible(band, elderly, card, q.limit_application->classification_flag, *on))
      continue;
    std::string ratio = tenths_label(elderly > 0 ? elderly : card);
    out.push_back({"elderly-limit-mismatch", "高齢受給者証の負担割合と限度額適用区分が合いません",
                   "表示された" + (ratio.empty() ? std::string("負担割合") : "負担割合（" + ratio + "）") +
                       "と限度額適用認定証の適用区分（" + label("OQSCD012", q.limit_application->classification_flag) +
                       "）が矛盾しています。患者さんがお持ちの高齢受給者証と限度額適用認定証（紙）を確認し、"
                       "保険者に問い合わせてください。"});
    break;
  }
  return out;
}

std::vector<Guidance> paper_card_notes(const oqs::ConfirmResult& r) {
  std::vector<Guidance> out;
  bool elderly = false, consented = false;
  for (const auto& item : r.results) {
    elderly = elderly || item.qualification.elderly_recipient.has_value();
    consented = consented || item.consents.limit_flg == "1";
  }
  if (elderly) {
    out.push_back({"elderly-same-day", "本日交付の高齢受給者証をお持ちの場合",
                   "所得区分の変更により本日保険者の窓口で高齢受給者証が即日発行された場合、変更はまだシステムに反映されて"
                   "いないことがあります。その場合は患者さんがお持ちの高齢受給者証の負担割合で受付してください"
                   "（システム上の情報より受給者証が正しい例外事例です）。"});
  }
  if (consented) {
    out.push_back({"specific-disease-same-day", "本日交付の特定疾病療養受療証をお持ちの場合",
                   "本日特定疾病療養受療証の対象者として登録され、窓口で受療証が即日発行された場合、まだシステムに反映されて"
                   "いないことがあります。その場合は患者さんがお持ちの受療証で確認し、受療証の自己負担限度額で受付してください"
                   "（システム上の情報より受療証が正しい例外事例です）。"});
  }
  return out;
}

std::string render_view(const oqs::ConfirmResult& r, const ViewContext& ctx, core::Date today) {
  core::Date on = confirmation_date(r, today);
  json::object v;
  v["historyId"] = ctx.history_id;
  v["route"] = ctx.route;
  v["method"] = ctx.method;
  v["referenceClassification"] = r.header.reference_classification;
  v["confirmationDate"] = on.yyyymmdd();
  v["confirmationDateWareki"] = core::to_wareki(on);
  v["validity"] = r.qualification_validity;
  v["validityLabel"] = validity_label(r.qualification_validity);
  v["state"] = validity_state(r.qualification_validity);
  json::array guidance;
  for (const auto& g : guidance_for(r)) {
    json::object o;
    o["case"] = g.case_id;
    o["title"] = g.title;
    o["text"] = g.text;
    guidance.push_back(std::move(o));
  }
  v["guidance"] = std::move(guidance);
  json::array notes;
  for (const auto& g : paper_card_notes(r))
    notes.push_back(json::object{{"case", g.case_id}, {"title", g.title}, {"text", g.text}});
  v["paperCard"] = std::move(notes);
  json::array results;
  for (const auto& item : r.results) results.push_back(result_json(item, on));
  v["results"] = std::move(results);
  oqs::Consents c;
  if (!r.results.empty()) c = r.results.front().consents;
  json::object consents;
  consents["limitApplication"] = consent(c.limit_flg, c.limit_time, nullptr);
  consents["medication"] = consent(c.pharmacists_flg, c.pharmacists_time, &c.pharmacists_available);
  consents["healthCheckup"] = consent(c.health_checkups_flg, c.health_checkups_time, &c.health_checkups_available);
  consents["treatment"] = consent(c.diagnosis_flg, c.diagnosis_time, &c.diagnosis_available);
  consents["surgery"] = consent(c.operation_flg, c.operation_time, &c.operation_available);
  v["consents"] = std::move(consents);
  v["file"] = ctx.file;
  return json::serialize(v);
}

}  // namespace onshi::terminal
