import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a command to completion without Foundation's `Process`: Foundation learns of a child's
/// exit from SIGCHLD, which the kernel may hand to a thread of this test process (NIO's event
/// loops run here too) where it is lost, and `waitUntilExit` then waits forever; a tmux client
/// that starts a server, or `pg_ctl start`, leaves a daemon behind that it copes with no better.
public enum Spawned {
    public enum Capture {
        /// Standard output only; stderr goes to /dev/null.
        case output
        /// Standard output and stderr together.
        case both
        case nothing
    }

    public static func run(_ arguments: [String], capture: Capture = .both) throws -> (
        status: Int32, output: String
    ) {
        var fds: [Int32] = [0, 0]
        guard closeOnExecPipe(&fds) else { throw FixtureFailure(description: "pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if capture == .nothing {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        }
        if capture == .both {
            posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        // Nothing else of this process's: a daemon that lives on would hold a listener's
        // accepted sockets open (so their close never reaches the client).
        closeEverythingElse(&actions)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        close(fds[1])
        defer { close(fds[0]) }
        guard status == 0 else {
            throw FixtureFailure(description: "cannot start \(arguments[0]): \(status)")
        }
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(fds[0], &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            output.append(contentsOf: chunk[0..<count])
        }
        var exitStatus: Int32 = 0
        while waitpid(pid, &exitStatus, 0) < 0 && errno == EINTR {}
        let code = (exitStatus & 0x7F) == 0 ? (exitStatus >> 8) & 0xFF : 128 + (exitStatus & 0x7F)
        return (code, String(decoding: output, as: UTF8.self))
    }
}

/// A pipe whose ends are not inherited by children (`dup2` onto 0/1/2 clears the flag for those).
public func closeOnExecPipe(_ fds: inout [Int32]) -> Bool {
    guard pipe(&fds) == 0 else { return false }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return true
}

/// Adds a close action for every descriptor above stderr: a spawned process (a tmux server that
/// lives on, above all) must not inherit sockets of the listeners running beside it in this test
/// process, or their close would never reach the client. (glibc ignores closing one that is
/// already closed; `closefrom` is not visible from Swift.)
public func closeEverythingElse(_ actions: inout posix_spawn_file_actions_t) {
    let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    for fd in open.compactMap({ Int32($0) }) where fd > 2 {
        posix_spawn_file_actions_addclose(&actions, fd)
    }
}
