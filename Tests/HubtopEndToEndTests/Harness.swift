import Foundation

/// Where `swift build` put the hubtop binary: next to the test bundle.
enum Binary {
    static var hubtop: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On Linux the bundle is a file in the build folder; elsewhere it may be a directory.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("hubtop").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("hubtop").path
    }
}

struct Timeout: Error, CustomStringConvertible {
    var description: String
}

/// Polls `condition` until it holds or `seconds` pass.
func eventually(
    _ what: String, within seconds: Double = 20, _ condition: () throws -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return }
        // An async sleep: blocking here would starve the other tests of the cooperative pool.
        try await Task.sleep(nanoseconds: 20_000_000)
    }
    if try condition() { return }
    throw Timeout(description: "timed out after \(seconds) s waiting for: \(what)")
}

/// A child process whose output is collected as it arrives.
final class Child: @unchecked Sendable {
    let process = Process()
    private let outBuffer = LockedData()
    private let errBuffer = LockedData()

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: Binary.hubtop)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let outBuffer = self.outBuffer
        let errBuffer = self.errBuffer
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            outBuffer.append(data)
        }
        err.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            errBuffer.append(data)
        }
        try process.run()
    }

    var stdout: String { outBuffer.text }
    var stderr: String { errBuffer.text }

    /// The webhook URL hubtop printed at start.
    func webhookURL() async throws -> String {
        var found: String?
        try await eventually("the webhook URL on stderr") {
            found =
                stderr.split(separator: "\n").compactMap { line -> String? in
                    guard let range = line.range(of: "http://") else { return nil }
                    return String(line[range.lowerBound...]).trimmingCharacters(in: .whitespaces)
                }.first
            return found != nil
        }
        return found!
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    func waitForExit(within seconds: Double = 20) async throws -> Int32 {
        try await eventually("process exit", within: seconds) { !process.isRunning }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

/// Runs hubtop to completion (for `send`) and returns its status and output.
func runHubtop(_ arguments: [String], stdin: String? = nil) throws -> (
    status: Int32, out: String, err: String
) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Binary.hubtop)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (
        process.terminationStatus, String(decoding: outData, as: UTF8.self),
        String(decoding: errData, as: UTF8.self)
    )
}

/// Bytes appended by a reader thread and read by the test.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func append(_ more: Data) {
        lock.lock()
        data.append(more)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}
