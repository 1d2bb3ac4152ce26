// The webhook's HTTP/1.1 request-head parser (webhook/http_message.cpp), fed as a connection would be:
// the whole buffer, then every prefix boundary the parser reports as incomplete.
#include <cstdint>
#include <string>
#include <string_view>

#include "webhook/http_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view buffer(reinterpret_cast<const char*>(data), size);
  // Pipelined requests: parse heads one after another, skipping each declared body.
  for (int requests = 0; requests < 64 && !buffer.empty(); ++requests) {
    webhook::HttpRequest request;
    size_t consumed = 0;
    std::string error;
    auto status = webhook::parseRequestHead(buffer, request, consumed, error);
    if (status != webhook::HeadStatus::Complete) break;
    if (consumed == 0 || consumed > buffer.size()) __builtin_trap();  // the parser must advance within the buffer
    request.header("content-type");
    size_t body = request.contentLength.value_or(0);
    if (body > buffer.size() - consumed) break;
    buffer.remove_prefix(consumed + body);
    webhook::HttpResponse response;
    response.body = "ok";
    std::string out;
    webhook::appendResponse(response, !request.keepAlive, request.method == "HEAD", request.minorVersion, out);
  }
  return 0;
}
