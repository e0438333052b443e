/// One line of text typed in the footer: the filter, the Dockerfile search, the export path.
enum LineEditor {
    enum Outcome: Equatable {
        /// The text changed (or the key was a no-op edit).
        case edited
        /// Enter.
        case submitted
        /// Esc.
        case cancelled
        /// Not an editing key.
        case ignored
    }

    static func apply(_ key: Key, to text: inout String) -> Outcome {
        switch key {
        case .enter: return .submitted
        case .escape: return .cancelled
        case .backspace, .delete:
            if !text.isEmpty { text.removeLast() }
        case .control("u"): text = ""
        case .character(let character): text.append(character)
        default: return .ignored
        }
        return .edited
    }
}

/// The moving keys, the same in every list and scrolled view (htop's `Panel_onKey`).
enum Motion: Equatable, Sendable {
    case by(Int)
    case pages(Int)
    case first
    case last

    init?(_ key: Key) {
        switch key {
        case .up, .character("k"): self = .by(-1)
        case .down, .character("j"): self = .by(1)
        case .pageUp: self = .pages(-1)
        case .pageDown: self = .pages(1)
        case .home, .character("g"): self = .first
        case .end, .character("G"): self = .last
        default: return nil
        }
    }

    /// A scrolled view's new top line, for a page of `page` lines and a last top of `lastTop`.
    func scroll(_ top: Int, page: Int, lastTop: Int) -> Int {
        switch self {
        case .by(let lines): return min(lastTop, max(0, top + lines))
        case .pages(let pages): return min(lastTop, max(0, top + pages * page))
        case .first: return 0
        case .last: return lastTop
        }
    }
}
