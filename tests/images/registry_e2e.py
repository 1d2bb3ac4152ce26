#!/usr/bin/env python3
"""A real registry for kguard's cosign verifier: starts Debian's docker-registry on loopback (plain HTTP,
HTTPS with a test CA, token auth with a token service served here, and basic auth from an htpasswd file), pushes images and cosign
signatures over the distribution API, writes what it pushed to a JSON file, then runs the C++ test
binary given on the command line (with KGUARD_REGISTRY_FIXTURE naming that file) and stops everything.

The signatures are made here with the openssl CLI in cosign's format (specs/SIGNATURE_SPEC.md in
sigstore/cosign): a "simple signing" payload blob, its base64 signature in the layer annotation
dev.cosignproject.cosign/signature, the manifest tagged sha256-<hex>.sig. Nothing here uses kguard.

  registry_e2e.py TEST_BINARY [ARGS...]
"""
import base64
import warnings
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # bcrypt for the registry's htpasswd file (glibc's libxcrypt)
import hashlib
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
TOKEN_SERVICE = "kguard-test-registry"
TOKEN_ISSUER = "kguard-test-token-issuer"
PULLER = ("puller", "pull:secret")  # credentials of the basic-auth registry and the token service


def run(*args, stdin=None):
    return subprocess.run(args, input=stdin, check=True, capture_output=True).stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Registry:
    """One docker-registry process with filesystem storage under `root`."""

    def __init__(self, work, name, tls=None, token=None, basic=None):
        self.port = free_port()
        self.host = "127.0.0.1:%d" % self.port
        self.root = os.path.join(work, name + "-storage")
        self.scheme = "https" if tls else "http"
        self.ssl = ssl.create_default_context(cafile=tls["ca"]) if tls else None
        self.token = token
        self.basic = basic
        config = os.path.join(work, name + ".yml")
        lines = [
            "version: 0.1",
            "log: {level: warn, accesslog: {disabled: true}}",
            "storage: {filesystem: {rootdirectory: %s}, delete: {enabled: true}}" % self.root,
            "http:",
            "  addr: %s" % self.host,
            "  secret: kguard-test-secret",
        ]
        if tls:
            lines += ["  tls: {certificate: %s, key: %s}" % (tls["cert"], tls["key"])]
        if token:
            lines += [
                "auth:",
                "  token: {realm: '%s', service: %s, issuer: %s, rootcertbundle: %s}"
                % (token.realm, TOKEN_SERVICE, TOKEN_ISSUER, token.cert),
            ]
        if basic:
            # bcrypt cost 4 (rounds=16): the registry checks the hash on every request of the test.
            htpasswd = os.path.join(work, name + ".htpasswd")
            with open(htpasswd, "w") as f:
                f.write("%s:%s\n" % (basic[0], crypt.crypt(basic[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))))
            lines += ["auth:", "  htpasswd: {realm: kguard-test, path: %s}" % htpasswd]
        with open(config, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.log = open(os.path.join(work, name + ".log"), "w")
        self.proc = subprocess.Popen(["docker-registry", "serve", config], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while True:
            try:
                self.request("GET", "/v2/")
                return
            except urllib.error.HTTPError as e:
                if e.code == 401 and (token or basic):
                    return
                raise
            except (urllib.error.URLError, ConnectionError):
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("docker-registry %s did not start; see %s" % (name, self.log.name))
                time.sleep(0.1)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def request(self, method, path_or_url, body=None, headers=None, repo=None):
        url = path_or_url if "://" in path_or_url else "%s://%s%s" % (self.scheme, self.host, path_or_url)
        headers = dict(headers or {})
        if self.token and repo:
            headers["Authorization"] = "Bearer " + self.token.issue(repo, ["pull", "push"])
        if self.basic:
            headers["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % self.basic).encode()).decode()
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        with urllib.request.urlopen(req, context=self.ssl, timeout=20) as res:
            return res.status, dict(res.headers), res.read()

    def push_blob(self, repo, data):
        digest = sha256(data)
        _, headers, _ = self.request("POST", "/v2/%s/blobs/uploads/" % repo, body=b"", repo=repo)
        location = headers["Location"]
        if "://" not in location:
            location = "%s://%s%s" % (self.scheme, self.host, location)
        sep = "&" if "?" in location else "?"
        self.request("PUT", location + sep + "digest=" + digest, body=data,
                     headers={"Content-Type": "application/octet-stream"}, repo=repo)
        return digest

    def push_manifest(self, repo, ref, manifest):
        body = json.dumps(manifest, separators=(",", ":")).encode()
        self.request("PUT", "/v2/%s/manifests/%s" % (repo, ref), body=body,
                     headers={"Content-Type": manifest["mediaType"]}, repo=repo)
        return sha256(body)

    def push_image(self, repo, tag, docker=False, arch="amd64"):
        """An image with one random layer (OCI, or Docker schema 2 media types); returns its digest."""
        layer = os.urandom(512)
        config = json.dumps({"architecture": arch, "os": "linux",
                             "rootfs": {"type": "layers", "diff_ids": [sha256(layer)]}}).encode()
        manifest = {
            "schemaVersion": 2, "mediaType": DOCKER_MANIFEST if docker else OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json" if docker else OCI_CONFIG,
                       "digest": self.push_blob(repo, config), "size": len(config)},
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip" if docker
                        else "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": self.push_blob(repo, layer), "size": len(layer)}],
        }
        return self.push_manifest(repo, tag, manifest)

    def push_index(self, repo, tag):
        """A two-platform OCI image index (what `docker buildx` pushes); returns the index digest."""
        entries = []
        for arch in ("amd64", "arm64"):
            digest = self.push_image(repo, arch, arch=arch)
            _, _, body = self.request("GET", "/v2/%s/manifests/%s" % (repo, digest), headers={"Accept": OCI_MANIFEST}, repo=repo)
            entries.append({"mediaType": OCI_MANIFEST, "digest": digest, "size": len(body),
                            "platform": {"architecture": arch, "os": "linux"}})
        return self.push_manifest(repo, tag, {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries})

    def push_signatures(self, repo, image_digest, signatures):
        """The cosign signature manifest of image_digest: one layer per (payload, base64 signature[, media
        type]); a signature of None leaves the layer without the signature annotation."""
        layers = []
        for payload, signature, *media_type in signatures:
            layer = {"mediaType": media_type[0] if media_type else SIMPLE_SIGNING, "size": len(payload),
                     "digest": self.push_blob(repo, payload)}
            if signature is not None:
                layer["annotations"] = {"dev.cosignproject.cosign/signature": signature}
            layers.append(layer)
        config = json.dumps({"architecture": "", "os": "", "config": {},
                             "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]}}).encode()
        manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                    "config": {"mediaType": OCI_CONFIG, "digest": self.push_blob(repo, config), "size": len(config)},
                    "layers": layers}
        return self.push_manifest(repo, image_digest.replace(":", "-") + ".sig", manifest)

    def copy_image(self, src, src_repo, digest, dst_repo):
        """The image src_repo@digest of registry `src` pushed, byte for byte (same digest), to dst_repo
        here, without its signatures (as `crane copy` or a registry mirror without cosign copy)."""
        accept = {"Accept": ", ".join((OCI_MANIFEST, DOCKER_MANIFEST))}
        _, _, body = src.request("GET", "/v2/%s/manifests/%s" % (src_repo, digest), headers=accept, repo=src_repo)
        manifest = json.loads(body)
        for blob in [manifest["config"]] + manifest["layers"]:
            _, _, data = src.request("GET", "/v2/%s/blobs/%s" % (src_repo, blob["digest"]), repo=src_repo)
            self.push_blob(dst_repo, data)
        self.request("PUT", "/v2/%s/manifests/%s" % (dst_repo, digest), body=body,
                     headers={"Content-Type": manifest["mediaType"]}, repo=dst_repo)
        return digest

    def corrupt_blob(self, digest):
        """Flips a byte of a stored blob (same size), as a compromised storage backend would."""
        hexdigest = digest.split(":", 1)[1]
        path = os.path.join(self.root, "docker/registry/v2/blobs/sha256", hexdigest[:2], hexdigest, "data")
        with open(path, "r+b") as f:
            first = f.read(1)
            f.seek(0)
            f.write(bytes([first[0] ^ 0x20]))


class Keys:
    def __init__(self, work):
        self.work = work
        self.pub = {}

    def make(self, name, genpkey_args):
        key = os.path.join(self.work, name + ".key")
        run("openssl", "genpkey", *genpkey_args, "-out", key)
        self.pub[name] = os.path.join(self.work, name + ".pub")
        run("openssl", "pkey", "-in", key, "-pubout", "-out", self.pub[name])

    def sign(self, name, payload, digest="sha256"):
        """Base64 of the raw signature, as cosign stores it; Ed25519 signs the payload itself."""
        key = os.path.join(self.work, name + ".key")
        if digest is None:
            with open(os.path.join(self.work, "payload"), "wb") as f:
                f.write(payload)
            sig = run("openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", os.path.join(self.work, "payload"))
        else:
            sig = run("openssl", "dgst", "-" + digest, "-sign", key, stdin=payload)
        return base64.b64encode(sig).decode()


def payload_for(host, repo, digest):
    """cosign's simple-signing payload (cosign generate)."""
    return json.dumps({"critical": {"identity": {"docker-reference": "%s/%s" % (host, repo)},
                                    "image": {"docker-manifest-digest": digest},
                                    "type": "cosign container image signature"},
                       "optional": None}, separators=(",", ":")).encode()


class TokenService:
    """Docker's token protocol: GET ?service=&scope= -> {"token": JWT (RS256, x5c)} for the registry."""

    def __init__(self, work):
        self.key = os.path.join(work, "token.key")
        self.cert = os.path.join(work, "token.crt")
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=kguard test token",
            "-keyout", self.key, "-out", self.cert)
        der = run("openssl", "x509", "-in", self.cert, "-outform", "DER")
        self.x5c = base64.b64encode(der).decode()
        self.puller_auth = "Basic " + base64.b64encode(("%s:%s" % PULLER).encode()).decode()
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                from urllib.parse import urlparse, parse_qs
                query = parse_qs(urlparse(self.path).query)
                scope = query.get("scope", [""])[0].split(":")
                if query.get("service", [""])[0] != TOKEN_SERVICE or len(scope) != 3:
                    self.send_response(400)
                    self.end_headers()
                    return
                # Repositories under private/ need the puller's basic credentials, as Docker Hub's do.
                if scope[1].startswith("private/") and self.headers.get("Authorization") != service.puller_auth:
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = json.dumps({"token": service.issue(scope[1], scope[2].split(","))}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.realm = "http://127.0.0.1:%d/token" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def issue(self, repo, actions):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {"iss": TOKEN_ISSUER, "sub": "kguard-test", "aud": TOKEN_SERVICE, "exp": now + 600, "nbf": now - 10,
                  "iat": now, "jti": os.urandom(8).hex(),
                  "access": [{"type": "repository", "name": repo, "actions": actions}]}
        signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
        signature = run("openssl", "dgst", "-sha256", "-sign", self.key, stdin=signing_input)
        return signing_input.decode() + "." + b64url(signature)

    def stop(self):
        self.server.shutdown()


class HeaderProxy:
    """A front for a registry whose Docker-Content-Digest headers are removed ("strip") or replaced
    by a wrong digest on manifest GETs and removed on HEADs ("lie"), as a broken or hostile registry
    would send them; bodies pass unchanged."""

    def __init__(self, registry, mode):
        class Handler(http.server.BaseHTTPRequestHandler):
            def forward(self):
                req = urllib.request.Request("http://%s%s" % (registry.host, self.path), method=self.command,
                                             headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
                try:
                    with urllib.request.urlopen(req, timeout=20) as res:
                        status, headers, body = res.status, res.headers, res.read()
                except urllib.error.HTTPError as e:
                    status, headers, body = e.code, e.headers, e.read()
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() == "docker-content-digest":
                        if mode == "lie" and self.command == "GET" and "/manifests/" in self.path:
                            value = sha256(b"not the body")
                        else:
                            continue
                    if name.lower() not in ("connection", "transfer-encoding", "date", "server"):
                        self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_HEAD = forward

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = "127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


def make_tls(work):
    ca_key, ca, key, csr, cert = (os.path.join(work, f) for f in ("ca.key", "ca.crt", "tls.key", "tls.csr", "tls.crt"))
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=kguard test registry CA",
        "-keyout", ca_key, "-out", ca)
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", csr)
    ext = os.path.join(work, "san.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-days", "2",
        "-extfile", ext, "-out", cert)
    return {"ca": ca, "cert": cert, "key": key}


def populate(reg, keys, out):
    """The images of every case on `reg`; records references and digests in out."""
    host = reg.host

    def signed(repo, signers, tag="v1", names=None):
        digest = reg.push_image(repo, tag)
        sigs = []
        for key, hash_name in signers:
            sigs.append((payload_for(host, repo, names or digest), keys.sign(key, payload_for(host, repo, names or digest), hash_name)))
        if sigs:
            reg.push_signatures(repo, digest, sigs)
        return digest

    d = {}
    d["signed"] = signed("team/signed", [("p256", "sha256")])
    d["unsigned"] = signed("team/unsigned", [])
    d["docker-v2"] = reg.push_image("team/docker-v2", "v1", docker=True)
    payload = payload_for(host, "team/docker-v2", d["docker-v2"])
    reg.push_signatures("team/docker-v2", d["docker-v2"], [(payload, keys.sign("p256", payload))])
    d["index"] = reg.push_index("team/index", "v1")  # the index digest is what `cosign sign` signs for a tag
    payload = payload_for(host, "team/index", d["index"])
    reg.push_signatures("team/index", d["index"], [(payload, keys.sign("p256", payload))])
    d["other-key"] = signed("team/other-key", [("p256-other", "sha256")])
    d["two-signatures"] = signed("team/two-signatures", [("p256-other", "sha256"), ("p256", "sha256")])
    d["names-other-digest"] = signed("team/names-other-digest", [("p256", "sha256")], names=d["signed"])
    d["tampered"] = reg.push_image("team/tampered", "v1")
    payload = payload_for(host, "team/tampered", d["tampered"])
    reg.push_signatures("team/tampered", d["tampered"], [(payload, keys.sign("p256", payload))])
    reg.corrupt_blob(sha256(payload))
    d["p384-sha256"] = signed("team/p384-sha256", [("p384", "sha256")])
    d["p384-sha384"] = signed("team/p384-sha384", [("p384", "sha384")])
    d["rsa"] = signed("team/rsa", [("rsa", "sha256")])
    d["ed25519"] = signed("team/ed25519", [("ed25519", None)])
    # A signature manifest whose layers are not cosign simple-signing payloads.
    d["foreign-sig-layer"] = reg.push_image("team/foreign-sig-layer", "v1")
    reg.push_manifest("team/foreign-sig-layer", d["foreign-sig-layer"].replace(":", "-") + ".sig", {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": reg.push_blob("team/foreign-sig-layer", b"{}"), "size": 2},
        "layers": [{"mediaType": "application/octet-stream", "digest": reg.push_blob("team/foreign-sig-layer", b"x"), "size": 1}]})
    # One image (one digest) in two repositories, signed in one: signatures live per repository.
    d["mirror"] = signed("team/mirror", [("p256", "sha256")])
    reg.copy_image(reg, "team/mirror", d["mirror"], "team/mirror-unsigned")
    # Signatures as cosign verifies them though kguard once refused them (SimpleClaimVerifier reads the
    # payload with Go's encoding/json; Signatures().Get() takes every layer, whatever its media type).
    def variant(repo, payload_of, media_type=SIMPLE_SIGNING, extra_layers=()):
        digest = reg.push_image(repo, "v1")
        payload = payload_of(digest)
        reg.push_signatures(repo, digest, list(extra_layers) + [(payload, keys.sign("p256", payload), media_type)])
        return digest

    def cosign_payload(repo, digest, type_="cosign container image signature", reference=None, optional=None,
                       keys_case=str):
        return json.dumps({keys_case("critical"): {
            keys_case("identity"): {keys_case("docker-reference"): reference or "%s/%s" % (host, repo)},
            keys_case("image"): {keys_case("docker-manifest-digest"): digest}, keys_case("type"): type_},
            "optional": optional}, separators=(",", ":")).encode()

    d["octet-stream-layer"] = variant("team/octet-stream-layer", lambda g: cosign_payload("team/octet-stream-layer", g),
                                      media_type="application/octet-stream")
    d["other-type"] = variant("team/other-type", lambda g: cosign_payload("team/other-type", g, type_="Cosign Container Image Signature"))
    d["upper-keys"] = variant("team/upper-keys", lambda g: cosign_payload("team/upper-keys", g, keys_case=str.title))
    d["copied-signature"] = variant("team/copied-signature",
                                    lambda g: cosign_payload("team/copied-signature", g, reference="origin.example/team/app"))
    d["unannotated-layer"] = variant("team/unannotated-layer", lambda g: cosign_payload("team/unannotated-layer", g),
                                     extra_layers=[(b"{}", None, "application/vnd.oci.image.layer.v1.tar")])
    d["optional-string"] = variant("team/optional-string", lambda g: cosign_payload("team/optional-string", g, optional="note"))
    out["digests"] = d


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    work = tempfile.mkdtemp(prefix="kguard-registry-e2e-")
    started = []
    try:
        keys = Keys(work)
        keys.make("p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        keys.make("p256-other", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        keys.make("p384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"])
        keys.make("rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        keys.make("ed25519", ["-algorithm", "ED25519"])
        tls = make_tls(work)
        token = TokenService(work)
        started.append(token)

        fixture = {"keys": keys.pub, "ca": tls["ca"], "unused_port": free_port()}
        registries = {}
        for name, options in (("plain", {}), ("https", {"tls": tls}), ("token", {"token": token}),
                              ("basic", {"basic": PULLER})):
            reg = Registry(work, name, **options)
            started.append(reg)
            registries[name] = reg
            fixture[name] = {"host": reg.host}
            populate(reg, keys, fixture[name])
        # A registry that tests stop themselves (SIGTERM to "pid") to check what an outage does.
        outage = Registry(work, "outage")
        started.append(outage)
        fixture["outage"] = {"host": outage.host, "pid": outage.proc.pid}
        populate(outage, keys, fixture["outage"])
        for mode in ("strip", "lie"):
            proxy = HeaderProxy(registries["plain"], mode)
            started.append(proxy)
            fixture["digest-header-" + mode] = {"host": proxy.host}
        # A signature manifest of 1,001 valid signature layers: more than cosign reads (maxLayers 1000).
        plain = registries["plain"]
        many = plain.push_image("team/too-many-layers", "v1")
        payload = payload_for(plain.host, "team/too-many-layers", many)
        layer = {"mediaType": SIMPLE_SIGNING, "size": len(payload), "digest": plain.push_blob("team/too-many-layers", payload),
                 "annotations": {"dev.cosignproject.cosign/signature": keys.sign("p256", payload)}}
        plain.push_manifest("team/too-many-layers", many.replace(":", "-") + ".sig", {
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": plain.push_blob("team/too-many-layers", b"{}"), "size": 2},
            "layers": [layer] * 1001})
        fixture["plain"]["digests"]["too-many-layers"] = many
        # The plain registry's signed team/mirror image, unsigned in another registry under the same name.
        registries["token"].copy_image(registries["plain"], "team/mirror", fixture["plain"]["digests"]["mirror"], "team/mirror")
        private = registries["token"].push_image("private/signed", "v1")
        payload = payload_for(registries["token"].host, "private/signed", private)
        registries["token"].push_signatures("private/signed", private, [(payload, keys.sign("p256", payload))])
        fixture["token"]["digests"]["private"] = private
        # The pull secret a cluster would hold for both (a .dockerconfigjson), and one with a wrong password.
        for file_name, password in (("dockerconfig.json", PULLER[1]), ("wrong-dockerconfig.json", "wrong")):
            auth = base64.b64encode(("%s:%s" % (PULLER[0], password)).encode()).decode()
            fixture[file_name] = os.path.join(work, file_name)
            with open(fixture[file_name], "w") as f:
                json.dump({"auths": {registries["basic"].host: {"auth": auth}, registries["token"].host: {"auth": auth}}}, f)
        path = os.path.join(work, "fixture.json")
        with open(path, "w") as f:
            json.dump(fixture, f, indent=1)
        env = dict(os.environ, KGUARD_REGISTRY_FIXTURE=path)
        return subprocess.call(sys.argv[1:], env=env)
    finally:
        for s in reversed(started):
            s.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
