/// Tells the formats apart on one URL and decodes a delivery with the right decoder, in the
/// order `registries.md` sets: headers first (GitHub, Distribution's media types, CloudEvents),
/// then the body's shape. One format is never taken for another.
public enum WebhookDecoder {
    static let distributionTypes: Set<String> = [
        "application/vnd.docker.distribution.events.v1+json",
        "application/vnd.docker.distribution.events.v2+json",
    ]
    static let cloudEventTypes: Set<String> = [
        "application/cloudevents+json", "application/cloudevents-batch+json",
    ]
    /// Top-level keys of other formats: a body with one of them is not Docker Hub's.
    static let foreignKeys: Set<String> = [
        "events", "specversion", "event_data", "updated_tags", "docker_url", "target", "package",
        "registry_package", "detail-type", "message",
    ]

    /// Decodes a body as received, with what its request said (`hints`); nil hints: a body
    /// alone (a Docker Hub delivery, a journal record without hints).
    public static func decode(
        _ body: UnsafeBufferPointer<UInt8>, hints: DeliveryHints?, cache: RepositoryCache? = nil
    ) throws(PayloadError) -> DecodedDelivery {
        // The hot path, inline: Docker Hub's plain JSON, decoded once, its one event in no array.
        if isPlain(hints) {
            let hub: Result<WebhookPayload, PayloadError>
            do throws(PayloadError) {
                let payload = try PayloadDecoder.decode(body, cache: cache)
                if !hasForeignKeys(payload) { return DecodedDelivery(dockerHub: payload) }
                hub = .success(payload)
            } catch {
                hub = .failure(error)
            }
            return try proven(decodeOther(body, hub: hub), by: hints?.proof)
        }
        return try proven(decodeUnproven(body, hints: hints, cache: cache), by: hints?.proof)
    }

    /// Plain JSON without the headers of GitHub or CloudEvents: Docker Hub's, or a format told
    /// by its shape.
    static func isPlain(_ hints: DeliveryHints?) -> Bool {
        guard let hints else { return true }
        return hints.githubEvent == nil && hints.cloudEvent.isEmpty
            && (hints.contentType == nil || hints.contentType == "application/json"
                || hints.contentType == "")
    }

    /// The events stamped with how their sender was proven.
    static func proven(_ decoded: DecodedDelivery, by proof: SenderProof?) -> DecodedDelivery {
        var decoded = decoded
        // Docker Hub's events carry no facts to stamp (and are most: no copy for them).
        if let proof, decoded.format != .dockerHub {
            decoded.events = decoded.events.map { event in
                guard let origin = event.origin else { return event }
                var event = event
                event.origin = origin.with(proof: proof)
                return event
            }
        }
        return decoded
    }

    /// Decodes a body as the journal and the database keep it (its hints on a line before it).
    public static func decodeStored(
        _ stored: UnsafeBufferPointer<UInt8>, cache: RepositoryCache? = nil
    ) throws(PayloadError) -> DecodedDelivery {
        let (hints, body) = DeliveryHints.split(stored)
        return try decode(body, hints: hints, cache: cache)
    }

    static func decodeUnproven(
        _ body: UnsafeBufferPointer<UInt8>, hints: DeliveryHints?, cache: RepositoryCache?
    ) throws(PayloadError) -> DecodedDelivery {
        let type = hints?.contentType ?? ""
        if let event = hints?.githubEvent {
            let json: JSONValue
            if type == "application/x-www-form-urlencoded" {
                let bytes = try GitHubDecoder.formPayload(body)
                json = try bytes.withUnsafeBufferPointer { buffer throws(PayloadError) in
                    try JSONValue.parseBody(buffer)
                }
            } else {
                json = try JSONValue.parseBody(body)
            }
            return try GitHubDecoder.decode(event: event, delivery: hints?.githubDelivery, body: json)
        }
        if distributionTypes.contains(type) {
            return try DistributionDecoder.decodeEnvelope(try object(body, "a Distribution notification"))
        }
        if let attributes = hints?.cloudEvent, attributes["specversion"] != nil,
            !cloudEventTypes.contains(type)
        {
            return try CloudEventsDecoder.decodeBinary(
                attributes: attributes, body: try JSONValue.parseBody(body))
        }
        if cloudEventTypes.contains(type) {
            return try CloudEventsDecoder.decodeStructured(try JSONValue.parseBody(body))
        }
        if type == "application/x-www-form-urlencoded" {
            throw PayloadError(
                .invalidJSON, "a form-encoded body is read only from GitHub (with X-GitHub-Event); send JSON")
        }
        return try decodeBody(body, cache: cache)
    }

    /// A body that its headers do not place: Docker Hub's decoder first (its payloads are by
    /// far the most), then the other formats by their shape.
    static func decodeBody(
        _ body: UnsafeBufferPointer<UInt8>, cache: RepositoryCache?
    ) throws(PayloadError) -> DecodedDelivery {
        let hub = Result { () throws(PayloadError) in try PayloadDecoder.decode(body, cache: cache) }
        if case .success(let payload) = hub, !hasForeignKeys(payload) {
            return DecodedDelivery(dockerHub: payload)
        }
        return try decodeOther(body, hub: hub)
    }

    /// What Docker Hub's decoder did not take (or took with another format's keys): the other
    /// formats by their shape, else Docker Hub's payload or its refusal.
    static func decodeOther(
        _ body: UnsafeBufferPointer<UInt8>, hub: Result<WebhookPayload, PayloadError>
    ) throws(PayloadError) -> DecodedDelivery {
        var hubPayload: WebhookPayload?
        var hubError: PayloadError?
        switch hub {
        case .success(let payload): hubPayload = payload
        case .failure(let error): hubError = error
        }
        guard let json = try? JSONValue.parseBody(body) else {
            throw hubError ?? PayloadError(.invalidJSON, "not JSON")
        }
        if let decoded = try decodeShape(json) { return decoded }
        if let hubPayload { return DecodedDelivery(dockerHub: hubPayload) }
        let error = hubError ?? PayloadError(.missingRepository, "no repository")
        if json["push_data"] != nil || json["repository"] != nil { throw error }
        throw PayloadError(
            error.kind == .invalidJSON ? .invalidJSON : .missingRepository,
            "not a webhook hubtop knows; it reads \(WebhookFormat.understood) (as Docker Hub's: \(error.detail))"
        )
    }

    /// Whether a body read as Docker Hub's had a top-level key of another format (`events`, …).
    static func hasForeignKeys(_ payload: WebhookPayload) -> Bool {
        payload.rare != nil && payload.extras.contains { foreignKeys.contains($0.path) }
    }

    /// Rules 2 to 6 of the recognition order, by the body's shape; nil when none matches.
    static func decodeShape(_ json: JSONValue) throws(PayloadError) -> DecodedDelivery? {
        if case .array(let elements) = json, elements.first?.text("specversion") != nil {
            return try CloudEventsDecoder.decodeStructured(json)
        }
        guard json.isObject else { return nil }
        if json["package"] != nil || json["registry_package"] != nil {
            throw PayloadError(
                .invalidJSON, "a GitHub package event must come with its X-GitHub-Event header")
        }
        if case .array(let events)? = json["events"],
            events.allSatisfy({ $0["action"] != nil && $0["target"] != nil })
        {
            return try DistributionDecoder.decodeEnvelope(json)
        }
        if json["specversion"] != nil { return try CloudEventsDecoder.decodeStructured(json) }
        if json["type"] != nil, json["occur_at"] != nil, json["event_data"] != nil {
            return try HarborDecoder.decodeDefault(json)
        }
        if json["docker_url"] != nil, json["updated_tags"] != nil { return try QuayDecoder.decode(json) }
        if json["action"] != nil, json["target"] != nil, json["request"] != nil {
            return try DistributionDecoder.decodeSingle(json)
        }
        if json.text("source") == "aws.ecr", json["detail-type"] != nil {
            return try CloudNativeDecoders.decodeECR(json)
        }
        if json.at("message", "data") != nil, json["subscription"] != nil {
            return try CloudNativeDecoders.decodeArtifactRegistry(json)
        }
        return nil
    }

    static func object(_ body: UnsafeBufferPointer<UInt8>, _ what: String) throws(PayloadError) -> JSONValue {
        let json = try JSONValue.parseBody(body)
        guard json.isObject else { throw PayloadError(.invalidJSON, "\(what) must be a JSON object") }
        return json
    }
}
