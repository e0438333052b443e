#!/usr/bin/env python3
"""Pushes test images into a registry through the Distribution HTTP API v2, the way a build
pushes them: blobs (POST an upload, PUT it with ?digest=), then manifests by PUT.

  registry-push.py http://127.0.0.1:PORT REPOSITORY

Pushes REPOSITORY:v1 as an OCI index of two platforms (linux/amd64, linux/arm64/v8) whose configs
carry BuildKit-style history and OCI source/revision labels, pushes the same index again as
REPOSITORY:v1-again (a re-push of one digest), and a cosign-style signature of the index as
REPOSITORY:sha256-<digest>.sig. Prints one JSON object: the digests it pushed.
With REGISTRY_USER and REGISTRY_PASSWORD set, every request carries them as Basic credentials."""
import base64, hashlib, json, os, sys, urllib.request

registry, repository = sys.argv[1].rstrip("/"), sys.argv[2]
AUTH = {}
if os.environ.get("REGISTRY_USER"):
    pair = f"{os.environ['REGISTRY_USER']}:{os.environ.get('REGISTRY_PASSWORD', '')}".encode()
    AUTH = {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def request(method, path, body=b"", headers=None):
    req = urllib.request.Request(registry + path, data=body if method in ("POST", "PUT") else None,
                                 method=method, headers={**AUTH, **(headers or {})})
    with urllib.request.urlopen(req, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def blob(data):
    status, headers, _ = request("POST", f"/v2/{repository}/blobs/uploads/")
    location = headers["Location"]
    if location.startswith(registry):
        location = location[len(registry):]
    separator = "&" if "?" in location else "?"
    request("PUT", f"{location}{separator}digest={digest(data)}", data,
            {"Content-Type": "application/octet-stream"})
    return digest(data), len(data)


def manifest(reference, data, media_type):
    request("PUT", f"/v2/{repository}/manifests/{reference}", data, {"Content-Type": media_type})
    return digest(data)


OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"

platforms = []
for arch, variant in (("amd64", None), ("arm64", "v8")):
    history = [
        {"created_by": "/bin/sh -c #(nop) ADD file:abc in / "},
        {"created_by": '/bin/sh -c #(nop)  CMD ["/bin/sh"]', "empty_layer": True},
        {"created_by": "WORKDIR /app", "comment": "buildkit.dockerfile.v0"},
        {"created_by": f"RUN /bin/sh -c apk add --no-cache curl # {arch} # buildkit",
         "comment": "buildkit.dockerfile.v0"},
        {"created_by": "COPY . /app # buildkit", "comment": "buildkit.dockerfile.v0"},
        {"created_by": 'CMD ["./serve"]', "comment": "buildkit.dockerfile.v0", "empty_layer": True},
    ]
    config = json.dumps({
        "architecture": arch, "os": "linux", **({"variant": variant} if variant else {}),
        "config": {"Labels": {"org.opencontainers.image.source": "https://github.com/acme/api",
                              "org.opencontainers.image.revision": "0123abcd"}},
        "history": history, "rootfs": {"type": "layers", "diff_ids": []},
    }).encode()
    config_digest, config_size = blob(config)
    layer_digest, layer_size = blob(f"layer for {arch}".encode())
    body = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                       "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": config_size},
                       "layers": [{"mediaType": LAYER, "digest": layer_digest, "size": layer_size}]}).encode()
    manifest_digest = manifest(digest(body), body, OCI_MANIFEST)
    platform = {"os": "linux", "architecture": arch, **({"variant": variant} if variant else {})}
    platforms.append({"mediaType": OCI_MANIFEST, "digest": manifest_digest, "size": len(body),
                      "platform": platform})

index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": platforms}).encode()
index_digest = manifest("v1", index, OCI_INDEX)
manifest("v1-again", index, OCI_INDEX)

signature_config, signature_config_size = blob(b"{}")
payload, payload_size = blob(json.dumps({"critical": {"image": {"docker-manifest-digest": index_digest}}}).encode())
signature = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                   "digest": signature_config, "size": signature_config_size},
                        "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
                                    "digest": payload, "size": payload_size}]}).encode()
signature_tag = "sha256-" + index_digest.split(":")[1] + ".sig"
signature_digest = manifest(signature_tag, signature, OCI_MANIFEST)

print(json.dumps({"index": index_digest, "platforms": [p["digest"] for p in platforms],
                  "signature_tag": signature_tag, "signature": signature_digest}))
