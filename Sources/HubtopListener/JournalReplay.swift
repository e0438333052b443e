import DequeModule
import Dispatch
import HubtopCore
import NIOCore

/// Replays a journal into the store with every core: the calling thread reads records and
/// stores batches in order while batches further on are decoded on the others.
public enum JournalReplay {
    static let batchSize = 256

    /// Reads `path` (and `PATH.1` first) into `ingestor`'s store, each event stamped with
    /// `delivery`; refused bodies are counted as the listener counts them.
    public static func replay(
        _ path: String, into ingestor: Ingestor, delivery: DeliveryInfo?,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> JournalReport {
        let pipeline = DecodePipeline(ingestor: ingestor, delivery: delivery)
        var batch: [JournalEntry] = []
        batch.reserveCapacity(batchSize)
        let report = try JournalReader.read(path, progress: progress) { entry in
            batch.append(entry)
            if batch.count == batchSize {
                pipeline.submit(batch)
                batch.removeAll(keepingCapacity: true)
            }
            return true
        }
        pipeline.submit(batch)
        pipeline.finish()
        return report
    }
}

/// Decodes batches on the global queue and hands them to the store in the order submitted.
final class DecodePipeline {
    /// One batch on its way: decoded off this thread, then stored on it.
    final class Slot: @unchecked Sendable {
        // Written by the decoding thread before `done` is signalled, read after waiting on it.
        var admissions: [Ingestor.Admission] = []
        var times: [Double] = []
        let done = DispatchSemaphore(value: 0)
    }

    let ingestor: Ingestor
    let delivery: DeliveryInfo?
    private var inFlight = Deque<Slot>()
    /// Batches decoded ahead of the store: enough to keep every core busy, few enough to bound
    /// what waits in memory.
    private let depth = 4 * max(1, System.coreCount)

    init(ingestor: Ingestor, delivery: DeliveryInfo?) {
        self.ingestor = ingestor
        self.delivery = delivery
    }

    func submit(_ entries: [JournalEntry]) {
        guard !entries.isEmpty else { return }
        let slot = Slot()
        DispatchQueue.global().async { [ingestor, delivery] in
            slot.admissions.reserveCapacity(entries.count)
            slot.times.reserveCapacity(entries.count)
            for entry in entries {
                let admitted = entry.body.withUnsafeBufferPointer { ingestor.admit($0, delivery: delivery) }
                if case .success(let admission) = admitted {
                    slot.admissions.append(admission)
                    slot.times.append(entry.receivedAt)
                }
            }
            slot.done.signal()
        }
        inFlight.append(slot)
        while inFlight.count > depth { storeOldest() }
    }

    func finish() {
        while !inFlight.isEmpty { storeOldest() }
    }

    private func storeOldest() {
        let slot = inFlight.removeFirst()
        slot.done.wait()
        ingestor.store.ingest(batch: slot.admissions, receivedAt: slot.times)
    }
}
