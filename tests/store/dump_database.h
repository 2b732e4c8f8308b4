// Everything a database holds, read through the store interfaces into plain values, so a
// test can compare two databases field by field (`onshi db copy`, issue 12 §4).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/database.h"

namespace onshi::testing {

struct DatabaseDump {
  std::vector<store::QualificationVersion> versions;  // (card_key, recorded_at) order
  std::vector<store::AuditEntry> audit;
  std::vector<store::ImportRun> import_runs;
  store::InstitutionTables institutions;
  std::vector<store::CardRow> cards;
  std::vector<store::BulkReception> bulk;
  std::vector<store::TicketVersion> tickets;  // version_id order
  std::vector<store::ClinicalRecord> clinical;
  std::vector<store::ViewingWindow> clinical_windows;
  std::vector<store::ConsentRow> consents;
  std::vector<store::DisasterPeriod> disasters;
  std::vector<store::ProfessionalAccount> accounts;
};

inline DatabaseDump dump_database(store::Database& db) {
  DatabaseDump d;
  EXPECT_TRUE(db.members().scan_versions([&](const store::QualificationVersion& v) {
    d.versions.push_back(v);
    return true;
  }));
  EXPECT_TRUE(db.members().scan_audit(1, [&](const store::AuditEntry& e) {
    d.audit.push_back(e);
    return true;
  }));
  auto runs = db.members().import_runs();
  EXPECT_TRUE(runs.ok());
  if (runs) d.import_runs = *runs;
  auto t = db.institutions().export_tables();
  EXPECT_TRUE(t.ok()) << t.error().message;
  if (t) d.institutions = std::move(*t);
  EXPECT_TRUE(db.cards().scan("", 1000000, [&](const store::CardRow& r) {
    d.cards.push_back(r);
    return true;
  }));
  EXPECT_TRUE(db.bulk().scan(0, 1000000, [&](const store::BulkReception& r) {
    d.bulk.push_back(r);
    return true;
  }));
  EXPECT_TRUE(db.tickets().scan_versions(0, 1000000, [&](const store::TicketVersion& v) {
    d.tickets.push_back(v);
    return true;
  }));
  EXPECT_TRUE(db.clinical().scan(nullptr, 1000000, [&](const store::ClinicalRecord& r) {
    d.clinical.push_back(r);
    return true;
  }));
  auto windows = db.clinical().windows();
  EXPECT_TRUE(windows.ok());
  if (windows) d.clinical_windows = *windows;
  EXPECT_TRUE(db.access().scan_consents(0, 1000000, [&](const store::ConsentRow& r) {
    d.consents.push_back(r);
    return true;
  }));
  if (auto x = db.access().disasters(); x) d.disasters = *x;
  if (auto x = db.access().accounts(""); x) d.accounts = *x;
  return d;
}

// Field-by-field comparison, each store reported on its own.
inline void expect_same_database(const DatabaseDump& a, const DatabaseDump& b) {
  ASSERT_EQ(a.versions.size(), b.versions.size());
  for (size_t i = 0; i < a.versions.size(); ++i) {
    const auto &x = a.versions[i], &y = b.versions[i];
    EXPECT_EQ(x.version_id, y.version_id) << i;
    EXPECT_EQ(x.recorded_at_us, y.recorded_at_us) << i;
    EXPECT_TRUE(x.qualification == y.qualification) << i;
    EXPECT_EQ(x.person_link, y.person_link) << i;
    EXPECT_EQ(x.my_number_sealed, y.my_number_sealed) << i;
    EXPECT_EQ(x.source, y.source) << i;
    EXPECT_EQ(x.conversions, y.conversions) << i;
  }
  ASSERT_EQ(a.audit.size(), b.audit.size());
  for (size_t i = 0; i < a.audit.size(); ++i) {
    const auto &x = a.audit[i], &y = b.audit[i];
    EXPECT_EQ(x.seq, y.seq);
    EXPECT_EQ(x.time_us, y.time_us);
    EXPECT_EQ(x.actor + x.action + x.subject + x.detail, y.actor + y.action + y.subject + y.detail);
    EXPECT_EQ(x.prev_hash, y.prev_hash);
    EXPECT_EQ(x.hash, y.hash);
  }
  EXPECT_TRUE(a.import_runs == b.import_runs);
  EXPECT_TRUE(a.institutions.entries == b.institutions.entries);
  EXPECT_TRUE(a.institutions.events == b.institutions.events);
  EXPECT_TRUE(a.institutions.medical_aid == b.institutions.medical_aid);
  EXPECT_TRUE(a.institutions.high_water == b.institutions.high_water);
  EXPECT_TRUE(a.institutions.counters == b.institutions.counters);
  EXPECT_TRUE(a.institutions.schedule_overrides == b.institutions.schedule_overrides);
  EXPECT_TRUE(a.institutions.population == b.institutions.population);
  EXPECT_TRUE(a.cards == b.cards);
  EXPECT_TRUE(a.bulk == b.bulk);
  EXPECT_TRUE(a.tickets == b.tickets);
  EXPECT_TRUE(a.clinical == b.clinical);
  EXPECT_TRUE(a.clinical_windows == b.clinical_windows);
  EXPECT_TRUE(a.consents == b.consents);
  EXPECT_TRUE(a.disasters == b.disasters);
  EXPECT_TRUE(a.accounts == b.accounts);
}

}  // namespace onshi::testing
