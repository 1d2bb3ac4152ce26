#pragma once
// Host-name lookups bounded by a verification's time budget. getaddrinfo (which cpp-httplib calls
// itself) blocks for resolv.conf's timeout x attempts x nameservers when a DNS server does not answer,
// far past a webhook's timeout (the API server then applies failurePolicy instead of kguard's verdict).
// The lookup runs on its own thread; when the budget ends first it is abandoned (it finishes on its own).
#include <string>
#include <vector>

#include "images/deadline.h"

namespace images {

// The numeric addresses of `host` for TCP `port`, in getaddrinfo's (RFC 6724) order. Throws
// RegistryError(Unreachable) "timed out resolving HOST" when the deadline passes first, or
// "cannot resolve HOST: ..." when the lookup fails.
std::vector<std::string> resolveHostWithin(const std::string& host, int port, const Deadline& deadline);

}  // namespace images
