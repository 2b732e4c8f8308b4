// The onboarding transitions of the registry (institutions.h: ① 仮コード … ⑥ usage application,
// the card reader, and the bureau's decisions): each loads the entry, checks that its state
// and the deadlines allow the step, changes it and appends its history in one unit of work
// (Registry::Impl::transition), so a refused step writes nothing.
#include <boost/json.hpp>

#include "core/numbers.h"
#include "core/text.h"
#include "institutions/detail.h"
#include "security/ca.h"

namespace onshi::institutions {

namespace fs = std::filesystem;
namespace json = boost::json;
using core::Date;
using namespace detail;
using store::InstitutionKey;

Result<Institution> Registry::issue_provisional(const NewInstitution& n, const std::string& actor) {
  auto kind = parse_kind(n.kind);
  if (!kind)
    return fail("E_KIND", "kind", "種別は clinic・hospital・dental・pharmacy のいずれかです");
  if (!two_digits_in(n.prefecture, 1, 47))
    return fail("E_PREFECTURE", "prefecture", "都道府県番号は01〜47の2桁です");
  if (!two_digits_in(n.district, 1, 99))
    return fail("E_DISTRICT", "district", "郡市区番号は01〜99の2桁です");
  if (n.name.empty() || core::codepoint_count(n.name) > 100 || !core::is_valid_utf8(n.name))
    return fail("E_NAME", "name", "名称は1〜100文字で入力してください");
  if (!core::representable_in_shift_jis(n.name))
    return fail("E_NAME", "name", "名称にShift_JISで表せない文字があります");
  if (n.address.empty() || core::codepoint_count(n.address) > 200 ||
      !core::is_valid_utf8(n.address))
    return fail("E_ADDRESS", "address", "所在地は1〜200文字で入力してください");
  if (!core::representable_in_shift_jis(n.address))
    return fail("E_ADDRESS", "address", "所在地にShift_JISで表せない文字があります");
  auto& m = *impl_;
  Institution out;
  Status st = m.transaction([&](Impl::Tx& tx) -> Status {
    auto seq = tx.db.next_counter("provisional");
    if (!seq) return seq.error();
    if (*seq > 99999)
      return fail("E_NUMBER_EXHAUSTED", "", "仮コードの払い出し可能な番号がありません");
    std::string code = std::to_string(*seq);
    Institution i;
    i.provisional_code = "00" + std::string(5 - code.size(), '0') + code;
    i.kind = *kind;
    i.prefecture = n.prefecture;
    i.district = n.district;
    i.name = n.name;
    i.address = n.address;
    auto inserted = tx.db.insert(to_row(i));
    if (!inserted) return inserted.error();
    out = from_row(*inserted);
    return m.event(tx, out, "provisional", actor,
                   json::object{{"kind", kind_name(*kind)}, {"prefecture", n.prefecture}});
  });
  if (!st) return st.error();
  return out;
}

Result<Institution> Registry::register_portal_account(const std::string& key,
                                                      const std::string& actor) {
  return impl_->transition(
      key, "portalAccount", actor, [](Impl::Tx&, Institution& i, json::object&) -> Status {
        if (i.portal_account)
          return fail("E_STATE", "provisionalCode", "ポータルサイトのアカウントは登録済みです");
        i.portal_account = true;
        return {};
      });
}

Result<Institution> Registry::apply_card_reader(const std::string& key, const std::string& model,
                                                Date on, const std::string& actor) {
  return impl_->transition(
      key, "cardReaderApplication", actor,
      [&](Impl::Tx&, Institution& i, json::object& d) -> Status {
        if (!i.portal_account)
          return fail(
              "E_NO_PORTAL_ACCOUNT", "provisionalCode",
              "顔認証付きカードリーダーの申込みの前にポータルサイトのアカウント登録が必要です");
        if (i.reader != ReaderState::kNone && i.reader != ReaderState::kCancelled)
          return fail("E_STATE", "cardReader", "顔認証付きカードリーダーは申込み済みです");
        bool undecided = model.empty() || model == "機種未定";
        i.reader_applied_on = on.yyyymmdd();
        i.reader_shipped_on.clear();
        if (undecided) {
          const ReaderProgramme* p = reader_programme_for(on);
          if (!p)
            return fail("E_MODEL", "model",
                        "機種未定で申し込める期間ではありません。機種を指定してください");
          i.reader = ReaderState::kUndecided;
          i.reader_model.clear();
          i.reader_model_deadline = p->model_deadline.yyyymmdd();
        } else {
          i.reader = ReaderState::kApplied;
          i.reader_model = model;
          i.reader_model_deadline.clear();
          if (!i.presented_on.empty()) {
            i.reader = ReaderState::kShipped;
            i.reader_shipped_on = on.yyyymmdd();
          }
        }
        d["model"] = undecided ? "機種未定" : model;
        return {};
      });
}

Result<Institution> Registry::choose_reader_model(const std::string& key, const std::string& model,
                                                  Date on, const std::string& actor) {
  return impl_->transition(key, "cardReaderModel", actor,
                           [&](Impl::Tx&, Institution& i, json::object& d) -> Status {
                             if (model.empty() || model == "機種未定")
                               return fail("E_MODEL", "model", "機種を指定してください");
                             if (i.reader != ReaderState::kUndecided)
                               return fail("E_STATE", "cardReader", "機種未定の申込みがありません");
                             if (on.yyyymmdd() > i.reader_model_deadline)
                               return fail("E_READER_CANCELLED", "model",
                                           "機種選定の期限（" + i.reader_model_deadline +
                                               "）を過ぎたため申込みはキャンセル扱いです");
                             i.reader = ReaderState::kApplied;
                             i.reader_model = model;
                             if (!i.presented_on.empty()) {
                               i.reader = ReaderState::kShipped;
                               i.reader_shipped_on = on.yyyymmdd();
                             }
                             d["model"] = model;
                             return {};
                           });
}

namespace {

// Whether an application made on `applied` may change to 機種未定 on `on` through `channel`.
Status change_allowed(const ReaderProgramme& p, Date applied, ChangeChannel channel, Date on) {
  bool any_window = false, other_channel_open = false;
  std::string last;
  for (const auto& w : p.change_windows) {
    if (applied < w.applied_from || w.applied_to < applied) continue;
    any_window = true;
    if (on <= w.until) {
      if (w.channel == channel) return {};
      other_channel_open = true;
    }
    if (w.until.yyyymmdd() > last) last = w.until.yyyymmdd();
  }
  if (!any_window)
    return fail("E_MODEL", "model", "この申込日の申込みは機種未定に変更できません");
  if (other_channel_open)
    return fail("E_CHANGE_CHANNEL", "channel",
                channel == ChangeChannel::kPortal
                    ? "ポータルサイトでは変更できません。コールセンターへ連絡してください"
                    : "ポータルサイトで変更してください");
  return fail("E_CHANGE_DEADLINE", "date", "機種未定への変更の期限（" + last + "）を過ぎています");
}

}  // namespace

Result<Institution> Registry::change_reader_to_undecided(const std::string& key,
                                                         ChangeChannel channel, Date on,
                                                         const std::string& actor) {
  return impl_->transition(
      key, "cardReaderUndecided", actor,
      [&](Impl::Tx&, Institution& i, json::object& d) -> Status {
        if (i.reader != ReaderState::kApplied)
          return fail("E_STATE", "cardReader", "機種を指定した未出荷の申込みがありません");
        auto applied = Date::parse(i.reader_applied_on);
        const ReaderProgramme* p = applied ? reader_programme_for(*applied) : nullptr;
        if (!p) return fail("E_MODEL", "model", "この申込日の申込みは機種未定に変更できません");
        if (Status s = change_allowed(*p, *applied, channel, on); !s) return s;
        i.reader = ReaderState::kUndecided;
        i.reader_model.clear();
        i.reader_model_deadline = p->model_deadline.yyyymmdd();
        d["channel"] = change_channel_name(channel);
        d["date"] = on.yyyymmdd();
        return {};
      });
}

Result<std::vector<Institution>> Registry::cancel_undecided_readers(Date as_of,
                                                                    const std::string& actor) {
  auto& m = *impl_;
  std::vector<Institution> out;
  Status st = m.transaction([&](Impl::Tx& tx) -> Status {
    out.clear();
    auto due = from_rows(tx.db.undecided_readers_before(as_of.yyyymmdd()));
    if (!due) return due.error();
    for (auto& i : *due) {
      i.reader = ReaderState::kCancelled;
      if (Status x = tx.db.update(to_row(i)); !x) return x;
      if (Status x = m.event(tx, i, "cardReaderCancelled", actor,
                             json::object{{"deadline", i.reader_model_deadline}});
          !x)
        return x;
      out.push_back(i);
    }
    return {};
  });
  if (!st) return st.error();
  return out;
}

namespace {

// The next number above the high-water mark of (都道府県, 点数表, 郡市区) that no entry holds
// (an entry registered with its code, e.g. from a bureau's list, holds one), or -1.
Result<int> free_number(store::InstitutionTx& db, const Institution& i) {
  char table = score_table(i.kind);
  auto high = db.high_water(i.prefecture, std::string(1, table), i.district);
  if (!high) return high.error();
  int number = next_number(table, static_cast<int>(*high));
  for (; number > 0; number = next_number(table, number)) {
    auto candidate = make_institution_number(i.prefecture, table, i.district, number);
    auto used =
        db.find(InstitutionKey::kMedicalInstitutionCode, candidate.medical_institution_code);
    if (!used) return used.error();
    if (used->empty()) break;
  }
  return number;
}

}  // namespace

Result<Institution> Registry::request_reception_number(const NumberRequest& r,
                                                       const std::string& actor) {
  auto& m = *impl_;
  Institution out;
  Status st = m.transaction([&](Impl::Tx& tx) -> Status {
    auto loaded = load(tx.db, r.provisional_code);
    if (!loaded) return loaded.error();
    Institution i = std::move(*loaded);
    if (i.stage != Stage::kProvisional)
      return fail("E_STATE", "provisionalCode", "受付番号は回答済みです: " + i.reception_number);
    if (r.retroactive || r.designation < r.request_date)
      return fail("E_RETROACTIVE", "designationDate",
                  "指定期日を遡及して指定を受ける医療機関等は受付番号の情報提供の対象外です");
    auto s = schedule_from(tx.db, r.designation);
    if (!s) return s.error();
    if (r.request_date > s->submission_deadline)
      return fail("E_SUBMISSION_DEADLINE", "requestDate",
                  "地方厚生（支）局の提出期限（" + core::to_wareki(s->submission_deadline) +
                      "）を過ぎているため、診療開始月の月初からの利用には間に合いません（返戻）");
    auto number = free_number(tx.db, i);
    if (!number) return number.error();
    if (*number < 0)
      return fail("E_NUMBER_EXHAUSTED", "district",
                  "この郡市区・点数表で払い出せる番号がありません");
    char table = score_table(i.kind);
    if (Status x = tx.db.set_high_water(i.prefecture, std::string(1, table), i.district, *number);
        !x)
      return x;
    auto num = make_institution_number(i.prefecture, table, i.district, *number);
    i.reception_number = num.reception_number;
    i.medical_institution_code = num.medical_institution_code;
    i.designation_date = r.designation.yyyymmdd();
    i.request_date = r.request_date.yyyymmdd();
    i.bureau_answer_date = s->bureau_answer.yyyymmdd();
    i.agency_deadline = s->agency_deadline.yyyymmdd();
    i.stage = Stage::kNumberAnswered;
    if (Status x = tx.db.update(to_row(i)); !x) return x;
    if (Status x = m.event(tx, i, "receptionNumber", actor,
                           json::object{{"receptionNumber", i.reception_number},
                                        {"designationDate", i.designation_date},
                                        {"bureauAnswerDate", i.bureau_answer_date},
                                        {"agencyDeadline", i.agency_deadline}});
        !x)
      return x;
    out = std::move(i);
    return {};
  });
  if (!st) return st.error();
  return out;
}

Result<Institution> Registry::present_reception_number(const std::string& key, Date on,
                                                       bool late_accepted,
                                                       const std::string& actor) {
  auto& m = *impl_;
  return m.transition(
      key, "presentation", actor, [&](Impl::Tx& tx, Institution& i, json::object& d) -> Status {
        if (i.stage == Stage::kProvisional)
          return fail("E_STATE", "receptionNumber", "受付番号がまだ回答されていません");
        if (!i.presented_on.empty() || i.stage == Stage::kInUse)
          return fail("E_STATE", "receptionNumber", "受付番号は提示済みです");
        Date deadline = on;
        if (auto designation = Date::parse(i.designation_date)) {
          auto s = schedule_from(tx.db, *designation);
          if (!s) return s.error();
          deadline = s->agency_deadline;
        }
        if (on > deadline && !late_accepted)
          return fail("E_PRESENTATION_DEADLINE", "date",
                      "実施機関への提出期限（" + core::to_wareki(deadline) +
                          "）を過ぎています。実施機関の個別対応が必要です");
        i.presented_on = on.yyyymmdd();
        if (i.reader == ReaderState::kApplied) {
          i.reader = ReaderState::kShipped;
          i.reader_shipped_on = on.yyyymmdd();
        }
        d["late"] = on > deadline;
        return {};
      });
}

Result<Institution> Registry::designate(const std::string& key, const std::string& actor) {
  return impl_->transition(key, "designated", actor,
                           [](Impl::Tx&, Institution& i, json::object&) -> Status {
                             if (i.stage == Stage::kProvisional)
                               return fail("E_STATE", "receptionNumber",
                                           "受付番号が回答されていない医療機関等は指定できません");
                             if (i.stage != Stage::kNumberAnswered)
                               return fail("E_STATE", "receptionNumber", "既に指定済みです");
                             i.stage = Stage::kDesignated;
                             i.designated_on = Date::today_jst().yyyymmdd();
                             return {};
                           });
}

Result<Institution> Registry::report_not_designated(const std::string& key,
                                                    const std::string& actor) {
  auto& m = *impl_;
  Institution out;
  Status st = m.transaction([&](Impl::Tx& tx) -> Status {
    auto loaded = load(tx.db, key);
    if (!loaded) return loaded.error();
    Institution i = std::move(*loaded);
    if (i.stage != Stage::kNumberAnswered)
      return fail("E_STATE", "receptionNumber",
                  i.stage == Stage::kProvisional ? "受付番号が回答されていません"
                                                 : "指定済みの医療機関等は削除できません");
    if (Status x = tx.db.remove(i.id); !x) return x;
    // The number stays below the high-water mark, so it is never handed out again.
    if (Status x =
            m.event(tx, i, "notDesignated", actor,
                    json::object{{"receptionNumber", i.reception_number}, {"deleted", true}});
        !x)
      return x;
    out = std::move(i);
    return {};
  });
  if (!st) return st.error();
  return out;
}

Result<Institution> Registry::apply_usage(const std::string& key, Date on, const fs::path& cert_out,
                                          const std::string& actor) {
  auto& m = *impl_;
  return m.transition(
      key, "usage", actor, [&](Impl::Tx&, Institution& i, json::object& d) -> Status {
        if (i.stage == Stage::kInUse)
          return fail("E_STATE", "medicalInstitutionCode", "利用申請は受付済みです");
        if (i.stage != Stage::kDesignated)
          return fail(
              "E_NOT_DESIGNATED", "medicalInstitutionCode",
              "保険医療機関等として指定されていないため、利用申請・電子証明書の発行はできません");
        if (Status s = security::issue_client(m.key_dir, security::Role::kInstitution,
                                              i.medical_institution_code, cert_out);
            !s)
          return s;
        i.stage = Stage::kInUse;
        i.usage_applied_on = on.yyyymmdd();
        i.usage_start = std::max(i.usage_applied_on, i.designation_date);
        d["usageStart"] = i.usage_start;
        d["certificate"] = "issued";
        return {};
      });
}

Result<Institution> Registry::set_medical_aid(const std::string& key, bool use, Date on,
                                              const std::string& actor) {
  auto& m = *impl_;
  return m.transition(
      key, "medicalAid", actor, [&](Impl::Tx& tx, Institution& i, json::object& d) -> Status {
        if (i.stage != Stage::kInUse)
          return fail("E_STATE", "medicalInstitutionCode",
                      "医療扶助情報の設定はオンライン資格確認を利用中の医療機関等のみ変更できます");
        if (Status s = tx.db.add_medical_aid_setting(i.id, on.yyyymmdd(), use); !s) return s;
        i.medical_aid = use;
        d["use"] = use;
        d["effectiveOn"] = on.yyyymmdd();
        return {};
      });
}

}  // namespace onshi::institutions
