import HubtopCore

/// libFuzzer entry point for the journal's recovery promise: records built from the input,
/// then bytes flipped anywhere after the file header — every record whose own bytes are all
/// intact must come back, in order, and the offset a writer would cut at must lie after them.
///
/// The input: the record count, the flip count, the flips (offset u16, xor u8), then the bytes
/// the bodies are cut from (so the fuzzer can plant markers and forged headers in them).
public func fuzzJournalDamage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    guard input.count >= 3 else { return 0 }
    let recordCount = 1 + Int(input[0]) % 12
    let flipCount = Int(input[1]) % 8
    let split = Int(input[2])
    var cursor = 3
    var flips: [(offset: Int, xor: UInt8)] = []
    while flips.count < flipCount, cursor + 3 <= input.count {
        let offset = Int(input[cursor]) | Int(input[cursor + 1]) << 8
        flips.append((offset, input[cursor + 2] == 0 ? 0xFF : input[cursor + 2]))
        cursor += 3
    }
    let bodies = cutBodies(UnsafeBufferPointer(rebasing: input[cursor...]), into: recordCount)

    var file = JournalRecords.fileHeader
    var spans: [Range<Int>] = []
    for (index, body) in bodies.enumerated() {
        let start = file.count
        file += body.withUnsafeBufferPointer {
            JournalRecords.encode(body: $0, receivedAt: 1_700_000_000 + Double(index), source: "hub")
        }
        spans.append(start..<file.count)
    }
    let recordsStart = JournalRecords.fileHeader.count
    var flipped = Set<Int>()
    for flip in flips {
        let at = recordsStart + flip.offset % (file.count - recordsStart)
        file[at] ^= flip.xor
        flipped.insert(at)
    }

    var stream = JournalStream()
    var report = JournalReport()
    var back: [JournalEntry] = []
    let keep: (JournalEntry) -> Bool = {
        back.append($0)
        return true
    }
    let cut = split % (file.count + 1)
    file.withUnsafeBufferPointer { bytes in
        _ = stream.feed(UnsafeBufferPointer(rebasing: bytes[..<cut]), &report, keep)
        _ = stream.feed(UnsafeBufferPointer(rebasing: bytes[cut...]), &report, keep)
    }
    _ = stream.finish(&report, keep)

    // The intact records, matched in order against what came back (a damaged record may be
    // lost; an intact one never).
    var next = back.startIndex
    for (index, span) in spans.enumerated() where !span.contains(where: flipped.contains) {
        let time = 1_700_000_000 + Double(index)
        guard
            let found = back[next...].firstIndex(where: { $0.receivedAt == time && $0.body == bodies[index] })
        else { preconditionFailure("intact record \(index) of \(spans.count) did not come back") }
        next = found + 1
        precondition(
            (stream.validEnd ?? 0) >= span.upperBound, "the cut offset lies before intact record \(index)")
    }
    return 0
}

/// The body bytes cut into `count` pieces of nearly equal length.
private func cutBodies(_ bytes: UnsafeBufferPointer<UInt8>, into count: Int) -> [[UInt8]] {
    let share = bytes.count / count
    return (0..<count).map { index in
        let end = index == count - 1 ? bytes.count : (index + 1) * share
        return Array(bytes[index * share..<end])
    }
}
