/// Where each part of the dashboard goes for a terminal size.
public struct Layout: Equatable, Sendable {
    public static let minimumWidth = 60
    public static let minimumHeight = 16
    /// At this width and wider the panes stand in two columns.
    public static let wideWidth = 100

    public var header: Rect
    public var footer: Rect
    public var panes: [PaneID: Rect]
    /// Where the Dockerfile viewer and the event detail open.
    public var overlay: Rect

    public init(width: Int, height: Int) {
        header = Rect(x: 0, y: 0, width: width, height: 2)
        footer = Rect(x: 0, y: height - 1, width: width, height: 1)
        let body = Rect(x: 0, y: 2, width: width, height: height - 3)
        if width >= Self.wideWidth {
            let left = min(64, max(40, width * 2 / 5))
            let repositoriesHeight = max(5, body.height / 2)
            let tagsHeight = max(4, (body.height - repositoriesHeight) / 2)
            panes = [
                .repositories: Rect(x: 0, y: body.y, width: left, height: repositoriesHeight),
                .tags: Rect(x: 0, y: body.y + repositoriesHeight, width: left, height: tagsHeight),
                .pushers: Rect(
                    x: 0, y: body.y + repositoriesHeight + tagsHeight, width: left,
                    height: body.height - repositoriesHeight - tagsHeight),
                .events: Rect(x: left, y: body.y, width: width - left, height: body.height),
            ]
            overlay = panes[.events]!
        } else {
            let topHeight = max(5, body.height * 9 / 20)
            let repositoriesWidth = width * 2 / 5
            let tagsWidth = (width - repositoriesWidth) / 2
            panes = [
                .repositories: Rect(x: 0, y: body.y, width: repositoriesWidth, height: topHeight),
                .tags: Rect(x: repositoriesWidth, y: body.y, width: tagsWidth, height: topHeight),
                .pushers: Rect(
                    x: repositoriesWidth + tagsWidth, y: body.y, width: width - repositoriesWidth - tagsWidth,
                    height: topHeight),
                .events: Rect(x: 0, y: body.y + topHeight, width: width, height: body.height - topHeight),
            ]
            overlay = body
        }
    }

    /// Rows of content inside a pane's border.
    public func rows(_ pane: PaneID) -> Int { max(1, (panes[pane]?.height ?? 3) - 2) }

    public func pane(atX x: Int, y: Int) -> PaneID? {
        PaneID.allCases.first { panes[$0]?.contains(x: x, y: y) == true }
    }
}
