import HubtopCore

#if canImport(Glibc)
    import Glibc
#endif

/// libFuzzer entry point: every input must decode or be refused, never crash or hang, and a
/// decoded payload must survive the store and the terminal sanitiser.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    fuzzSources(bytes)
    // The repository cache never changes what a body decodes to: not when it learns from
    // it (a miss), not when it answers for it (a hit).
    let cache = RepositoryCache()
    let plain = Result { () throws(PayloadError) in try PayloadDecoder.decode(bytes) }
    for round in 0..<2 {
        let cached = Result { () throws(PayloadError) in try PayloadDecoder.decode(bytes, cache: cache) }
        switch (plain, cached) {
        case (.success(let a), .success(let b)):
            precondition(a == b, "the cache changed a payload (round \(round))")
        case (.failure(let a), .failure(let b)):
            precondition(a == b, "the cache changed a refusal (round \(round))")
        default: preconditionFailure("the cache changed whether a body decodes (round \(round))")
        }
    }
    guard case .success(let payload) = plain else { return 0 }
    precondition(!payload.repository.repoName.isEmpty, "a decoded payload always has a repository")
    let store = EventStore(capacity: 4)
    store.ingest(payload, receivedAt: 0)
    store.ingest(payload, receivedAt: 1)
    precondition(store.totals.events == 1 || payload.pushedAt == nil, "a redelivery folds")
    for text in [
        payload.repository.repoName, payload.tag ?? "", payload.pusher ?? "",
        payload.repository.dockerfile ?? "",
    ] {
        precondition(
            !TerminalSanitizer.multiline(text).unicodeScalars.contains {
                $0 != "\n" && TerminalSanitizer.isUnsafe($0)
            })
    }
    return 0
}

/// libFuzzer entry point for journal files read back at start: any bytes split anywhere must
/// give entries in range or counted skips, and every entry must go through the ingest path
/// into a store within its budget — never a crash (a `1e19` time once trapped here).
public func fuzzJournal(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let split = size == 0 ? 0 : Int(bytes[0]) % (size + 1)
    let ingestor = Ingestor(store: EventStore(capacity: 8, memoryBudget: 64 * 1024))
    var report = JournalReport()
    // Either format: the first bytes decide, as they do for a file.
    var lines = JournalStream()
    var entries = 0
    let handle: (JournalEntry) -> Bool = { entry in
        precondition(JournalLines.isInRange(entry), "out-of-range entries are skipped")
        entries += 1
        _ = ingestor.ingest(entry.body, receivedAt: entry.receivedAt)
        return true
    }
    _ = lines.feed(UnsafeBufferPointer(rebasing: bytes[0..<split]), &report, handle)
    _ = lines.feed(UnsafeBufferPointer(rebasing: bytes[split..<size]), &report, handle)
    _ = lines.finish(&report, handle)
    precondition(entries + report.corrupt + report.outOfRange + (report.tornTail ? 1 : 0) <= report.lines)
    precondition(ingestor.store.totals.events <= 8)
    return 0
}

/// Which entry point libFuzzer drives: `HUBTOP_FUZZ_TARGET=journal` or `journal-damage`, else
/// the decoder.
let fuzzTarget: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt =
    switch getenv("HUBTOP_FUZZ_TARGET").map({ String(cString: $0) }) {
    case "journal": { fuzzJournal($0, $1) }
    case "journal-damage": { fuzzJournalDamage($0, $1) }
    default: { fuzzDecoder($0, $1) }
    }

#if HUBTOP_FUZZ
    /// libFuzzer's driver, for a main of our own: SwiftPM renames an executable's `main`.
    @_silgen_name("LLVMFuzzerRunDriver")
    func runFuzzerDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
    ) -> CInt

    @_cdecl("HubtopFuzz_main")
    public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        var count = argc
        var arguments = argv
        return runFuzzerDriver(&count, &arguments, fuzzTarget)
    }
#else
    /// Without libFuzzer (a plain `swift build`) there is nothing to drive the target.
    @_cdecl("HubtopFuzz_main")
    public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        print("HubtopFuzz is built by Fuzz/run.sh (with -sanitize=fuzzer); it does nothing on its own.")
        return 2
    }
#endif
