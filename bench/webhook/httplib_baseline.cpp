// Diagnostic baseline for run.sh (HTTPLIB_BASELINE=1): kguard's transport without kguard's work.
// cpp-httplib's SSLServer set up as webhook/server.cpp sets it up (TLS >= 1.2, no compression or
// renegotiation, a thread pool of --threads, keep-alive without a request limit, 10 s read/write timeouts)
// plus TCP_NODELAY, answering POST /validate with a fixed body (kguard's captured response, like nginx).
// It receives the whole request body, as kguard does, but neither parses nor evaluates it.
//
//   g++ -std=c++17 -O2 -DCPPHTTPLIB_OPENSSL_SUPPORT httplib_baseline.cpp -o httplib_baseline \
//     -lcpp-httplib -lssl -lcrypto -lpthread
//   httplib_baseline CERT KEY PORT THREADS RESPONSE_FILE
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <httplib.h>
#include <openssl/ssl.h>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: " << argv[0] << " CERT KEY PORT THREADS RESPONSE_FILE\n";
    return 2;
  }
  std::ifstream file(argv[5]);
  std::stringstream text;
  text << file.rdbuf();
  const std::string response = text.str();
  const size_t threads = static_cast<size_t>(std::atoi(argv[4]));

  httplib::SSLServer server(argv[1], argv[2]);
  if (!server.is_valid()) {
    std::cerr << "cannot load the certificate or key\n";
    return 1;
  }
  SSL_CTX* ctx = server.ssl_context();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(1000000);
  server.set_keep_alive_timeout(5);
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  server.set_payload_max_length(3 * 1024 * 1024);
  server.Post("/validate", [&response](const httplib::Request&, httplib::Response& res) {
    res.set_content(response, "application/json");
  });
  server.Get("/readyz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  if (!server.listen("127.0.0.1", std::atoi(argv[3]))) {
    std::cerr << "cannot listen on 127.0.0.1:" << argv[3] << "\n";
    return 1;
  }
  return 0;
}
