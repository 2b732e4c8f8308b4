// The seeds' dates (rule_dates.h): one table, read by name.
#include "core/rule_dates.h"

#include <array>

namespace onshi::core {
namespace {

const std::array<RuleDate, 5>& table() {
  static const std::array<RuleDate, 5> t{{
      {"preOperation", Date::from_ymd(2021, 3, 4), "000 §1, 003"},
      {"fullOperation", Date::from_ymd(2021, 10, 20), "000 §1-2"},
      {"medicalAid", Date::from_ymd(2024, 3, 1), "004"},
      {"prescriptionInfo", Date::from_ymd(2024, 4, 1), "004 §2"},
      {"medicalAidHealthCheck", Date::from_ymd(2024, 4, 1), "004 §2"},
  }};
  return t;
}

}  // namespace

Date pre_operation_start() { return table()[0].date; }
Date full_operation_start() { return table()[1].date; }
Date medical_aid_start() { return table()[2].date; }
Date prescription_info_start() { return table()[3].date; }
Date medical_aid_health_check_start() { return table()[4].date; }

bool in_full_operation(Date d) { return d >= full_operation_start(); }
bool limit_information_viewable(Date d) { return d >= full_operation_start(); }

std::span<const RuleDate> rule_dates() { return table(); }

}  // namespace onshi::core
