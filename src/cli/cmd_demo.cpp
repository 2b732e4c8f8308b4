// onshi demo — a newcomer's first command: everything the central service and a clinic's
// terminal need, made and started in one go: the CA and certificates, a population, demo My
// Number cards (PIN 1234, 初回登録 done), the central service, and the clinic's terminal with
// its reception screen and レセコン folder, and the patient's portal; then the screen's URL and ready-to-paste `curl`
// commands that confirm real demo members — and the 医療扶助 part (cli/demo_medical_aid.h): a
// welfare office, a contracted and a non-contracted recipient with cards — and the terminal's
// demo accounts (医師 `ishi`, 受付 `uketsuke`, password `onshi-demo`), registered at the
// central service, so the clinical views can be tried after a card confirmation with consent.
//
// It is re-runnable: an existing data directory keeps its CA, keys and cards, and re-importing
// the same population leaves the store unchanged. The population is generated "as of" today so
// that today's confirmations find covered members.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "card/card.h"
#include "cli/commands.h"
#include "cli/demo_medical_aid.h"
#include "cli/messages.h"
#include "clinical/clinical.h"
#include "core/date.h"
#include "core/log.h"
#include "core/text.h"
#include "demo/generator.h"
#include "http/local.h"
#include "registry/registry.h"
#include "security/audit.h"
#include "security/ca.h"
#include "security/crypto.h"
#include "serve/service.h"
#include "store/database.h"
#include "store/store.h"
#include "portal/portal.h"
#include "terminal/terminal.h"
#include "terminal/users.h"

namespace onshi::cli {
namespace {

namespace fs = std::filesystem;

// The demo's fixed ports are a convenience: when another demo (on another data directory)
// already has one, any free port will do. That is expected, so it is said at level info.
uint16_t free_port_or_any(const std::string& host, uint16_t port, const char* what) {
  if (port == 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (::inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host.c_str(), &a.sin_addr) != 1)
    return port;  // not an IPv4 address: let the server try it as given
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return port;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const bool taken = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0;
  ::close(fd);
  if (!taken) return port;
  core::log_info("demo.port_taken",
                 {{"what", what}, {"port", std::to_string(port)}, {"then", "any free port"}});
  return 0;
}

// Sends this process's stderr (the servers' JSON logs) to `file`; false when it cannot.
bool redirect_stderr(const fs::path& file) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  std::fflush(stderr);
  const bool ok = ::dup2(fd, STDERR_FILENO) >= 0;
  ::close(fd);
  return ok;
}

struct DemoRequest {
  std::string file, what;
};

std::string request_xml(const std::string& date, const std::string& insurer,
                        const std::string& symbol, const std::string& number,
                        const std::string& branch, const std::string& birth,
                        const std::string& consent, const std::string& encoding) {
  std::string x = "<?xml version=\"1.0\" encoding=\"" + encoding +
                  "\" standalone=\"no\"?>\n<XmlMsg>\n  <MessageHeader>\n"
                  "    <QualificationConfirmationDate>" + date +
                  "</QualificationConfirmationDate>\n"
                  "    <MedicalInstitutionCode>1310112345</MedicalInstitutionCode>\n"
                  "    <ArbitraryFileIdentifier>demo-" + number + "</ArbitraryFileIdentifier>\n"
                  "  </MessageHeader>\n  <MessageBody>\n    <QualificationConfirmSearchInfo>\n"
                  "      <InsurerNumber>" + insurer + "</InsurerNumber>\n";
  if (!symbol.empty()) x += "      <InsuredCardSymbol>" + symbol + "</InsuredCardSymbol>\n";
  x += "      <InsuredIdentificationNumber>" + number + "</InsuredIdentificationNumber>\n";
  if (!branch.empty()) x += "      <InsuredBranchNumber>" + branch + "</InsuredBranchNumber>\n";
  x += "      <Birthdate>" + birth + "</Birthdate>\n"
       "      <LimitApplicationCertificateRelatedConsFlg>" + consent +
       "</LimitApplicationCertificateRelatedConsFlg>\n"
       "    </QualificationConfirmSearchInfo>\n  </MessageBody>\n</XmlMsg>\n";
  return x;
}

bool write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream o(p, std::ios::binary | std::ios::trunc);
  o << bytes;
  return static_cast<bool>(o);
}

// The demo cards: fixed demo members who have a My Number (demo/generator.h), PIN 1234.
struct DemoCard {
  const char* id;
  const char* label;
  const char* my_number;
};
constexpr DemoCard kDemoCards[] = {
    {"1-yamada-taro", "山田 太郎（健保組合 本人・限度額ウ）", "987654321018"},
    {"2-suzuki-ichiro", "鈴木 一郎（国民健康保険）", "112233445560"},
    {"3-sato-hana", "佐藤 ハナ（後期高齢者 1割）", "223344556678"},
    {"4-takahashi-shigeru", "高橋 茂（高齢受給者 2割）", "445566778892"},
    {"5-tanaka-makoto", "田中 誠（転職で保険者が変わった人）", "334455667785"},
    {"6-ito-sachiko", "伊藤 幸子（資格喪失）", "556677889908"},
};
constexpr const char* kDemoPin = "1234";

// Issues the demo cards that are missing from DIR/cards and links each (初回登録, idempotent).
// A card locked by three wrong PINs in an earlier run is issued anew (the old one revoked).
Status make_demo_cards(const fs::path& dir) {
  const fs::path cards = dir / "cards";
  std::error_code ec;
  fs::create_directories(cards, ec);
  auto db = store::open_store(db_url_of(dir.string(), ""));
  if (!db) return db.error();
  std::vector<DemoCard> all(std::begin(kDemoCards), std::end(kDemoCards));
  for (const auto& c : demo_aid::kCards) all.push_back({c.id, c.label, c.my_number});
  for (const DemoCard& c : all) {
    const fs::path file = cards / (std::string(c.id) + ".card");
    if (fs::exists(file)) {
      auto existing = card::Card::load(file);
      if (existing && !existing->locked()) continue;
      if (existing) (void)card::revoke(**db, existing->serial());
      fs::remove(file, ec);
    }
    card::IssueOptions io;
    io.my_number = c.my_number;
    io.pin = kDemoPin;
    io.label = c.label;
    if (auto issued = card::issue(dir, **db, io, file); !issued) return issued.error();
    if (auto st = card::link(dir, **db, file, kDemoPin); !st) return st;
  }
  return Status::Ok();
}

int fail(const Error& e) {
  print_error(std::cerr, "", e);
  return e.code.rfind("E_FLAG", 0) == 0 ? 2 : 1;
}

struct DemoArgs {
  std::string data_dir = "demo-data";
  int64_t members = 20000;
  uint64_t seed = 1;
  std::string listen = "127.0.0.1:8443";
  std::string terminal_listen = "127.0.0.1:8080";
  bool no_serve = false;
};

const char* const kClinic = "1310112345";
const char* const kInsurer = "06139992";

// [1/6] The CA, the clinic's and the insurer's certificates, unless made by an earlier run.
Status make_certificates(const fs::path& dir) {
  if (!fs::exists(security::ca_paths(dir).ca_cert)) {
    if (auto st = security::ca_init(dir); !st) return st;
  }
  if (!fs::exists(dir / "clinic" / "cert.pem"))
    if (auto st =
            security::issue_client(dir, security::Role::kInstitution, kClinic, dir / "clinic");
        !st)
      return st;
  if (!fs::exists(dir / "insurer" / "cert.pem"))
    if (auto st = security::issue_client(dir, security::Role::kInsurer, kInsurer, dir / "insurer");
        !st)
      return st;
  if (!fs::exists(dir / "portal" / "cert.pem"))
    if (auto st = security::issue_client(dir, security::Role::kPortal, "portal-1", dir / "portal");
        !st)
      return st;
  return demo_aid::make_office_certificate(dir);
}

// [2/6] The generated population (members.csv) and the fixed demo members
// (demo-members.csv), as of `today`.
Status write_population(const fs::path& dir, const DemoArgs& o, core::Date today) {
  demo::GeneratorOptions go;
  go.count = o.members;
  go.seed = o.seed;
  go.as_of = today;
  if (auto st = demo::write_members_csv(go, dir / "members.csv", core::Encoding::kUtf8, isatty(2));
      !st)
    return st;
  const fs::path fixed = dir / "demo-members.csv";
  if (!write_file(fixed, demo::demo_members_csv(today)))
    return Error{"E_FILE", "", "cannot write " + fixed.string()};
  return Status::Ok();
}

// [3/6] (continued) The demo members' clinical history, one file of each kind
// (DIR/clinical-KIND.csv), as the operator's `onshi clinical import` would load it.
Status import_clinical_history(store::Database& db, const fs::path& dir, core::Date today) {
  for (const std::string& kind : demo::clinical_kinds()) {
    const fs::path f = dir / ("clinical-" + kind + ".csv");
    if (!write_file(f, demo::demo_clinical_csv(kind, today)))
      return Error{"E_FILE", "", "cannot write " + f.string()};
    clinical::LoadOptions load;
    load.source = "import:" + f.filename().string();
    auto rep = clinical::import_csv(db, *store::parse_clinical_kind(kind), f, load);
    if (!rep) return rep.error();
    security::AuditLog audit(db.members());
    audit.record(security::ClinicalLoad{security::operator_actor(), kind, rep->accepted,
                                        rep->unchanged, rep->rejected, f.filename().string()});
    if (auto st = audit.flush(); !st) return st;
    std::cerr << "      " << f.filename().string() << ": accepted " << rep->accepted
              << ", unchanged " << rep->unchanged << ", rejected " << rep->rejected << "\n";
  }
  return Status::Ok();
}

// [3/6] Both files into the data directory's store, with its keyring (made on first use).
Status import_population(const fs::path& dir) {
  auto db = store::open_store(store::sqlite_url(dir));
  if (!db) return db.error();
  store::Store* store = &(*db)->members();
  if (!security::Keyring::exists(dir)) {
    auto n = store->count_versions();
    if (n && *n > 0)
      return Error{"E_KEY_MISSING", "data-dir",
                   "the store holds members but keys/master.key is missing"};
  }
  auto keys = security::Keyring::load_or_create(dir);
  if (!keys) return keys.error();
  for (const auto& f : {dir / "demo-members.csv", dir / "members.csv"}) {
    registry::ImportOptions io;
    io.progress = isatty(2);
    auto rep = registry::import_csv(*store, *keys, f, io);
    if (!rep) return rep.error();
    std::cerr << "      " << f.filename().string() << ": accepted " << rep->accepted
              << ", unchanged " << rep->unchanged << ", rejected " << rep->rejected << "\n";
  }
  return import_clinical_history(**db, dir, core::Date::today_jst());
}

struct Sample {
  const char* file;
  const char* what;
  std::string xml;
};

// [5/6] Sample OQSsiquc01req files, one per case a newcomer may want to see, in DIR/requests.
std::vector<Sample> write_requests(const fs::path& dir, core::Date today) {
  std::error_code ec;
  fs::create_directories(dir / "requests", ec);
  const std::string d = today.yyyymmdd(), insurer = kInsurer;
  const int y = today.year();
  auto birth = [](int year, const char* mmdd) { return std::to_string(year) + mmdd; };
  std::vector<Sample> samples = {
      {"valid-consent.xml", "有効・限度額同意あり (健保組合 本人, 限度額適用認定証 ウ)",
       request_xml(d, insurer, "1234", "5678", "00", "19800515", "1", "UTF-8")},
      {"valid-no-consent.xml", "有効・同意なし (限度額の情報は返りません)",
       request_xml(d, insurer, "1234", "5678", "00", "19800515", "0", "UTF-8")},
      {"preschool.xml", "有効・未就学 (家族 2割)",
       request_xml(d, insurer, "1234", "5678", "02", birth(y - 3, "0707"), "0", "UTF-8")},
      {"kokuho.xml", "有効・国民健康保険 (6桁の保険者番号)",
       request_xml(d, "131045", "01", "234567", "00", "19751120", "0", "UTF-8")},
      {"changed-insurer.xml", "無効（新しい資格あり）: 転職で喪失した旧保険証",
       request_xml(d, "01130012", "3050021", "7", "00", "19850125", "0", "UTF-8")},
      {"lost.xml", "無効: 資格喪失",
       request_xml(d, "131045", "01", "234999", "00", "19600303", "0", "UTF-8")},
      {"not-found.xml", "該当資格なし",
       request_xml(d, insurer, "1234", "9999", "00", "19800515", "0", "UTF-8")},
      {"invalid.xml", "異常終了: 保険者番号の検証番号誤り",
       request_xml(d, "06139993", "1234", "5678", "00", "19800515", "0", "UTF-8")},
      {"aid-contracted.xml", "医療扶助・委託 (受給者番号と医療券)",
       request_xml(d, demo_aid::kOffice, "", demo_aid::kContractedNumber, "",
                   demo_aid::kContractedBirth, "0", "UTF-8")},
      {"aid-not-contracted.xml", "医療扶助・未委託 (受給者番号なし、福祉事務所に照会)",
       request_xml(d, demo_aid::kOffice, "", demo_aid::kNotContractedNumber, "",
                   demo_aid::kNotContractedBirth, "0", "UTF-8")},
  };
  for (const auto& s : samples) write_file(dir / "requests" / s.file, s.xml);
  if (auto sj = core::utf8_to_shift_jis(
          request_xml(d, insurer, "１２３４", "５６７８", "００", "19800515", "1", "Shift_JIS"));
      sj.ok())
    write_file(dir / "requests" / "shift-jis.xml", *sj);
  return samples;
}

// [6/6] The central service on `listen`, or on any free port when that one is taken.
Result<std::unique_ptr<serve::Service>> start_service(
    const fs::path& dir, const std::pair<std::string, uint16_t>& listen) {
  serve::ServiceOptions so;
  so.data_dir = dir;
  so.host = listen.first;
  so.port = free_port_or_any(so.host, listen.second, "service");
  auto svc = serve::Service::open(so);
  if (!svc) return svc.error();
  if (auto st = (*svc)->start(); !st) {
    svc->reset();  // gives the data directory back before the second try
    so.port = 0;   // the port was taken after all: use any free one
    svc = serve::Service::open(so);
    if (!svc || !(*svc)->start()) return st.error();
  }
  return std::move(*svc);
}

// [6/6] The clinic's terminal: reception screen, card reader for the demo cards, レセコン
// folder; on `listen`, or on any free port when that one is taken.
Result<std::unique_ptr<terminal::Terminal>> start_terminal(
    const fs::path& dir, const std::string& service_host, uint16_t service_port,
    const std::string& base, const std::pair<std::string, uint16_t>& listen) {
  terminal::TerminalOptions to;
  to.bridge.folder = dir / "OQS";
  to.bridge.poll_ms = 100;
  to.bridge.client.host = service_host == "0.0.0.0" ? "127.0.0.1" : service_host;
  to.bridge.client.port = service_port;
  to.bridge.client.ca_file = (dir / "clinic" / "ca.pem").string();
  to.bridge.client.cert_file = (dir / "clinic" / "cert.pem").string();
  to.bridge.client.key_file = (dir / "clinic" / "key.pem").string();
  to.listen_host = listen.first;
  to.listen_port = free_port_or_any(to.listen_host, listen.second, "terminal");
  to.cards_dir = dir / "cards";
  to.central_url = base;
  auto term = terminal::Terminal::open(to);
  if (!term) return term.error();
  if (auto st = (*term)->start(); !st) {
    term->reset();       // gives the OQS folder back before the second try
    to.listen_port = 0;  // the port was taken after all: use any free one
    term = terminal::Terminal::open(to);
    if (!term || !(*term)->start()) return st.error();
  }
  return std::move(*term);
}

// The patient's portal (docs/portal.md) for the demo cards, on 127.0.0.1:8090 or any free port.
Result<std::unique_ptr<portal::Portal>> start_portal(const fs::path& dir,
                                                     const std::string& service_host,
                                                     uint16_t service_port,
                                                     const std::string& base) {
  portal::PortalOptions po;
  po.central.host = service_host == "0.0.0.0" ? "127.0.0.1" : service_host;
  po.central.port = service_port;
  po.central.ca_file = (dir / "portal" / "ca.pem").string();
  po.central.cert_file = (dir / "portal" / "cert.pem").string();
  po.central.key_file = (dir / "portal" / "key.pem").string();
  po.central_url = base;
  po.listen_port = free_port_or_any("127.0.0.1", 8090, "portal");
  po.cards_dir = dir / "cards";
  auto p = portal::Portal::open(po);
  if (!p) return p.error();
  if (auto st = (*p)->start(); !st) return st.error();
  return std::move(*p);
}

// The terminal's demo accounts: a doctor who may open the clinical views and the front desk
// who may not. Registered at the central service through the clinic's certificate, as
// `onshi terminal users add` does; an account kept from an earlier run stays as it is.
constexpr const char* kDemoPassword = "onshi-demo";
struct DemoAccount {
  const char *id, *role, *name;
};
constexpr DemoAccount kDemoAccounts[] = {{"ishi", "doctor", "医師 一郎"},
                                         {"uketsuke", "reception", "受付 花子"}};

Status add_demo_accounts(const fs::path& dir, const std::string& host, uint16_t port) {
  auto central = terminal::client_options_from_cert_dir(dir / "clinic", host, port);
  if (!central) return central.error();
  terminal::UsersFile users(dir / "OQS");
  for (const DemoAccount& a : kDemoAccounts) {
    Status st = users.add(*central, a.id, a.name, a.role, kDemoPassword);
    if (!st && st.error().code != "E_ACCOUNT_EXISTS") return st;
  }
  return Status::Ok();
}

// What a newcomer does next: the screen, the folder, curl commands for the samples, and
// `log_note` (where the servers' logs went, or "").
void print_instructions(const fs::path& dir, const std::string& base, const std::string& screen,
                        const std::vector<Sample>& samples, core::Date today,
                        const std::string& log_note) {
  const std::string d = today.yyyymmdd();
  const std::string c = dir.string() + "/clinic";
  const std::string tls =
      "--cacert " + c + "/ca.pem --cert " + c + "/cert.pem --key " + c + "/key.pem";
  std::cout << "\nonshi demo — central service ready at " << base << "\n\n"
            << "受付画面 (reception screen): " << screen << "\n"
            << "  ブラウザで開き、デモカードを選んで暗証番号 " << kDemoPin
            << " で「カードで資格確認」(open it, pick a demo card, PIN " << kDemoPin << ")\n"
            << "レセコン連携フォルダ (receipt-computer folder): " << (dir / "OQS").string() << "\n"
            << "  cp " << (dir / "requests" / "valid-consent.xml").string() << " "
            << (dir / "OQS" / "req" / "OQSsiquc01req_demo0001.xml").string()
            << "   # → OQS/res/OQSsiquc01res_demo0001.xml\n"
            << "  build/onshi card touch --terminal " << screen.substr(0, screen.size() - 1)
            << " --card " << (dir / "cards" / "1-yamada-taro.card").string() << " --pin "
            << kDemoPin << "   # → OQS/face/\n"
            << "診療情報 (clinical views): 画面上部で医師としてサインイン — アカウントID "
            << kDemoAccounts[0].id << " / パスワード " << kDemoPassword << " (受付は "
            << kDemoAccounts[1].id << ")\n"
            << "  カードで資格確認のとき薬剤情報などの閲覧に同意すると、薬剤情報・健診情報・"
               "診療情報・処方・調剤情報のタブが開きます (同意つきのカード読み取り):\n"
            << "  build/onshi card touch --terminal " << screen.substr(0, screen.size() - 1)
            << " --card " << (dir / "cards" / "1-yamada-taro.card").string() << " --pin "
            << kDemoPin << " --consent medication,checkup,treatment\n\n"
            << "# 資格確認 (OQSsiquc01): 有効・限度額同意あり\n"
            << "curl -s " << tls << " -H 'Content-Type: application/xml' --data-binary @"
            << dir.string() << "/requests/valid-consent.xml " << base << "/xml/OQSsiquc01\n\n"
            << "# other cases: replace the file name with one of\n";
  for (const auto& s : samples) std::cout << "#   " << s.file << "  — " << s.what << "\n";
  std::cout << "#   shift-jis.xml  — Shift_JIS の要求 (全角の記号・番号)\n\n"
            << "# the same confirmation in JSON\n"
            << "curl -s " << tls << " -H 'Content-Type: application/json' -d '{"
            << "\"qualificationConfirmationDate\":\"" << d
            << "\",\"medicalInstitutionCode\":\"1310112345\",\"insurerNumber\":\"" << kInsurer
            << "\",\"insuredCardSymbol\":\"1234\",\"insuredIdentificationNumber\":\"5678\","
            << "\"insuredBranchNumber\":\"00\",\"birthdate\":\"19800515\","
            << "\"limitApplicationCertificateRelatedConsFlg\":\"1\"}' " << base
            << "/v1/qualification-confirmations\n\n";
  demo_aid::print_commands(std::cout, dir, base, tls);
  std::cout << "# health and metrics\n"
            << "curl -s " << tls << " " << base << "/healthz\n"
            << "curl -s " << tls << " " << base << "/metrics | head\n\n"
            << "# the audit log of every confirmation (after stopping with Ctrl-C)\n"
            << "build/onshi audit verify --data-dir " << dir.string() << "\n\n"
            << log_note << "Ctrl-C で停止します (stop with Ctrl-C).\n"
            << std::flush;
}

int run_demo(const DemoArgs& o) {
  const fs::path dir = fs::absolute(o.data_dir);
  auto listen = serve::parse_listen(o.listen);
  if (!listen) return fail(listen.error());
  auto terminal_listen = serve::parse_listen(o.terminal_listen);
  if (!terminal_listen || !http::is_loopback_host(terminal_listen->first))
    return fail(Error{"E_FLAG", "terminal-listen",
                      "--terminal-listen は 127.0.0.1:PORT の形で指定してください"});
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::cerr << "[1/6] 認証局と証明書 (CA and certificates) → " << dir.string() << "/ca\n";
  if (auto st = make_certificates(dir); !st) return fail(st.error());
  const core::Date today = core::Date::today_jst();
  std::cerr << "[2/6] デモ加入者の生成 (" << o.members << " members, as of " << today.iso()
            << ")\n";
  if (auto st = write_population(dir, o, today); !st) return fail(st.error());
  std::cerr << "[3/6] 取り込み (import)\n";
  if (auto st = import_population(dir); !st) return fail(st.error());
  if (auto st = demo_aid::register_recipients(dir, kClinic, today); !st) return fail(st.error());
  std::cerr << "[4/6] デモ用マイナンバーカード (demo My Number cards, PIN " << kDemoPin << ") → "
            << dir.string() << "/cards\n";
  if (auto st = make_demo_cards(dir); !st) return fail(st.error());
  std::cerr << "[5/6] 照会ファイルの作成 (sample OQSsiquc01req files) → " << dir.string()
            << "/requests\n";
  std::vector<Sample> samples = write_requests(dir, today);
  if (o.no_serve) {
    std::cerr << "[6/6] --no-serve: 準備完了\n";
    return 0;
  }
  std::cerr << "[6/6] サービスと端末の起動 (onshi serve, onshi terminal)\n";
  auto svc = start_service(dir, *listen);
  if (!svc) return fail(svc.error());
  const std::string host = listen->first;
  const std::string base = "https://" + host + ":" + std::to_string((*svc)->port());
  auto term = start_terminal(dir, host, (*svc)->port(), base, *terminal_listen);
  if (!term) return fail(term.error());
  if (auto st = add_demo_accounts(dir, host == "0.0.0.0" ? "127.0.0.1" : host, (*svc)->port()); !st)
    return fail(st.error());
  auto patient_portal = start_portal(dir, host, (*svc)->port(), base);
  if (!patient_portal) return fail(patient_portal.error());
  const std::string screen =
      "http://" + terminal_listen->first + ":" + std::to_string((*term)->port()) + "/";
  // From here on the servers' logs go to a file, so the instructions stay on screen.
  const fs::path log = dir / "demo.log";
  const bool logged = redirect_stderr(log);
  print_instructions(dir, base, screen, samples, today,
                     logged
                         ? "サービスと端末のログ (logs): " + log.string() + "   # tail -f で表示\n"
                         : std::string());
  std::cout << "本人向けポータル (patient's portal): http://127.0.0.1:"
            << (*patient_portal)->port() << "/   # デモ用カード・暗証番号 " << kDemoPin << "\n"
            << std::flush;
  (*svc)->wait();
  (*patient_portal)->stop();
  (*term)->stop();
  (*svc)->stop();
  return 0;
}

}  // namespace

void register_demo(CLI::App& app, Commands& commands) {
  auto* cmd = app.add_subcommand(
      "demo", "デモ: CA・証明書・デモ加入者を作成して取り込み、サービスを起動します. "
              "Sets up and starts a demo service, printing curl commands.");
  auto o = std::make_shared<DemoArgs>();
  cmd->add_option("--data-dir", o->data_dir, "データディレクトリ")->capture_default_str();
  cmd->add_option("--members", o->members, "生成するデモ加入者数")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{50000000}));
  cmd->add_option("--seed", o->seed, "生成の乱数シード")->capture_default_str();
  cmd->add_option("--listen", o->listen,
                  "待ち受けアドレス HOST:PORT (使用中なら空きポートを使います)")
      ->capture_default_str();
  cmd->add_option("--terminal-listen", o->terminal_listen,
                  "受付画面の待ち受け 127.0.0.1:PORT (使用中なら空きポートを使います)")
      ->capture_default_str();
  cmd->add_flag("--no-serve", o->no_serve, "準備だけしてサービスと端末は起動しない");
  commands.on_run(cmd, [o] { return run_demo(*o); });
}

}  // namespace onshi::cli
