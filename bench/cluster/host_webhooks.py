"""Webhooks run as host processes for cluster_bench.py's creation variants, registered by URL
(https://127.0.0.1:PORT/validate): the API server, itself a host process here, dials them over loopback,
with no pod network (veth, bridge, the agent's rules) in between.

  StaticWebhook  Debian's nginx answering every review with a fixed v1beta1 AdmissionResponse, allowed,
                 without reading it: the floor of what any validating webhook costs a pod creation.
                 Registered with admissionReviewVersions [v1beta1] because only for v1beta1 does a 1.20
                 API server accept a response without the request's uid (VerifyAdmissionResponse in
                 k8s.io/apiserver/pkg/admission/plugin/webhook/request/admissionreview.go, 1.20.2:
                 "Response GVK and response.uid were not verified in v1beta1 handling, allow any").
  HostKguard     `kguard webhook` itself, with the cluster's kguard configuration and the admin
                 kubeconfig (for namespace labels): kguard's work without the pod network.

Both use a serving certificate for IP:127.0.0.1 from certs/gen-certs.sh, and keep idle connections
120 s like kguard's server (webhook/server.h), so the API server's connection pool behaves the same.
"""
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALLOWED_V1BETA1 = '{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","response":{"allowed":true}}'


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HostWebhook:
    """A webhook process on 127.0.0.1 with its own certificate; subclasses say how to start it."""
    review_versions = ["v1", "v1beta1"]

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="kguard-bench-hook-")
        subprocess.run([os.path.join(REPO, "certs/gen-certs.sh"), "--out", self.dir, "--san", "IP:127.0.0.1"],
                       check=True, capture_output=True)
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}/validate"
        self.ca_file = os.path.join(self.dir, "ca.crt")
        self.proc = None

    def start(self):
        log = open(os.path.join(self.dir, "stderr.log"), "w")
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=log)
        ctx = ssl.create_default_context(cafile=self.ca_file)
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as raw:
                    with ctx.wrap_socket(raw, server_hostname="127.0.0.1"):
                        return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not start: {open(log.name).read()[-2000:]}")
                time.sleep(0.2)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def registration(self, installed):
        """The installed ValidatingWebhookConfiguration with every webhook pointed at this process: same
        names, rules, selectors, failurePolicy and timeouts."""
        import base64
        obj = json.loads(json.dumps(installed))
        obj["metadata"] = {"name": "kguard-bench-" + self.name}
        bundle = base64.b64encode(open(self.ca_file, "rb").read()).decode()
        for hook in obj["webhooks"]:
            hook["clientConfig"] = {"url": self.url, "caBundle": bundle}
            hook["admissionReviewVersions"] = self.review_versions
        return obj

    def connections(self):
        """Connections accepted so far: the distinct client ports seen on this port by `ss` at each call
        (clients keep their connections open for 90 s, so one opened during a round is still there at
        its end)."""
        if not hasattr(self, "seen"):
            self.seen = set()
        out = subprocess.run(["ss", "-Htn", "state", "established", f"( sport = :{self.port} )"],
                             capture_output=True, text=True, check=True).stdout
        self.seen.update(line.split()[-1] for line in out.splitlines() if line.strip())
        return len(self.seen)

    def own_time(self):
        """(reviews, seconds) of the process's own time per review so far, or None."""
        return None


class StaticWebhook(HostWebhook):
    name = "static"
    review_versions = ["v1beta1"]

    def __init__(self):
        super().__init__()
        self.status_port = free_port()
        self.status_reads = 0
        for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.mkdir(os.path.join(self.dir, d))
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write(f"""daemon off;
worker_processes 2;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {self.dir}/body; proxy_temp_path {self.dir}/proxy; fastcgi_temp_path {self.dir}/fastcgi;
  uwsgi_temp_path {self.dir}/uwsgi; scgi_temp_path {self.dir}/scgi;
  keepalive_timeout 120s;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{self.port} ssl;
    ssl_certificate {self.dir}/tls.crt;
    ssl_certificate_key {self.dir}/tls.key;
    location / {{ default_type application/json; return 200 '{ALLOWED_V1BETA1}'; }}
  }}
  server {{ listen 127.0.0.1:{self.status_port}; location / {{ stub_status; }} }}
}}
""")

    def command(self):
        return ["nginx", "-e", os.path.join(self.dir, "error.log"), "-p", self.dir, "-c", os.path.join(self.dir, "nginx.conf")]

    def connections(self):
        text = urllib.request.urlopen(f"http://127.0.0.1:{self.status_port}/", timeout=5).read().decode()
        self.status_reads += 1  # stub_status counts its own connections too
        return int(text.splitlines()[2].split()[0]) - self.status_reads  # "server accepts handled requests" / "N N N"


class HostKguard(HostWebhook):
    name = "kguard-host"

    def __init__(self, kguard, kubeconfig, config_yaml):
        super().__init__()
        self.kguard, self.kubeconfig = kguard, kubeconfig
        self.config = os.path.join(self.dir, "kguard-config.yaml")
        with open(self.config, "w") as f:
            f.write(config_yaml)

    def command(self):
        return [self.kguard, "webhook", "--tls-cert-file", os.path.join(self.dir, "tls.crt"),
                "--tls-private-key-file", os.path.join(self.dir, "tls.key"), "--listen", f"127.0.0.1:{self.port}",
                "--config", self.config, "--kubeconfig", self.kubeconfig, "--log-level", "warn"]

    def own_time(self):
        ctx = ssl.create_default_context(cafile=self.ca_file)
        text = urllib.request.urlopen(f"https://127.0.0.1:{self.port}/metrics", context=ctx, timeout=5).read().decode()
        count = total = 0.0
        for line in text.splitlines():
            if line.startswith("kguard_webhook_request_duration_seconds_count"):
                count += float(line.split()[-1])
            elif line.startswith("kguard_webhook_request_duration_seconds_sum"):
                total += float(line.split()[-1])
        return count, total


class HostKguardV1beta1(HostKguard):
    """kguard on the host registered like the static webhook, admissionReviewVersions [v1beta1]: whether
    the API server's v1 response handling is what costs."""
    name = "kguard-v1beta1"
    review_versions = ["v1beta1"]
