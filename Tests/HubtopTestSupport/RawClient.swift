import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking loopback socket for requests no well-behaved client would send.
public struct RawClient: Sendable {
    public let descriptor: Int32

    public init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw Timeout(description: "connect failed") }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    public func send(_ text: String) { send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything until the server closes (or 15 s pass), read on a thread of its own: a
    /// blocking read on the cooperative pool (two threads on two cores) would stall every other
    /// test's awaits — and their requests, which the listener's first-byte deadline then closes.
    public func readAll() async -> String {
        // A thread of its own, not a global queue: those are as narrow as the core count too.
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.readAllBlocking()) }.start()
        }
    }

    /// Sends `bytes` and reads the whole answer on a thread of its own, timed there: the time
    /// is the server's and the kernel's, not how long this test waited for a thread of the
    /// cooperative pool (which the rest of the suite keeps busy).
    public func exchange(_ bytes: [UInt8]) async -> (answer: String, elapsed: Duration) {
        await withCheckedContinuation { continuation in
            Thread {
                let started = ContinuousClock.now
                self.send(bytes)
                let answer = self.readAllBlocking()
                continuation.resume(returning: (answer, ContinuousClock.now - started))
            }.start()
        }
    }

    public func readAllBlocking() -> String {
        var data = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            if count <= 0 { break }
            data += chunk[0..<count]
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether an answer has arrived (without waiting).
    public func canRead() -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 1
    }

    public func close() { Glibc.close(descriptor) }
}

extension RawClient {
    /// The client's own port, as the server sees it.
    public var localPort: Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension RawClient {
    /// What arrives until `condition` holds of it, the server closes, or 15 s pass without a
    /// byte (a stream that stays open), on a thread of its own.
    public func read(until condition: @escaping @Sendable (String) -> Bool) async -> String {
        await withCheckedContinuation { continuation in
            Thread {
                var data = [UInt8]()
                var chunk = [UInt8](repeating: 0, count: 65_536)
                while !condition(String(decoding: data, as: UTF8.self)) {
                    let count = recv(descriptor, &chunk, chunk.count, 0)
                    if count <= 0 { break }
                    data += chunk[0..<count]
                }
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }.start()
        }
    }
}
