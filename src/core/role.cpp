// The names of the certificate roles (core/role.h): one switch, read both ways.
#include "core/role.h"

namespace onshi::core {

std::string_view role_name(Role r) {
  switch (r) {
    case Role::kInstitution:
      return "institution";
    case Role::kInsurer:
      return "insurer";
    case Role::kAgency:
      return "agency";
    case Role::kBureau:
      return "bureau";
    case Role::kReviewer:
      return "reviewer";
    case Role::kOperator:
      return "operator";
    case Role::kWelfareOffice:
      return "welfare-office";
    case Role::kPortal:
      return "portal";
  }
  return "unknown";
}

std::optional<Role> parse_role(std::string_view name) {
  for (Role r : kRoles) {
    if (role_name(r) == name) return r;
  }
  return std::nullopt;
}

}  // namespace onshi::core
