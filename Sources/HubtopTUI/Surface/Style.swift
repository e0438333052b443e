/// What a piece of text is, not how it looks: the theme decides the look.
public enum Role: String, CaseIterable, Sendable {
    case text
    case header
    case headerAccent
    case border
    case borderFocused
    case title
    case titleFocused
    case selection
    case selectionInactive
    case repository
    case tag
    case pusher
    case time
    case muted
    case warning
    case error
    case live
    case paused
    case key
    case filter
    case marker
    case lineNumber
    case dockerfileInstruction
    case dockerfileComment
    case dockerfileString
    case dockerfileContinuation
    case searchMatch
    case diffAdded
    case diffRemoved
    /// Activity sparklines (repositories pane, header).
    case sparkline
    /// Repositories with no push for the `--stale` time.
    case stale
    /// The raw request inspector's JSON: member names, strings, numbers and literals.
    case jsonKey
    case jsonString
    case jsonLiteral
}

public struct Attributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = Attributes(rawValue: 1)
    public static let dim = Attributes(rawValue: 2)
    public static let underline = Attributes(rawValue: 4)
    public static let reverse = Attributes(rawValue: 8)
}

public struct Style: Hashable, Sendable {
    public var role: Role
    public var attributes: Attributes

    public init(_ role: Role, _ attributes: Attributes = []) {
        self.role = role
        self.attributes = attributes
    }
}
