import HubtopCore
import HubtopServer

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program to completion with bytes on its stdin, collecting stdout and stderr together,
/// killing it (and everything it started: it leads a process group of its own) at a deadline.
/// It inherits no descriptor of this process but the three it is given: the listener's sockets
/// stay the listener's.
/// glibc's `pipe2`, which Swift's Glibc module leaves out (it sits behind `_GNU_SOURCE`).
@_silgen_name("pipe2")
func systemPipe2(_ descriptors: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32

enum ChildProcess {
    enum Status: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        case notStarted(String)
    }

    static func run(
        _ arguments: [String], input: [UInt8], environment: [String: String], timeout: Double,
        outputLimit: Int = 65_536
    ) -> (status: Status, output: [UInt8]) {
        var stdin: [Int32] = [-1, -1]
        var stdout: [Int32] = [-1, -1]
        // Close-on-exec from birth: a command another thread starts meanwhile inherits neither end.
        guard systemPipe2(&stdin, O_CLOEXEC) == 0 else { return (.notStarted("no pipe"), []) }
        guard systemPipe2(&stdout, O_CLOEXEC) == 0 else {
            for fd in stdin { close(fd) }
            return (.notStarted("no pipe"), [])
        }
        let spawned = spawn(arguments, environment: environment, stdin: stdin[0], stdout: stdout[1])
        let pid = spawned.pid
        close(stdin[0])
        close(stdout[1])
        guard spawned.error == 0 else {
            close(stdin[1])
            close(stdout[0])
            return (
                .notStarted(
                    "cannot run \(TerminalSanitizer.line(arguments[0])): \(String(cString: strerror(spawned.error)))"
                ), []
            )
        }
        let deadline = Self.now() + timeout
        let exchanged = exchange(
            input, stdin: stdin[1], stdout: stdout[0], until: deadline, outputLimit: outputLimit)
        let output = exchanged.output
        var timedOut = exchanged.timedOut
        if exchanged.inputOpen { close(stdin[1]) }
        close(stdout[0])
        // The deadline holds after the output ends too: a command that closed its stdout and
        // stderr (`exec ./deploy.sh >>deploy.log 2>&1`) may still run for ever.
        var status: Int32 = 0
        if !timedOut { timedOut = !waitForExit(pid, &status, until: deadline) }
        if timedOut {
            kill(-pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return (.timedOut, output)
        }
        if status & 0x7F == 0 { return (.exited((status >> 8) & 0xFF), output) }
        return (.signalled(status & 0x7F), output)
    }

    /// Starts the command in a process group of its own, with `stdin` and `stdout` (also its
    /// stderr, unless `stderr` is given) as its standard descriptors and nothing else of ours
    /// open; `error` is 0 or errno.
    static func spawn(
        _ arguments: [String], environment: [String: String], stdin: Int32, stdout: Int32,
        stderr: Int32? = nil
    ) -> (pid: pid_t, error: Int32) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr ?? stdout, 2)
        // Everything else this process has open is closed in the child (close-on-exec covers
        // what NIO and the journal open; this covers what might not be).
        if let directory = opendir("/proc/self/fd") {
            var open: [Int32] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if let fd = Int32(name), fd > 2 { open.append(fd) }
            }
            closedir(directory)
            for fd in open { posix_spawn_file_actions_addclose(&actions, fd) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        // A clean signal state: nothing this process blocks or ignores is handed down.
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let error = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        return (pid, error)
    }

    /// Writes `input` while reading the output (the last `outputLimit` bytes kept) until the
    /// output ends or `deadline` passes.
    private static func exchange(
        _ input: [UInt8], stdin: Int32, stdout: Int32, until deadline: Double, outputLimit: Int
    ) -> (output: [UInt8], inputOpen: Bool, timedOut: Bool) {
        // A command that exits without reading its input makes our write raise SIGPIPE, whose
        // default would end this whole process: it is blocked on this thread while we write, and
        // one left pending is taken back before it is unblocked.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previousMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previousMask)
        defer {
            var pending = sigset_t()
            sigpending(&pending)
            if sigismember(&pending, SIGPIPE) == 1 {
                var zero = timespec()
                _ = sigtimedwait(&pipeSignal, nil, &zero)
            }
            pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        }
        // The input first (a command that does not read it must not block us: non-blocking,
        // and what it does not take is dropped).
        _ = fcntl(stdin, F_SETFL, fcntl(stdin, F_GETFL) | O_NONBLOCK)
        var offset = 0
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        var inputOpen = true
        var timedOut = false
        while true {
            var fds = [pollfd(fd: stdout, events: Int16(POLLIN), revents: 0)]
            if inputOpen { fds.append(pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)) }
            let left = deadline - Self.now()
            if left <= 0 {
                timedOut = true
                break
            }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(left, 1) * 1000) + 1)
            if ready < 0 && errno != EINTR { break }
            if inputOpen, fds.count > 1, fds[1].revents != 0 {
                let written = input.withUnsafeBytes {
                    write(stdin, $0.baseAddress! + offset, $0.count - offset)
                }
                if written > 0 { offset += written }
                if written < 0 && errno != EAGAIN && errno != EINTR || offset >= input.count {
                    close(stdin)
                    inputOpen = false
                }
            }
            if fds[0].revents != 0 {
                let count = read(stdout, &chunk, chunk.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                output += chunk[0..<count]
                if output.count > outputLimit { output.removeFirst(output.count - outputLimit) }
            }
        }
        return (output, inputOpen, timedOut)
    }

    /// Waits for `pid` to exit until `deadline`; false when it is still running then. Checked
    /// every 50 ms at first, less often as time passes: this only runs while a command outlives
    /// its output, and there is no descriptor to wait on for a process here.
    static func waitForExit(_ pid: pid_t, _ status: inout Int32, until deadline: Double) -> Bool {
        var step = 0.05
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid || (reaped < 0 && errno != EINTR) { return true }
            let left = deadline - now()
            if left <= 0 { return false }
            var pause = timespec(tv_sec: 0, tv_nsec: Int(min(step, left) * 1e9))
            nanosleep(&pause, nil)
            step = min(step * 2, 0.5)
        }
    }

    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
