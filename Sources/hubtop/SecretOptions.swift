import ArgumentParser
import HubtopCore

#if canImport(Glibc)
    import Glibc
#endif

/// A secret given on the command line: parsed straight into `Secret`, so no message, dump or
/// help text can show it.
extension Secret: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// Secrets read from files (`--token-file`, systemd credentials, Docker secrets): the file's
/// text less one trailing line break, and a warning, as ssh gives, when other users may read it.
enum SecretFile {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The secret in `path`, for the option `option` (named in errors; the text never is).
    static func read(_ path: String, option: String) throws(Failure) -> Secret {
        let bytes: [UInt8]
        do { bytes = try Console.readAll(path) } catch { throw Failure(description: "\(option): \(error)") }
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        if text.hasSuffix("\r") { text.removeLast() }
        guard !text.isEmpty else { throw Failure(description: "\(option): \(path) is empty") }
        return Secret(text)
    }

    /// Both ways at once is a usage error; else the flag's value, else the file's.
    static func either(_ value: Secret?, _ option: String, file: String?, _ fileOption: String)
        throws(Failure)
        -> Secret?
    {
        guard let file else { return value }
        guard value == nil else { throw Failure(description: "give \(option) or \(fileOption), not both") }
        return try read(file, option: fileOption)
    }

    /// A warning when `path` may be read by its group or by anyone (mode bits 044), as ssh
    /// warns of a private key; nil when it may not, or cannot be looked at.
    static func exposure(of path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & 0o044 != 0 else { return nil }
        let mode = String(info.st_mode & 0o777, radix: 8)
        return "hubtop: warning: \(path) holds a secret and other users may read it (mode \(mode));"
            + " chmod 600 \(path)"
    }
}
