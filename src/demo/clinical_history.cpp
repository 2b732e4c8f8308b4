// The demo members' clinical history (generator.h: demo_clinical_csv): three years before
// `as_of` of what a clinic's professional would see for them — the prescriptions of their
// chronic conditions dispensed every 4 or 8 weeks, a few acute ones, yearly specific health
// checks with values that drift from year to year, some treatments (ECG, CT, a cataract
// operation) and the electronic prescriptions of the last 100 days; and two years of their
// 医療費通知情報 for the portal.
//
// It is fixed data and date arithmetic only — no randomness — so the same `as_of` gives the
// same bytes. Drug, procedure and check-item codes have the public codes' shapes (レセプト
// 電算 9 digits or YJ 12 characters, 診療行為 9 digits, 特定健診 項目コード 17 characters);
// institution codes carry valid check digits. Every row passes `onshi clinical import`.
#include <cstdio>

#include "core/numbers.h"
#include "demo/generator.h"

namespace onshi::demo {
namespace {

using core::Date;

// A demo member with a My Number (so the rows find a person): the qualification's columns.
struct Member {
  const char* insurer;
  const char* symbol;
  const char* number;
  const char* branch;
};
constexpr Member kYamada{"06139992", "1234", "5678", "00"};
constexpr Member kSuzuki{"131045", "01", "234567", "00"};
constexpr Member kSato{"39130000", "", "12345674", ""};
constexpr Member kTakahashi{"01130012", "4120135", "21", "00"};
constexpr Member kTanakaOld{"01130012", "3050021", "7", "00"};
constexpr Member kTanakaNew{"06270011", "88", "1001", "00"};

// A 医療機関コード from its first 9 digits and the computed check digit.
std::string institution(const char* body9) {
  return std::string(body9) + static_cast<char>('0' + core::weighted_check_digit(body9));
}

struct Place {
  std::string code;
  const char* name;
  const char* classification;  // 1 医科, 3 歯科, 4 調剤
};
const Place& clinic() {
  static const Place p{"1310112345", "オンシ内科クリニック", "1"};
  return p;
}
const Place& pharmacy() {
  static const Place p{institution("134014012"), "さくら薬局 港店", "4"};
  return p;
}
const Place& hospital() {
  static const Place p{institution("131021050"), "港中央病院", "1"};
  return p;
}
const Place& eye_clinic() {
  static const Place p{institution("131032077"), "みなと眼科", "1"};
  return p;
}

struct Drug {
  const char* code;
  const char* name;
  const char* qty;
  const char* unit;
  const char* usage;
};
// Chronic prescriptions, by member.
const Drug kAmlodipine5{"622083601", "アムロジピン錠5mg", "1", "錠", "1日1回朝食後"};
const Drug kRosuvastatin{"622243201", "ロスバスタチン錠2.5mg", "1", "錠", "1日1回夕食後"};
const Drug kMetformin{"622148901", "メトホルミン塩酸塩錠250mgMT", "4", "錠", "1日2回朝夕食後"};
const Drug kSitagliptin{"3969010F1026", "シタグリプチン錠50mg", "1", "錠", "1日1回朝食後"};
const Drug kAmlodipine25{"622083501", "アムロジピン錠2.5mg", "1", "錠", "1日1回朝食後"};
const Drug kLansoprazole{"622190301", "ランソプラゾールOD錠15mg", "1", "錠", "1日1回朝食後"};
const Drug kMagnesium{"620008901", "酸化マグネシウム錠330mg", "3", "錠", "1日3回毎食後"};
const Drug kTelmisartan{"622095401", "テルミサルタン錠40mg", "1", "錠", "1日1回朝食後"};
const Drug kAtorvastatin{"622043101", "アトルバスタチン錠10mg", "1", "錠", "1日1回夕食後"};
// Acute ones.
const Drug kLoxoprofen{"622186101", "ロキソプロフェンNa錠60mg", "3", "錠", "1日3回毎食後"};
const Drug kRebamipide{"620005301", "レバミピド錠100mg", "3", "錠", "1日3回毎食後"};
const Drug kFexofenadine{"622098701", "フェキソフェナジン塩酸塩錠60mg", "2", "錠", "1日2回朝夕食後"};

std::string qual(const Member& m) {
  return std::string(m.insurer) + "," + m.symbol + "," + m.number + "," + m.branch;
}

void medication_row(std::string& out, const Member& m, Date d, const Place& p, const Drug& drug,
                    int days) {
  out += qual(m) + "," + d.yyyymmdd() + "," + p.code + "," + p.name + "," + p.classification +
         "," + drug.code + "," + drug.name + "," + drug.qty + "," + drug.unit + "," + drug.usage +
         "," + std::to_string(days) + "\n";
}

// Every `interval` days from three years before `as_of` to a week before it.
template <class Fn>
void every(Date as_of, int interval, int offset, Fn fn) {
  for (Date d = as_of.add_years(-3).add_days(offset); d < as_of.add_days(-7); d = d.add_days(interval))
    fn(d);
}

std::string medication(Date as_of) {
  std::string out =
      "InsurerNumber,InsuredCardSymbol,InsuredIdentificationNumber,InsuredBranchNumber,"
      "DispensingDate,MedicalInstitutionCode,MedicalInstitutionName,InstitutionClassification,"
      "DrugC,DrugN,Qua1,Unit,UsageN,Times\n";
  every(as_of, 28, 3, [&](Date d) {
    medication_row(out, kYamada, d, pharmacy(), kAmlodipine5, 28);
    medication_row(out, kYamada, d, pharmacy(), kRosuvastatin, 28);
  });
  every(as_of, 28, 10, [&](Date d) {
    medication_row(out, kSuzuki, d, pharmacy(), kMetformin, 28);
    medication_row(out, kSuzuki, d, pharmacy(), kSitagliptin, 28);
  });
  every(as_of, 56, 5, [&](Date d) {  // 院内処方 at her clinic
    medication_row(out, kSato, d, clinic(), kAmlodipine25, 56);
    medication_row(out, kSato, d, clinic(), kLansoprazole, 56);
    medication_row(out, kSato, d, clinic(), kMagnesium, 56);
  });
  every(as_of, 56, 20, [&](Date d) {
    medication_row(out, kTakahashi, d, pharmacy(), kTelmisartan, 56);
    medication_row(out, kTakahashi, d, pharmacy(), kAtorvastatin, 56);
  });
  for (int back = 1; back <= 3; ++back) {  // hay fever every spring, across his two insurers
    Date d = Date::from_ymd(as_of.year() - back + (as_of.month() >= 3 ? 1 : 0), 2, 20);
    if (d < as_of.add_years(-3) || !(d < as_of)) continue;
    const Member& m = d < Date::from_ymd(as_of.year() - 1, 4, 1) ? kTanakaOld : kTanakaNew;
    medication_row(out, m, d, pharmacy(), kFexofenadine, 30);
  }
  Date sprain = as_of.add_days(-200);  // a sprained ankle
  medication_row(out, kYamada, sprain, hospital(), kLoxoprofen, 5);
  medication_row(out, kYamada, sprain, hospital(), kRebamipide, 5);
  return out;
}

struct Item {
  const char* code;
  const char* name;
  const char* unit;
  const char* low;
  const char* high;
  double values[3];  // two years ago, last year, this year
};

void checkups_for(std::string& out, const Member& m, Date as_of, const std::vector<Item>& items) {
  const int last = Date::from_ymd(as_of.year(), 6, 10) < as_of ? as_of.year() : as_of.year() - 1;
  for (int k = 2; k >= 0; --k) {
    const Date d = Date::from_ymd(last - k, 6, 10);
    for (const Item& it : items) {
      const double v = it.values[2 - k];
      char value[32];
      std::snprintf(value, sizeof value, v == static_cast<int>(v) ? "%.0f" : "%.1f", v);
      std::string judgement = "N";
      if (*it.high && v > std::stod(it.high)) judgement = "H";
      if (*it.low && v < std::stod(it.low)) judgement = "L";
      out += qual(m) + "," + d.yyyymmdd() + ",1311234567,オンシ健診センター," + it.code + "," +
             it.name + ",PQ," + value + "," + it.unit + ",," + it.low + "," + it.high + "," +
             judgement + "\n";
    }
  }
}

std::string checkups(Date as_of) {
  std::string out =
      "InsurerNumber,InsuredCardSymbol,InsuredIdentificationNumber,InsuredBranchNumber,"
      "EffectiveTime,HealthCheckupInstitutionCode,HealthCheckupInstitutionName,ItemCode,ItemName,"
      "DataType,DataValue,Unit,DataValueName,ReferenceRangeLow,ReferenceRangeHigh,Judgement\n";
  checkups_for(out, kYamada, as_of,
               {{"9N011000000000001", "BMI", "kg/m2", "18.5", "24.9", {26.1, 25.8, 25.2}},
                {"9N016160100000001", "腹囲（実測）", "cm", "", "84.9", {91.0, 90.2, 88.5}},
                {"9A751000000000001", "収縮期血圧", "mmHg", "", "129", {148, 138, 132}},
                {"9A761000000000001", "拡張期血圧", "mmHg", "", "84", {94, 88, 84}},
                {"3F077000002327101", "LDLコレステロール", "mg/dL", "", "119", {168, 131, 112}},
                {"3F070000002327101", "HDLコレステロール", "mg/dL", "40", "", {44, 46, 48}},
                {"3F015000002327101", "中性脂肪", "mg/dL", "", "149", {182, 160, 141}},
                {"3D046000001906202", "HbA1c（NGSP）", "%", "", "5.5", {5.6, 5.7, 5.6}}});
  checkups_for(out, kSuzuki, as_of,
               {{"9N011000000000001", "BMI", "kg/m2", "18.5", "24.9", {27.4, 26.9, 26.3}},
                {"9A751000000000001", "収縮期血圧", "mmHg", "", "129", {134, 131, 128}},
                {"9A761000000000001", "拡張期血圧", "mmHg", "", "84", {86, 84, 82}},
                {"3D010000001926101", "空腹時血糖", "mg/dL", "", "99", {142, 131, 124}},
                {"3D046000001906202", "HbA1c（NGSP）", "%", "", "5.5", {7.4, 7.0, 6.7}},
                {"3F077000002327101", "LDLコレステロール", "mg/dL", "", "119", {121, 118, 115}}});
  checkups_for(out, kTakahashi, as_of,
               {{"9N011000000000001", "BMI", "kg/m2", "18.5", "24.9", {23.1, 23.4, 23.0}},
                {"9A751000000000001", "収縮期血圧", "mmHg", "", "129", {152, 141, 136}},
                {"9A761000000000001", "拡張期血圧", "mmHg", "", "84", {88, 84, 80}},
                {"3F077000002327101", "LDLコレステロール", "mg/dL", "", "119", {142, 108, 101}},
                {"3B090000002327101", "γ-GT", "U/L", "", "50", {62, 58, 49}}});
  return out;
}

std::string treatments(Date as_of) {
  const auto row = [&](const Member& m, Date d, const Place& p, const char* code,
                       const char* name, const char* operation, const char* diagnoses) {
    return qual(m) + "," + d.yyyymmdd() + "," + p.code + "," + p.name + "," + p.classification +
           "," + code + "," + name + "," + operation + ",1," + diagnoses + "\n";
  };
  return "InsurerNumber,InsuredCardSymbol,InsuredIdentificationNumber,InsuredBranchNumber,"
         "TreatmentDate,MedicalInstitutionCode,MedicalInstitutionName,InstitutionClassification,"
         "ProcedureC,ProcedureN,OperationFlg,Times,DiagnosisNames\n" +
         row(kYamada, as_of.add_days(-400), clinic(), "160068410", "心電図検査（四肢単極誘導及び胸部誘導を含む最低12誘導）", "0", "本態性高血圧症") +
         row(kYamada, as_of.add_days(-200), hospital(), "170000410", "単純撮影（デジタル撮影）", "0", "右足関節捻挫") +
         row(kSuzuki, as_of.add_days(-300), eye_clinic(), "160132710", "眼底カメラ撮影（デジタル撮影）", "0", "2型糖尿病；糖尿病網膜症の疑い") +
         row(kSato, as_of.add_days(-500), eye_clinic(), "150263310", "水晶体再建術（眼内レンズを挿入する場合）（その他のもの）", "1", "右白内障") +
         row(kSato, as_of.add_days(-470), eye_clinic(), "150263310", "水晶体再建術（眼内レンズを挿入する場合）（その他のもの）", "1", "左白内障") +
         row(kTakahashi, as_of.add_days(-150), hospital(), "170012010", "CT撮影（64列以上のマルチスライス型の機器）", "0", "肺結節の疑い");
}

std::string prescriptions(Date as_of) {
  std::string out =
      "InsurerNumber,InsuredCardSymbol,InsuredIdentificationNumber,InsuredBranchNumber,"
      "PrescriptionId,PrescriptionDate,PrescribingInstitutionCode,PrescribingInstitutionName,"
      "DispensingDate,DispensingInstitutionCode,DispensingInstitutionName,RpNumber,DrugC,DrugN,"
      "Qua1,Unit,UsageN,Times\n";
  const auto rx = [&](const Member& m, int n, Date d, bool dispensed, const Drug& drug, int rp) {
    char id[40];
    std::snprintf(id, sizeof id, "5e1f0c2a-%04d-4d3b-9a6e-%012d", n, static_cast<int>(d.days()));
    out += qual(m) + "," + id + "," + d.yyyymmdd() + "," + clinic().code + "," + clinic().name +
           "," + (dispensed ? d.add_days(1).yyyymmdd() + "," + pharmacy().code + "," + pharmacy().name
                            : std::string(",,")) +
           "," + std::to_string(rp) + "," + drug.code + "," + drug.name + "," + drug.qty + "," +
           drug.unit + "," + drug.usage + ",28\n";
  };
  for (int k = 3; k >= 0; --k) {
    Date d = as_of.add_days(-2 - 28 * k);
    rx(kYamada, 1, d, k > 0, kAmlodipine5, 1);
    rx(kYamada, 1, d, k > 0, kRosuvastatin, 2);
    Date e = as_of.add_days(-9 - 28 * k);
    rx(kSuzuki, 2, e, true, kMetformin, 1);
    rx(kSuzuki, 2, e, true, kSitagliptin, 2);
  }
  return out;
}

// 医療費通知情報: two years of months (the last one two months back, as notices lag) of the
// clinic's monthly visit and the pharmacy's 28-day dispensing for 山田 太郎 and 鈴木 一郎, a
// dental course and a hospital visit now and then; PatientShare is 3割 of TotalCost, rounded
// to 10 yen as at a counter.
std::string expenses(Date as_of) {
  std::string out =
      "MedicalTreatmentMonth,InsurerNumber,InsuredCardSymbol,InsuredIdentificationNumber,"
      "InsuredBranchNumber,Birthdate,Name,MedicalInstitutionCode,MedicalInstitutionName,"
      "Category,Days,TotalCost,PatientShare\n";
  static const Place dental{institution("133013456"), "みなと歯科医院", "3"};
  const auto row = [&](Date month, const Member& m, const char* birth, const char* name,
                       const Place& p, int days, int total) {
    char ym[8];
    std::snprintf(ym, sizeof ym, "%04d%02d", month.year(), month.month());
    out += std::string(ym) + "," + qual(m) + "," + birth + "," + name + "," + p.code + "," +
           p.name + "," + p.classification + "," + std::to_string(days) + "," +
           std::to_string(total) + "," + std::to_string((total * 3 + 50) / 100 * 10) + "\n";
  };
  Date first = Date::from_ymd(as_of.year(), as_of.month(), 1);
  for (int k = 2; k < 26; ++k) {
    const int index = first.year() * 12 + first.month() - 1 - k;
    const Date m = Date::from_ymd(index / 12, index % 12 + 1, 1);
    const int vary = (k * 37) % 7;  // the same month always costs the same
    row(m, kYamada, "19800515", "山田　太郎", clinic(), 1, 4230 + vary * 150);
    row(m, kYamada, "19800515", "山田　太郎", pharmacy(), 1, 6180 + vary * 40);
    row(m, kSuzuki, "19751120", "鈴木　一郎", clinic(), 1 + k % 2, 5870 + vary * 210);
    row(m, kSuzuki, "19751120", "鈴木　一郎", pharmacy(), 1, 11340 + vary * 60);
    if (k % 6 == 3) row(m, kYamada, "19800515", "山田　太郎", dental, 3, 9120 + vary * 300);
    if (k % 9 == 4) row(m, kSuzuki, "19751120", "鈴木　一郎", hospital(), 1, 28650 + vary * 900);
  }
  return out;
}

}  // namespace

const std::vector<std::string>& clinical_kinds() {
  static const std::vector<std::string> k = {"medication", "checkups", "treatments",
                                             "prescriptions", "expenses"};
  return k;
}

std::string demo_clinical_csv(std::string_view kind, core::Date as_of) {
  if (kind == "medication") return medication(as_of);
  if (kind == "checkups") return checkups(as_of);
  if (kind == "treatments") return treatments(as_of);
  if (kind == "prescriptions") return prescriptions(as_of);
  if (kind == "expenses") return expenses(as_of);
  return "";
}

}  // namespace onshi::demo
