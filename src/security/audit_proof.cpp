// A person's audit entries with the service's signed statement of them and of the chain head
// (security/audit_proof.h): signing with the service's key, reading a download back, and
// checking it — alone, and against a store's log.
//
// OpenSSL does the signing (ECDSA P-256 with SHA-256, the service's TLS key). The statement is
// plain text so that it can also be checked with the openssl command (docs/audit.md).
#include "security/audit_proof.h"

#include <boost/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "core/date.h"
#include "security/audit.h"
#include "security/crypto.h"

namespace onshi::security {
namespace {

namespace json = boost::json;
constexpr std::string_view kFormat = "onshi-audit-entries/1";

struct Free {
  void operator()(BIO* b) const { BIO_free(b); }
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  void operator()(X509* x) const { X509_free(x); }
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

Ptr<BIO> mem(std::string_view s) {
  return Ptr<BIO>(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())));
}
Ptr<X509> read_cert(std::string_view pem) {
  auto b = mem(pem);
  return Ptr<X509>(b ? PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr) : nullptr);
}

Error bad(std::string field, std::string message) {
  return Error{"E_AUDIT_PROOF", std::move(field), std::move(message)};
}

json::object entry_json(const store::AuditEntry& e) {
  return json::object{{"seq", e.seq},         {"timeUs", e.time_us}, {"time", core::timestamp_jst(e.time_us)},
                      {"actor", e.actor},     {"action", e.action},  {"subject", e.subject},
                      {"detail", e.detail},   {"prevHash", e.prev_hash}, {"hash", e.hash}};
}

// The member `key` of `o` as a string / an integer, or E_AUDIT_PROOF naming `where.key`.
Result<std::string> str(const json::object& o, const char* key, const std::string& where) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) return bad(where + key, std::string(key) + " は文字列でなければなりません");
  return std::string(v->as_string());
}
Result<int64_t> num(const json::object& o, const char* key, const std::string& where) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_int64() || v->as_int64() < 0)
    return bad(where + key, std::string(key) + " は 0 以上の整数でなければなりません");
  return v->as_int64();
}

Result<store::AuditEntry> entry_of(const json::value& v, const std::string& where) {
  const json::object* o = v.if_object();
  if (!o) return bad(where, "記録はオブジェクトでなければなりません");
  store::AuditEntry e;
  for (auto [key, target] : {std::pair{"seq", &e.seq}, {"timeUs", &e.time_us}}) {
    auto n = num(*o, key, where + ".");
    if (!n) return n.error();
    *target = *n;
  }
  for (auto [key, target] : {std::pair{"actor", &e.actor}, {"action", &e.action},
                             {"subject", &e.subject}, {"detail", &e.detail},
                             {"prevHash", &e.prev_hash}, {"hash", &e.hash}}) {
    auto s = str(*o, key, where + ".");
    if (!s) return s.error();
    *target = std::move(*s);
  }
  return e;
}

bool verify_signature(const std::string& statement, const std::string& sig_b64,
                      X509* cert) {
  auto sig = base64url_decode(sig_b64);
  Ptr<EVP_PKEY> pub(X509_get_pubkey(cert));
  Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  return sig && pub && ctx &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pub.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()),
                          sig->size(), reinterpret_cast<const unsigned char*>(statement.data()),
                          statement.size()) == 1;
}

// The log's entry at `seq`, or nullopt when the log has none.
Result<std::optional<store::AuditEntry>> log_entry(store::Store& s, int64_t seq) {
  std::optional<store::AuditEntry> found;
  Status st = s.scan_audit(seq, [&](const store::AuditEntry& e) {
    if (e.seq == seq) found = e;
    return false;
  });
  if (!st) return st.error();
  return found;
}

bool same(const store::AuditEntry& a, const store::AuditEntry& b) {
  return a.seq == b.seq && a.time_us == b.time_us && a.actor == b.actor && a.action == b.action &&
         a.subject == b.subject && a.detail == b.detail && a.prev_hash == b.prev_hash &&
         a.hash == b.hash;
}

}  // namespace

std::string statement_of(const EntriesDownload& d) {
  std::string s = std::string(kFormat) + "\nperson " + d.person + "\nissued " +
                  std::to_string(d.issued_us) + "\n";
  for (const auto& e : d.entries) s += "entry " + std::to_string(e.seq) + " " + e.hash + "\n";
  s += "head " + std::to_string(d.head.seq) + " " + d.head.hash + "\n";
  return s;
}

Result<std::string> sign_entries(EntriesDownload d, std::string_view key_pem,
                                 std::string_view cert_pem) {
  d.statement = statement_of(d);
  auto b = mem(key_pem);
  Ptr<EVP_PKEY> key(b ? PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr) : nullptr);
  Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(d.statement.data());
  if (!key || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data, d.statement.size()) != 1)
    return Error{"E_KEY_IO", "server.key", "サービスの署名鍵を使えません"};
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data,
                     d.statement.size()) != 1)
    return Error{"E_KEY_IO", "server.key", "サービスの署名鍵で署名できません"};
  sig.resize(len);
  json::array entries;
  for (const auto& e : d.entries) entries.push_back(entry_json(e));
  json::object o{{"format", kFormat},
                 {"person", d.person},
                 {"issuedAt", core::timestamp_jst(d.issued_us)},
                 {"issuedUs", d.issued_us},
                 {"entries", std::move(entries)},
                 {"head", json::object{{"seq", d.head.seq}, {"hash", d.head.hash}}},
                 {"statement", d.statement},
                 {"signature", base64url(sig)},
                 {"certificate", std::string(cert_pem)}};
  return json::serialize(o);
}

Result<EntriesDownload> parse_entries(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  const json::object* o = ec ? nullptr : doc.if_object();
  if (!o) return bad("", "監査記録のダウンロード（JSON オブジェクト）ではありません");
  auto format = str(*o, "format", "");
  if (!format || *format != kFormat)
    return bad("format", "形式が " + std::string(kFormat) + " ではありません");
  EntriesDownload d;
  for (auto [key, target] : {std::pair{"person", &d.person}, {"statement", &d.statement},
                             {"signature", &d.signature}, {"certificate", &d.certificate_pem}}) {
    auto s = str(*o, key, "");
    if (!s) return s.error();
    *target = std::move(*s);
  }
  auto issued = num(*o, "issuedUs", "");
  if (!issued) return issued.error();
  d.issued_us = *issued;
  const json::value* list = o->if_contains("entries");
  if (!list || !list->is_array()) return bad("entries", "entries は配列でなければなりません");
  for (size_t i = 0; i < list->as_array().size(); ++i) {
    auto e = entry_of(list->as_array()[i], "entries[" + std::to_string(i) + "]");
    if (!e) return e.error();
    d.entries.push_back(std::move(*e));
  }
  const json::value* head = o->if_contains("head");
  if (!head || !head->is_object()) return bad("head", "head はオブジェクトでなければなりません");
  auto hs = num(head->as_object(), "seq", "head.");
  if (!hs) return hs.error();
  auto hh = str(head->as_object(), "hash", "head.");
  if (!hh) return hh.error();
  d.head.seq = *hs;
  d.head.hash = std::move(*hh);
  return d;
}

Result<EntriesCheck> check_entries(const EntriesDownload& d, std::string_view ca_pem,
                                   store::Store* store) {
  auto ca = read_cert(ca_pem);
  if (!ca) return bad("ca", "CA 証明書を読めません");
  EntriesCheck c;
  c.entries = static_cast<int64_t>(d.entries.size());
  c.head_seq = d.head.seq;
  auto fail = [&](int64_t seq, std::string why) {
    c.ok = false;
    c.bad_seq = seq;
    c.problem = std::move(why);
    return c;
  };
  int64_t last = 0;
  for (const auto& e : d.entries) {
    if (e.seq <= last) return fail(e.seq, "entries are not in seq order");
    if (e.seq > d.head.seq) return fail(e.seq, "entry is after the head");
    if (audit_hash(e) != e.hash) return fail(e.seq, "hash does not match the entry's content");
    last = e.seq;
  }
  if (statement_of(d) != d.statement)
    return fail(0, "the statement is not the one of these entries and head");
  auto cert = read_cert(d.certificate_pem);
  Ptr<EVP_PKEY> ca_key(X509_get_pubkey(ca.get()));
  if (!cert || !ca_key || X509_verify(cert.get(), ca_key.get()) != 1)
    return fail(0, "the certificate was not issued by this CA");
  if (!verify_signature(d.statement, d.signature, cert.get()))
    return fail(0, "the signature does not verify");
  if (!store) return c;
  for (const auto& e : d.entries) {
    auto in_log = log_entry(*store, e.seq);
    if (!in_log) return in_log.error();
    if (!*in_log || !same(**in_log, e)) return fail(e.seq, "the log's entry differs from the download's");
  }
  auto head = log_entry(*store, d.head.seq);
  if (!head) return head.error();
  if (!*head || (*head)->hash != d.head.hash)
    return fail(d.head.seq, "the log's entry at the head differs (the log was rewritten)");
  return c;
}

}  // namespace onshi::security
