/// The native envelopes of the clouds' registries: AWS ECR's EventBridge event and Google
/// Artifact Registry's Pub/Sub push (Base64 data).
enum CloudNativeDecoders {
    /// `{"source": "aws.ecr", "detail-type": "ECR Image Action", "detail": {…}}`.
    static func decodeECR(_ body: JSONValue) throws(PayloadError) -> DecodedDelivery {
        let detail = body["detail"] ?? .null
        guard body.text("detail-type") == "ECR Image Action" else {
            return DecodedDelivery(
                format: .ecr, note: "an ECR \(body.text("detail-type") ?? "event") (not a push)")
        }
        guard detail.text("result") == "SUCCESS" else {
            return DecodedDelivery(format: .ecr, note: "a failed ECR image action")
        }
        let action: EventAction
        switch detail.text("action-type") {
        case "PUSH": action = .push
        case "DELETE": action = .delete
        default: return DecodedDelivery(format: .ecr, note: "an ECR image action that is not a push")
        }
        guard let repository = detail.text("repository-name") else {
            throw PayloadError(.missingRepository, "the ECR event names no repository-name")
        }
        var made = SourceEvent(source: .ecr, repository: repository)
        made.action = action
        if let account = body.text("account"), let region = body.text("region") {
            made.host = "\(account).dkr.ecr.\(region).amazonaws.com"
        }
        made.tag = detail.text("image-tag")
        made.digest = detail.text("image-digest")
        made.time = body.text("time").flatMap(Timestamp.parseRFC3339)
        made.deliveryKey = body.text("id").map { "ecr:\($0)" }
        return DecodedDelivery(format: .ecr, events: [try made.payload(proof: nil)])
    }

    /// An EventBridge event reshaped into a CloudEvent (`com.amazon.ecr.image.push`):
    /// `source: urn:aws:ecr:<region>:<account>:repository/<repo>`.
    static func reshapedECR(_ event: CloudEvent) throws(PayloadError) -> DecodedDelivery {
        guard let repository = event.data.text("repositoryName") else {
            throw PayloadError(.missingRepository, "the ECR CloudEvent names no repositoryName")
        }
        var made = SourceEvent(source: .ecr, repository: repository)
        let parts = event.source.split(separator: ":")
        if parts.count >= 5, parts[0] == "urn", parts[1] == "aws" {
            made.host =
                "\(event.data.text("registryId") ?? String(parts[4])).dkr.ecr.\(parts[3]).amazonaws.com"
        }
        made.tag = event.data.text("imageTag")
        made.digest = event.data.text("imageDigest")
        made.time = event.time
        made.deliveryKey = event.deliveryKey
        return DecodedDelivery(format: .ecr, events: [try made.payload(proof: nil)])
    }

    /// `{"message": {"data": "<Base64 JSON>", "messageId", "publishTime"}, "subscription"}`; the
    /// data is `{"action": "INSERT", "digest": "HOST/PATH@sha256:…", "tag": "HOST/PATH:TAG"}`.
    static func decodeArtifactRegistry(_ body: JSONValue) throws(PayloadError) -> DecodedDelivery {
        guard let encoded = body.text("message", "data"), let bytes = Base64.decode(encoded) else {
            throw PayloadError(.invalidJSON, "a Pub/Sub push needs Base64 \"message.data\"")
        }
        let data = try bytes.withUnsafeBufferPointer { buffer throws(PayloadError) in
            try JSONValue.parseBody(buffer)
        }
        let action: EventAction
        switch data.text("action") {
        case "INSERT": action = .push
        case "DELETE": action = .delete
        default:
            return DecodedDelivery(
                format: .artifactRegistry, note: "an Artifact Registry event that is not a push")
        }
        guard let reference = data.text("tag") ?? data.text("digest") else {
            throw PayloadError(.missingRepository, "the Artifact Registry event names no image")
        }
        var path = reference
        var digest: String?
        if let at = path.firstIndex(of: "@") {
            digest = String(path[path.index(after: at)...])
            path = String(path[..<at])
        }
        var tag: String?
        if let slash = path.lastIndex(of: "/"), let colon = path.lastIndex(of: ":"), colon > slash {
            tag = String(path[path.index(after: colon)...])
            path = String(path[..<colon])
        }
        if digest == nil, let named = data.text("digest"), let at = named.firstIndex(of: "@") {
            digest = String(named[named.index(after: at)...])
        }
        guard let slash = path.firstIndex(of: "/") else {
            throw PayloadError(.missingRepository, "the Artifact Registry image has no host")
        }
        var made = SourceEvent(
            source: .artifactRegistry, repository: String(path[path.index(after: slash)...]))
        made.action = action
        made.host = String(path[..<slash])
        made.tag = tag
        made.digest = digest
        made.time = body.text("message", "publishTime").flatMap(Timestamp.parseRFC3339)
        made.deliveryKey = body.text("message", "messageId").map { "gar:\($0)" }
        return DecodedDelivery(format: .artifactRegistry, events: [try made.payload(proof: nil)])
    }
}
