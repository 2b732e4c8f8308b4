// The qualification (資格) of one member as an insurer registers it: the card's numbers, the
// person, the coverage dates and the certificates attached to it (R-REG-1, R-REG-2).
//
// Field names follow the interface's element names (InsurerNumber → insurer_number) so a
// reader of the interface spec knows the code. Values are kept as the interface strings
// (dates `YYYYMMDD`, codes "01", ratios "030"), already validated and normalised by the
// registry; an empty string means "absent". The My Number is deliberately not a field here:
// it exists only at the registry's edge and is stored sealed (see security/crypto.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace onshi::core {

// 高齢受給者証 (elderly recipient certificate, 70–74).
struct ElderlyRecipientCertificate {
  std::string certificate_date;    // ElderlyRecipientCertificateDate 交付年月日
  std::string valid_start_date;    // ElderlyRecipientValidStartDate
  std::string valid_end_date;      // ElderlyRecipientValidEndDate
  std::string contribution_ratio;  // ElderlyRecipientContributionRatio "020" / "030"
  bool operator==(const ElderlyRecipientCertificate&) const = default;
};

// 限度額適用認定証 / 限度額適用・標準負担額減額認定証 (limit application certificate).
struct LimitApplicationCertificate {
  std::string classification;       // LimitApplicationCertificateClassification OQSCD011
  std::string classification_flag;  // LimitApplicationCertificateClassificationFlag OQSCD012
  std::string certificate_date;     // LimitApplicationCertificateDate
  std::string valid_start_date;     // LimitApplicationCertificateValidStartDate
  std::string valid_end_date;       // LimitApplicationCertificateValidEndDate
  std::string long_term_date;       // LimitApplicationCertificateLongTermDate
  bool operator==(const LimitApplicationCertificate&) const = default;
};

// 特定疾病療養受療証 (specific disease certificate); a member may hold several.
struct SpecificDiseasesCertificate {
  std::string disease_category;  // SpecificDiseasesDiseaseCategory OQSCD013
  std::string certificate_date;  // SpecificDiseasesCertificateDate
  std::string valid_start_date;  // SpecificDiseasesValidStartDate
  std::string valid_end_date;    // SpecificDiseasesValidEndDate
  std::string self_pay;          // SpecificDiseasesSelfPay (yen, digits)
  bool operator==(const SpecificDiseasesCertificate&) const = default;
};

struct Qualification {
  // The card key: (insurer_number, insured_card_symbol, insured_identification_number,
  // insured_branch_number). Stored normalised (core::normalize_card_field).
  std::string insurer_number;                 // InsurerNumber 保険者番号 (6 or 8 digits, no padding)
  std::string insured_card_symbol;            // InsuredCardSymbol 記号 (may be empty)
  std::string insured_identification_number;  // InsuredIdentificationNumber 番号
  std::string insured_branch_number;          // InsuredBranchNumber 枝番 ("" or 2 digits)

  std::string insurer_name;                    // InsurerName 保険者名称
  std::string insured_card_classification;     // InsuredCardClassification OQSCD010
  std::string personal_family_classification;  // PersonalFamilyClassification OQSCD009
  std::string insured_name;                    // InsuredName 被保険者氏名
  std::string name;                            // Name 氏名
  std::string name_of_other;                   // NameOfOther 氏名（その他）
  std::string name_kana;                       // NameKana 氏名カナ (stored full-width)
  std::string name_of_other_kana;              // NameOfOtherKana
  std::string sex1;                            // Sex1 OQSCD007
  std::string sex2;                            // Sex2 OQSCD007
  std::string birthdate;                       // Birthdate 生年月日
  std::string post_number;                     // PostNumber 郵便番号 "123-4567"
  std::string address;                         // Address 住所
  std::string qualification_date;              // QualificationDate 資格取得年月日
  std::string disqualification_date;           // DisqualificationDate 資格喪失年月日 (first uncovered day)
  std::string reason_of_loss;                  // ReasonOfLoss OQSCD008
  std::string insured_certificate_issuance_date;  // InsuredCertificateIssuanceDate 交付年月日
  std::string insured_card_valid_date;            // InsuredCardValidDate 有効開始
  std::string insured_card_expiration_date;       // InsuredCardExpirationDate 有効終了
  std::string insured_partial_contribution_ratio; // InsuredPartialContributionRatio "030"

  std::optional<ElderlyRecipientCertificate> elderly_recipient;
  std::optional<LimitApplicationCertificate> limit_application;
  std::vector<SpecificDiseasesCertificate> specific_diseases;

  bool operator==(const Qualification&) const = default;

  // The card key as one string: fields joined by U+001F (unit separator).
  std::string card_key() const;
  // True when the qualification covers `yyyymmdd`:
  // QualificationDate ≤ d < DisqualificationDate (an empty DisqualificationDate = open).
  bool covers(const std::string& yyyymmdd) const;
};

// Joins a card key from its parts (already normalised).
std::string make_card_key(const std::string& insurer_number, const std::string& symbol,
                          const std::string& number, const std::string& branch);

}  // namespace onshi::core
