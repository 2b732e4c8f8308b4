// The small rules of the 医療扶助 records (core/medical_aid.h).
#include "core/medical_aid.h"

#include "core/qualification.h"

namespace onshi::core {

bool is_medical_aid_number(std::string_view insurer_number) {
  if (insurer_number.size() != 8 || !insurer_number.starts_with(kMedicalAidLaw)) return false;
  for (char c : insurer_number)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string MedicalTicket::ticket_key() const {
  std::string key = insurer_number;
  key += '\x1f';
  key += insured_identification_number;
  key += '\x1f';
  key += issue_number;
  return key;
}

std::string MedicalTicket::recipient_key() const {
  return make_card_key(insurer_number, "", insured_identification_number, "");
}

bool MedicalTicket::valid_on(const std::string& yyyymmdd) const {
  if (!valid_date.empty() && yyyymmdd < valid_date) return false;
  if (!expiration_date.empty() && yyyymmdd > expiration_date) return false;
  return true;
}

}  // namespace onshi::core
