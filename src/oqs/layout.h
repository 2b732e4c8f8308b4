// The element layout of the 資格確認 messages, written down once and shared by the XML and
// JSON codecs (internal to the oqs module; not part of its public contract).
//
// Each table lists the text elements of one structure in the order the writers emit them
// (research onshi-interface §2.1, §3.1–§3.4) with a pointer to the struct member holding
// the value. Writers walk the tables, so XML and JSON always carry the same elements in the
// same order; readers look names up in the same tables, so a field added here is read and
// written everywhere. `walk_confirm_result` drives a "sink" (the XML or the JSON builder)
// through a whole result: the sink decides the syntax, the walk decides the content.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/numbers.h"
#include "core/text.h"
#include "oqs/messages.h"

namespace onshi::oqs::layout {

template <class S>
struct Field {
  std::string_view name;  // element name
  std::string S::*member;
};

// MessageHeader of a request (§2.1).
inline constexpr std::array<Field<RequestHeader>, 3> kRequestHeader{{
    {"QualificationConfirmationDate", &RequestHeader::qualification_confirmation_date},
    {"MedicalInstitutionCode", &RequestHeader::medical_institution_code},
    {"ArbitraryFileIdentifier", &RequestHeader::arbitrary_file_identifier},
}};

// QualificationConfirmSearchInfo (§2.1).
inline constexpr std::array<Field<SearchInfo>, 7> kSearchInfo{{
    {"InsurerNumber", &SearchInfo::insurer_number},
    {"InsuredCardSymbol", &SearchInfo::insured_card_symbol},
    {"InsuredIdentificationNumber", &SearchInfo::insured_identification_number},
    {"InsuredBranchNumber", &SearchInfo::insured_branch_number},
    {"Birthdate", &SearchInfo::birthdate},
    {"LimitApplicationCertificateRelatedConsFlg",
     &SearchInfo::limit_application_certificate_related_cons_flg},
    {"ArbitraryIdentifier", &SearchInfo::arbitrary_identifier},
}};

// MessageHeader of a result (§3.1, with the bulk additions of §2.2 in their 02res places).
inline constexpr std::array<Field<ResultHeader>, 13> kResultHeader{{
    {"ProcessExecutionTime", &ResultHeader::process_execution_time},
    {"QualificationConfirmationDate", &ResultHeader::qualification_confirmation_date},
    {"MedicalInstitutionCode", &ResultHeader::medical_institution_code},
    {"ArbitraryFileIdentifier", &ResultHeader::arbitrary_file_identifier},
    {"ReceptionNumber", &ResultHeader::reception_number},
    {"ReferenceClassification", &ResultHeader::reference_classification},
    {"SegmentOfResult", &ResultHeader::segment_of_result},
    {"ErrorCode", &ResultHeader::error_code},
    {"ErrorMessage", &ResultHeader::error_message},
    {"NumberOfProcessingResult", &ResultHeader::number_of_processing_result},
    {"NumberOfNormalProcessing", &ResultHeader::number_of_normal_processing},
    {"NumberOfError", &ResultHeader::number_of_error},
    {"CharacterCodeIdentifier", &ResultHeader::character_code_identifier},
}};

// How a Qualification member is written.
enum class Form {
  kPlain,
  kInsurerNumber,  // XML: space-padded to 8; JSON: digits as stored
  kKana,           // half-width katakana on output
};

struct QualificationField {
  std::string_view name;
  std::string core::Qualification::*member;
  Form form;
};

using Q = core::Qualification;
// ResultOfQualificationConfirmation #1–#22 (§3.3); PreschoolClassification (#23) belongs to
// the ResultItem and is written between this table and kQualificationTail.
inline constexpr std::array<QualificationField, 22> kQualificationHead{{
    {"InsuredCardClassification", &Q::insured_card_classification, Form::kPlain},
    {"InsurerNumber", &Q::insurer_number, Form::kInsurerNumber},
    {"InsuredCardSymbol", &Q::insured_card_symbol, Form::kPlain},
    {"InsuredIdentificationNumber", &Q::insured_identification_number, Form::kPlain},
    {"InsuredBranchNumber", &Q::insured_branch_number, Form::kPlain},
    {"PersonalFamilyClassification", &Q::personal_family_classification, Form::kPlain},
    {"InsuredName", &Q::insured_name, Form::kPlain},
    {"Name", &Q::name, Form::kPlain},
    {"NameOfOther", &Q::name_of_other, Form::kPlain},
    {"NameKana", &Q::name_kana, Form::kKana},
    {"NameOfOtherKana", &Q::name_of_other_kana, Form::kKana},
    {"Sex1", &Q::sex1, Form::kPlain},
    {"Sex2", &Q::sex2, Form::kPlain},
    {"Birthdate", &Q::birthdate, Form::kPlain},
    {"Address", &Q::address, Form::kPlain},
    {"PostNumber", &Q::post_number, Form::kPlain},
    {"QualificationDate", &Q::qualification_date, Form::kPlain},
    {"DisqualificationDate", &Q::disqualification_date, Form::kPlain},
    {"InsuredCertificateIssuanceDate", &Q::insured_certificate_issuance_date, Form::kPlain},
    {"InsuredCardValidDate", &Q::insured_card_valid_date, Form::kPlain},
    {"InsuredCardExpirationDate", &Q::insured_card_expiration_date, Form::kPlain},
    {"InsuredPartialContributionRatio", &Q::insured_partial_contribution_ratio, Form::kPlain},
}};
// #24–#25.
inline constexpr std::array<QualificationField, 2> kQualificationTail{{
    {"ReasonOfLoss", &Q::reason_of_loss, Form::kPlain},
    {"InsurerName", &Q::insurer_name, Form::kPlain},
}};

// ElderlyRecipientCertificateInfo (§3.4).
inline constexpr std::array<Field<core::ElderlyRecipientCertificate>, 4> kElderly{{
    {"ElderlyRecipientCertificateDate", &core::ElderlyRecipientCertificate::certificate_date},
    {"ElderlyRecipientValidStartDate", &core::ElderlyRecipientCertificate::valid_start_date},
    {"ElderlyRecipientValidEndDate", &core::ElderlyRecipientCertificate::valid_end_date},
    {"ElderlyRecipientContributionRatio", &core::ElderlyRecipientCertificate::contribution_ratio},
}};

// LimitApplicationCertificateRelatedInfo (§3.4).
inline constexpr std::array<Field<core::LimitApplicationCertificate>, 6> kLimit{{
    {"LimitApplicationCertificateClassification",
     &core::LimitApplicationCertificate::classification},
    {"LimitApplicationCertificateClassificationFlag",
     &core::LimitApplicationCertificate::classification_flag},
    {"LimitApplicationCertificateDate", &core::LimitApplicationCertificate::certificate_date},
    {"LimitApplicationCertificateValidStartDate",
     &core::LimitApplicationCertificate::valid_start_date},
    {"LimitApplicationCertificateValidEndDate", &core::LimitApplicationCertificate::valid_end_date},
    {"LimitApplicationCertificateLongTermDate", &core::LimitApplicationCertificate::long_term_date},
}};

// SpecificDiseasesCertificateInfo (§3.4).
inline constexpr std::array<Field<core::SpecificDiseasesCertificate>, 5> kSpecificDiseases{{
    {"SpecificDiseasesDiseaseCategory", &core::SpecificDiseasesCertificate::disease_category},
    {"SpecificDiseasesCertificateDate", &core::SpecificDiseasesCertificate::certificate_date},
    {"SpecificDiseasesValidStartDate", &core::SpecificDiseasesCertificate::valid_start_date},
    {"SpecificDiseasesValidEndDate", &core::SpecificDiseasesCertificate::valid_end_date},
    {"SpecificDiseasesSelfPay", &core::SpecificDiseasesCertificate::self_pay},
}};

// Consent elements #27–#28 (limit), #31–#32 (specific diseases), #35–#46 (the others).
inline constexpr std::array<Field<Consents>, 2> kLimitConsent{{
    {"LimitApplicationCertificateRelatedConsFlg", &Consents::limit_flg},
    {"LimitApplicationCertificateRelatedConsTime", &Consents::limit_time},
}};
inline constexpr std::array<Field<Consents>, 2> kSpecificDiseasesConsent{{
    {"SpecificDiseasesCertificateRelatedConsFlg", &Consents::specific_diseases_flg},
    {"SpecificDiseasesCertificateRelatedConsTime", &Consents::specific_diseases_time},
}};
inline constexpr std::array<Field<Consents>, 12> kOtherConsents{{
    {"SpecificHealthCheckupsInfoConsFlg", &Consents::health_checkups_flg},
    {"SpecificHealthCheckupsInfoConsTime", &Consents::health_checkups_time},
    {"SpecificHealthCheckupsInfoAvailableTime", &Consents::health_checkups_available},
    {"PharmacistsInfoConsFlg", &Consents::pharmacists_flg},
    {"PharmacistsInfoConsTime", &Consents::pharmacists_time},
    {"PharmacistsInfoAvailableTime", &Consents::pharmacists_available},
    {"DiagnosisInfoConsFlg", &Consents::diagnosis_flg},
    {"DiagnosisInfoConsTime", &Consents::diagnosis_time},
    {"DiagnosisInfoAvailableTime", &Consents::diagnosis_available},
    {"OperationInfoConsFlg", &Consents::operation_flg},
    {"OperationInfoConsTime", &Consents::operation_time},
    {"OperationInfoAvailableTime", &Consents::operation_available},
}};

// MedicalTicketInfo (§3.5), in the order of the interface's list: the ticket's elements up
// to DesignatedMedicalInstitutionCode, then DesignatedMedicalInstitutionFlag (the answer's,
// not the ticket's), then the rest.
using T = core::MedicalTicket;
inline constexpr std::array<Field<T>, 6> kMedicalTicketHead{{
    {"TicketType", &T::ticket_type},
    {"MedicalTicketValidDate", &T::valid_date},
    {"MedicalTicketExpirationDate", &T::expiration_date},
    {"IssueNumber", &T::issue_number},
    {"MedicalTreatmentMonth", &T::medical_treatment_month},
    {"DesignatedMedicalInstitutionCode", &T::designated_code},
}};
inline constexpr std::array<Field<T>, 19> kMedicalTicketTail{{
    {"DesignatedMedicalInstitutionName", &T::designated_name},
    {"PrescriptionIssuerMedicalInstitutionCode", &T::prescription_issuer_code},
    {"PrescriptionIssuerMedicalInstitutionName", &T::prescription_issuer_name},
    {"InjuryName1", &T::injury_name1},
    {"InjuryName2", &T::injury_name2},
    {"InjuryName3", &T::injury_name3},
    {"MedicalTreatmentType", &T::medical_treatment_type},
    {"SelfPayAmount", &T::self_pay_amount},
    {"DistrictContactName", &T::district_contact_name},
    {"HandlingContactName", &T::handling_contact_name},
    {"SingleOrCombinedUse", &T::single_or_combined_use},
    {"StatusOfSocialInsurance", &T::status_of_social_insurance},
    {"ConsistencyFlag", &T::consistency_flag},
    {"StatusOfInfecton", &T::status_of_infection},  // [sic], as the interface spells it
    {"StatusOfElderlyMedicalCare", &T::status_of_elderly_medical_care},
    {"StatusOfPrefecturalExpenses", &T::status_of_prefectural_expenses},
    {"Remarks1", &T::remarks1},
    {"Remarks2", &T::remarks2},
    {"Remarks3", &T::remarks3},
}};

// A sink receives the walk:
//   text(name, value)            a text element; the walk never passes an empty value
//   insurer_number(name, digits) InsurerNumber of a result (unpadded digits)
//   open(name) / close(name)     a nested structure
//   open_list(list, item) / item_open(item) / item_close(item) / close_list(list, item)
//                                a repeated structure (XML: List > Item*; JSON: an array)
template <class Sink, class S, size_t N>
void walk_fields(Sink& sink, const S& s, const std::array<Field<S>, N>& fields) {
  for (const auto& f : fields) {
    const std::string& v = s.*(f.member);
    if (!v.empty()) sink.text(f.name, v);
  }
}

template <class Sink, size_t N>
void walk_qualification(Sink& sink, const core::Qualification& q,
                        const std::array<QualificationField, N>& fields) {
  for (const auto& f : fields) {
    const std::string& v = q.*(f.member);
    if (v.empty()) continue;
    switch (f.form) {
      case Form::kPlain:
        sink.text(f.name, v);
        break;
      case Form::kInsurerNumber:
        sink.insurer_number(f.name, v);
        break;
      case Form::kKana:
        sink.text(f.name, core::to_halfwidth_katakana(v));
        break;
    }
  }
}

// One ResultOfQualificationConfirmation's content, in §3.3 order.
template <class Sink>
void walk_result_item(Sink& sink, const ResultItem& item) {
  const core::Qualification& q = item.qualification;
  walk_qualification(sink, q, kQualificationHead);
  if (!item.preschool_classification.empty())
    sink.text("PreschoolClassification", item.preschool_classification);
  walk_qualification(sink, q, kQualificationTail);
  if (q.elderly_recipient) {
    sink.open("ElderlyRecipientCertificateInfo");
    walk_fields(sink, *q.elderly_recipient, kElderly);
    sink.close("ElderlyRecipientCertificateInfo");
  }
  // R-CONF-4: the consent flag and time always travel; the certificate itself only when
  // the service decided it may be disclosed (include_limit).
  walk_fields(sink, item.consents, kLimitConsent);
  if (item.include_limit && q.limit_application) {
    sink.open("LimitApplicationCertificateRelatedInfo");
    walk_fields(sink, *q.limit_application, kLimit);
    sink.close("LimitApplicationCertificateRelatedInfo");
  }
  walk_fields(sink, item.consents, kSpecificDiseasesConsent);
  if (item.include_specific_diseases && !q.specific_diseases.empty()) {
    sink.open_list("SpecificDiseasesCertificateList", "SpecificDiseasesCertificateInfo");
    for (const auto& c : q.specific_diseases) {
      sink.item_open("SpecificDiseasesCertificateInfo");
      walk_fields(sink, c, kSpecificDiseases);
      sink.item_close("SpecificDiseasesCertificateInfo");
    }
    sink.close_list("SpecificDiseasesCertificateList", "SpecificDiseasesCertificateInfo");
  }
  // §3.3 row 34, placed as in §6.6: the 医療扶助 tickets, after the specific-disease
  // certificates and before the other consents.
  if (!item.medical_tickets.empty()) {
    sink.open_list("PublicExpenseResultList", "MedicalTicketInfo");
    for (const auto& t : item.medical_tickets) {
      sink.item_open("MedicalTicketInfo");
      walk_fields(sink, t.ticket, kMedicalTicketHead);
      if (!t.designated_medical_institution_flag.empty())
        sink.text("DesignatedMedicalInstitutionFlag", t.designated_medical_institution_flag);
      walk_fields(sink, t.ticket, kMedicalTicketTail);
      sink.item_close("MedicalTicketInfo");
    }
    sink.close_list("PublicExpenseResultList", "MedicalTicketInfo");
  }
  walk_fields(sink, item.consents, kOtherConsents);
  if (!item.arbitrary_identifier.empty())

    sink.text("ArbitraryIdentifier", item.arbitrary_identifier);
  if (!item.reference_number.empty()) sink.text("ReferenceNumber", item.reference_number);
}

// MessageBody content (§3.2 order as in §6.2).
template <class Sink>
void walk_result_body(Sink& sink, const ConfirmResult& r) {
  if (r.search_echo) {
    sink.open("QualificationConfirmSearchInfo");
    walk_fields(sink, *r.search_echo, kSearchInfo);
    sink.close("QualificationConfirmSearchInfo");
  }
  if (!r.processing_result_status.empty())
    sink.text("ProcessingResultStatus", r.processing_result_status);
  if (!r.processing_result_code.empty())
    sink.text("ProcessingResultCode", r.processing_result_code);
  if (!r.processing_result_message.empty())
    sink.text("ProcessingResultMessage", r.processing_result_message);
  if (!r.qualification_validity.empty())
    sink.text("QualificationValidity", r.qualification_validity);
  sink.result_list(r.results);
  if (!r.prescription_issue_select.empty())
    sink.text("PrescriptionIssueSelect", r.prescription_issue_select);
}

// True when the result is an abnormal end, which carries no MessageBody (§6.4b).
inline bool abnormal_end(const ConfirmResult& r) {
  return r.header.segment_of_result == "9";
}

}  // namespace onshi::oqs::layout
