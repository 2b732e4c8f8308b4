// The interface's code tables OQSCD001–OQSCD026 and the insurer kind derived from 法別番号.
//
// The tables are constexpr arrays in the order the specification lists them, and lookups
// are linear scans: the largest table has sixteen entries, so a scan beats any hashing and
// keeps the data readable as the specification's own table (research onshi-interface §4).
#include "core/codes.h"

#include <array>

namespace onshi::core {
namespace {

constexpr CodeEntry kConsent001[] = {{"0", "未同意"}, {"1", "同意"}};
constexpr CodeEntry kReference002[] = {{"1", "マイナンバーカード"}, {"2", "被保険者証情報"}};
constexpr CodeEntry kSegment003[] = {{"1", "正常終了"}, {"2", "処理中"}, {"9", "異常終了"}};
constexpr CodeEntry kStatus004[] = {{"1", "正常終了"}, {"2", "エラー"}};
constexpr CodeEntry kCharCode005[] = {{"0", "UTF-8"}, {"1", "Shift_JIS"}};
constexpr CodeEntry kValidity006[] = {
    {"1", "有効"},         {"2", "無効"},     {"3", "無効（新しい資格あり）"},
    {"4", "該当資格なし"}, {"5", "複数該当"}, {"6", "有効（未登録）"}};
constexpr CodeEntry kSex007[] = {{"1", "男"}, {"2", "女"}, {"3", "未設定"}};
constexpr CodeEntry kReasonOfLoss008[] = {
    {"01", "死亡"}, {"02", "生活保護受給開始"}, {"03", "医療保険等の資格取得"}, {"99", "その他"}};
constexpr CodeEntry kPersonalFamily009[] = {{"1", "本人"}, {"2", "家族"}};
constexpr CodeEntry kCardClass010[] = {
    {"01", "被保険者証（一般）"},     {"02", "被保険者証（退職）"},
    {"03", "短期被保険者証（一般）"}, {"04", "短期被保険者証（退職）"},
    {"05", "被保険者資格証明書"},     {"06", "特例退職被保険者証"},
    {"07", "自衛官診療証"},           {"A1", "医療扶助"}};
constexpr CodeEntry kLimitClass011[] = {{"01", "限度額適用認定証"},
                                        {"02", "限度額適用・標準負担額減額認定証"},
                                        {"03", "標準負担額減額認定証"}};
constexpr CodeEntry kLimitFlag012[] = {{"A01", "ア"},
                                       {"A02", "イ"},
                                       {"A03", "ウ"},
                                       {"A04", "エ"},
                                       {"A05", "オ"},
                                       {"A06", "オ（境）"},
                                       {"B01", "現役並みⅢ"},
                                       {"B02", "現役並みⅡ"},
                                       {"B03", "現役並みⅠ"},
                                       {"B04", "一般"},
                                       {"B05", "低所得Ⅱ"},
                                       {"B06", "低所得Ⅰ"},
                                       {"B07", "低所得Ⅰ（老福）"},
                                       {"B08", "低所得Ⅰ（境）"},
                                       {"B09", "一般Ⅱ"},
                                       {"B10", "一般Ⅰ"}};
constexpr CodeEntry kDisease013[] = {{"1", "人工透析を必要とする慢性腎不全"},
                                     {"2", "先天性血液凝固因子障害（第Ⅷ因子、第Ⅸ因子）"},
                                     {"3", "血液凝固因子製剤の投与に起因するHIV感染症"}};
constexpr CodeEntry kChanged014[] = {{"0", "変更なし"}, {"1", "変更あり または 判定不能"}};
constexpr CodeEntry kPreschool015[] = {{"1", "未就学該当"}};
constexpr CodeEntry kConsent016[] = {
    {"0", "同意なし"}, {"1", "同意あり"}, {"2", "同意有効期限切れ"}, {"3", "同意取得困難"}};
constexpr CodeEntry kPrescription017[] = {{"1", "電子処方箋"}, {"2", "紙の処方箋"}};
constexpr CodeEntry kTicket018[] = {{"01", "医療券"}, {"02", "調剤券"}};
constexpr CodeEntry kTreatment019[] = {
    {"01", "入院"}, {"02", "入院外"}, {"03", "歯科"}, {"04", "調剤"}, {"05", "訪問看護"}};
constexpr CodeEntry kSingleCombined020[] = {{"01", "単独"}, {"02", "併用"}};
constexpr CodeEntry kPresence[] = {{"01", "あり"}, {"02", "なし"}};  // 021, 023, 024, 025
constexpr CodeEntry kConsistency022[] = {{"1", "不整合あり"}};
constexpr CodeEntry kDesignated026[] = {{"0", "一致"}, {"1", "不一致"}};

constexpr std::array<CodeTable, 26> kTables = {{
    {"OQSCD001", "限度額適用認定証同意フラグ", "LimitApplicationCertificateRelatedConsFlg",
     kConsent001},
    {"OQSCD002", "照会区分", "ReferenceClassification", kReference002},
    {"OQSCD003", "処理結果区分", "SegmentOfResult", kSegment003},
    {"OQSCD004", "処理結果状況", "ProcessingResultStatus", kStatus004},
    {"OQSCD005", "文字コード識別", "CharacterCodeIdentifier", kCharCode005},
    {"OQSCD006", "資格有効性", "QualificationValidity", kValidity006},
    {"OQSCD007", "性別", "Sex1", kSex007},
    {"OQSCD008", "資格喪失事由", "ReasonOfLoss", kReasonOfLoss008},
    {"OQSCD009", "本人・家族区分", "PersonalFamilyClassification", kPersonalFamily009},
    {"OQSCD010", "被保険者証区分", "InsuredCardClassification", kCardClass010},
    {"OQSCD011", "限度額適用認定証区分", "LimitApplicationCertificateClassification",
     kLimitClass011},
    {"OQSCD012", "限度額適用認定証適用区分", "LimitApplicationCertificateClassificationFlag",
     kLimitFlag012},
    {"OQSCD013", "特定疾病療養受療証認定疾病区分", "SpecificDiseasesDiseaseCategory", kDisease013},
    {"OQSCD014", "限度額適用認定証情報変更有無", "LimitApplicationCertificateChanged", kChanged014},
    {"OQSCD015", "未就学区分", "PreschoolClassification", kPreschool015},
    {"OQSCD016", "同意区分", "SpecificDiseasesCertificateRelatedConsFlg", kConsent016},
    {"OQSCD017", "処方箋発行形態", "PrescriptionIssueSelect", kPrescription017},
    {"OQSCD018", "医療券・調剤券別", "TicketType", kTicket018},
    {"OQSCD019", "診療別", "MedicalTreatmentType", kTreatment019},
    {"OQSCD020", "単独・併用別", "SingleOrCombinedUse", kSingleCombined020},
    {"OQSCD021", "社会保険状況", "StatusOfSocialInsurance", kPresence},
    {"OQSCD022", "整合性フラグ", "ConsistencyFlag", kConsistency022},
    {"OQSCD023", "感染症法第37条の2の該当状況", "StatusOfInfecton", kPresence},
    {"OQSCD024", "後期高齢者医療の該当状況", "StatusOfElderlyMedicalCare", kPresence},
    {"OQSCD025", "都道府県費の該当状況", "StatusOfPrefecturalExpenses", kPresence},
    {"OQSCD026", "指定医療機関確認フラグ", "DesignatedMedicalInstitutionFlag", kDesignated026},
}};

}  // namespace

std::span<const CodeTable> code_tables() {
  return kTables;
}

const CodeTable* code_table(std::string_view id) {
  for (const CodeTable& t : kTables) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

std::optional<std::string_view> code_label(std::string_view id, std::string_view code) {
  const CodeTable* t = code_table(id);
  if (!t) return std::nullopt;
  for (const CodeEntry& e : t->entries) {
    if (e.code == code) return e.label;
  }
  return std::nullopt;
}

bool valid_code(std::string_view id, std::string_view code) {
  return code_label(id, code).has_value();
}

std::string_view insurer_kind_label(std::string_view n) {
  while (!n.empty() && n.front() == ' ') n.remove_prefix(1);  // tolerate interface padding
  if (n.size() == 6) return "国民健康保険";
  if (n.size() != 8) return "";
  std::string_view law = n.substr(0, 2);
  if (law == "01") return "協会けんぽ";
  if (law == "02") return "船員保険";
  if (law == "03" || law == "04") return "日雇特例被保険者";
  if (law == "06") return "健康保険組合";
  if (law == "07") return "自衛官等";
  if (law == "31" || law == "32" || law == "33" || law == "34") return "共済組合";
  if (law == "39") return "後期高齢者医療";
  if (law == "63" || law == "72" || law == "73" || law == "74" || law == "75") return "特例退職";
  if (law == "67") return "国民健康保険（退職者医療）";
  return "";
}

}  // namespace onshi::core
