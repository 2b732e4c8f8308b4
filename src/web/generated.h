// What the generated sources of the web module define (build/generated/web/, written by
// cmake/embed_assets.cmake and cmake/web_assets.cmake): one table of assets per app folder and
// the index of the apps. Private to src/web/; everyone else asks web/assets.h.
#pragma once

#include <span>
#include <string_view>

#include "web/assets.h"

namespace onshi::web::detail {

// One app folder web/APP/: its name and its assets, sorted by path.
struct AppAssets {
  std::string_view app;
  std::span<const Asset> (*assets)();
};

// Every app under web/, in name order, then one entry whose app is empty.
extern const AppAssets kApps[];

}  // namespace onshi::web::detail
