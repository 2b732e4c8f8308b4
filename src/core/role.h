// Who a client of the central service is: the role carried in its certificate (OU) and the
// one table that names each role.
//
// The role is the first thing every route checks, so it is a closed enum rather than a
// string: a role the code does not know cannot be admitted by a typo, and the certificate
// OU ↔ Role mapping lives here once — the CA writes `role_name` into the OU it issues, the
// HTTPS server reads the OU back with `parse_role`, and the audit log names actors with the
// same words ("institution:1310112345"). This header is in core/ so that http/ (which
// depends only on core/) can carry a typed role on every request.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace onshi::core {

enum class Role {
  kInstitution,  // 保険医療機関・薬局 (id: 10-digit 医療機関コード)
  kInsurer,      // 保険者 (id: 6/8-digit 保険者番号)
  kAgency,       // 支払基金 — the onboarding agency of the institutions' lifecycle
  kBureau,       // 地方厚生局 — designation of institutions
  kReviewer,     // 審査支払機関 — the claims check
  kOperator,     // the service's operator (also the actor of the command line)
  kWelfareOffice,  // 福祉事務所 (id: its 8-digit 公費負担者番号, 法別 12; OU "welfare-office")
  kPortal,         // the patient's own portal (onshi portal): /v1/me/… with a person session
};

// Every role, in declaration order.
inline constexpr std::array<Role, 8> kRoles = {
    Role::kInstitution, Role::kInsurer,  Role::kAgency,        Role::kBureau,
    Role::kReviewer,    Role::kOperator, Role::kWelfareOffice, Role::kPortal};

// The role's name: the certificate's OU and the audit actor's prefix ("institution", …).
std::string_view role_name(Role r);
// The role an OU names, or nullopt when it names none (exact, case-sensitive match).
std::optional<Role> parse_role(std::string_view name);

}  // namespace onshi::core
