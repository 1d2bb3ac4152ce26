// NetworkPolicy decode -> compile -> render (kguard netpol matrix / compile -f FILE, and the agent's
// --watch-dir files, which go through decodeObject one file at a time).
#include <cstdint>
#include <string>

#include "kube/manifest.h"
#include "netpol/decode.h"
#include "netpol/matrix.h"
#include "netpol/render_nft.h"
#include "netpol/ruleset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto manifests = kube::parseManifests(text, "fuzz.yaml");
    for (const auto& m : manifests) netpol::decodeObject(m);
    netpol::Cluster cluster = netpol::decodeCluster(manifests);
    if (cluster.pods.size() <= 8) netpol::renderMatrix(cluster, netpol::Protocol::TCP, 80);
    size_t compiled = 0;
    for (const auto& pod : cluster.pods) {
      if (pod.hostNetwork || ++compiled > 4) continue;
      netpol::RenderOptions render;
      render.nflogGroup = 5;
      netpol::renderNft(netpol::compileRuleset(cluster, pod), render);
    }
  } catch (const kube::InputError&) {
  }
  return 0;
}
