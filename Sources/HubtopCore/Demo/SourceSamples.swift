/// A realistic delivery of each registry's format, built from its documentation: what
/// `hubtop send --source` posts, what `--demo` mixes in, and what the tests feed the decoders.
public struct SourceSample: Sendable {
    /// What the sample says (to vary it).
    public var push: SamplePush?
    /// Header fields beyond `Content-Type` (`X-GitHub-Event`, `ce-*`).
    public var headers: [(name: String, value: String)]
    public var contentType: String
    public var body: [UInt8]

    public init(headers: [(name: String, value: String)], contentType: String, body: [UInt8]) {
        self.headers = headers
        self.contentType = contentType
        self.body = body
    }

    /// The hints the listener would take from this request.
    public func hints(proof: SenderProof? = .urlToken) -> DeliveryHints {
        DeliveryHints(headers: [("Content-Type", contentType)] + headers, proof: proof)
    }
}

/// What a sample push says.
public struct SamplePush: Sendable {
    public var host: String
    public var repository: String
    public var tag: String
    public var digest: String
    public var pusher: String
    public var time: Double
    /// The sender's delivery or event id.
    public var id: String

    public init(
        host: String, repository: String, tag: String, digest: String = SamplePush.digest(1),
        pusher: String = "ci-deploy", time: Double = 1_793_628_309,
        id: String = "6c0f2b9e-1d4a-4e1b-9c55-0a7d3e2f81b4"
    ) {
        self.host = host
        self.repository = repository
        self.tag = tag
        self.digest = digest
        self.pusher = pusher
        self.time = time
        self.id = id
    }

    /// A well-formed sha256 digest made from `seed`.
    public static func digest(_ seed: UInt64) -> String {
        var rng = SplitMix64(seed: seed)
        var hex = ""
        for _ in 0..<4 {
            let word = String(rng.next(), radix: 16)
            hex += String(repeating: "0", count: 16 - word.count) + word
        }
        return "sha256:" + hex
    }

    var rfc3339: String { EventExport.isoTime(time) }
}

public enum SourceSamples {
    /// The sources `hubtop send --source` knows, by name.
    public static let names = [
        "github", "distribution", "harbor", "quay", "acr", "cloudevents", "ecr", "gar",
    ]

    /// What each source's sample says unless told otherwise.
    public static func defaultPush(_ name: String) -> SamplePush? {
        switch name {
        case "distribution":
            return SamplePush(host: "registry.internal:5000", repository: "team/app", tag: "1.8.0")
        case "harbor":
            return SamplePush(
                host: "harbor.corp.example", repository: "payments/ledger", tag: "2.3.1",
                pusher: "robot$payments+ci")
        case "github":
            return SamplePush(host: "ghcr.io", repository: "acme/api", tag: "3.2.0", pusher: "octo-dev")
        case "quay": return SamplePush(host: "quay.io", repository: "acme/worker", tag: "2026.11.02")
        case "acr": return SamplePush(host: "contoso.azurecr.io", repository: "shop/cart", tag: "v12")
        case "cloudevents": return SamplePush(host: "contoso.azurecr.io", repository: "shop/cart", tag: "v13")
        case "ecr":
            return SamplePush(
                host: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", repository: "shop/payments",
                tag: "2.0.1")
        case "gar":
            return SamplePush(
                host: "europe-west1-docker.pkg.dev", repository: "acme-prod/images/api", tag: "v4")
        default: return nil
        }
    }

    /// Source `name`'s delivery of `push` (its default push when nil); nil for an unknown name.
    public static func sample(_ name: String, push: SamplePush? = nil) -> SourceSample? {
        guard let push = push ?? defaultPush(name) else { return nil }
        var sample: SourceSample
        switch name {
        case "distribution": sample = distribution(push)
        case "harbor": sample = harbor(push)
        case "github": sample = github(push)
        case "quay": sample = quay(push)
        case "acr": sample = acr(push)
        case "cloudevents": sample = eventGrid(push)
        case "ecr": sample = ecr(push)
        case "gar": sample = artifactRegistry(push)
        default: return nil
        }
        sample.push = push
        return sample
    }

    static func json(_ build: (inout JSONWriter) -> Void) -> [UInt8] {
        var writer = JSONWriter()
        build(&writer)
        return writer.bytes
    }

    /// One Distribution notification: the index put by tag (3-space indented, as the registry
    /// writes it).
    public static func distribution(
        _ push: SamplePush, action: String = "push",
        mediaType: String = "application/vnd.oci.image.index.v1+json", tag: String?? = nil
    ) -> SourceSample {
        let tag = tag ?? push.tag
        let tagLine = tag.map { ",\n            \"tag\": \(JSONWriter.quoted($0))" } ?? ""
        let body = """
            {
               "events": [
                  {
                     "id": \(JSONWriter.quoted(push.id)),
                     "timestamp": "\(push.rfc3339.dropLast()).512734101Z",
                     "action": \(JSONWriter.quoted(action)),
                     "target": {
                        "mediaType": \(JSONWriter.quoted(mediaType)),
                        "size": 743,
                        "digest": \(JSONWriter.quoted(push.digest)),
                        "length": 743,
                        "repository": \(JSONWriter.quoted(push.repository)),
                        "url": \(JSONWriter.quoted("http://\(push.host)/v2/\(push.repository)/manifests/\(push.digest)"))\(tagLine)
                     },
                     "request": {"id": "f3e1a2b4-77d0-4c1e-9a55-2b1f0c9d8e7a", "addr": "10.1.4.20:51822", "host": \(JSONWriter.quoted(push.host)), "method": "PUT", "useragent": "buildkit/v0.18"},
                     "actor": {"name": \(JSONWriter.quoted(push.pusher))},
                     "source": {"addr": "registry-7f9c:5000", "instanceID": "a4b0c1d2-e3f4-4a5b-8c6d-7e8f9a0b1c2d"}
                  }
               ]
            }
            """
        return SourceSample(
            headers: [], contentType: "application/vnd.docker.distribution.events.v1+json",
            body: Array(body.utf8))
    }

    public static func harbor(_ push: SamplePush, type: String = "PUSH_ARTIFACT", scan: Bool = false)
        -> SourceSample
    {
        let body = json { writer in
            writer.beginObject()
            writer.key("type")
            writer.string(type)
            writer.key("occur_at")
            writer.integer(Int(push.time))
            writer.key("operator")
            writer.string(push.pusher)
            writer.key("event_data")
            writer.beginObject()
            writer.key("resources")
            writer.beginArray()
            writer.beginObject()
            writer.key("digest")
            writer.string(push.digest)
            writer.key("tag")
            writer.string(push.tag)
            writer.key("resource_url")
            writer.string("\(push.host)/\(push.repository):\(push.tag)")
            if scan {
                writer.key("scan_overview")
                writer.raw(
                    #"{"application/vnd.security.vulnerability.report; version=1.1":{"report_id":"r-1","scan_status":"Success","severity":"High","duration":4,"summary":{"total":7,"fixable":5,"summary":{"High":2,"Medium":3,"Low":2}},"scanner":{"name":"Trivy","vendor":"Aqua Security","version":"v0.56.1"}}}"#
                )
            }
            writer.endObject()
            writer.endArray()
            writer.key("repository")
            writer.beginObject()
            let slash = push.repository.firstIndex(of: "/") ?? push.repository.startIndex
            writer.key("name")
            writer.string(String(push.repository[push.repository.index(after: slash)...]))
            writer.key("namespace")
            writer.string(String(push.repository[..<slash]))
            writer.key("repo_full_name")
            writer.string(push.repository)
            writer.key("repo_type")
            writer.string("private")
            writer.endObject()
            writer.endObject()
            writer.endObject()
        }
        return SourceSample(headers: [], contentType: "application/json", body: body)
    }

    public static func github(_ push: SamplePush, event: String = "package") -> SourceSample {
        let owner = push.repository.split(separator: "/").first.map(String.init) ?? push.repository
        let name = push.repository.split(separator: "/").last.map(String.init) ?? push.repository
        let body = """
            {"action":"published","package":{"id":4711,"name":\(JSONWriter.quoted(name)),"namespace":\(JSONWriter.quoted(push.repository)),\
            "ecosystem":"CONTAINER","package_type":"CONTAINER","html_url":"https://github.com/orgs/\(owner)/packages/container/package/\(name)",\
            "created_at":"2026-10-01T08:00:00Z","updated_at":\(JSONWriter.quoted(push.rfc3339)),"owner":{"login":\(JSONWriter.quoted(owner)),"type":"Organization"},\
            "package_version":{"id":301234,"version":\(JSONWriter.quoted(push.digest)),"name":\(JSONWriter.quoted(push.digest)),\
            "container_metadata":{"tag":{"name":\(JSONWriter.quoted(push.tag)),"digest":\(JSONWriter.quoted(push.digest))},\
            "labels":{"source":"https://github.com/\(push.repository)","revision":"5e1c0a9f3b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f"},\
            "manifest":{"digest":\(JSONWriter.quoted(push.digest)),"media_type":"application/vnd.oci.image.index.v1+json","size":1609}},\
            "author":{"login":\(JSONWriter.quoted(push.pusher))},"package_url":\(JSONWriter.quoted("\(push.host)/\(push.repository):\(push.tag)"))},\
            "registry":{"name":"GitHub CONTAINER registry","type":"CONTAINER","url":"https://ghcr.io/\(owner)"}},\
            "repository":{"full_name":\(JSONWriter.quoted(push.repository))},"organization":{"login":\(JSONWriter.quoted(owner))},\
            "sender":{"login":\(JSONWriter.quoted(push.pusher))}}
            """
        return SourceSample(
            headers: [
                ("X-GitHub-Event", event), ("X-GitHub-Delivery", push.id),
                ("User-Agent", "GitHub-Hookshot/5a1b2c3"),
            ],
            contentType: "application/json", body: Array(body.utf8))
    }

    public static func quay(_ push: SamplePush) -> SourceSample {
        let slash = push.repository.firstIndex(of: "/") ?? push.repository.startIndex
        let body = """
            {"repository":\(JSONWriter.quoted(push.repository)),"namespace":\(JSONWriter.quoted(String(push.repository[..<slash]))),\
            "name":\(JSONWriter.quoted(String(push.repository[push.repository.index(after: slash)...]))),\
            "docker_url":\(JSONWriter.quoted("\(push.host)/\(push.repository)")),"homepage":\(JSONWriter.quoted("https://\(push.host)/repository/\(push.repository)")),\
            "updated_tags":[\(JSONWriter.quoted(push.tag))]}
            """
        return SourceSample(headers: [], contentType: "application/json", body: Array(body.utf8))
    }

    static func acrEvent(_ push: SamplePush, action: String) -> String {
        """
        {"id":\(JSONWriter.quoted(push.id)),"timestamp":\(JSONWriter.quoted("\(push.rfc3339.dropLast()).0193845Z")),"action":\(JSONWriter.quoted(action)),\
        "target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1203,"digest":\(JSONWriter.quoted(push.digest)),"length":1203,\
        "repository":\(JSONWriter.quoted(push.repository)),"tag":\(JSONWriter.quoted(push.tag))},\
        "request":{"id":"c0d2e4f6-0a1b-4c2d-8e3f-5a6b7c8d9e0f","host":\(JSONWriter.quoted(push.host)),"method":"PUT","useragent":"docker/27.3.1 go/go1.22.7"}}
        """
    }

    public static func acr(_ push: SamplePush, action: String = "push") -> SourceSample {
        SourceSample(
            headers: [], contentType: "application/json", body: Array(acrEvent(push, action: action).utf8))
    }

    /// An ACR push through Azure Event Grid with the CloudEvents schema (structured mode).
    public static func eventGrid(_ push: SamplePush) -> SourceSample {
        let registry = push.host.split(separator: ".").first.map(String.init) ?? push.host
        let body = """
            {"specversion":"1.0","type":"Microsoft.ContainerRegistry.ImagePushed","id":\(JSONWriter.quoted("eg-" + push.id)),\
            "source":\(JSONWriter.quoted("/subscriptions/0000/resourceGroups/shop/providers/Microsoft.ContainerRegistry/registries/\(registry)")),\
            "subject":\(JSONWriter.quoted("\(push.repository):\(push.tag)")),"time":\(JSONWriter.quoted(push.rfc3339)),\
            "data":\(acrEvent(push, action: "push"))}
            """
        return SourceSample(headers: [], contentType: "application/cloudevents+json", body: Array(body.utf8))
    }

    public static func ecr(_ push: SamplePush) -> SourceSample {
        let parts = push.host.split(separator: ".")
        let account = parts.first.map(String.init) ?? "123456789012"
        let region = parts.count > 3 ? String(parts[3]) : "eu-west-1"
        let body = """
            {"version":"0","id":\(JSONWriter.quoted(push.id)),"detail-type":"ECR Image Action","source":"aws.ecr",\
            "account":\(JSONWriter.quoted(account)),"time":\(JSONWriter.quoted(push.rfc3339)),"region":\(JSONWriter.quoted(region)),"resources":[],\
            "detail":{"result":"SUCCESS","repository-name":\(JSONWriter.quoted(push.repository)),"image-digest":\(JSONWriter.quoted(push.digest)),\
            "action-type":"PUSH","image-tag":\(JSONWriter.quoted(push.tag))}}
            """
        return SourceSample(headers: [], contentType: "application/json", body: Array(body.utf8))
    }

    public static func artifactRegistry(_ push: SamplePush) -> SourceSample {
        let image = "\(push.host)/\(push.repository)"
        let data = """
            {"action":"INSERT","digest":\(JSONWriter.quoted("\(image)@\(push.digest)")),"tag":\(JSONWriter.quoted("\(image):\(push.tag)"))}
            """
        let body = """
            {"message":{"data":\(JSONWriter.quoted(Base64.encode(Array(data.utf8)))),"messageId":\(JSONWriter.quoted(push.id)),\
            "publishTime":\(JSONWriter.quoted(push.rfc3339))},"subscription":"projects/acme-prod/subscriptions/hubtop"}
            """
        return SourceSample(headers: [], contentType: "application/json", body: Array(body.utf8))
    }
}
