import HubtopCore

/// libFuzzer entry point: every input must decode or be refused, never crash or hang, and a
/// decoded payload must survive the store and the terminal sanitiser.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let payload = try? PayloadDecoder.decode(bytes) else { return 0 }
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
        return runFuzzerDriver(&count, &arguments) { data, size in fuzzDecoder(data, size) }
    }
#else
    /// Without libFuzzer (a plain `swift build`) there is nothing to drive the target.
    @_cdecl("HubtopFuzz_main")
    public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        print("HubtopFuzz is built by Fuzz/run.sh (with -sanitize=fuzzer); it does nothing on its own.")
        return 2
    }
#endif
