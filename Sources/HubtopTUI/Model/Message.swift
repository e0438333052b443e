import HubtopCore
import HubtopSystem

/// A key as the dashboard understands it, independent of curses.
public enum Key: Equatable, Sendable {
    case character(Character)
    case up
    case down
    case left
    case right
    case pageUp
    case pageDown
    case home
    case end
    case enter
    case escape
    case tab
    case backTab
    case backspace
    case delete
    /// Ctrl plus a letter, e.g. `.control("c")`.
    case control(Character)
}

public struct MouseEvent: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case press
        case wheelUp
        case wheelDown
    }

    public var x: Int
    public var y: Int
    public var kind: Kind

    public init(x: Int, y: Int, kind: Kind) {
        self.x = x
        self.y = y
        self.kind = kind
    }
}

/// Everything that can change the dashboard's state arrives as one of these.
public enum Message: Equatable, Sendable {
    case key(Key)
    case mouse(MouseEvent)
    case resize(width: Int, height: Int)
    /// The store changed (new or folded events).
    case storeChanged
    /// Rejections by reason and the standing problem (outside the store), read with each frame's read.
    case status(rejections: [String: Int], problem: String?)
    /// What the header says in place of the webhook URL (an attached viewer's connection).
    case headline(String)
    /// The frame's read of the store, answering `DashboardModel.query`.
    case read(DashboardRead)
    /// Once a second: ages and rates move on.
    case tick(now: Double)
    /// How an export the loop carried out went.
    case exported(ExportOutcome)
    /// What the registry answered for an image lookup the dashboard asked for.
    case imageLookup(ImageRequest, ImageLookup)
    /// Something the loop did (a copy, a re-send) reports back in the footer.
    case notice(String)
}
