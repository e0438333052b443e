/// A colour as a theme names it.
public enum Color: Hashable, Sendable {
    /// The terminal's own foreground or background.
    case terminalDefault
    /// 0–255: the 16 ANSI colours then the xterm 256-colour palette.
    case index(Int)
    case rgb(UInt8, UInt8, UInt8)
}

public struct ThemeStyle: Hashable, Sendable {
    public var foreground: Color
    public var background: Color
    public var attributes: Attributes

    public init(
        _ foreground: Color = .terminalDefault, _ background: Color = .terminalDefault,
        _ attributes: Attributes = []
    ) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }
}

/// Maps every role to a look. Roles a theme leaves out come from the default theme.
public struct Theme: Sendable {
    public var name: String
    public var styles: [Role: ThemeStyle]

    public init(name: String, styles: [Role: ThemeStyle]) {
        self.name = name
        self.styles = styles
    }

    public func style(for role: Role) -> ThemeStyle {
        styles[role] ?? Theme.builtInDefault.styles[role] ?? ThemeStyle()
    }

    /// Emphasis without colour (NO_COLOR, monochrome terminals): enough to tell the parts apart.
    public static func monochromeAttributes(for role: Role) -> Attributes {
        switch role {
        case .selection, .header, .searchMatch: return .reverse
        case .borderFocused, .titleFocused, .live, .paused, .key, .warning, .error, .dockerfileInstruction,
            .diffAdded, .headerAccent, .filter, .stale:
            return .bold
        case .muted, .dockerfileComment, .lineNumber, .time, .diffRemoved: return .dim
        case .jsonKey: return .bold
        case .selectionInactive: return .underline
        default: return []
        }
    }

    public static let builtInDefault = Theme(
        name: "default",
        styles: [
            .text: ThemeStyle(),
            .header: ThemeStyle(.index(255), .index(24)),
            .headerAccent: ThemeStyle(.index(229), .index(24), .bold),
            .border: ThemeStyle(.index(240)),
            .borderFocused: ThemeStyle(.index(39), .terminalDefault, .bold),
            .title: ThemeStyle(.index(250)),
            .titleFocused: ThemeStyle(.index(39), .terminalDefault, .bold),
            .selection: ThemeStyle(.index(16), .index(39)),
            .selectionInactive: ThemeStyle(.terminalDefault, .index(237)),
            .repository: ThemeStyle(.index(81)),
            .tag: ThemeStyle(.index(114)),
            .pusher: ThemeStyle(.index(180)),
            .time: ThemeStyle(.index(245)),
            .muted: ThemeStyle(.index(242)),
            .warning: ThemeStyle(.index(214)),
            .error: ThemeStyle(.index(203), .terminalDefault, .bold),
            .live: ThemeStyle(.index(16), .index(114), .bold),
            .paused: ThemeStyle(.index(16), .index(214), .bold),
            .key: ThemeStyle(.index(39), .terminalDefault, .bold),
            .filter: ThemeStyle(.index(229), .terminalDefault, .bold),
            .marker: ThemeStyle(.index(214)),
            .lineNumber: ThemeStyle(.index(240)),
            .dockerfileInstruction: ThemeStyle(.index(170), .terminalDefault, .bold),
            .dockerfileComment: ThemeStyle(.index(244)),
            .dockerfileString: ThemeStyle(.index(150)),
            .dockerfileContinuation: ThemeStyle(.index(110)),
            .searchMatch: ThemeStyle(.index(16), .index(220)),
            .diffAdded: ThemeStyle(.index(114)),
            .diffRemoved: ThemeStyle(.index(203)),
            .sparkline: ThemeStyle(.index(114)),
            .stale: ThemeStyle(.index(203)),
            .jsonKey: ThemeStyle(.index(81)),
            .jsonString: ThemeStyle(.index(150)),
            .jsonLiteral: ThemeStyle(.index(215)),
        ])
}

/// Fits theme colours to what the terminal can show.
public struct ColorCapability: Sendable {
    /// Number of colours the terminal reports (0 or 1: none, 8, 16, 256 or more).
    public var colors: Int

    public init(colors: Int) { self.colors = colors }

    /// The terminal colour number for `color`, or -1 for the terminal default.
    public func terminalColor(_ color: Color) -> Int {
        switch color {
        case .terminalDefault: return -1
        case .index(let index):
            if colors >= 256 || index < min(colors, 16) { return index }
            let (r, g, b) = Self.rgb(ofIndex: index)
            return nearestANSI(r, g, b)
        case .rgb(let r, let g, let b):
            if colors >= 256 { return Self.nearest256(Int(r), Int(g), Int(b)) }
            return nearestANSI(Int(r), Int(g), Int(b))
        }
    }

    func nearestANSI(_ r: Int, _ g: Int, _ b: Int) -> Int {
        let limit = colors >= 16 ? 16 : 8
        var best = 0
        var bestDistance = Int.max
        for index in 0..<limit {
            let (pr, pg, pb) = Self.rgb(ofIndex: index)
            let distance = Self.distance(r, g, b, pr, pg, pb)
            if distance < bestDistance {
                best = index
                bestDistance = distance
            }
        }
        return best
    }

    static func distance(_ r1: Int, _ g1: Int, _ b1: Int, _ r2: Int, _ g2: Int, _ b2: Int) -> Int {
        // Weighted for the eye's sensitivity (green most, blue least).
        let dr = r1 - r2
        let dg = g1 - g2
        let db = b1 - b2
        return 3 * dr * dr + 4 * dg * dg + 2 * db * db
    }

    static let ansi: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
        (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255),
        (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    /// The xterm palette's RGB for an index.
    public static func rgb(ofIndex index: Int) -> (Int, Int, Int) {
        switch index {
        case 0..<16: return ansi[index]
        case 16..<232:
            let cube = index - 16
            let levels = [0, 95, 135, 175, 215, 255]
            return (levels[cube / 36], levels[cube / 6 % 6], levels[cube % 6])
        case 232..<256:
            let level = 8 + (index - 232) * 10
            return (level, level, level)
        default: return (255, 255, 255)
        }
    }

    static func nearest256(_ r: Int, _ g: Int, _ b: Int) -> Int {
        var best = 16
        var bestDistance = Int.max
        for index in 16..<256 {
            let (pr, pg, pb) = rgb(ofIndex: index)
            let distance = Self.distance(r, g, b, pr, pg, pb)
            if distance < bestDistance {
                best = index
                bestDistance = distance
            }
        }
        return best
    }
}
