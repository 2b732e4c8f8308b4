// Qualification helpers: the card key and the coverage rule.
//
// Coverage is half-open — 資格喪失日 is the first day without coverage (the day after the
// last covered day) — and dates compare as `YYYYMMDD` strings, which order like dates.
#include "core/qualification.h"

namespace onshi::core {

std::string make_card_key(const std::string& insurer_number, const std::string& symbol,
                          const std::string& number, const std::string& branch) {
  std::string k;
  k.reserve(insurer_number.size() + symbol.size() + number.size() + branch.size() + 3);
  k += insurer_number;
  k += '\x1f';
  k += symbol;
  k += '\x1f';
  k += number;
  k += '\x1f';
  k += branch;
  return k;
}

std::string Qualification::card_key() const {
  return make_card_key(insurer_number, insured_card_symbol, insured_identification_number,
                       insured_branch_number);
}

bool Qualification::covers(const std::string& d) const {
  if (qualification_date.empty() || d < qualification_date) return false;
  if (!disqualification_date.empty() && d >= disqualification_date) return false;
  return true;
}

}  // namespace onshi::core
