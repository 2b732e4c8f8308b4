// The card-reader programmes (顔認証付きカードリーダーの申込み) as data: per programme, which
// applications it covers, the day by which a 「機種未定」 application must choose its model (or
// is cancelled), and the windows in which an application already made with a model may be
// changed to 機種未定 — by application date, channel and last day (seed 003).
//
// The one decision: the rules read this table, never a date of their own, so a later
// programme is one more entry here with its own dates and windows, and the 2021 one keeps
// deciding the applications made under it.
#include "institutions/institutions.h"

namespace onshi::institutions {
namespace {

using core::Date;

const std::vector<ReaderProgramme>& table() {
  static const std::vector<ReaderProgramme> t{
      // 令和3年 (seed 003, 事務連絡 2021-03-31): 「機種未定」として申込みいただいた後、最終的には、
      // 令和3年6月末までに機種を選んでいただきます（…選定をされない場合には、申込みのキャンセルとして
      // 扱わせていただきます）; その申込みが令和3年2月1日以降であれば、「機種未定」での申込みに変更
      // することを可能としました.
      {"2021",
       Date::from_ymd(2021, 2, 1),    // applications from
       Date::from_ymd(2021, 6, 30),   // applications to: the model deadline ends the programme
       Date::from_ymd(2021, 6, 30),   // model deadline (令和3年6月末)
       {
           // 令和3年2月1日から2月28日までの間に…申込みをされた方で…4月10日（土）までに、下記コール
           // センターまでご連絡下さい（ポータルサイトでの変更手続きはできません）.
           {Date::from_ymd(2021, 2, 1), Date::from_ymd(2021, 2, 28), ChangeChannel::kCallCentre,
            Date::from_ymd(2021, 4, 10)},
           // 令和3年3月1日以降に申し込まれた方は、4月30日（金）までに…3月31日までであれば、
           // ポータルサイトでの変更手続きが可能です。4月1日以降は、下記問い合わせ先までご連絡ください.
           {Date::from_ymd(2021, 3, 1), Date::from_ymd(2021, 6, 30), ChangeChannel::kPortal,
            Date::from_ymd(2021, 3, 31)},
           {Date::from_ymd(2021, 3, 1), Date::from_ymd(2021, 6, 30), ChangeChannel::kCallCentre,
            Date::from_ymd(2021, 4, 30)},
       }},
  };
  return t;
}

}  // namespace

std::span<const ReaderProgramme> reader_programmes() { return table(); }

const ReaderProgramme* reader_programme_for(Date applied_on) {
  for (const auto& p : table())
    if (p.applications_from <= applied_on && applied_on <= p.applications_to) return &p;
  return nullptr;
}

std::string_view change_channel_name(ChangeChannel c) {
  return c == ChangeChannel::kPortal ? "portal" : "callCentre";
}

std::optional<ChangeChannel> parse_change_channel(std::string_view s) {
  if (s == "portal" || s == "ポータルサイト") return ChangeChannel::kPortal;
  if (s == "callCentre" || s == "call-centre" || s == "コールセンター")
    return ChangeChannel::kCallCentre;
  return std::nullopt;
}

}  // namespace onshi::institutions
