import DequeModule
import Dispatch
import HubtopCore
import HubtopServer
import NIOCore

/// Replays a journal into the store with every core: the calling thread reads records and
/// stores batches in order while batches further on are decoded on the others.
public enum JournalReplay {
    static let batchSize = 256
    /// A batch also ends past this many body bytes: a journal of large bodies (900 KB
    /// Dockerfiles) must not queue hundreds of megabytes for the decoders.
    static let batchBytes = 2 << 20

    /// Reads `path` (and `PATH.1` first) into `ingestor`'s store, each event stamped with
    /// `delivery`; refused bodies are counted as the listener counts them.
    public static func replay(
        _ path: String, into ingestor: Ingestor, delivery: DeliveryInfo?,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> JournalReport {
        let pipeline = DecodePipeline(ingestor: ingestor, delivery: delivery)
        var batch: [JournalEntry] = []
        var bytes = 0
        batch.reserveCapacity(batchSize)
        let report = try JournalReader.read(path, progress: progress) { entry in
            batch.append(entry)
            bytes += entry.body.count
            if batch.count == batchSize || bytes >= batchBytes {
                pipeline.submit(batch)
                batch.removeAll(keepingCapacity: true)
                bytes = 0
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
        /// The bodies' bytes: what the slot holds until it is stored, decoded or not.
        let bytes: Int

        init(bytes: Int) { self.bytes = bytes }
    }

    let ingestor: Ingestor
    let delivery: DeliveryInfo?
    private var inFlight = Deque<Slot>()
    /// Batches decoded ahead of the store: enough to keep every core busy, few enough to bound
    /// what waits in memory.
    private let depth = 4 * max(1, System.coreCount)
    /// And bounded by bytes: bodies (and what they decode to) waiting at most about this much.
    private let maximumBytes = 16 << 20
    private var inFlightBytes = 0

    init(ingestor: Ingestor, delivery: DeliveryInfo?) {
        self.ingestor = ingestor
        self.delivery = delivery
    }

    func submit(_ entries: [JournalEntry]) {
        guard !entries.isEmpty else { return }
        let slot = Slot(bytes: entries.reduce(0) { $0 + $1.body.count })
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
        inFlightBytes += slot.bytes
        while inFlight.count > depth || (inFlightBytes > maximumBytes && inFlight.count > 1) { storeOldest() }
    }

    func finish() {
        while !inFlight.isEmpty { storeOldest() }
    }

    private func storeOldest() {
        let slot = inFlight.removeFirst()
        inFlightBytes -= slot.bytes
        slot.done.wait()
        ingestor.store.ingest(batch: slot.admissions, receivedAt: slot.times)
    }
}
