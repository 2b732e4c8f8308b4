// The access store (store/access.h) on PostgreSQL: the tables `consents`, `disaster_periods`,
// `professional_accounts` and `institution_settings` of component "access".
//
// Ids come from BIGSERIAL columns, so servers sharing the database never hand out the same
// one; the verbatim puts raise the sequences past the ids they store. Every statement reads
// the primary — a withdrawal or a new disaster period must be in force on the next request,
// whichever server takes it — and nothing is cached here.
#include "store/access.h"
#include "store/backends.h"
#include "store/pg.h"
#include "store/pg_backend.h"

namespace onshi::store::detail {
namespace {

const char* const kMigrations[] = {R"sql(
CREATE TABLE consents(
  id BIGSERIAL PRIMARY KEY, person_link BYTEA NOT NULL, institution TEXT NOT NULL,
  category TEXT NOT NULL, care_setting TEXT NOT NULL, card_serial TEXT NOT NULL,
  consented_at_us BIGINT NOT NULL, available_until_us BIGINT NOT NULL,
  withdrawn_at_us BIGINT, withdrawn_reason TEXT NOT NULL DEFAULT '');
CREATE INDEX consents_person ON consents(person_link, institution, category);
CREATE TABLE disaster_periods(
  id BIGSERIAL PRIMARY KEY, prefectures TEXT NOT NULL, from_us BIGINT NOT NULL,
  to_us BIGINT NOT NULL, declared_at_us BIGINT NOT NULL, ended_at_us BIGINT,
  note TEXT NOT NULL);
CREATE TABLE professional_accounts(
  institution TEXT NOT NULL, account_id TEXT NOT NULL, role TEXT NOT NULL,
  registered_at_us BIGINT NOT NULL, removed_at_us BIGINT,
  PRIMARY KEY(institution, account_id));
)sql",
                                   R"sql(
CREATE TABLE institution_settings(
  id BIGSERIAL PRIMARY KEY, institution TEXT NOT NULL, setting TEXT NOT NULL,
  effective_on TEXT NOT NULL, use INTEGER NOT NULL, recorded_at_us BIGINT NOT NULL);
CREATE INDEX institution_settings_by_day ON institution_settings(institution, setting, effective_on);
)sql"};

constexpr const char* kConsentColumns =
    "id, person_link, institution, category, care_setting, card_serial, consented_at_us, "
    "available_until_us, withdrawn_at_us, withdrawn_reason";
constexpr const char* kDisasterColumns =
    "id, prefectures, from_us, to_us, declared_at_us, ended_at_us, note";
constexpr const char* kSettingColumns =
    "id, institution, setting, effective_on, use, recorded_at_us";
constexpr const char* kAccountColumns =
    "institution, account_id, role, registered_at_us, removed_at_us";

std::string sql(const char* head, const char* columns, const char* tail) {
  return std::string(head) + columns + tail;
}
std::optional<int64_t> opt_i64(const pg::Rows& r, int i, int c) {
  if (r.null(i, c)) return std::nullopt;
  return r.i64(i, c);
}
pg::Params& opt(pg::Params& p, const std::optional<int64_t>& v) {
  return v ? p.i64(*v) : p.null();
}

ConsentRow read_consent(const pg::Rows& r, int i) {
  return {r.i64(i, 0), r.bytea(i, 1), r.str(i, 2), r.str(i, 3),      r.str(i, 4),
          r.str(i, 5), r.i64(i, 6),   r.i64(i, 7), opt_i64(r, i, 8), r.str(i, 9)};
}
DisasterPeriod read_disaster(const pg::Rows& r, int i) {
  return {r.i64(i, 0), split_prefectures(r.text(i, 1)),
          r.i64(i, 2), r.i64(i, 3),
          r.i64(i, 4), opt_i64(r, i, 5),
          r.str(i, 6)};
}
ProfessionalAccount read_account(const pg::Rows& r, int i) {
  return {r.str(i, 0), r.str(i, 1), r.str(i, 2), r.i64(i, 3), opt_i64(r, i, 4)};
}

InstitutionSetting read_setting(const pg::Rows& r, int i) {
  return {r.i64(i, 0), r.str(i, 1), r.str(i, 2), r.str(i, 3), r.i64(i, 4) != 0, r.i64(i, 5)};
}

Error conflict(const std::string& store, const std::string& what) {
  return Error{"E_COPY_CONFLICT", store, what + " differs between the source and the target"};
}

pg::Params consent_params(const ConsentRow& r) {
  pg::Params p;
  p.bytea(r.person_link).text(r.institution).text(r.category).text(r.care_setting);
  p.text(r.card_serial).i64(r.consented_at_us).i64(r.available_until_us);
  opt(p, r.withdrawn_at_us).text(r.withdrawn_reason);
  return p;
}

class PgAccess final : public AccessStore {
 public:
  explicit PgAccess(pg::Pool& pool) : pool_(pool) {}

  Result<std::vector<int64_t>> put_consents(std::span<const ConsentRow> rows) override {
    std::vector<int64_t> ids;
    Status st = transaction([&](pg::Conn& c) -> Status {
      ids.clear();
      for (const auto& r : rows) {
        auto ins = c.exec(
            "INSERT INTO consents(person_link, institution, category, care_setting, card_serial, "
            "consented_at_us, available_until_us, withdrawn_at_us, withdrawn_reason) "
            "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            consent_params(r));
        if (!ins) return ins.status();
        ids.push_back(ins->i64(0, 0));
      }
      return {};
    });
    if (!st) return st.error();
    return ids;
  }

  Result<std::optional<ConsentRow>> latest_consent(std::string_view person_link,
                                                   std::string_view institution,
                                                   std::string_view category) override {
    auto rows = exec(sql("SELECT ", kConsentColumns,
                         " FROM consents WHERE person_link = $1 AND institution = $2 AND "
                         "category = $3 ORDER BY consented_at_us DESC, id DESC LIMIT 1"),
                     pg::Params().bytea(person_link).text(institution).text(category));
    if (!rows) return rows.error();
    if (rows->size() == 0) return std::optional<ConsentRow>();
    return std::optional<ConsentRow>(read_consent(*rows, 0));
  }

  Result<std::vector<ConsentRow>> consents_of(std::string_view person_link) override {
    auto rows = exec(sql("SELECT ", kConsentColumns,
                         " FROM consents WHERE person_link = $1 ORDER BY consented_at_us, id"),
                     pg::Params().bytea(person_link));
    if (!rows) return rows.error();
    std::vector<ConsentRow> out;
    for (int i = 0; i < rows->size(); ++i) out.push_back(read_consent(*rows, i));
    return out;
  }

  Result<int64_t> withdraw_consents(std::string_view person_link, std::string_view institution,
                                    std::string_view category, std::string_view reason,
                                    int64_t now_us) override {
    auto rows = exec(
        "UPDATE consents SET withdrawn_at_us = $1, withdrawn_reason = $2 WHERE person_link = $3 "
        "AND ($4 = '' OR institution = $4) AND ($5 = '' OR category = $5) "
        "AND withdrawn_at_us IS NULL AND available_until_us > $1",
        pg::Params().i64(now_us).text(reason).bytea(person_link).text(institution).text(category));
    if (!rows) return rows.error();
    return rows->affected();
  }

  Result<int64_t> declare_disaster(const DisasterPeriod& p) override {
    pg::Params params;
    params.text(join_prefectures(p.prefectures)).i64(p.from_us).i64(p.to_us).i64(p.declared_at_us);
    opt(params, p.ended_at_us).text(p.note);
    auto rows = exec(
        "INSERT INTO disaster_periods(prefectures, from_us, to_us, declared_at_us, ended_at_us, "
        "note) VALUES($1, $2, $3, $4, $5, $6) RETURNING id",
        params);
    if (!rows) return rows.error();
    return rows->i64(0, 0);
  }

  Result<bool> end_disaster(int64_t id, int64_t now_us) override {
    auto rows = exec(
        "UPDATE disaster_periods SET ended_at_us = $1, to_us = LEAST(to_us, $1) "
        "WHERE id = $2 AND ended_at_us IS NULL AND to_us > $1",
        pg::Params().i64(now_us).i64(id));
    if (!rows) return rows.error();
    return rows->affected() > 0;
  }

  Result<std::vector<DisasterPeriod>> disasters() override {
    auto rows = exec(sql("SELECT ", kDisasterColumns, " FROM disaster_periods ORDER BY id"), {});
    if (!rows) return rows.error();
    std::vector<DisasterPeriod> out;
    for (int i = 0; i < rows->size(); ++i) out.push_back(read_disaster(*rows, i));
    return out;
  }

  Status put_account(const ProfessionalAccount& a) override {
    return exec(
               "INSERT INTO professional_accounts(institution, account_id, role, "
               "registered_at_us, removed_at_us) VALUES($1, $2, $3, $4, NULL) "
               "ON CONFLICT(institution, account_id) DO UPDATE SET role = EXCLUDED.role, "
               "registered_at_us = EXCLUDED.registered_at_us, removed_at_us = NULL",
               pg::Params()
                   .text(a.institution)
                   .text(a.account_id)
                   .text(a.role)
                   .i64(a.registered_at_us))
        .status();
  }

  Result<bool> remove_account(std::string_view institution, std::string_view account_id,
                              int64_t now_us) override {
    auto rows = exec(
        "UPDATE professional_accounts SET removed_at_us = $1 WHERE institution = $2 AND "
        "account_id = $3 AND removed_at_us IS NULL",
        pg::Params().i64(now_us).text(institution).text(account_id));
    if (!rows) return rows.error();
    return rows->affected() > 0;
  }

  Result<std::optional<ProfessionalAccount>> find_account(std::string_view institution,
                                                          std::string_view account_id) override {
    auto rows = exec(sql("SELECT ", kAccountColumns,
                         " FROM professional_accounts WHERE institution = $1 AND account_id = $2"),
                     pg::Params().text(institution).text(account_id));
    if (!rows) return rows.error();
    if (rows->size() == 0) return std::optional<ProfessionalAccount>();
    return std::optional<ProfessionalAccount>(read_account(*rows, 0));
  }

  Result<std::vector<ProfessionalAccount>> accounts(std::string_view institution) override {
    auto rows = exec(sql("SELECT ", kAccountColumns,
                         " FROM professional_accounts WHERE $1 = '' OR institution = $1 "
                         "ORDER BY institution COLLATE \"C\", account_id COLLATE \"C\""),
                     pg::Params().text(institution));
    if (!rows) return rows.error();
    std::vector<ProfessionalAccount> out;
    for (int i = 0; i < rows->size(); ++i) out.push_back(read_account(*rows, i));
    return out;
  }

  Result<int64_t> add_setting(const InstitutionSetting& s) override {
    auto rows = exec(
        "INSERT INTO institution_settings(institution, setting, effective_on, use, "
        "recorded_at_us) VALUES($1, $2, $3, $4, $5) RETURNING id",
        pg::Params().text(s.institution).text(s.setting).text(s.effective_on).i64(s.use ? 1 : 0)
            .i64(s.recorded_at_us));
    if (!rows) return rows.error();
    return rows->i64(0, 0);
  }

  Result<std::optional<InstitutionSetting>> setting_on(std::string_view institution,
                                                       std::string_view setting,
                                                       std::string_view day) override {
    auto rows = exec(sql("SELECT ", kSettingColumns,
                         " FROM institution_settings WHERE institution = $1 AND setting = $2 AND "
                         "effective_on <= $3 ORDER BY effective_on DESC, id DESC LIMIT 1"),
                     pg::Params().text(institution).text(setting).text(day));
    if (!rows) return rows.error();
    if (rows->size() == 0) return std::optional<InstitutionSetting>();
    return std::optional<InstitutionSetting>(read_setting(*rows, 0));
  }

  Result<std::vector<InstitutionSetting>> settings(std::string_view institution) override {
    auto rows = exec(sql("SELECT ", kSettingColumns,
                         " FROM institution_settings WHERE $1 = '' OR institution = $1 ORDER BY id"),
                     pg::Params().text(institution));
    if (!rows) return rows.error();
    std::vector<InstitutionSetting> out;
    for (int i = 0; i < rows->size(); ++i) out.push_back(read_setting(*rows, i));
    return out;
  }

  Result<int64_t> put_settings_verbatim(std::span<const InstitutionSetting> rows) override {
    return verbatim(rows, "institution_settings_id_seq", "institution_settings",
                    [](pg::Conn& c, const InstitutionSetting& r) -> Result<bool> {
                      auto found = c.exec(sql("SELECT ", kSettingColumns,
                                              " FROM institution_settings WHERE id = $1")
                                              .c_str(),
                                          pg::Params().i64(r.id));
                      if (!found) return found.error();
                      if (found->size() > 0) {
                        if (read_setting(*found, 0) != r)
                          return conflict("settings", "setting " + std::to_string(r.id));
                        return false;
                      }
                      auto ins = c.exec(
                          "INSERT INTO institution_settings(id, institution, setting, "
                          "effective_on, use, recorded_at_us) VALUES($1, $2, $3, $4, $5, $6)",
                          pg::Params().i64(r.id).text(r.institution).text(r.setting)
                              .text(r.effective_on).i64(r.use ? 1 : 0).i64(r.recorded_at_us));
                      if (!ins) return ins.error();
                      return true;
                    });
  }

  Status scan_consents(int64_t after_id, size_t limit,
                       const std::function<bool(const ConsentRow&)>& fn) override {
    auto rows =
        exec(sql("SELECT ", kConsentColumns, " FROM consents WHERE id > $1 ORDER BY id LIMIT $2"),
             pg::Params().i64(after_id).i64(static_cast<int64_t>(limit)));
    if (!rows) return rows.status();
    for (int i = 0; i < rows->size(); ++i)
      if (!fn(read_consent(*rows, i))) break;
    return {};
  }

  Result<int64_t> put_consents_verbatim(std::span<const ConsentRow> rows) override {
    return verbatim(
        rows, "consents_id_seq", "consents", [](pg::Conn& c, const ConsentRow& r) -> Result<bool> {
          auto found =
              c.exec(sql("SELECT ", kConsentColumns, " FROM consents WHERE id = $1").c_str(),
                     pg::Params().i64(r.id));
          if (!found) return found.error();
          if (found->size() > 0) {
            if (read_consent(*found, 0) != r)
              return conflict("consents", "consent " + std::to_string(r.id));
            return false;
          }
          pg::Params p = consent_params(r);
          p.i64(r.id);
          auto ins = c.exec(
              "INSERT INTO consents(person_link, institution, category, care_setting, card_serial, "
              "consented_at_us, available_until_us, withdrawn_at_us, withdrawn_reason, id) "
              "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
              p);
          if (!ins) return ins.error();
          return true;
        });
  }

  Result<int64_t> put_disasters_verbatim(std::span<const DisasterPeriod> rows) override {
    return verbatim(
        rows, "disaster_periods_id_seq", "disaster_periods",
        [](pg::Conn& c, const DisasterPeriod& r) -> Result<bool> {
          auto found = c.exec(
              sql("SELECT ", kDisasterColumns, " FROM disaster_periods WHERE id = $1").c_str(),
              pg::Params().i64(r.id));
          if (!found) return found.error();
          if (found->size() > 0) {
            if (read_disaster(*found, 0) != r)
              return conflict("disasters", "period " + std::to_string(r.id));
            return false;
          }
          pg::Params p;
          p.i64(r.id).text(join_prefectures(r.prefectures)).i64(r.from_us).i64(r.to_us);
          p.i64(r.declared_at_us);
          opt(p, r.ended_at_us).text(r.note);
          auto ins = c.exec(
              "INSERT INTO disaster_periods(id, prefectures, from_us, to_us, declared_at_us, "
              "ended_at_us, note) VALUES($1, $2, $3, $4, $5, $6, $7)",
              p);
          if (!ins) return ins.error();
          return true;
        });
  }

  Result<int64_t> put_accounts_verbatim(std::span<const ProfessionalAccount> rows) override {
    return verbatim(rows, "", "", [](pg::Conn& c, const ProfessionalAccount& r) -> Result<bool> {
      auto found = c.exec(sql("SELECT ", kAccountColumns,
                              " FROM professional_accounts WHERE institution = $1 AND "
                              "account_id = $2")
                              .c_str(),
                          pg::Params().text(r.institution).text(r.account_id));
      if (!found) return found.error();
      if (found->size() > 0) {
        if (read_account(*found, 0) != r)
          return conflict("accounts", "account " + r.institution + "/" + r.account_id);
        return false;
      }
      pg::Params p;
      p.text(r.institution).text(r.account_id).text(r.role).i64(r.registered_at_us);
      opt(p, r.removed_at_us);
      auto ins = c.exec(
          "INSERT INTO professional_accounts(institution, account_id, role, registered_at_us, "
          "removed_at_us) VALUES($1, $2, $3, $4, $5)",
          p);
      if (!ins) return ins.error();
      return true;
    });
  }

 private:
  Result<pg::Rows> exec(const std::string& statement, const pg::Params& params) {
    auto c = pool_.acquire();
    if (!c) return c.error();
    return (*c)->exec(statement.c_str(), params);
  }
  Status transaction(const std::function<Status(pg::Conn&)>& fn) {
    auto c = pool_.acquire();
    if (!c) return c.status();
    return (*c)->transaction(fn);
  }
  // One transaction: `put_one` per row (true when inserted), then the id sequence `seq` (if
  // any) raised past the largest id of `table`.
  template <class Row, class PutOne>
  Result<int64_t> verbatim(std::span<const Row> rows, const std::string& seq,
                           const std::string& table, PutOne put_one) {
    if (rows.empty()) return int64_t{0};
    int64_t inserted = 0;
    Status st = transaction([&](pg::Conn& c) -> Status {
      inserted = 0;
      for (const auto& r : rows) {
        auto added = put_one(c, r);
        if (!added) return added.status();
        inserted += *added ? 1 : 0;
      }
      if (seq.empty()) return {};
      const std::string raise = "SELECT setval('" + seq + "', GREATEST((SELECT max(id) FROM " +
                                table + "), (SELECT last_value FROM " + seq + ")))";
      return c.exec(raise.c_str()).status();
    });
    if (!st) return st.error();
    return inserted;
  }

  pg::Pool& pool_;
};

}  // namespace

Result<std::unique_ptr<AccessStore>> open_pg_access(pg::Pool& pool, bool create) {
  auto c = pool.acquire();
  if (!c) return c.error();
  if (auto st = pg::migrate(**c, "access", kMigrations, pool.display(), create); !st)
    return st.error();
  return std::unique_ptr<AccessStore>(new PgAccess(pool));
}

}  // namespace onshi::store::detail
