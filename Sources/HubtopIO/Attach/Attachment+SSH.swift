import Dispatch
import HubtopCore

#if canImport(Glibc)
    import Glibc
#endif

extension Attachment {
    /// Runs `hubtop stream` on the remote host through the user's ssh (its config, keys and
    /// agent) and reads what it writes. The history comes again with each connection: the
    /// viewer's store keeps each event once.
    func readRemote(
        _ remote: SSHJournal, _ parser: inout ServerSentEventParser,
        _ handle: @escaping @Sendable ([ServerSentEvent]) -> Void
    ) async throws -> String {
        let arguments = sshCommand + remote.arguments(remoteHubtop: remoteHubtop)
        var output: [Int32] = [-1, -1]
        var errors: [Int32] = [-1, -1]
        guard systemPipe2(&output, O_CLOEXEC) == 0 else { return "no pipe" }
        guard systemPipe2(&errors, O_CLOEXEC) == 0 else {
            for fd in output { close(fd) }
            return "no pipe"
        }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        // Without hubtop's own variables: its secrets are not the remote side's business.
        let spawned = ChildProcess.spawn(
            arguments, environment: EventCommand.inheritedEnvironment(), stdin: null, stdout: output[1],
            stderr: errors[1])
        close(null)
        close(output[1])
        close(errors[1])
        guard spawned.error == 0 else {
            close(output[0])
            close(errors[0])
            throw AttachFailure(
                description:
                    "cannot run \(TerminalSanitizer.line(arguments[0])): \(String(cString: strerror(spawned.error)))"
            )
        }
        let pid = spawned.pid
        let box = ParserBox(parser)
        let (outputFD, errorsFD) = (output[0], errors[0])
        let end: RemoteEnd = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async { [self] in
                    continuation.resume(returning: pump(pid, outputFD, errorsFD, box, handle))
                }
            }
        } onCancel: {
            kill(-pid, SIGTERM)
        }
        parser = box.parser
        switch end {
        case .retry(let reason): return reason
        case .fatal(let reason): throw AttachFailure(description: reason)
        }
    }

    enum RemoteEnd {
        case retry(String)
        case fatal(String)
    }

    /// Parsing state handed to the reading thread and back.
    final class ParserBox: @unchecked Sendable {
        // Used by one thread at a time: the reader, then (after it returned) the caller.
        var parser: ServerSentEventParser
        init(_ parser: ServerSentEventParser) { self.parser = parser }
    }

    /// Reads the child's output and errors until both end, then says how it ended.
    private func pump(
        _ pid: pid_t, _ outputFD: Int32, _ errorsFD: Int32, _ box: ParserBox,
        _ handle: @Sendable ([ServerSentEvent]) -> Void
    ) -> RemoteEnd {
        var said: [UInt8] = []
        var open = [outputFD, errorsFD]
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var broken: String?
        var first = true
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for entry in fds where entry.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 {
                    open.removeAll { $0 == entry.fd }
                    continue
                }
                if entry.fd == errorsFD {
                    said += buffer[0..<count]
                    if said.count > 4096 { said.removeFirst(said.count - 4096) }
                } else if broken == nil {
                    if first {
                        first = false
                        status.set(.catchingUp)
                    }
                    do {
                        try buffer.withUnsafeBytes {
                            try deliverRemote(UnsafeRawBufferPointer(rebasing: $0[0..<count]), box, handle)
                        }
                    } catch {
                        broken = "\(error)"
                        kill(-pid, SIGTERM)
                    }
                }
            }
        }
        close(outputFD)
        close(errorsFD)
        var code: Int32 = 0
        while waitpid(pid, &code, 0) < 0 && errno == EINTR {}
        if let broken { return .retry(broken) }
        return Self.remoteEnding(code, said: said, host: status.target.shown)
    }

    private func deliverRemote(
        _ bytes: UnsafeRawBufferPointer, _ box: ParserBox, _ handle: @Sendable ([ServerSentEvent]) -> Void
    ) throws {
        status.heard()
        var events: [ServerSentEvent] = []
        // What came before a message the parser refuses is still handled.
        defer { if !events.isEmpty { handle(events) } }
        try box.parser.feed(bytes) { events.append($0) }
    }

    /// What ssh's (or the remote hubtop's) exit says: worth retrying, or not.
    static func remoteEnding(_ code: Int32, said: [UInt8], host: String) -> RemoteEnd {
        let lines = String(decoding: said, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { TerminalSanitizer.line(String($0)) }.filter { !$0.isEmpty }
        let last = lines.last.map { ": " + $0 } ?? ""
        guard code & 0x7F == 0 else { return .retry("ssh ended by signal \(code & 0x7F)") }
        let status = (code >> 8) & 0xFF
        let text = lines.joined(separator: " ")
        switch status {
        case 0: return .retry("the remote hubtop stream ended")
        case 127: return .fatal("hubtop did not run on the remote host\(last)")
        case 255:
            for fatal in [
                "Permission denied", "Host key verification failed", "Could not resolve hostname",
                "Bad configuration",
            ]
            where text.contains(fatal) {
                return .fatal("ssh to \(host) failed\(last)")
            }
            return .retry("ssh to \(host) failed\(last)")
        default:
            // The remote hubtop refused (no such journal, not a journal): it says why.
            return .fatal("the remote hubtop stream failed (exit \(status))\(last)")
        }
    }
}
