import BenchmarkSupport
import Foundation
import HubtopCore
import HubtopIO
import HubtopServer
import HubtopTUI

// The figures of issue #6 that can be measured in one process, each beside a baseline measured
// in the same run where there is one. `Benchmarks/figures.sh` runs every mode and prints the
// table; each mode prints `figure<TAB>value<TAB>unit` lines.
//   HubtopFigures decode | memory hubtop|naive N | render N | replay N

func now() -> ContinuousClock.Instant { ContinuousClock.now }

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

/// Resident set size in bytes.
func residentBytes() -> Int {
    let text = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
    let pages = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func report(_ figure: String, _ value: Double, _ unit: String) {
    // Unbuffered, so a figure is out even if a later mode is killed.
    let line = Array("\(figure)\t\(value)\t\(unit)\n".utf8)
    _ = line.withUnsafeBufferPointer { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
}

/// Per-payload decode time, hubtop's decoder and JSONDecoder alternating in rounds.
func decode() throws {
    var mix = RealisticMix(seed: 7)
    let bodies = (0..<2000).map { _ in mix.next() }
    var ours: [Double] = []
    var cached: [Double] = []
    var recognised: [Double] = []
    var theirs: [Double] = []
    // What the listener's headers say of a Docker Hub delivery.
    let hints = DeliveryHints(contentType: "application/json", proof: .urlToken)
    // As the listener decodes: with the repository cache, which the mix's 520 repositories
    // fill on the first pass and then hit until a Dockerfile changes.
    let cache = RepositoryCache()
    for body in bodies {
        _ = try body.withUnsafeBufferPointer { try PayloadDecoder.decode($0, cache: cache) }
    }
    for _ in 0..<9 {
        var start = now()
        for _ in 0..<5 {
            for body in bodies { _ = try body.withUnsafeBufferPointer { try PayloadDecoder.decode($0) } }
        }
        ours.append(seconds(now() - start) / Double(bodies.count * 5))
        start = now()
        for _ in 0..<5 {
            for body in bodies {
                _ = try body.withUnsafeBufferPointer { try PayloadDecoder.decode($0, cache: cache) }
            }
        }
        cached.append(seconds(now() - start) / Double(bodies.count * 5))
        // The listener's path since other registries: the format recognised, then decoded.
        start = now()
        for _ in 0..<5 {
            for body in bodies {
                _ = try body.withUnsafeBufferPointer {
                    try WebhookDecoder.decode($0, hints: hints, cache: cache)
                }
            }
        }
        recognised.append(seconds(now() - start) / Double(bodies.count * 5))
        start = now()
        for body in bodies { _ = try NaivePayload.decode(body) }
        theirs.append(seconds(now() - start) / Double(bodies.count))
    }
    let size = Double(bodies.map(\.count).reduce(0, +)) / Double(bodies.count)
    report("payload_bytes", size, "B")
    report("decode_hubtop", median(ours) * 1e6, "us")
    report("decode_hubtop_cached", median(cached) * 1e6, "us")
    report("decode_jsondecoder", median(theirs) * 1e6, "us")
    report("decode_ratio", median(ours) / median(theirs), "x")
    report("decode_ratio_cached", median(cached) / median(theirs), "x")
    report("decode_recognised_cached", median(recognised) * 1e6, "us")
    report("decode_ratio_recognised", median(recognised) / median(theirs), "x")
}

/// Each other registry's decoder on its sample, beside Foundation's generic JSON parse of the
/// same bytes (`JSONSerialization`), in alternating rounds.
func sources() throws {
    for name in SourceSamples.names {
        guard let sample = SourceSamples.sample(name) else { continue }
        let hints = sample.hints()
        let data = Data(sample.body)
        var ours: [Double] = []
        var theirs: [Double] = []
        let rounds = 2000
        for _ in 0..<9 {
            var start = now()
            for _ in 0..<rounds {
                _ = try sample.body.withUnsafeBufferPointer { try WebhookDecoder.decode($0, hints: hints) }
            }
            ours.append(seconds(now() - start) / Double(rounds))
            start = now()
            for _ in 0..<rounds { _ = try JSONSerialization.jsonObject(with: data) }
            theirs.append(seconds(now() - start) / Double(rounds))
        }
        report("source_\(name)_bytes", Double(sample.body.count), "B")
        report("source_\(name)_hubtop", median(ours) * 1e6, "us")
        report("source_\(name)_jsonserialization", median(theirs) * 1e6, "us")
    }
}

/// RSS growth per stored event over `count` events of the realistic mix.
func memory(_ kind: String, _ count: Int) throws {
    var mix = RealisticMix(seed: 11)
    // Warm up the allocator and the code paths, then measure from here.
    let store = EventStore(capacity: count + 1)
    let ingestor = Ingestor(store: store)
    var naive: [NaivePayload] = []
    if kind == "naive" { naive.reserveCapacity(count) }
    _ = ingestor.ingest(mix.next(), receivedAt: 1)
    let before = residentBytes()
    let counted = store.totals.bytes
    for index in 0..<count {
        let body = mix.next()
        let time = 1_790_000_000 + Double(index) * 0.05
        switch kind {
        case "naive": naive.append(try NaivePayload.decode(body))
        // As the listener stores a delivery: with what it saw of the request and an id of its own.
        case "delivered":
            let delivery = DeliveryInfo(
                origin: .webhook, source: "127.0.0.1", userAgent: "Go-http-client/1.1 (hookshot)",
                deliveryID: "Zq9xY2ab-\(index + 1)")
            _ = ingestor.ingest(body, receivedAt: time, delivery: delivery)
        // The same with ids that do not end in a number: each event keeps its own details (as
        // every event did before they were shared).
        case "delivered_unshared":
            let delivery = DeliveryInfo(
                origin: .webhook, source: "127.0.0.1", userAgent: "Go-http-client/1.1 (hookshot)",
                deliveryID: "\(index + 1)-Zq9xY2ab")
            _ = ingestor.ingest(body, receivedAt: time, delivery: delivery)
        default: _ = ingestor.ingest(body, receivedAt: time)
        }
    }
    let after = residentBytes()
    report("memory_\(kind)", Double(after - before) / Double(count), "B/event")
    // What the memory budget counts for the same events, to compare with what RSS shows.
    report("memory_\(kind)_counted", Double(store.totals.bytes - counted) / Double(count), "B/event")
    withExtendedLifetime((store, naive)) {}
}

/// Frame render and filter keystrokes with `count` events stored.
func render(_ count: Int) {
    let start = now()
    let store = RealisticMix.store(events: count)
    report("fill_store", seconds(now() - start), "s")
    let model = DashboardDriver(store: store, rejections: RejectionCounter())
    var state = DashboardState(
        width: 160, height: 50, now: 1_790_000_000 + Double(count) * 0.05, webhookURL: "x")
    model.update(&state, .tick(now: state.now))
    model.refresh(&state)
    var frames: [Double] = []
    for _ in 0..<60 {
        let begin = now()
        let buffer = View.render(state)
        frames.append(seconds(now() - begin))
        precondition(buffer.width == 160)
    }
    report("frame_render_p50", median(frames) * 1e3, "ms")
    report("frame_render_max", frames.max()! * 1e3, "ms")
    // A store change with the dashboard live: refresh (re-query) plus a frame.
    var refreshes: [Double] = []
    for _ in 0..<30 {
        let begin = now()
        model.update(&state, .storeChanged)
        _ = View.render(state)
        refreshes.append(seconds(now() - begin))
    }
    report("store_change_frame_p50", median(refreshes) * 1e3, "ms")
    // Typing a repository filter, then clearing it, focused on the history.
    var keys: [Double] = []
    model.update(&state, .key(.character("4")))
    for round in 0..<5 {
        model.update(&state, .key(.character("/")))
        for character in "org\(round)1/service" {
            let begin = now()
            model.update(&state, .key(.character(character)))
            _ = View.render(state)
            keys.append(seconds(now() - begin))
        }
        let begin = now()
        model.update(&state, .key(.escape))
        _ = View.render(state)
        keys.append(seconds(now() - begin))
    }
    report("filter_key_p50", median(keys) * 1e3, "ms")
    report("filter_key_max", keys.max()! * 1e3, "ms")
}

/// Journal replay speed: a journal of `count` deliveries read into a fresh store — the first
/// format (NDJSON lines) ingested one at a time as the first round did, beside the record
/// format through the pipelined replay hubtop uses now — and what each costs on disk.
func replay(_ count: Int) throws {
    for format in ["lines", "records"] {
        let path = NSTemporaryDirectory() + "hubtop-figures-\(getpid()).\(format)"
        defer { unlink(path) }
        writeJournal(count, to: path, format: format)
        var info = stat()
        stat(path, &info)
        report("journal_bytes_per_event_\(format)", Double(info.st_size) / Double(count), "B")
        try replay(path: path, count: count, format: format)
    }
}

func writeJournal(_ count: Int, to path: String, format: String = "records") {
    guard let file = fopen(path, "wb") else { fatalError("cannot write \(path)") }
    if format == "records" {
        _ = JournalRecords.fileHeader.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
    }
    var mix = RealisticMix(seed: 3)
    for index in 0..<count {
        let receivedAt = 1_790_000_000 + Double(index) * 0.05
        let line = mix.next().withUnsafeBufferPointer {
            format == "records"
                ? Journal.record(body: $0, receivedAt: receivedAt, source: "203.0.113.1")
                : JournalLines.line(body: $0, receivedAt: receivedAt, source: "203.0.113.1")
        }
        _ = line.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
    }
    fclose(file)
}

func replay(path: String, count: Int, format: String) throws {
    let store = EventStore(capacity: count)
    let ingestor = Ingestor(store: store)
    let start = now()
    if format == "records" {
        _ = try JournalReplay.replay(path, into: ingestor, delivery: nil)
    } else {
        _ = try JournalReader.read(path) { entry in
            _ = ingestor.ingest(entry.body, receivedAt: entry.receivedAt)
            return true
        }
    }
    let elapsed = seconds(now() - start)
    precondition(store.totals.events == count, "replayed \(store.totals.events) of \(count)")
    report("replay_rate_\(format)", Double(count) / elapsed, "events/s")
    report("replay_seconds_\(format)", elapsed, "s")
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "decode": try decode()
case "sources": try sources()
case "decode-only":  // for profiling hubtop's decoder alone
    var mix = RealisticMix(seed: 7)
    let bodies = (0..<2000).map { _ in mix.next() }
    for _ in 0..<100 {
        for body in bodies { _ = try body.withUnsafeBufferPointer { try PayloadDecoder.decode($0) } }
    }
case "memory":
    try memory(arguments.dropFirst().first ?? "hubtop", Int(arguments.dropFirst(2).first ?? "") ?? 1_000_000)
case "layout":  // what one stored event costs inline, field by field
    report("stored_event", Double(MemoryLayout<StoredEvent>.stride), "B")
    report("payload", Double(MemoryLayout<WebhookPayload>.stride), "B")
    report("image_list", Double(MemoryLayout<ImageList>.stride), "B")
    report("dhi", Double(MemoryLayout<DHIMetadata?>.stride), "B")
    report("string_optional", Double(MemoryLayout<String?>.stride), "B")
case "render": render(Int(arguments.dropFirst().first ?? "") ?? 1_000_000)
case "render-only":  // for profiling a frame alone: ticks and frames, over and over
    let store = RealisticMix.store(events: Int(arguments.dropFirst().first ?? "") ?? 100_000)
    let model = DashboardDriver(store: store, rejections: RejectionCounter())
    var state = DashboardState(width: 160, height: 50, now: 1_790_010_000, webhookURL: "x")
    model.refresh(&state)
    for tick in 0..<3000 {
        model.update(&state, .tick(now: 1_790_010_000 + Double(tick)))
        precondition(View.render(state).width == 160)
    }
case "replay": try replay(Int(arguments.dropFirst().first ?? "") ?? 1_000_000)
// For profiling the two halves apart: write-journal N PATH, then replay-file N PATH.
case "write-journal": writeJournal(Int(arguments.dropFirst().first ?? "") ?? 100_000, to: arguments.last!)
case "replay-file":
    try replay(
        path: arguments.last!, count: Int(arguments.dropFirst().first ?? "") ?? 100_000, format: "records")
default:
    print("usage: HubtopFigures decode | sources | memory hubtop|naive N | render N | replay N")
    exit(2)
}
