/// Chooses the dashboard's themes: the requested one first (or the default), then every other
/// valid theme found, for `T` to cycle through.
public enum ThemeSelection {
    public struct Result: Sendable {
        public var themes: [Theme]
        public var diagnostics: [ThemeDiagnostic]
        /// Why the requested theme is not in use, when it is not.
        public var problem: String?
    }

    public static func choose(_ requested: String?, directories: [String] = ThemeCatalog.searchDirectories())
        -> Result
    {
        var diagnostics: [ThemeDiagnostic] = []
        var problem: String?
        var first: Theme?
        var firstSource: ThemeSource?
        if let requested, !requested.isEmpty {
            if let source = ThemeCatalog.resolve(requested, in: directories) {
                let (theme, found) = ThemeCatalog.load(source)
                diagnostics += found
                if let theme {
                    first = theme
                    firstSource = source
                } else {
                    problem = "theme '\(source.name)' has errors (listed on exit); using the default theme"
                }
            } else {
                problem = "no theme '\(requested)' found; using the default theme (see `hubtop themes`)"
            }
        }
        var themes: [Theme] = []
        if let first { themes.append(first) }
        for source in ThemeCatalog.available(in: directories) where source.path != firstSource?.path {
            // Others are offered only when they load cleanly; their warnings are not the user's concern now.
            if let theme = ThemeCatalog.load(source).theme, !themes.contains(where: { $0.name == theme.name })
            {
                themes.append(theme)
            }
        }
        if first == nil {
            // The default theme leads: from its file when there is one, else built in.
            if let index = themes.firstIndex(where: { $0.name == "default" }) {
                themes.insert(themes.remove(at: index), at: 0)
            } else {
                themes.insert(.builtInDefault, at: 0)
            }
        }
        return Result(themes: themes, diagnostics: diagnostics, problem: problem)
    }
}
