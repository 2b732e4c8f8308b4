// Helpers for the oqs tests: reading fixture files from tests/oqs/data and building the
// §6.2 sample result (research onshi-interface §6) as a ConfirmResult.
#pragma once

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "oqs/messages.h"

namespace onshi::oqs::testing {

inline std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(ONSHI_SOURCE_DIR) + "/tests/oqs/data/" + name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The content of §6.2: 高齢受給者 2割, 低所得Ⅱ 認定証, 人工透析 特定疾病. The insurer is a
// 6-digit 国保 number so the padding is visible, and NameKana is given full-width as the
// registry stores it.
inline ConfirmResult sample_result() {
  ConfirmResult r;
  r.header.process_execution_time = "20250415093015";
  r.header.qualification_confirmation_date = "20250415";
  r.header.medical_institution_code = "1312345678";
  r.header.arbitrary_file_identifier = "20250415093012345-a1b2c3d4";
  r.header.reference_classification = "2";
  r.header.segment_of_result = "1";

  SearchInfo echo;
  echo.insurer_number = "  131045";
  echo.insured_card_symbol = "１２３";
  echo.insured_identification_number = "4567";
  echo.insured_branch_number = "01";
  echo.birthdate = "19530718";
  echo.limit_application_certificate_related_cons_flg = "1";
  echo.arbitrary_identifier = "10234_1";
  r.search_echo = echo;
  r.processing_result_status = "1";
  r.qualification_validity = "1";

  ResultItem item;
  core::Qualification& q = item.qualification;
  q.insured_card_classification = "01";
  q.insurer_number = "131045";
  q.insured_card_symbol = "１２３";
  q.insured_identification_number = "4567";
  q.insured_branch_number = "01";
  q.personal_family_classification = "1";
  q.insured_name = "試験　一郎";
  q.name = "試験　一郎";
  q.name_kana = "シケン　イチロウ";
  q.sex1 = "1";
  q.birthdate = "19530718";
  q.address = "東京都千代田区霞が関１－２－３";
  q.post_number = "100-0013";
  q.qualification_date = "20180401";
  q.insured_certificate_issuance_date = "20230401";
  q.insured_card_valid_date = "20230401";
  q.insurer_name = "試験健康保険組合";
  q.elderly_recipient =
      core::ElderlyRecipientCertificate{"20240715", "20240801", "20250731", "020"};
  q.limit_application =
      core::LimitApplicationCertificate{"02", "B05", "20240801", "20240801", "20250731", ""};
  q.specific_diseases.push_back({"1", "20240501", "20240501", "", "10000"});
  item.consents.limit_flg = "1";
  item.consents.limit_time = "20250415093015";
  item.consents.specific_diseases_flg = "1";
  item.consents.specific_diseases_time = "20250415093015";
  item.include_limit = true;
  item.arbitrary_identifier = "10234_1";
  r.results.push_back(item);
  return r;
}

}  // namespace onshi::oqs::testing
