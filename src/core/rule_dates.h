// The dates the seeds set, in one table: from which day a rule is in force. A rule that
// depends on the date it is asked about (an answer "as of" a past date, a claim for a past
// month) asks here, so that the same question gets the same answer whatever day it is asked.
//
// Each date is written once, with the seed sentence it follows (MISSION.md "Dates the seeds
// set"). The programme dates of card-reader applications (機種未定, seed 003) are not here:
// they belong to one programme each and are data of the institutions registry
// (institutions/programmes.cpp), so a later programme brings its own.
#pragma once

#include <span>
#include <string_view>

#include "core/date.h"

namespace onshi::core {

// プレ運用 (pre-operation) began: "本年3月から本格運用前のテストとして開始したプレ運用では、医療機関等
// からのレセプト請求等に係る運用は従来どおりの取扱いとしておりました" (seed 000 §1); the 事務連絡 of
// 2021-03-30 dates it "令和3年3月4日からプレ運用を開始" (seed 003).
Date pre_operation_start();  // 2021-03-04
// 本格運用 (full operation): "本年 10 月 20 日（水）から開始" (seed 000). From this day on the
// system's information is in principle taken as correct (R-CONF-6, R-CLM-1: "当該システム上の
// 情報が原則正しいと判断します", seed 000 §1), and limit-certificate and specific-disease
// information become viewable ("本格運用開始に伴い、限度額適用認定証情報、…及び特定疾病療養受療証
// 情報の閲覧が開始となります", seed 000 §2). Claims for care before it follow the old handling.
Date full_operation_start();  // 2021-10-20
// 医療扶助 online confirmation: "医療扶助におけるオンライン資格確認が本年3月1日から開始されます"
// (seed 004, 令和6年).
Date medical_aid_start();  // 2024-03-01
// Prescription and dispensing information: "処方・調剤情報は、本年4月以降、電子処方箋管理サービスを
// 利用する病院・診療所のみ閲覧できます" (seed 004 §2).
Date prescription_info_start();  // 2024-04-01
// Health checks of medical-aid recipients: "健診情報は、令和6年4月以降に受診した健診情報が閲覧可能と
// なります" (seed 004 §2) — checks taken on or after this day are viewable.
Date medical_aid_health_check_start();  // 2024-04-01

// True on and after full operation: the rules of R-CONF-6 / R-CLM-1 / R-CONF-8 apply to care
// (or an answer) on `d`; before it, the old handling.
bool in_full_operation(Date d);
// True when limit-certificate and specific-disease information may be shown for `d`.
bool limit_information_viewable(Date d);

// The table itself, for documentation and tests: every date above with its name and seed.
struct RuleDate {
  std::string_view name;  // "fullOperation", …
  Date date;
  std::string_view seed;  // "000 §1", …
};
std::span<const RuleDate> rule_dates();

}  // namespace onshi::core
