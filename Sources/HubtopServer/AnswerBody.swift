import HubtopCore

/// Every JSON body the listener answers with, in one place: an accepted delivery (`{"ok":true,
/// "id":N}`, with its deliveries once it folded) and an error (`{"error":code,"detail":why}`).
public enum AnswerBody {
    public static func accepted(id: some BinaryInteger, deliveries: Int) -> String {
        deliveries > 1
            ? "{\"ok\":true,\"id\":\(id),\"deliveries\":\(deliveries)}" : "{\"ok\":true,\"id\":\(id)}"
    }

    /// For an event of this process's store or a row of the shared history.
    public static func accepted(_ event: EventReference, deliveries: Int) -> String {
        switch event {
        case .local(let id): return accepted(id: id, deliveries: deliveries)
        case .shared(let id): return accepted(id: id, deliveries: deliveries)
        }
    }

    /// For a change of this process's store (`.annotated`: a scan result kept with its push).
    public static func stored(_ change: StoreChange) -> String? {
        switch change {
        case .appended(let id), .annotated(let id): return accepted(id: id, deliveries: 1)
        case .folded(let id, let deliveries): return accepted(id: id, deliveries: deliveries)
        }
    }

    /// For a well-formed delivery of a known format that holds nothing to show (a blob push, a
    /// pull, a ping): acknowledged, so that the sender does not retry it.
    public static func acknowledged(_ format: WebhookFormat, note: String?) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("ok")
        writer.bool(true)
        writer.key("format")
        writer.string(format.rawValue)
        writer.key("stored")
        writer.bool(false)
        writer.key("reason")
        writer.string(note ?? "nothing to show")
        writer.endObject()
        return writer.text
    }

    public static func error(_ code: String, _ detail: String) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("error")
        writer.string(code)
        writer.key("detail")
        writer.string(detail)
        writer.endObject()
        return writer.text
    }
}
