// Helpers shared by the welfare office's views and reports (quality/medical_aid.h): the
// office's and recipient's numbers as given in a query, tickets as JSON, periods and their
// overlap.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/qualification.h"
#include "core/status.h"
#include "store/tickets.h"

namespace onshi::quality::detail {

// The 公費負担者番号 of a query: 8 digits, 法別 12, check digit. Errors: E_INSURER_NUMBER.
Result<std::string> checked_office(std::string_view raw);
// A 受給者番号 of a query (7 digits with check digit). Errors: E_BENEFICIARY_NUMBER.
Result<std::string> checked_recipient(std::string_view raw);

// The tickets as a JSON array of objects keyed by lowerCamelCase element names (empty values
// left out), each with its "recordedAt".
std::string tickets_json(const std::vector<store::TicketVersion>& tickets);

// 受給者番号 → number of the office's current tickets of the month `yyyymm`.
Result<std::map<std::string, int64_t>> ticket_counts_of_month(store::TicketStore& tickets,
                                                              const std::string& office,
                                                              const std::string& yyyymm);

// True for 国保 (市町村・国保組合: 6-digit numbers) and 後期高齢者医療 (法別 39): the schemes a
// 医療扶助 recipient leaves.
bool national_or_latter_elderly(std::string_view insurer_number);

// The days two qualifications both cover, as [first, last] YYYYMMDD (last "" = open), or
// nullopt when they share none (QualificationDate ≤ d < DisqualificationDate each).
std::optional<std::pair<std::string, std::string>> shared_days(const core::Qualification& a,
                                                               const core::Qualification& b);

}  // namespace onshi::quality::detail
