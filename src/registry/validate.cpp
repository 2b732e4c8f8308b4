// Validation and normalisation of one member record (R-REG-1, R-REG-2, R-REG-4).
//
// Insurers' data contain human error, so every rule runs and every error of a record is
// reported, each with the interface element name as its field and a stable code. The rules
// follow research domain-rules §0–§8: check digits (保険者番号, 後期 被保険者番号, 個人番号),
// characters that cannot be in a number ("●", "?", "〓", control characters), strict dates
// and their order, code tables, the burden ratios and the 高齢受給者証 × 限度額適用認定証
// consistency. Values are normalised on the way (full-width "１２３" → "123", 7-digit post
// numbers get their hyphen, kana names are stored as full-width katakana).
//
// Validation is the CPU-bound part of a bulk import, so the common case — ASCII numbers and
// codes, names already in full-width katakana — takes fast paths that give exactly the
// result of the ICU-based core functions without calling them.
//
// Names, addresses and the insurer name are brought into the stored character set here
// (kanji.cpp, R-REG-5): a bitmap lookup per non-ASCII character, and the conversions made
// travel with the record to the store.
//
// size: every rule of a record is a step of one Checker, and its steps share what earlier
// ones found (the insurer kind, the birth date, the ratios); the field table is data.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <unordered_map>

#include "core/burden.h"
#include "core/codes.h"
#include "core/json_text.h"
#include "core/limits.h"
#include "core/medical_aid.h"
#include "core/numbers.h"
#include "core/text.h"
#include "registry/fields.h"

namespace onshi::registry {
namespace detail {
namespace {

struct FieldInfo {
  std::string_view name;
  std::string_view label;  // Japanese, for messages
};

constexpr FieldInfo kFields[kFieldCount] = {
    {"InsurerNumber", "保険者番号"},
    {"InsurerName", "保険者名称"},
    {"InsuredCardClassification", "被保険者証区分"},
    {"InsuredCardSymbol", "被保険者証記号"},
    {"InsuredIdentificationNumber", "被保険者証番号"},
    {"InsuredBranchNumber", "被保険者証枝番"},
    {"PersonalFamilyClassification", "本人・家族の別"},
    {"InsuredName", "被保険者氏名"},
    {"Name", "氏名"},
    {"NameOfOther", "氏名（その他）"},
    {"NameKana", "氏名カナ"},
    {"NameOfOtherKana", "氏名カナ（その他）"},
    {"Sex1", "性別1"},
    {"Sex2", "性別2"},
    {"Birthdate", "生年月日"},
    {"PostNumber", "郵便番号"},
    {"Address", "住所"},
    {"QualificationDate", "資格取得年月日"},
    {"DisqualificationDate", "資格喪失年月日"},
    {"ReasonOfLoss", "資格喪失事由"},
    {"InsuredCertificateIssuanceDate", "被保険者証交付年月日"},
    {"InsuredCardValidDate", "被保険者証有効開始年月日"},
    {"InsuredCardExpirationDate", "被保険者証有効終了年月日"},
    {"InsuredPartialContributionRatio", "被保険者証一部負担金割合"},
    {"ElderlyRecipientCertificateDate", "高齢受給者証交付年月日"},
    {"ElderlyRecipientValidStartDate", "高齢受給者証有効開始年月日"},
    {"ElderlyRecipientValidEndDate", "高齢受給者証有効終了年月日"},
    {"ElderlyRecipientContributionRatio", "高齢受給者証一部負担金割合"},
    {"LimitApplicationCertificateClassification", "限度額適用認定証区分"},
    {"LimitApplicationCertificateClassificationFlag", "限度額適用認定証適用区分"},
    {"LimitApplicationCertificateDate", "限度額適用認定証交付年月日"},
    {"LimitApplicationCertificateValidStartDate", "限度額適用認定証有効開始年月日"},
    {"LimitApplicationCertificateValidEndDate", "限度額適用認定証有効終了年月日"},
    {"LimitApplicationCertificateLongTermDate", "限度額適用認定証長期入院該当年月日"},
    {"SpecificDiseasesDiseaseCategory", "特定疾病療養受療証認定疾病区分"},
    {"SpecificDiseasesCertificateDate", "特定疾病療養受療証交付年月日"},
    {"SpecificDiseasesValidStartDate", "特定疾病療養受療証有効開始年月日"},
    {"SpecificDiseasesValidEndDate", "特定疾病療養受療証有効終了年月日"},
    {"SpecificDiseasesSelfPay", "特定疾病療養受療証自己負担限度額"},
    {"MyNumber", "個人番号"},
};

std::string label(int f) { return std::string(kFields[f].label); }
std::string name(int f) { return std::string(kFields[f].name); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

// Decodes the code point at s[i] (valid UTF-8 assumed; a broken sequence yields U+FFFD).
char32_t next_cp(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  char32_t cp = n == 3 ? (c & 0x07) : n == 2 ? (c & 0x0F) : (c & 0x1F);
  if (n == 0 || i + n >= s.size()) {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k <= n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += n + 1;
  return cp;
}

// Card-field normalisation (core::normalize_card_field) with an ASCII fast path: NFKC is
// the identity on ASCII, so only trimming and upper-casing remain.
std::string normalize_card(std::string_view raw) {
  std::string_view t = trim(raw);
  if (is_ascii(t)) {
    std::string out(t);
    for (char& c : out)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
  }
  return core::normalize_card_field(t);
}

bool is_kanji_or_kana(char32_t c) {
  return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF) ||
         (c >= 0x3041 && c <= 0x3096) || (c >= 0x30A1 && c <= 0x30FA) || c == 0x30FC ||
         c == 0x3005;  // 々
}

std::string describe_char(char32_t c) {
  if (c < 0x20 || c == 0x7F) return "制御文字";
  std::string s;
  if (c < 0x80) {
    s.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    s.push_back(static_cast<char>(0xC0 | (c >> 6)));
    s.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    s.push_back(static_cast<char>(0xE0 | (c >> 12)));
    s.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    s.push_back(static_cast<char>(0xF0 | (c >> 18)));
    s.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
  return "「" + s + "」";
}

// Full-width katakana name already in stored form: katakana U+30A1–U+30F6, "・", "ー" and
// the ideographic space U+3000 — then to_fullwidth_katakana is the identity (an ASCII space
// would be widened, so such names take the ICU path).
bool is_stored_kana_form(std::string_view s) {
  size_t i = 0;
  bool any = false;
  while (i < s.size()) {
    char32_t c = next_cp(s, i);
    if ((c >= 0x30A1 && c <= 0x30F6) || c == 0x30FB || c == 0x30FC) {
      any = true;
      continue;
    }
    if (c == 0x3000) continue;
    return false;
  }
  return any;
}

class Checker {
 public:
  Checker(const FieldValues& v, core::Date today, RecordKind kind)
      : v_(v), today_(today), kind_(kind) {}

  std::variant<ValidatedRecord, std::vector<Error>> run();

 private:
  std::string_view get(int f) const { return trim(v_[f]); }
  void fail(std::string code, int f, std::string message) {
    errors_.push_back(Error{std::move(code), name(f), std::move(message)});
  }
  void missing(int f) { fail("E_MISSING", f, label(f) + "が入力されていません"); }
  void from_status(const Status& s, int f) {
    fail(s.error().code, f, label(f) + ": " + s.error().message);
  }
  // Parses a date field; absent → nullopt (and E_MISSING when required).
  std::optional<core::Date> date(int f, bool required, std::string* out = nullptr);
  std::optional<core::Date> date_value(std::string_view s, int f);
  void code(int f, std::string_view table, bool required, std::string* out);
  int ratio(int f, std::string* out);
  void no_control(int f, std::string_view s);
  void card_chars(int f, const std::string& s, bool allow_kanji);
  std::string kana(int f, bool required);
  // The value in the stored character set; conversions are recorded (R-REG-5).
  std::string stored(int f, std::string_view s) {
    return to_stored_text(kFields[f].name, s, conversions_);
  }

  // The steps of run(), in order; each checks one group of fields into the record.
  void card_key(core::Qualification& q);
  void recipient_key(core::Qualification& q);
  void names_and_codes(core::Qualification& q);
  void dates(core::Qualification& q);
  void elderly_recipient(core::Qualification& q);
  void limit_application(core::Qualification& q);
  void specific_diseases(core::Qualification& q);
  void specific_disease(const std::vector<std::string_view> (&cols)[5], size_t i,
                        core::Qualification& q);
  void my_number(ValidatedRecord& rec);

  const FieldValues& v_;
  core::Date today_;
  RecordKind kind_;
  // What later steps need of earlier ones.
  bool insurer_ok_ = false;
  bool latter_ = false;  // 後期高齢者医療
  std::optional<core::Date> birth_;
  int card_ratio_ = 0, elderly_ratio_ = 0;
  std::vector<Error> errors_;
  std::vector<KanjiConversion> conversions_;
};

std::optional<core::Date> Checker::date_value(std::string_view s, int f) {
  auto r = core::Date::parse(s);
  if (!r) {
    fail(r.error().code, f, label(f) + ": " + r.error().message);
    return std::nullopt;
  }
  return *r;
}

std::optional<core::Date> Checker::date(int f, bool required, std::string* out) {
  std::string_view s = get(f);
  if (s.empty()) {
    if (required) missing(f);
    return std::nullopt;
  }
  auto d = date_value(s, f);
  if (d && out) *out = std::string(s);
  return d;
}

void Checker::code(int f, std::string_view table, bool required, std::string* out) {
  std::string_view s = get(f);
  if (s.empty()) {
    if (required) missing(f);
    return;
  }
  if (!core::valid_code(table, s)) {
    std::string shown = is_ascii(s) && s.size() <= 8 ? std::string(s) : std::string("(不正な値)");
    fail("E_CODE", f, label(f) + "「" + shown + "」は " + std::string(table) + " にないコードです");
    return;
  }
  *out = std::string(s);
}

// "010" / "020" / "030" → tenths; 0 when absent, -1 when invalid (error recorded).
int Checker::ratio(int f, std::string* out) {
  std::string_view s = get(f);
  if (s.empty()) return 0;
  int r = s.size() == 3 ? core::parse_ratio_percent(s) : -1;
  if (r != 1 && r != 2 && r != 3) {
    fail("E_RATIO", f, label(f) + "は \"010\"、\"020\"、\"030\" のいずれかです");
    return -1;
  }
  *out = std::string(s);
  return r;
}

void Checker::no_control(int f, std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) {
      fail("E_BAD_CHARACTER", f, label(f) + "に制御文字（改行など）が含まれています");
      return;
    }
  }
}

// 記号・番号: digits, ASCII letters and "-" (記号 also kanji and kana). "●" (a format
// conversion's trace), "?", "〓" and control characters mean the number is not accurate.
void Checker::card_chars(int f, const std::string& s, bool allow_kanji) {
  size_t i = 0;
  while (i < s.size()) {
    char32_t c = next_cp(s, i);
    bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '-' || (allow_kanji && is_kanji_or_kana(c));
    if (!ok) {
      fail("E_BAD_CHARACTER", f,
           label(f) + "に番号として使えない文字" + describe_char(c) + "が含まれています");
      return;
    }
  }
  const core::FieldLimit& limit =
      f == kInsuredCardSymbol ? core::kInsuredCardSymbolLimit : core::kInsuredIdentificationNumberLimit;
  if (Status st = core::check_length(limit, s); !st) fail(st.error().code, f, st.error().message);
}

std::string Checker::kana(int f, bool required) {
  std::string_view s = get(f);
  if (s.empty()) {
    if (required) missing(f);
    return {};
  }
  if (is_stored_kana_form(s)) return std::string(s);
  std::string k = core::to_fullwidth_katakana(s);
  if (!core::is_kana_name(k)) {
    fail("E_KANA", f, label(f) + "はカタカナで入力してください");
    return {};
  }
  return k;
}

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::vector<std::string_view> split_bar(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t p = s.find('|', start);
    parts.push_back(trim(s.substr(start, p == std::string_view::npos ? std::string_view::npos
                                                                     : p - start)));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return parts;
}

std::variant<ValidatedRecord, std::vector<Error>> Checker::run() {
  ValidatedRecord rec;
  core::Qualification& q = rec.qualification;
  if (kind_ == RecordKind::kRecipient) {
    recipient_key(q);
    q.insured_card_classification = std::string(core::kMedicalAidCardClassification);
  } else {
    card_key(q);
  }
  names_and_codes(q);
  dates(q);
  elderly_recipient(q);
  limit_application(q);
  specific_diseases(q);
  my_number(rec);
  if (!errors_.empty()) return std::move(errors_);
  rec.conversions = conversions_to_json(conversions_);
  return rec;
}

// ---- the card key ----
void Checker::card_key(core::Qualification& q) {
  std::string_view insurer_raw = get(kInsurerNumber);
  if (insurer_raw.empty()) {
    missing(kInsurerNumber);
  } else {
    std::string n = core::trim_insurer_number(normalize_card(insurer_raw));
    Status st = core::check_insurer_number(n);
    if (!st) {
      from_status(st, kInsurerNumber);
    } else {
      q.insurer_number = std::move(n);
      insurer_ok_ = true;
    }
  }
  latter_ = insurer_ok_ && q.insurer_number.size() == 8 &&
            q.insurer_number.compare(0, 2, "39") == 0;  // 後期高齢者医療

  if (std::string_view s = get(kInsuredCardSymbol); !s.empty()) {
    std::string n = normalize_card(s);
    card_chars(kInsuredCardSymbol, n, true);
    if (latter_ && !n.empty())
      fail("E_SYMBOL_NOT_ALLOWED", kInsuredCardSymbol,
           "後期高齢者医療の被保険者証には記号がありません");
    q.insured_card_symbol = std::move(n);
  }

  if (std::string_view s = get(kInsuredIdentificationNumber); s.empty()) {
    missing(kInsuredIdentificationNumber);
  } else {
    std::string n = normalize_card(s);
    card_chars(kInsuredIdentificationNumber, n, false);
    q.insured_identification_number = std::move(n);
  }

  if (std::string_view s = get(kInsuredBranchNumber); !s.empty()) {
    std::string n = normalize_card(s);
    if (n.size() != 2 || !is_digits(n))
      fail("E_BRANCH_NUMBER", kInsuredBranchNumber, "被保険者証枝番は2桁の数字です（例: 00, 01）");
    q.insured_branch_number = std::move(n);
  }
}

// ---- a 医療扶助 recipient's key: 公費負担者番号 (法別 12) and 受給者番号, no symbol or branch
// ----
void Checker::recipient_key(core::Qualification& q) {
  if (std::string_view s = get(kInsurerNumber); s.empty()) {
    missing(kInsurerNumber);
  } else {
    std::string n = normalize_card(s);
    Status st = core::check_public_expense_number(n);
    if (n.size() == 8 && is_digits(n) && !core::is_medical_aid_number(n))
      fail("E_MEDICAL_AID_NUMBER", kInsurerNumber,
           "公費負担者番号は法別 12（生活保護法 医療扶助）で始まる8桁です");
    else if (!st)
      fail(st.error().code, kInsurerNumber, st.error().message);
    else
      q.insurer_number = std::move(n);
  }
  if (std::string_view s = get(kInsuredIdentificationNumber); s.empty()) {
    missing(kInsuredIdentificationNumber);
  } else {
    std::string n = normalize_card(s);
    if (Status st = core::check_beneficiary_number(n); !st)
      fail(st.error().code, kInsuredIdentificationNumber, "受給者番号: " + st.error().message);
    else
      q.insured_identification_number = std::move(n);
  }
}

// ---- names and codes ----
void Checker::names_and_codes(core::Qualification& q) {
  if (std::string_view s = get(kInsurerName); !s.empty()) {
    no_control(kInsurerName, s);
    q.insurer_name = stored(kInsurerName, s);
  }
  code(kInsuredCardClassification, "OQSCD010", false, &q.insured_card_classification);
  code(kPersonalFamilyClassification, "OQSCD009", false, &q.personal_family_classification);
  code(kSex1, "OQSCD007", true, &q.sex1);
  code(kSex2, "OQSCD007", false, &q.sex2);
  for (auto [f, dst] : {std::pair{kInsuredName, &q.insured_name}, std::pair{kName, &q.name},
                        std::pair{kNameOfOther, &q.name_of_other}}) {
    std::string_view s = get(f);
    if (s.empty()) {
      if (f == kName) missing(f);
      continue;
    }
    no_control(f, s);
    *dst = stored(f, s);
  }
  q.name_kana = kana(kNameKana, false);
  q.name_of_other_kana = kana(kNameOfOtherKana, false);

  if (std::string_view s = get(kAddress); !s.empty()) {
    no_control(kAddress, s);
    q.address = stored(kAddress, s);
  }
  if (std::string_view s = get(kPostNumber); !s.empty()) {
    std::string p = is_ascii(s) ? std::string(s) : core::normalize_card_field(s);
    if (p.size() == 7 && is_digits(p)) p.insert(3, "-");
    if (p.size() == 8 && p[3] == '-' && is_digits(std::string_view(p).substr(0, 3)) &&
        is_digits(std::string_view(p).substr(4))) {
      q.post_number = std::move(p);
    } else {
      fail("E_POST_NUMBER", kPostNumber, "郵便番号は「123-4567」の形式で入力してください");
    }
  }
}

// ---- dates, and the card's ratio on the date it speaks for ----
void Checker::dates(core::Qualification& q) {
  birth_ = date(kBirthdate, true, &q.birthdate);
  const auto& birth = birth_;
  if (birth && *birth > today_)
    fail("E_DATE_FUTURE", kBirthdate, "生年月日が未来の日付です");
  auto qual = date(kQualificationDate, true, &q.qualification_date);
  auto disq = date(kDisqualificationDate, false, &q.disqualification_date);
  if (birth && qual && *qual < *birth)
    fail("E_DATE_ORDER", kQualificationDate, "資格取得年月日が生年月日より前です");
  if (qual && disq && !(*qual < *disq))
    fail("E_DATE_ORDER", kDisqualificationDate,
         "資格喪失年月日は資格取得年月日より後の日付です（喪失日は資格のない最初の日）");
  code(kReasonOfLoss, "OQSCD008", false, &q.reason_of_loss);
  if (!get(kReasonOfLoss).empty() && get(kDisqualificationDate).empty())
    fail("E_MISSING", kDisqualificationDate, "資格喪失事由があるのに資格喪失年月日がありません");
  date(kInsuredCertificateIssuanceDate, false, &q.insured_certificate_issuance_date);
  auto card_from = date(kInsuredCardValidDate, false, &q.insured_card_valid_date);
  auto card_to = date(kInsuredCardExpirationDate, false, &q.insured_card_expiration_date);
  if (card_from && card_to && *card_to < *card_from)
    fail("E_DATE_ORDER", kInsuredCardExpirationDate,
         "被保険者証有効終了年月日が有効開始年月日より前です");

  // The date the card's ratio speaks for: today while covered, else the last covered day.
  core::Date ref = today_;
  if (disq && *disq <= ref) ref = disq->add_days(-1);
  if (qual && ref < *qual) ref = *qual;

  card_ratio_ = ratio(kInsuredPartialContributionRatio, &q.insured_partial_contribution_ratio);
  if (card_ratio_ > 0 && latter_ &&
      !core::ratio_allowed(core::AgeBand::kLatterElderly, card_ratio_, ref))
    fail("E_RATIO", kInsuredPartialContributionRatio,
         "後期高齢者医療の2割負担は2022年10月1日以降に限られます");
}

// ---- 高齢受給者証 ----
void Checker::elderly_recipient(core::Qualification& q) {
  const int fs[] = {kElderlyRecipientCertificateDate, kElderlyRecipientValidStartDate,
                    kElderlyRecipientValidEndDate, kElderlyRecipientContributionRatio};
  bool any = std::any_of(std::begin(fs), std::end(fs), [&](int f) { return !get(f).empty(); });
  if (any) {
    core::ElderlyRecipientCertificate c;
    size_t before = errors_.size();
    date(kElderlyRecipientCertificateDate, false, &c.certificate_date);
    auto from = date(kElderlyRecipientValidStartDate, true, &c.valid_start_date);
    auto to = date(kElderlyRecipientValidEndDate, true, &c.valid_end_date);
    if (get(kElderlyRecipientContributionRatio).empty())
      missing(kElderlyRecipientContributionRatio);
    elderly_ratio_ = ratio(kElderlyRecipientContributionRatio, &c.contribution_ratio);
    if (from && to && *to < *from)
      fail("E_DATE_ORDER", kElderlyRecipientValidEndDate,
           "高齢受給者証有効終了年月日が有効開始年月日より前です");
    if (latter_) {
      fail("E_CERT_INCONSISTENT", kElderlyRecipientValidStartDate,
           "後期高齢者医療の被保険者に高齢受給者証は交付されません");
    } else if (birth_ && from && core::age_band(*birth_, *from) != core::AgeBand::kElderly) {
      fail("E_CERT_INCONSISTENT", kElderlyRecipientValidStartDate,
           "高齢受給者証の有効開始日に70〜74歳（高齢受給者）ではありません");
    } else if (birth_ && to && !(*to < core::latter_elderly_start(*birth_))) {
      fail("E_CERT_INCONSISTENT", kElderlyRecipientValidEndDate,
           "高齢受給者証の有効終了日が75歳の誕生日以降です");
    }
    if (elderly_ratio_ > 0 && from &&
        !core::ratio_allowed(core::AgeBand::kElderly, elderly_ratio_, *from))
      fail("E_RATIO", kElderlyRecipientContributionRatio,
           "高齢受給者証の負担割合は2割または3割です");
    if (errors_.size() == before) q.elderly_recipient = std::move(c);
  }
}

// ---- 限度額適用認定証 ----
void Checker::limit_application(core::Qualification& q) {
  const int fs[] = {
      kLimitApplicationCertificateClassification, kLimitApplicationCertificateClassificationFlag,
      kLimitApplicationCertificateDate,           kLimitApplicationCertificateValidStartDate,
      kLimitApplicationCertificateValidEndDate,   kLimitApplicationCertificateLongTermDate};
  bool any = std::any_of(std::begin(fs), std::end(fs), [&](int f) { return !get(f).empty(); });
  if (any) {
    core::LimitApplicationCertificate c;
    size_t before = errors_.size();
    code(kLimitApplicationCertificateClassification, "OQSCD011", true, &c.classification);
    code(kLimitApplicationCertificateClassificationFlag, "OQSCD012", true, &c.classification_flag);
    date(kLimitApplicationCertificateDate, false, &c.certificate_date);
    auto from = date(kLimitApplicationCertificateValidStartDate, true, &c.valid_start_date);
    auto to = date(kLimitApplicationCertificateValidEndDate, true, &c.valid_end_date);
    date(kLimitApplicationCertificateLongTermDate, false, &c.long_term_date);
    if (from && to && *to < *from)
      fail("E_DATE_ORDER", kLimitApplicationCertificateValidEndDate,
           "限度額適用認定証有効終了年月日が有効開始年月日より前です");
    if (!c.classification.empty() && !c.classification_flag.empty() &&
        !core::limit_certificate_kind_consistent(c.classification, c.classification_flag))
      fail("E_CERT_INCONSISTENT", kLimitApplicationCertificateClassification,
           "限度額適用認定証区分「" + c.classification + "」と適用区分「" + c.classification_flag +
               "」が一致しません");
    if (!c.classification_flag.empty() && birth_ && from) {
      core::AgeBand band = latter_ ? core::AgeBand::kLatterElderly : core::age_band(*birth_, *from);
      bool ok = core::limit_classification_plausible(band, elderly_ratio_, card_ratio_,
                                                     c.classification_flag, *from);
      if (!ok)
        fail("E_CERT_INCONSISTENT", kLimitApplicationCertificateClassificationFlag,
             "限度額適用認定証の適用区分「" + c.classification_flag +
                 "」が年齢・負担割合（高齢受給者証・後期高齢者の割合）と矛盾します");
    }
    if (errors_.size() == before) q.limit_application = std::move(c);
  }
}

// ---- 特定疾病療養受療証 (several, "|"-separated and aligned by position) ----
constexpr int kSpecificDiseaseFields[] = {
    kSpecificDiseasesDiseaseCategory, kSpecificDiseasesCertificateDate,
    kSpecificDiseasesValidStartDate, kSpecificDiseasesValidEndDate, kSpecificDiseasesSelfPay};

void Checker::specific_diseases(core::Qualification& q) {
  const auto& fs = kSpecificDiseaseFields;
  std::vector<std::string_view> cols[5];
  size_t n = 0;
  bool any = false;
  for (int k = 0; k < 5; ++k) {
    if (get(fs[k]).empty()) continue;
    any = true;
    cols[k] = split_bar(get(fs[k]));
    n = std::max(n, cols[k].size());
  }
  bool aligned = true;
  for (int k = 0; k < 5 && any; ++k) {
    if (!cols[k].empty() && cols[k].size() != n) {
      fail("E_CERT_INCONSISTENT", fs[k],
           label(fs[k]) + "の件数（|区切り）が他の特定疾病の項目と揃っていません");
      aligned = false;
    }
  }
  for (size_t i = 0; any && aligned && i < n; ++i) specific_disease(cols, i, q);
}

// The i-th certificate of the aligned columns, when any of its fields is given.
void Checker::specific_disease(const std::vector<std::string_view> (&cols)[5], size_t i,
                               core::Qualification& q) {
  const auto& fs = kSpecificDiseaseFields;
  auto part = [&](int k) { return cols[k].empty() ? std::string_view() : cols[k][i]; };
  bool some = false;
  for (int k = 0; k < 5; ++k) some = some || !part(k).empty();
  if (!some) return;
  core::SpecificDiseasesCertificate c;
  size_t before = errors_.size();
  if (part(0).empty()) {
    missing(fs[0]);
  } else if (!core::valid_code("OQSCD013", part(0))) {
    fail("E_CODE", fs[0], label(fs[0]) + "は OQSCD013 にないコードです");
  } else {
    c.disease_category = std::string(part(0));
  }
  std::optional<core::Date> from, to;
  if (!part(1).empty() && date_value(part(1), fs[1])) c.certificate_date = std::string(part(1));
  if (part(2).empty())
    missing(fs[2]);
  else if ((from = date_value(part(2), fs[2])))
    c.valid_start_date = std::string(part(2));
  if (!part(3).empty() && (to = date_value(part(3), fs[3])))
    c.valid_end_date = std::string(part(3));
  if (from && to && *to < *from)
    fail("E_DATE_ORDER", fs[3], "特定疾病療養受療証有効終了年月日が有効開始年月日より前です");
  std::string_view pay = part(4);
  if (pay.empty()) {
    missing(fs[4]);
  } else if (!is_digits(pay) || (pay != "10000" && pay != "20000" && pay != "5000")) {
    fail("E_FORMAT", fs[4],
         "特定疾病療養受療証の自己負担限度額は 10000 または 20000（後期の75歳到達月は 5000）です");
  } else {
    if (pay == "20000" && (c.disease_category != "1" || latter_ ||
                           (birth_ && from && core::age_on(*birth_, *from) >= 70)))
      fail("E_CERT_INCONSISTENT", fs[4],
           "自己負担限度額 20000 円は人工透析（区分1）で70歳未満の上位所得者に限られます");
    if (pay == "5000" && insurer_ok_ && !latter_)
      fail("E_CERT_INCONSISTENT", fs[4],
           "自己負担限度額 5000 円は後期高齢者医療の75歳到達月に限られます");
    c.self_pay = std::string(pay);
  }
  if (errors_.size() == before) q.specific_diseases.push_back(std::move(c));
}
// ---- 個人番号: the message never shows the number ----
void Checker::my_number(ValidatedRecord& rec) {
  if (std::string_view s = get(kMyNumber); !s.empty()) {
    std::string n = is_ascii(s) ? std::string(s) : core::normalize_card_field(s);
    Status st = core::check_my_number(n);
    if (!st) {
      const std::string& c = st.error().code;
      std::string msg = c == "E_CHECK_DIGIT" ? "個人番号の検査用数字が一致しません"
                        : c == "E_LENGTH"    ? "個人番号は12桁の数字です"
                                             : "個人番号に数字以外の文字が含まれています";
      fail(c, kMyNumber, msg);
    } else {
      rec.my_number = std::move(n);
    }
  }
}

}  // namespace

std::string_view field_name(int field) { return kFields[field].name; }

bool is_recipient_field(int field) {
  return std::find(std::begin(kRecipientFields), std::end(kRecipientFields), field) !=
         std::end(kRecipientFields);
}

int field_index(std::string_view n) {
  static const std::unordered_map<std::string_view, int> index = [] {
    std::unordered_map<std::string_view, int> m;
    for (int i = 0; i < kFieldCount; ++i) m.emplace(kFields[i].name, i);
    return m;
  }();
  auto it = index.find(n);
  return it == index.end() ? -1 : it->second;
}

std::variant<ValidatedRecord, std::vector<Error>> validate_values(const FieldValues& values,
                                                                  core::Date today,
                                                                  RecordKind kind) {
  return Checker(values, today, kind).run();
}

void append_json_string(std::string& out, std::string_view s) {
  core::append_json_string(out, s);
}

}  // namespace detail

const std::vector<std::string>& known_fields() {
  static const std::vector<std::string> fields = [] {
    std::vector<std::string> v;
    for (int i = 0; i < detail::kFieldCount; ++i) v.emplace_back(detail::field_name(i));
    return v;
  }();
  return fields;
}

const std::vector<std::string>& required_fields() {
  // What a qualification cannot be confirmed without. The rest is optional: 後期高齢者 have no
  // 本人/家族, and insurers' systems differ in what they hold (absent = not shown).
  static const std::vector<std::string> fields = {"InsurerNumber", "InsuredIdentificationNumber",
                                                  "Name", "Sex1", "Birthdate", "QualificationDate"};
  return fields;
}

std::variant<ValidatedRecord, std::vector<Error>> validate_record(const FieldMap& fields,
                                                                  core::Date today,
                                                                  RecordKind kind) {
  detail::FieldValues values{};
  std::vector<Error> structural;
  bool seen[detail::kFieldCount] = {};
  for (const auto& [k, v] : fields) {
    int i = detail::field_index(k);
    if (i >= 0 && kind == RecordKind::kRecipient && !detail::is_recipient_field(i)) i = -1;
    if (i < 0) {
      std::string shown = k.size() <= 64 ? k : k.substr(0, 64);
      structural.push_back(Error{"E_UNKNOWN_FIELD", shown, "不明な項目「" + shown + "」です"});
      continue;
    }
    if (seen[i]) {
      structural.push_back(Error{"E_DUPLICATE_FIELD", k, "項目「" + k + "」が重複しています"});
      continue;
    }
    seen[i] = true;
    values[i] = v;
  }
  auto r = detail::validate_values(values, today, kind);
  if (structural.empty()) return r;
  if (auto* errs = std::get_if<std::vector<Error>>(&r))
    structural.insert(structural.end(), errs->begin(), errs->end());
  return structural;
}

std::string element_name_from_json_key(std::string_view key) {
  std::string s(key);
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string Report::to_json() const {
  std::string out;
  out.reserve(64 + errors.size() * 96);
  out += "{\"accepted\":" + std::to_string(accepted) +
         ",\"unchanged\":" + std::to_string(unchanged) +
         ",\"rejected\":" + std::to_string(rejected);
  if (!notice.empty()) {
    out += ",\"notice\":";
    detail::append_json_string(out, notice);
  }
  out += ",\"errors\":[";
  bool first = true;
  for (const auto& e : errors) {
    if (!first) out.push_back(',');
    first = false;
    out += "{\"row\":" + std::to_string(e.row) + ",\"field\":";
    detail::append_json_string(out, e.field);
    out += ",\"code\":";
    detail::append_json_string(out, e.code);
    out += ",\"message\":";
    detail::append_json_string(out, e.message);
    out.push_back('}');
  }
  out += "]}";
  return out;
}

}  // namespace onshi::registry
