// 医療扶助 (medical aid under 生活保護法, 法別 12): the medical and dispensing tickets
// (医療券・調剤券) a welfare office (福祉事務所) issues for a recipient (被保護者), as the
// interface's MedicalTicketInfo carries them (research/onshi-interface.md §3.5, R-AID-1..4).
//
// A recipient is a core::Qualification: InsurerNumber is the office's 公費負担者番号 (8 digits,
// 法別 12), InsuredIdentificationNumber the 受給者番号 (7 digits with check digit), no symbol
// or branch number, InsuredCardClassification `A1`; QualificationDate is the day 保護 started
// and DisqualificationDate its 廃止 (the first day no longer covered). Recipients live in the
// member store beside insured members and share its bitemporal versions and person link; the
// confirmation rules keep them apart (confirm/medical_aid.h).
//
// A ticket is keyed by (公費負担者番号, 受給者番号, IssueNumber). Field names follow the
// interface's element names; values are interface strings (dates YYYYMMDD, month YYYYMM,
// codes "01"), already validated; "" means absent.
#pragma once

#include <string>
#include <string_view>

namespace onshi::core {

// 法別番号 of 生活保護法 医療扶助.
inline constexpr std::string_view kMedicalAidLaw = "12";
// InsuredCardClassification (OQSCD010) of a 医療扶助 qualification.
inline constexpr std::string_view kMedicalAidCardClassification = "A1";

// True when `insurer_number` is a 公費負担者番号 of 医療扶助 (8 digits starting "12"; the check
// digit is core::check_public_expense_number's business).
bool is_medical_aid_number(std::string_view insurer_number);

// One 医療券 or 調剤券 (MedicalTicketInfo, §3.5).
struct MedicalTicket {
  std::string insurer_number;                 // InsurerNumber: the office's 公費負担者番号
  std::string insured_identification_number;  // InsuredIdentificationNumber: the 受給者番号
  std::string ticket_type;                    // TicketType OQSCD018 (01 医療券, 02 調剤券)
  std::string valid_date;                     // MedicalTicketValidDate 有効開始
  std::string expiration_date;                // MedicalTicketExpirationDate 有効終了
  std::string issue_number;                   // IssueNumber 交付番号
  std::string medical_treatment_month;        // MedicalTreatmentMonth 診療年月 YYYYMM
  std::string designated_code;                // DesignatedMedicalInstitutionCode (10 digits)
  std::string designated_name;                // DesignatedMedicalInstitutionName
  std::string prescription_issuer_code;       // PrescriptionIssuerMedicalInstitutionCode
  std::string prescription_issuer_name;       // PrescriptionIssuerMedicalInstitutionName
  std::string injury_name1, injury_name2, injury_name3;  // InjuryName1..3 傷病名
  std::string medical_treatment_type;         // MedicalTreatmentType OQSCD019
  std::string self_pay_amount;                // SelfPayAmount 本人支払額 (yen, digits)
  std::string district_contact_name;          // DistrictContactName 地区担当員名
  std::string handling_contact_name;          // HandlingContactName 取扱担当者名
  std::string single_or_combined_use;         // SingleOrCombinedUse OQSCD020
  std::string status_of_social_insurance;     // StatusOfSocialInsurance OQSCD021
  std::string consistency_flag;               // ConsistencyFlag OQSCD022
  std::string status_of_infection;            // StatusOfInfecton [sic] OQSCD023
  std::string status_of_elderly_medical_care; // StatusOfElderlyMedicalCare OQSCD024
  std::string status_of_prefectural_expenses; // StatusOfPrefecturalExpenses OQSCD025
  std::string remarks1, remarks2, remarks3;   // Remarks1..3 備考

  bool operator==(const MedicalTicket&) const = default;

  // The ticket key: insurer number, 受給者番号 and IssueNumber joined by U+001F.
  std::string ticket_key() const;
  // The recipient's card key (core::make_card_key with no symbol or branch).
  std::string recipient_key() const;
  // True when the ticket is valid on `yyyymmdd`: MedicalTicketValidDate ≤ d ≤
  // MedicalTicketExpirationDate (the end date is the last valid day, as printed on the ticket).
  bool valid_on(const std::string& yyyymmdd) const;
};

}  // namespace onshi::core
