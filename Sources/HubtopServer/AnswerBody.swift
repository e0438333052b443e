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

    /// For a change of this process's store; nil for `.annotated` (not an outcome of ingesting).
    public static func stored(_ change: StoreChange) -> String? {
        switch change {
        case .appended(let id): return accepted(id: id, deliveries: 1)
        case .folded(let id, let deliveries): return accepted(id: id, deliveries: deliveries)
        case .annotated: return nil
        }
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
