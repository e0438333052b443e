#if canImport(Glibc)
    import Glibc
#endif

/// This process's environment, read from `environ` (hubtop needs no Foundation for it).
public enum ProcessEnvironment {
    /// Every `NAME=value` entry as it stands.
    public static func entries() -> [String] {
        var all: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            all.append(String(cString: entry))
            pointer += 1
        }
        return all
    }

    /// The entries as a dictionary (a later duplicate name wins).
    public static func all(_ entries: [String] = entries()) -> [String: String] {
        var result: [String: String] = [:]
        for text in entries {
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
        }
        return result
    }
}
