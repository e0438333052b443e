#if canImport(Glibc)
    import Glibc
#endif

/// A theme file somewhere on disk.
public struct ThemeSource: Equatable, Sendable {
    /// The file name without `.toml`: what `--theme` and `HUBTOP_THEME` take.
    public var name: String
    public var path: String

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }
}

/// Finds and loads theme files. Search order: an explicit path, the user's config folder
/// (`$XDG_CONFIG_HOME/hubtop/themes` or `~/.config/hubtop/themes`), the themes installed with the
/// executable (`../share/hubtop/themes` beside it, or a `Themes` folder above it, as in a
/// source checkout), then `./Themes`.
public enum ThemeCatalog {
    public static func searchDirectories() -> [String] {
        var directories: [String] = []
        if let config = environment("XDG_CONFIG_HOME"), !config.isEmpty {
            directories.append(config + "/hubtop/themes")
        } else if let home = environment("HOME"), !home.isEmpty {
            directories.append(home + "/.config/hubtop/themes")
        }
        if let executable = executablePath() {
            var directory = parent(executable)
            directories.append(directory + "/../share/hubtop/themes")
            for _ in 0..<5 {
                directories.append(directory + "/Themes")
                directory = parent(directory)
            }
        }
        directories.append("Themes")
        return directories
    }

    /// Every theme found, the first of each name winning, in search order then by name.
    public static func available(in directories: [String] = searchDirectories()) -> [ThemeSource] {
        var seen: Set<String> = []
        var result: [ThemeSource] = []
        for directory in directories {
            for file in listTOMLFiles(directory).sorted() {
                let name = String(file.dropLast(".toml".count))
                if seen.insert(name).inserted {
                    result.append(ThemeSource(name: name, path: directory + "/" + file))
                }
            }
        }
        return result
    }

    /// A path (anything with a `/` or ending in `.toml`), or a name to look up.
    public static func resolve(_ nameOrPath: String, in directories: [String] = searchDirectories())
        -> ThemeSource?
    {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml") {
            guard access(nameOrPath, R_OK) == 0 else { return nil }
            let file = nameOrPath.split(separator: "/").last.map(String.init) ?? nameOrPath
            return ThemeSource(
                name: file.hasSuffix(".toml") ? String(file.dropLast(5)) : file, path: nameOrPath)
        }
        return available(in: directories).first { $0.name == nameOrPath }
    }

    public static func load(_ source: ThemeSource) -> (theme: Theme?, diagnostics: [ThemeDiagnostic]) {
        guard let text = readFile(source.path) else {
            return (
                nil,
                [
                    ThemeDiagnostic(
                        severity: .error, file: source.path, line: 0, key: nil,
                        message: "cannot read the file")
                ]
            )
        }
        return ThemeFile.parse(text, file: source.path, defaultName: source.name)
    }

    // MARK: - Files

    static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func listTOMLFiles(_ directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".toml") && !name.hasPrefix(".") { names.append(name) }
        }
        return names
    }

    static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > 1 << 20 { return nil }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
