// The HTTPS server end to end in one process: real TLS, real sockets on 127.0.0.1, certificates made by
// certs/gen-certs.sh, namespaces from a fake cluster.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "admission/fake_cluster.h"
#include "running_server.h"
#include "certs/serving_certificate.h"
#include "webhook/admission/validator.h"
#include "webhook/server.h"


namespace {

// Serial number of the certificate a fresh TLS handshake is served, via OpenSSL directly.
std::string servedSerial(int port) {
  std::string serial;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  BIO* bio = BIO_new_ssl_connect(ctx);
  BIO_set_conn_hostname(bio, ("127.0.0.1:" + std::to_string(port)).c_str());
  if (BIO_do_connect(bio) == 1) {
    SSL* ssl = nullptr;
    BIO_get_ssl(bio, &ssl);
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (cert) {
      BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
      char* hex = BN_bn2hex(bn);
      serial = hex;
      OPENSSL_free(hex);
      BN_free(bn);
      X509_free(cert);
    }
  }
  BIO_free_all(bio);
  SSL_CTX_free(ctx);
  return serial;
}


// One request on an open TLS connection, read back to the end of its body; "" when the server has
// closed the connection. Raw OpenSSL because httplib's client reconnects silently.
std::string postOn(BIO* bio, const std::string& body) {
  std::string request = "POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  if (BIO_write(bio, request.data(), static_cast<int>(request.size())) != static_cast<int>(request.size())) return "";
  std::string response;
  char buf[4096];
  for (;;) {
    size_t headEnd = response.find("\r\n\r\n");
    if (headEnd != std::string::npos) {
      size_t at = response.find("Content-Length: ");
      size_t length = at == std::string::npos ? 0 : std::stoul(response.substr(at + 16));
      if (response.size() >= headEnd + 4 + length) return response;
    }
    int n = BIO_read(bio, buf, sizeof buf);
    if (n <= 0) return "";
    response.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

TEST_CASE("POST /validate answers an AdmissionReview with the same version and uid") {
  RunningServer s("validate");
  auto c = s.client();
  auto res = c->Post("/validate", reviewFor(kPrivilegedPod, "abc-123", "admission.k8s.io/v1beta1"), "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  auto body = nlohmann::json::parse(res->body);
  CHECK(body["apiVersion"] == "admission.k8s.io/v1beta1");
  CHECK(body["response"]["uid"] == "abc-123");
  CHECK(body["response"]["allowed"] == false);
  CHECK(body["response"]["status"]["message"].get<std::string>().find("privileged") != std::string::npos);
  CHECK(c->Get("/healthz")->status == 200);
  CHECK(c->Get("/readyz")->status == 200);
  auto metrics = c->Get("/metrics");
  CHECK(metrics->body.find("pod_security_evaluations_total{decision=\"deny\",policy_level=\"restricted\"") != std::string::npos);
  CHECK(metrics->body.find("kguard_webhook_request_duration_seconds_count 1") != std::string::npos);
}

// The API server calls /validate?timeout=10s (its webhook configuration's timeoutSeconds): the lookups
// the request needs must end before it stops waiting.
TEST_CASE("POST /validate?timeout= gives the request a deadline its lookups keep") {
  RunningServer s("timeout");
  auto c = s.client();
  auto before = std::chrono::steady_clock::now();
  REQUIRE(c->Post("/validate?timeout=10s", reviewFor(kPrivilegedPod), "application/json"));
  auto after = std::chrono::steady_clock::now();
  // 10 s less a tenth for the answer to travel back.
  CHECK(s.cluster.lastLookupDeadline >= before + std::chrono::seconds(9));
  CHECK(s.cluster.lastLookupDeadline <= after + std::chrono::seconds(9));
  // Absent or unreadable (ignored, as upstream's webhook ignores it): no deadline of the API server's.
  REQUIRE(c->Post("/validate?timeout=soon", reviewFor(kPrivilegedPod), "application/json"));
  CHECK(s.cluster.lastLookupDeadline == admission::kNoDeadline);
  REQUIRE(c->Post("/validate?timeout=5s", reviewFor(kPrivilegedPod), "application/json"));
  REQUIRE(c->Post("/validate", reviewFor(kPrivilegedPod), "application/json"));
  CHECK(s.cluster.lastLookupDeadline == admission::kNoDeadline);
}

TEST_CASE("bad requests get 400 with a message and the server keeps serving") {
  RunningServer s("bad");
  auto c = s.client();
  auto notJson = c->Post("/validate", "{not json", "application/json");
  REQUIRE(notJson);
  CHECK(notJson->status == 400);
  CHECK(notJson->body.find("not valid JSON") != std::string::npos);
  auto wrongType = c->Post("/validate", reviewFor(kPrivilegedPod), "text/plain");
  CHECK(wrongType->status == 400);
  CHECK(wrongType->body.find("Content-Type must be application/json") != std::string::npos);
  auto noRequest = c->Post("/validate", R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})", "application/json");
  CHECK(noRequest->status == 400);
  INFO(noRequest->body);
  CHECK(noRequest->body.find("no request") != std::string::npos);
  auto truncated = c->Post("/validate", reviewFor(kPrivilegedPod).substr(0, 120), "application/json");
  CHECK(truncated->status == 400);
  auto get = c->Get("/validate");
  INFO(get->body);
  CHECK(get->status == 405);
  CHECK(get->get_header_value("Allow") == "POST");
  auto tooLarge = s.client()->Post("/validate", std::string(3 * 1024 * 1024 + 1, ' '), "application/json");
  REQUIRE(tooLarge);
  CHECK(tooLarge->status == 413);
  CHECK(tooLarge->body.find("request entity is too large; limit is 3145728 bytes") != std::string::npos);
  // after all that, a good request still works
  auto good = s.client()->Post("/validate", reviewFor(kPrivilegedPod), "application/json");
  REQUIRE(good);
  CHECK(good->status == 200);
}

TEST_CASE("keep-alive connections are reused and served concurrently") {
  RunningServer s("keepalive");
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t)
    clients.emplace_back([&s, &ok] {
      auto c = s.client();  // one connection per thread, reused for every request
      for (int i = 0; i < 50; ++i) {
        auto res = c->Post("/validate", reviewFor(kPrivilegedPod), "application/json");
        if (res && res->status == 200) ++ok;
      }
    });
  for (auto& t : clients) t.join();
  CHECK(ok == 400);
}

TEST_CASE("idle keep-alive connections outlive the API server's own idle timeout") {
  // The API server closes idle webhook connections after 90 s; the webhook must not close first, or
  // every burst of admissions pays new TLS handshakes and a review can be sent on a closing connection.
  CHECK(webhook::ServerOptions{}.keepAliveSeconds > 90);
  RunningServer s("idle");
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  BIO* bio = BIO_new_ssl_connect(ctx);
  BIO_set_conn_hostname(bio, ("127.0.0.1:" + std::to_string(s.server->port())).c_str());
  REQUIRE(BIO_do_connect(bio) == 1);
  CHECK_THAT(postOn(bio, reviewFor(kPrivilegedPod)), Catch::StartsWith("HTTP/1.1 200"));
  std::this_thread::sleep_for(std::chrono::seconds(6));  // the old limit was 5 s
  CHECK_THAT(postOn(bio, reviewFor(kPrivilegedPod, "uid-2")), Catch::StartsWith("HTTP/1.1 200"));
  BIO_free_all(bio);
  SSL_CTX_free(ctx);
}

TEST_CASE("certificates are reloaded under traffic without a failed request") {
  RunningServer s("reload");
  const std::string before = servedSerial(s.server->port());
  REQUIRE_FALSE(before.empty());
  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, successes{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&] {
      while (!done) {
        auto c = s.client();  // a new connection each time, so handshakes happen during the swaps
        c->set_keep_alive(false);
        auto res = c->Post("/validate", reviewFor(kPrivilegedPod), "application/json");
        (res && res->status == 200) ? ++successes : ++failures;
      }
    });
  std::string cmd = std::string(KGUARD_SOURCE_DIR) + "/certs/gen-certs.sh --out " + s.certDir + " --san IP:127.0.0.1 >/dev/null";
  for (int i = 0; i < 3; ++i) {
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
  }
  done = true;
  for (auto& t : clients) t.join();
  CHECK(failures == 0);
  CHECK(successes > 20);
  CHECK(s.certificate->generation() >= 2);
  CHECK(servedSerial(s.server->port()) != before);
}

TEST_CASE("stop drains: readiness drops during the grace period") {
  RunningServer s("ready", 600);
  REQUIRE(s.client()->Get("/readyz")->status == 200);
  auto stopping = std::async(std::launch::async, [&] { s.server->stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  auto ready = s.client()->Get("/readyz");  // still answering, but no longer ready
  REQUIRE(ready);
  CHECK(ready->status == 503);
  auto stillServing = s.client()->Post("/validate", reviewFor(kPrivilegedPod), "application/json");
  REQUIRE(stillServing);
  CHECK(stillServing->status == 200);
  stopping.get();
}

TEST_CASE("stop drains: requests in flight are answered before serve() returns") {
  RunningServer s("drain", 0);
  s.cluster.lookupDelay = std::chrono::milliseconds(400);  // each request takes 400 ms
  std::vector<std::future<int>> inFlight;
  for (int i = 0; i < 4; ++i)
    inFlight.push_back(std::async(std::launch::async, [&s] {
      auto res = s.client()->Post("/validate", reviewFor(kPrivilegedPod), "application/json");
      return res ? res->status : -1;
    }));
  // Stop once all four have reached their lookup (a fixed wait lost requests under load).
  for (int waited = 0; s.cluster.lookups < 4 && waited < 10000; waited += 5)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(s.cluster.lookups >= 4);
  s.server->stop();
  for (auto& f : inFlight) CHECK(f.get() == 200);
}
