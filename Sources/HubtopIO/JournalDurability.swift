import HubtopCore
import HubtopServer

/// The journal first, then the store: acknowledged once the journal has it as its policy asks.
public struct JournalDurability: Durability {
    let journal: Journal
    let ingestor: Ingestor

    public init(_ journal: Journal, _ ingestor: Ingestor) {
        self.journal = journal
        self.ingestor = ingestor
    }

    public func persist(_ delivery: AdmittedDelivery, completion: @escaping @Sendable (Persisted) -> Void) {
        let record = delivery.storedBody.withUnsafeReadableBytes { raw in
            Journal.record(
                body: raw.bindMemory(to: UInt8.self), receivedAt: delivery.receivedAt, source: delivery.source
            )
        }
        journal.enqueue(record) { error in
            if let error {
                completion(.failed(code: "journal_unavailable", reason: error.description))
            } else {
                completion(
                    .stored(
                        ingestor.storeEvents(
                            delivery.admission, receivedAt: delivery.receivedAt, request: delivery.request,
                            answer: AnswerBody.stored)))
            }
        }
    }

    public func health(_ writer: inout JSONWriter, detailed: Bool) {
        // Without the metrics token a problem is named by its code: its text names paths.
        if let problem = journal.lastError {
            writer.key("journal_error")
            writer.string(detailed ? problem : "journal_unavailable")
        }
        if let warning = journal.warning {
            writer.key("journal_warning")
            writer.string(detailed ? warning : "journal_cannot_rotate")
        }
        if let notice = journal.notice {
            writer.key("journal_notice")
            writer.string(detailed ? notice : "journal_damage_moved_aside")
        }
    }

    public var unavailableReason: String? { journal.lastError == nil ? nil : "journal_unavailable" }

    public func finish() { journal.syncIfDirty() }
}
