/// One CloudEvent, from a structured body, a batch, or binary mode's `ce-*` headers.
struct CloudEvent {
    var id: String
    var source: String
    var type: String
    var subject: String?
    var time: Double?
    var data: JSONValue
    /// Attributes beyond the spec's (Harbor's `operator`).
    var extensions: [String: String]

    /// `source` and `id` identify an event: a redelivery repeats both.
    var deliveryKey: String { "ce:\(source) \(id)" }
}

/// CloudEvents 1.0 in structured, batched and binary mode, dispatched on `type` to the decoder
/// of the event it wraps: Harbor's, Azure Event Grid's ACR events, ECR events reshaped by an
/// EventBridge input transformer.
enum CloudEventsDecoder {
    static let specAttributes: Set<String> = [
        "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "data",
        "data_base64",
    ]

    /// A structured event (an object) or a batch (an array of them).
    static func decodeStructured(_ body: JSONValue) throws(PayloadError) -> DecodedDelivery {
        let events: [JSONValue]
        if case .array(let batch) = body { events = batch } else { events = [body] }
        var decoded = DecodedDelivery(format: .cloudEvents)
        var notes: [String] = []
        for element in events.prefix(PayloadDecoder.maximumImages) {
            let event = try structured(element)
            let one = try dispatch(event)
            decoded.format = events.count == 1 ? one.format : .cloudEvents
            decoded.events += one.events
            decoded.pulls += one.pulls
            if let note = one.note { notes.append(note) }
        }
        if decoded.events.isEmpty && decoded.pulls.isEmpty { decoded.note = notes.first ?? "an empty batch" }
        return decoded
    }

    /// Binary mode: the attributes were headers, the body is `data`.
    static func decodeBinary(attributes: [String: String], body: JSONValue) throws(PayloadError)
        -> DecodedDelivery
    {
        guard let id = attributes["id"], let source = attributes["source"], let type = attributes["type"]
        else {
            throw PayloadError(
                .invalidJSON, "a CloudEvent in binary mode needs ce-id, ce-source and ce-type headers")
        }
        var extensions: [String: String] = [:]
        for (key, value) in attributes where !specAttributes.contains(key) { extensions[key] = value }
        return try dispatch(
            CloudEvent(
                id: id, source: source, type: type, subject: attributes["subject"],
                time: attributes["time"].flatMap(Timestamp.parseRFC3339), data: body, extensions: extensions))
    }

    static func structured(_ value: JSONValue) throws(PayloadError) -> CloudEvent {
        guard value.isObject, value.text("specversion") != nil else {
            throw PayloadError(.invalidJSON, "a CloudEvent must be an object with \"specversion\"")
        }
        guard let id = value.text("id"), let source = value.text("source"), let type = value.text("type")
        else {
            throw PayloadError(.invalidJSON, "a CloudEvent needs \"id\", \"source\" and \"type\"")
        }
        var data = value["data"] ?? .null
        if let encoded = value.text("data_base64") {
            guard let bytes = Base64.decode(encoded) else {
                throw PayloadError(.invalidJSON, "\"data_base64\" is not Base64")
            }
            data = try bytes.withUnsafeBufferPointer { buffer throws(PayloadError) in
                try JSONValue.parseBody(buffer)
            }
        }
        var extensions: [String: String] = [:]
        if case .object(let members) = value {
            for (key, member) in members.prefix(64) where !specAttributes.contains(key) {
                if let text = member.string { extensions[key] = text }
            }
        }
        return CloudEvent(
            id: id, source: source, type: type, subject: value.text("subject"),
            time: value.text("time").flatMap(Timestamp.parseRFC3339), data: data, extensions: extensions)
    }

    static func dispatch(_ event: CloudEvent) throws(PayloadError) -> DecodedDelivery {
        if event.type.hasPrefix("harbor.") { return try HarborDecoder.decodeCloudEvent(event) }
        switch event.type {
        case "Microsoft.ContainerRegistry.ImagePushed", "Microsoft.ContainerRegistry.ImageDeleted":
            var decoded = try DistributionDecoder.decodeSingle(event.data)
            decoded.format = .acr
            decoded.events = decoded.events.map { rekeyed($0, event) }
            return decoded
        case "com.amazon.ecr.image.push":
            return try CloudNativeDecoders.reshapedECR(event)
        default:
            return DecodedDelivery(
                format: .cloudEvents,
                note: "a CloudEvent of type \(event.type.prefix(80)) (not a push hubtop knows)")
        }
    }

    /// Event Grid may redeliver: the CloudEvent's id is the one to fold on; its time wins.
    static func rekeyed(_ payload: WebhookPayload, _ event: CloudEvent) -> WebhookPayload {
        guard let origin = payload.origin else { return payload }
        var payload = payload
        if let time = event.time { payload.pushedAt = time }
        payload.origin = origin.with(deliveryKey: event.deliveryKey, source: .acr)
        return payload
    }
}
