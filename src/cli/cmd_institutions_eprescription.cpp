// onshi institutions e-prescription — the institution setting 「電子処方箋：利用する」 (seed 004
// §2: from April 2024 prescription and dispensing information is shown only to hospitals and
// clinics that use the electronic prescription service, and to pharmacies). Like the
// 医療扶助 setting it is dated: `--use` or `--no-use` from `--date` (default today) on, the
// latest setting effective on a day counting for views made that day. The settings are rows
// of the access store (store/access.h) on --db or --data-dir; each one is audited as
// "institution.ePrescription" by the operator. Prints the recorded setting as JSON.
#include <boost/json.hpp>
#include <iostream>

#include "cli/institutions_cmd.h"
#include "core/numbers.h"
#include "security/audit_events.h"

namespace onshi::cli::institutions_cmd {
namespace {

int run_e_prescription(const Args& a) {
  if (a.use == a.no_use)
    return report(Error{"E_FLAG", "use", "--use か --no-use のどちらかを指定してください"});
  if (auto st = core::check_medical_institution_code(a.code); !st)
    return report(Error{st.error().code, "code", st.error().message});
  auto on = date_flag(a.date, "date");
  if (!on) return report(on.error());
  if (a.data_dir.empty() && a.db.empty())
    return report(Error{"E_FLAG", "db", "--data-dir か --db を指定してください"});
  auto db = open_database(a.data_dir, a.db, /*create=*/true);
  if (!db) return report(db.error());
  store::InstitutionSetting s{0,
                              a.code,
                              std::string(store::kSettingEPrescription),
                              on->yyyymmdd(),
                              a.use,
                              core::now_unix_us()};
  auto id = (*db)->access().add_setting(s);
  if (!id) return report(id.error());
  security::AuditLog audit((*db)->members());
  security::InstitutionChange change;
  change.actor = security::operator_actor();
  change.step = "ePrescription";
  change.key = a.code;
  change.medical_institution_code = a.code;
  change.facts = {{"use", a.use}, {"effectiveOn", s.effective_on}};
  if (auto st = audit.record_durable(change); !st) return report(st.error());
  boost::json::object o{{"medicalInstitutionCode", a.code},
                        {"setting", s.setting},
                        {"use", a.use},
                        {"effectiveOn", s.effective_on}};
  std::cout << boost::json::serialize(o) << "\n";
  return 0;
}

}  // namespace

void add_e_prescription(CLI::App* root, Commands& commands, const ArgsPtr& a) {
  auto* c = sub(root, "e-prescription",
                "「電子処方箋：利用する」の設定 (処方・調剤情報の閲覧; 病院・診療所)");
  data_dir_flag(c, *a);
  c->add_option("--code", a->code, "医療機関コード (10桁)")->required();
  auto* use = c->add_flag("--use", a->use, "利用する");
  auto* no_use = c->add_flag("--no-use", a->no_use, "利用しない");
  use->excludes(no_use);
  c->add_option("--date", a->date, "設定日 YYYYMMDD (省略時は今日)");
  commands.on_run(c, [a] { return run_e_prescription(*a); });
}

}  // namespace onshi::cli::institutions_cmd
