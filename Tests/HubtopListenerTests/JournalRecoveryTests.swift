import Foundation
import Testing

@testable import HubtopCore
@testable import HubtopIO
@testable import HubtopServer

/// Damage found when a journal is opened never costs a record whose own bytes are intact, and
/// nothing that is not a journal is ever rewritten.
@Suite struct JournalRecoveryTests {
    /// Ten records `{"n":i}` at times `i`, and where each starts.
    func tenRecords(body: (Int) -> [UInt8] = { bytes(#"{"n":\#($0)}"#) }) -> (file: [UInt8], starts: [Int]) {
        var file = JournalRecords.fileHeader
        var starts: [Int] = []
        for index in 0..<10 {
            starts.append(file.count)
            file += body(index).withUnsafeBufferPointer {
                Journal.record(body: $0, receivedAt: Double(index), source: nil)
            }
        }
        return (file, starts)
    }

    /// Gives the record at `offset` a body length of nearly 256 MiB with a header check that
    /// still passes (one damaged length in 65 536 does).
    func claimHugeLength(_ file: inout [UInt8], at offset: Int) {
        let huge = UInt32(0x0FFF_FF00)
        withUnsafeBytes(of: huge.littleEndian) { file.replaceSubrange(offset + 4..<offset + 8, with: $0) }
        let check = file.withUnsafeBytes { JournalRecords.headerCheck($0, at: offset) }
        file[offset + 10] = UInt8(check & 0xFF)
        file[offset + 11] = UInt8(check >> 8)
    }

    func asideFiles(_ path: String) throws -> [String] {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        return try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasPrefix(name + ".damaged-") }
            .map { directory + "/" + $0 }
    }

    @Test func aDamagedLengthThatPassesTheHeaderCheckCostsOnlyItsRecord() throws {
        let path = temporaryPath("damaged-length")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var (file, starts) = tenRecords()
        claimHugeLength(&file, at: starts[2])
        #expect(FileManager.default.createFile(atPath: path, contents: Data(file)))
        let read = try times(path)
        #expect(read.times == [0, 1, 3, 4, 5, 6, 7, 8, 9], "\(read.report)")
        #expect(read.report.corrupt == 1 && !read.report.tornTail)
        let journal = try Journal(path: path, policy: .always)
        try bytes("{}").withUnsafeBufferPointer { try journal.append(body: $0, receivedAt: 10, source: nil) }
        #expect(try times(path).times == [0, 1, 3, 4, 5, 6, 7, 8, 9, 10], "nothing was cut")
        #expect(try journal.notice == nil && asideFiles(path).isEmpty)
    }

    @Test func aHeaderForgedInsideADamagedBodyIsNotBelievedWithoutItsChecksum() throws {
        let path = temporaryPath("forged-header")
        defer { try? FileManager.default.removeItem(atPath: path) }
        // A sender's body that carries what looks like a record header claiming 256 MiB.
        var forged = JournalRecords.fileHeader + [UInt8](repeating: 0, count: 28)
        Array("HUBJ".utf8).withUnsafeBufferPointer {
            forged.replaceSubrange(17..<21, with: $0)
        }
        claimHugeLength(&forged, at: 17)
        let header = Array(forged[17...])
        var (file, starts) = tenRecords { index in
            index == 3
                ? bytes(#"{"n":3,"x":""#) + header + bytes(#"","y":"tail"}"#) : bytes(#"{"n":\#(index)}"#)
        }
        // Intact, the record reads as a whole and the header inside it is just body bytes.
        #expect(FileManager.default.createFile(atPath: path, contents: Data(file)))
        #expect(try times(path).times == (0..<10).map(Double.init))
        // One damaged byte after the forged header.
        file[starts[4] - 3] ^= 0x01
        #expect(FileManager.default.createFile(atPath: path, contents: Data(file)))
        let read = try times(path)
        #expect(read.times == [0, 1, 2, 4, 5, 6, 7, 8, 9], "\(read.report)")
        #expect(!read.report.tornTail)
        _ = try Journal(path: path, policy: .always)
        #expect(try times(path).times == [0, 1, 2, 4, 5, 6, 7, 8, 9], "nothing was cut")
    }

    @Test func aTailOfSeveralDamagedRecordsIsMovedAsideNotCut() throws {
        let path = temporaryPath("damaged-tail")
        defer {
            try? FileManager.default.removeItem(atPath: path)
            for aside in (try? asideFiles(path)) ?? [] { try? FileManager.default.removeItem(atPath: aside) }
        }
        var (file, starts) = tenRecords()
        claimHugeLength(&file, at: starts[7])
        file[starts[9] - 2] ^= 0x04
        file[file.count - 2] ^= 0x04
        let tail = Array(file[starts[7]...])
        // Opened with what a replay found, and on its own.
        for fromReplay in [true, false] {
            for aside in try asideFiles(path) { try FileManager.default.removeItem(atPath: aside) }
            #expect(FileManager.default.createFile(atPath: path, contents: Data(file)))
            let read = try times(path)
            #expect(read.times == [0, 1, 2, 3, 4, 5, 6] && read.report.tornTail)
            #expect(read.report.tailHoldsRecords && read.report.validEnd == starts[7])
            let journal =
                fromReplay
                ? try Journal(
                    path: path, policy: .always, validEnd: read.report.validEnd,
                    tailHoldsRecords: read.report.tailHoldsRecords)
                : try Journal(path: path, policy: .always)
            let aside = try asideFiles(path)
            #expect(aside.count == 1)
            let kept = try aside.first.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
            #expect(kept.map(Array.init) == tail, "the damaged records, byte for byte")
            #expect(journal.notice?.contains(aside.first ?? "?") == true, "\(journal.notice ?? "")")
            #expect(journal.problem == journal.notice, "the header says so")
            try bytes("{}").withUnsafeBufferPointer {
                try journal.append(body: $0, receivedAt: 10, source: nil)
            }
            #expect(try times(path).times == [0, 1, 2, 3, 4, 5, 6, 10])
        }
    }

    @Test func oneRecordCutShortIsCutWithoutCopy() throws {
        let path = temporaryPath("crash-tail")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (file, _) = tenRecords()
        #expect(FileManager.default.createFile(atPath: path, contents: Data(file.dropLast(4))))
        let journal = try Journal(path: path, policy: .always)
        #expect(try journal.notice == nil && asideFiles(path).isEmpty)
        #expect(try times(path).times == (0..<9).map(Double.init))
    }

    @Test func aFileThatIsNotAJournalIsRefusedAndLeftAsItWas() throws {
        var noise = SystemRandomNumberGenerator()
        let random = [0x00] + (0..<4096).map { _ in UInt8.random(in: 0...255, using: &noise) }
        for contents in [bytes("my notes\nimportant\n"), random, bytes(#"{"a":1}"# + "\n")] {
            let path = temporaryPath("not-a-journal")
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(FileManager.default.createFile(atPath: path, contents: Data(contents)))
            #expect {
                _ = try Journal(path: path, policy: .always)
            } throws: { error in
                "\(error)".contains("\(path) is not a hubtop journal")
            }
            #expect(throws: JournalError.self) { _ = try JournalReader.read(path) { _ in true } }
            #expect(FileManager.default.contents(atPath: path).map(Array.init) == contents, "untouched")
        }
        // An empty file is a journal yet to be written.
        let empty = temporaryPath("empty-journal")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        _ = try Journal(path: empty, policy: .always)
        #expect(FileManager.default.contents(atPath: empty).map(Array.init) == JournalRecords.fileHeader)
    }

    @Test func aNewJournalIsNeverCreatedThroughASymbolicLink() throws {
        let target = temporaryPath("link-target")
        let path = temporaryPath("journal-link")
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: target)
        }
        // A dangling link where the journal would be made: following it would create `target`.
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
        #expect(throws: JournalError.self) { _ = try Journal(path: path, policy: .always) }
        #expect(!FileManager.default.fileExists(atPath: target))
    }
}
