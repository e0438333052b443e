/// An event's raw requests, fetched by an attached viewer when its inspector opens
/// (`GET /stream/requests/<id>`): headers as the receiver keeps them (credentials already
/// hidden), the body in Base64 (any bytes), and its length as received (a cut body stays cut).
extension StreamEncoder {
    public static func requests(_ requests: [ReceivedRequest]) -> [UInt8] {
        var writer = JSONWriter(escapesUnsafeText: true)
        writer.beginObject()
        writer.key("requests")
        writer.beginArray()
        for request in requests {
            writer.beginObject()
            for (key, value) in [
                ("delivery_id", request.deliveryID), ("method", request.method), ("path", request.path),
                ("version", request.version), ("answer", request.answer),
                ("body_base64", Base64.encode(request.body)),
            ] {
                writer.key(key)
                writer.string(value)
            }
            for (key, value) in [("received_at", request.receivedAt), ("duration", request.duration)] {
                writer.key(key)
                writer.number(value)
            }
            writer.key("status")
            writer.integer(request.status)
            writer.key("body_length")
            writer.integer(request.bodyLength)
            writer.key("headers")
            writer.beginArray()
            for header in request.headers {
                writer.beginArray()
                writer.string(header.name)
                writer.string(header.value)
                writer.endArray()
            }
            writer.endArray()
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }
}

extension StreamDecoder {
    public static func requests(_ data: [UInt8]) throws(StreamError) -> [ReceivedRequest] {
        let value: JSONValue
        do {
            value = try JSONValue.parse(String(decoding: data, as: UTF8.self))
        } catch {
            throw StreamError("the receiver's requests are not JSON (\(error.description))")
        }
        guard let list = value["requests"]?.elements else { throw StreamError("no requests in the answer") }
        return list.prefix(64).compactMap { item -> ReceivedRequest? in
            guard let id = item.text("delivery_id"), let method = item.text("method"),
                let path = item.text("path")
            else { return nil }
            let body = item.text("body_base64").flatMap(Base64.decode) ?? []
            let headers = item["headers"]?.elements.compactMap { pair -> (name: String, value: String)? in
                guard pair.elements.count == 2, let name = pair.elements[0].string,
                    let value = pair.elements[1].string
                else { return nil }
                return (name, value)
            }
            let length = item["body_length"]?.number.flatMap(Self.count) ?? body.count
            var request = ReceivedRequest(
                deliveryID: id, receivedAt: time(item["received_at"]) ?? 0, method: method, path: path,
                version: item.text("version") ?? "HTTP/1.1",
                capture: StreamedCapture(
                    fields: Array((headers ?? []).prefix(200)),
                    bodyBytes: Array(body.prefix(ReceivedRequest.bodyByteLimit)),
                    bodyCount: max(length, body.count)))
            request.status = item["status"]?.number.flatMap(Self.count) ?? 0
            request.answer = item.text("answer") ?? ""
            request.duration = item["duration"]?.number.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } ?? 0
            return request
        }
    }
}

/// A request as the receiver kept it: its length as received, even when the body was cut.
struct StreamedCapture: RequestCapture {
    let fields: [(name: String, value: String)]
    let bodyBytes: [UInt8]
    let bodyCount: Int
    var heldBytes: Int {
        bodyBytes.count + fields.reduce(0) { $0 + 48 + $1.name.utf8.count + $1.value.utf8.count }
    }
}
