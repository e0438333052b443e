import HubtopIO
import HubtopServer

#if canImport(Glibc)
    import Glibc
#endif

/// Where hubtop keeps its own files, by the XDG base directory rules.
enum StatePaths {
    /// `$XDG_STATE_HOME/hubtop`, else `~/.local/state/hubtop`.
    static var stateDirectory: String {
        base("XDG_STATE_HOME", fallback: ".local/state") + "/hubtop"
    }

    /// `$XDG_CONFIG_HOME/hubtop/config.toml`, else `~/.config/hubtop/config.toml`.
    static var configFile: String {
        base("XDG_CONFIG_HOME", fallback: ".config") + "/hubtop/config.toml"
    }

    private static func base(_ variable: String, fallback: String) -> String {
        // The spec: a relative path in the variable is invalid and must be ignored.
        if let value = Environment.value(variable), value.hasPrefix("/") { return value }
        let home = Environment.value("HOME").flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        return (home.hasSuffix("/") ? String(home.dropLast()) : home) + "/" + fallback
    }

    /// Creates `path` and its missing parents, each `0700`.
    static func makeDirectory(_ path: String) -> Bool {
        var current = ""
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o700) != 0 && errno != EEXIST { return false }
        }
        return true
    }
}

/// The webhook token kept between runs, so the URL given to Docker Hub stays the same.
enum TokenStore {
    static var path: String { StatePaths.stateDirectory + "/token" }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// The kept token is there but unusable (too weak): a run must not quietly use another.
        var unusable = false
    }

    /// The kept token, or nil when there is none yet.
    static func load() throws(Failure) -> String? {
        guard access(path, F_OK) == 0 else { return nil }
        let text: String
        do {
            text = String(decoding: try Console.readAll(path), as: UTF8.self)
        } catch {
            throw Failure(description: "cannot read \(path): \(error)")
        }
        let token = String(text.filter { !$0.isWhitespace })
        if let problem = WebhookToken.problem(with: token, name: "the token in \(path)") {
            throw Failure(description: problem + " (hubtop token --rotate makes a new one)", unusable: true)
        }
        return token
    }

    /// Makes a new token and keeps it (`0600`), replacing any earlier one.
    static func create() throws(Failure) -> String {
        guard StatePaths.makeDirectory(StatePaths.stateDirectory) else {
            throw Failure(description: "cannot create \(StatePaths.stateDirectory): \(lastError())")
        }
        let token = WebhookToken.random()
        let temporary = path + ".new"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(description: "cannot write \(temporary): \(lastError())") }
        let bytes = Array((token + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Failure(description: "cannot write \(path): \(lastError())")
        }
        return token
    }

    /// The kept token, made on first use; `created` tells which.
    static func loadOrCreate() throws(Failure) -> (token: String, created: Bool) {
        if let token = try load() { return (token, false) }
        return (try create(), true)
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
