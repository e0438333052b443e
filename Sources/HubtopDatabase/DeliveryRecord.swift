import HubtopCore

/// `DeliveryInfo` as the JSON text of the `delivery` column, and back.
enum DeliveryRecord {
    static func text(_ info: DeliveryInfo?) -> String {
        guard let info else { return "{}" }
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("origin")
        writer.string(info.origin.rawValue)
        for (key, value) in [
            ("source", info.source), ("user_agent", info.userAgent), ("forwarded_for", info.forwardedFor),
            ("allowed_by", info.allowedBy), ("delivery_id", info.deliveryID),
        ] where value != nil {
            writer.key(key)
            writer.string(value)
        }
        if info.forwardedForTrusted {
            writer.key("forwarded_for_trusted")
            writer.bool(true)
        }
        writer.endObject()
        return writer.text
    }

    static func info(_ text: String) -> DeliveryInfo? {
        guard let value = try? JSONValue.parse(text) else { return nil }
        let fields = value.members
        guard let origin = fields["origin"]?.string.flatMap(DeliveryInfo.Origin.init(rawValue:)) else {
            return nil
        }
        var trusted = false
        if case .bool(let flag)? = fields["forwarded_for_trusted"] { trusted = flag }
        return DeliveryInfo(
            origin: origin, source: fields["source"]?.string, userAgent: fields["user_agent"]?.string,
            forwardedFor: fields["forwarded_for"]?.string, forwardedForTrusted: trusted,
            allowedBy: fields["allowed_by"]?.string, deliveryID: fields["delivery_id"]?.string)
    }
}
