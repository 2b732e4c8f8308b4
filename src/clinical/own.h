// The person's own clinical data (R-CARD-2): what the patient sees of their own medication,
// health checks, treatments and prescriptions through the portal — the same View (and so the
// same JSON, views.h view_json) a professional gets, read the same way, without a consent.
//
// The one decision: no gate. The caller has already proved who the person is (a live person
// session of the portal) and audits the answer itself (security::PortalView, actor the person),
// so nothing here is recorded. The rows are those of the person link, from the kind's viewing
// window start (the 医療扶助 checkups rule applied as for a professional) to the as-of day;
// operations are never hidden (they are the person's own). `basis` is "self".
#pragma once

#include "clinical/views.h"

namespace onshi::clinical {

// The person's own view of `kind` as of `as_of`, headed by `person` (the qualification the
// caller chose to name them by, whose person link is read). Errors: E_STORE.
Result<View> own_view(store::Database& db, const store::QualificationVersion& person,
                      ClinicalKind kind, core::Date as_of);

}  // namespace onshi::clinical
