// onshi card issue | link | revoke — J-LIS's side of the simulated My Number card
// (card/card.h): issuing a card file, 初回登録 with the PIN, revocation.
#include "cli/commands.h"

namespace onshi::cli {

void register_card(CLI::App& app) {
  auto* cmd = app.add_subcommand("card", "マイナンバーカード (模擬) の発行・初回登録・失効・読み取り. Simulated My Number cards.");
  cmd->require_subcommand(1);
}

}  // namespace onshi::cli
