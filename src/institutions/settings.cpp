// The operator's settings of the registry: the schedule overrides per designation month and
// the statistics' denominators (totals per kind and prefecture, the card figures). Each is
// one unit of work recorded in the audit log.
#include <boost/json.hpp>

#include "institutions/detail.h"

namespace onshi::institutions {

namespace fs = std::filesystem;
namespace json = boost::json;
using core::Date;
using namespace detail;

Status Registry::set_schedule_override(const ScheduleOverride& o, const std::string& actor) {
  if (!Date::valid_ymd(o.year, o.month, 1))
    return fail("E_DATE", "month", "年月が正しくありません");
  if (!o.bureau_answer && !o.agency_deadline && !o.submission_deadline)
    return fail("E_FLAG", "", "変更する日付を1つ以上指定してください");
  auto& m = *impl_;
  return m.transaction([&](Impl::Tx& tx) -> Status {
    store::StoredScheduleOverride s{month_key(o.year, o.month), date_or_empty(o.bureau_answer),
                                    date_or_empty(o.agency_deadline),
                                    date_or_empty(o.submission_deadline)};
    if (Status x = tx.db.put_schedule_override(s); !x) return x;
    return m.audit_event<security::ScheduleOverride>(tx, actor, 0, s.month, false);
  });
}

Status Registry::clear_schedule_override(int year, int month, const std::string& actor) {
  auto& m = *impl_;
  return m.transaction([&](Impl::Tx& tx) -> Status {
    auto deleted = tx.db.delete_schedule_override(month_key(year, month));
    if (!deleted) return deleted.error();
    if (!*deleted) return fail("E_NOT_FOUND", "month", "その月の日程の上書きはありません");
    return m.audit_event<security::ScheduleOverride>(tx, actor, 0, month_key(year, month), true);
  });
}

Status Registry::set_total(Kind k, const std::string& prefecture, int64_t count,
                           const std::string& actor) {
  if (!two_digits_in(prefecture, 1, 47))
    return fail("E_PREFECTURE", "prefecture", "都道府県番号は01〜47の2桁です");
  if (count < 0) return fail("E_COUNT", "count", "件数は0以上です");
  auto& m = *impl_;
  return m.transaction([&](Impl::Tx& tx) -> Status {
    if (Status x = tx.db.set_population(kind_name(k), prefecture, count); !x) return x;
    return m.audit_event<security::InstitutionPopulation>(tx, actor, 0, std::string(kind_name(k)),
                                                          prefecture, count);
  });
}

Status Registry::set_card_figures(int64_t issued, int64_t registrations, const std::string& actor) {
  if (issued < 0 || registrations < 0 || registrations > issued)
    return fail("E_COUNT", "registrations", "利用登録数は0以上、交付数以下です");
  auto& m = *impl_;
  return m.transaction([&](Impl::Tx& tx) -> Status {
    if (Status x = tx.db.set_counter("cards_issued", issued); !x) return x;
    if (Status x = tx.db.set_counter("card_registrations", registrations); !x) return x;
    return m.audit_event<security::CardFigures>(tx, actor, 0, issued, registrations);
  });
}

}  // namespace onshi::institutions
