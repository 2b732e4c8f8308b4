// The demo's 医療扶助 part (cli/demo_medical_aid.h): the welfare office's certificate, two
// recipients with this month's tickets, the demo clinic's 医療扶助 setting, and the commands
// that confirm them.
//
// The recipients are written as a welfare office's registration leaves them — a qualification
// with InsurerNumber = 公費負担者番号, the 受給者番号, InsuredCardClassification A1, and the person
// link of the My Number, so the demo cards find them — and the tickets as 医療券 of the month
// (valid from its first to its last day). The demo clinic gets an entry in the institutions
// registry (in use) when it has none, and 「医療扶助情報：利用する」 from the start of online
// medical aid (2024-03-01).
#include "cli/demo_medical_aid.h"

#include <vector>

#include "core/medical_aid.h"
#include "institutions/institutions.h"
#include "security/ca.h"
#include "security/crypto.h"
#include "store/database.h"

namespace onshi::cli::demo_aid {
namespace {

namespace fs = std::filesystem;

struct Recipient {
  const Card& card;
  const char* number;
  const char* name;
  const char* kana;
  const char* sex;
  const char* birth;
  const char* designated;  // the clinic of the month's 医療券
};

core::Qualification qualification(const Recipient& r) {
  core::Qualification q;
  q.insurer_number = kOffice;
  q.insurer_name = "デモ市福祉事務所";
  q.insured_card_classification = std::string(core::kMedicalAidCardClassification);
  q.insured_identification_number = r.number;
  q.insured_name = q.name = r.name;
  q.name_kana = r.kana;
  q.sex1 = r.sex;
  q.birthdate = r.birth;
  q.post_number = "100-0001";
  q.address = "東京都千代田区千代田1-1";
  q.qualification_date = "20240301";
  return q;
}

core::MedicalTicket ticket(const Recipient& r, const std::string& clinic, core::Date today) {
  const core::Date first = today.first_of_month();
  core::MedicalTicket t;
  t.insurer_number = kOffice;
  t.insured_identification_number = r.number;
  t.ticket_type = "01";  // 医療券
  t.valid_date = first.yyyymmdd();
  t.expiration_date = first.first_of_next_month().add_days(-1).yyyymmdd();
  t.medical_treatment_month = t.valid_date.substr(0, 6);
  t.issue_number = "D" + t.medical_treatment_month;
  t.designated_code = r.designated[0] ? r.designated : clinic;
  t.designated_name = r.designated[0] ? "デモ第二診療所" : "デモ診療所";
  t.injury_name1 = "高血圧症";
  t.medical_treatment_type = "02";  // 入院外
  t.self_pay_amount = "0";
  t.district_contact_name = "地区担当 山本";
  t.handling_contact_name = "取扱担当 小林";
  t.single_or_combined_use = "01";  // 単独
  t.status_of_social_insurance = "02";
  t.status_of_infection = "02";
  t.status_of_elderly_medical_care = "02";
  t.status_of_prefectural_expenses = "02";
  return t;
}

const Recipient kRecipients[] = {
    {kCards[0], kContractedNumber, "保護　花子", "ホゴ　ハナコ", "2", kContractedBirth, ""},
    {kCards[1], kNotContractedNumber, "生保　次郎", "セイホ　ジロウ", "1", kNotContractedBirth,
     kOtherClinic},
};

// The demo clinic in the institutions registry, in use, with 医療扶助 on (R-AID-3).
Status enable_clinic(store::Database& db, const fs::path& dir, const std::string& clinic) {
  store::InstitutionStore& st = db.institutions();
  bool on = false;
  Status made = st.transact([&](store::InstitutionTx& tx) -> Status {
    auto found = tx.find(store::InstitutionKey::kMedicalInstitutionCode, clinic);
    if (!found) return found.status();
    if (!found->empty()) {
      on = found->front().medical_aid;
      return Status::Ok();
    }
    store::InstitutionRow row;
    row.provisional_code = "0099999";
    row.kind = "clinic";
    row.prefecture = clinic.substr(0, 2);
    row.district = clinic.substr(3, 2);
    row.name = "デモ診療所";
    row.address = "東京都千代田区丸の内1-1";
    row.stage = "inUse";
    row.reception_number = clinic.substr(3);
    row.medical_institution_code = clinic;
    row.designated_on = row.usage_applied_on = row.usage_start = "20210301";
    auto added = tx.insert(row);
    return added ? Status::Ok() : added.status();
  });
  if (!made || on) return made;
  auto reg = institutions::Registry::open(st, dir);
  if (!reg) return reg.error();
  auto set = (*reg)->set_medical_aid(clinic, true, core::Date::from_ymd(2024, 3, 1), "operator");
  return set ? Status::Ok() : set.status();
}

}  // namespace

Status make_office_certificate(const fs::path& dir) {
  if (fs::exists(dir / "welfare-office" / "cert.pem")) return Status::Ok();
  return security::issue_client(dir, security::Role::kWelfareOffice, kOffice,
                                dir / "welfare-office");
}

Status register_recipients(const fs::path& dir, const std::string& clinic, core::Date today) {
  auto db = store::open_store(store::sqlite_url(dir));
  if (!db) return db.error();
  auto keys = security::Keyring::load_or_create(dir);
  if (!keys) return keys.error();
  std::vector<store::PutItem> items;
  std::vector<store::TicketPut> tickets;
  for (const Recipient& r : kRecipients) {
    store::PutItem item;
    item.qualification = qualification(r);
    item.person_link = keys->person_link(r.card.my_number);
    item.my_number_sealed = keys->seal(r.card.my_number);
    item.source = "demo";
    items.push_back(std::move(item));
    tickets.push_back(store::TicketPut{ticket(r, clinic, today), "demo"});
  }
  if (auto put = (*db)->members().put_qualifications(items); !put) return put.error();
  if (auto put = (*db)->tickets().put_tickets(tickets); !put) return put.error();
  return enable_clinic(**db, dir, clinic);
}

void print_commands(std::ostream& out, const fs::path& dir, const std::string& base,
                    const std::string& tls) {
  const std::string req = dir.string() + "/requests/";
  out << "# 医療扶助 (福祉事務所 " << kOffice << "、証明書 " << (dir / "welfare-office").string()
      << "): デモ診療所は「医療扶助情報：利用する」\n"
      << "#   委託 — 受給者番号 " << kContractedNumber
      << " と今月の医療券 (PublicExpenseResultList) が返ります\n"
      << "curl -s " << tls << " -H 'Content-Type: application/xml' --data-binary @" << req
      << "aid-contracted.xml " << base << "/xml/OQSsiquc01\n"
      << "#   未委託 — 医療券は別の医療機関 " << kOtherClinic
      << " 宛て: 受給者番号は返らず、福祉事務所に照会します\n"
      << "curl -s " << tls << " -H 'Content-Type: application/xml' --data-binary @" << req
      << "aid-not-contracted.xml " << base << "/xml/OQSsiquc01\n"
      << "#   カードで: 受付画面で「" << kCards[0].label << "」「" << kCards[1].label
      << "」を選ぶか、上の card touch の --card を次のカードに替えて実行\n";
  for (const Card& c : kCards)
    out << "#     " << (dir / "cards" / (std::string(c.id) + ".card")).string() << "\n";
  out << "\n";
}

}  // namespace onshi::cli::demo_aid
