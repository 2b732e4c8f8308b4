// Tests of the certificate roles (core/role.h): the one OU ↔ Role table, read both ways.
#include "core/role.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace onshi::core {
namespace {

// R-INST-1, issue 14: roles — each role has one OU name, and the name reads back as the role.
TEST(Role, EveryRoleRoundTripsThroughItsName) {
  std::set<std::string> names;
  for (Role r : kRoles) {
    std::string name(role_name(r));
    EXPECT_TRUE(names.insert(name).second) << "two roles named " << name;
    EXPECT_EQ(parse_role(name), r);
  }
  EXPECT_EQ(names.size(), kRoles.size());
}

// issue 14: roles — the OU names are those the certificates already issued carry.
TEST(Role, NamesAreTheCertificateOUs) {
  EXPECT_EQ(role_name(Role::kInstitution), "institution");
  EXPECT_EQ(role_name(Role::kInsurer), "insurer");
  EXPECT_EQ(role_name(Role::kAgency), "agency");
  EXPECT_EQ(role_name(Role::kBureau), "bureau");
  EXPECT_EQ(role_name(Role::kReviewer), "reviewer");
  EXPECT_EQ(role_name(Role::kOperator), "operator");
  // R-AID-1: the welfare office (福祉事務所) that registers 医療扶助 recipients (issue 15).
  EXPECT_EQ(role_name(Role::kWelfareOffice), "welfare-office");
  // R-CARD-2: the patient's own portal (onshi portal), which calls /v1/me/… for a person.
  EXPECT_EQ(role_name(Role::kPortal), "portal");
}

// issue 14: roles — anything else names no role: exact, case-sensitive, no prefixes.
TEST(Role, UnknownNamesAreNoRole) {
  for (const char* name : {"", "Institution", "INSURER", "institution ", "insurer:06139999",
                           "clinic", "Portal", "welfare_office"})
    EXPECT_FALSE(parse_role(name).has_value()) << name;
}

}  // namespace
}  // namespace onshi::core
