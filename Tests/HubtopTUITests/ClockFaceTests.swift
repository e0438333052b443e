import HubtopCore
import Testing

@testable import HubtopTUI

/// The run loop skips a tick's frame when `ClockFace` says the clock moved nothing on screen;
/// that is only right if an unchanged face always means an unchanged frame.
@Suite struct ClockFaceTests {
    func fixture(stale: Double? = nil) -> Fixture {
        var fixture = Fixture(width: 120, height: 40)
        fixture.state.staleAfter = stale
        // Pushes from a few seconds to a few days before the start, so that every age unit and
        // the time-of-day/date switch of the history come round while the clock runs.
        let start = 1_000_000.0
        for (index, age) in [3.0, 50, 59, 61, 119, 3_500, 3_700, 86_000, 86_390, 200_000].enumerated() {
            fixture.post("acme/r\(index % 4)", tag: "t\(index)", pusher: "p\(index % 3)", at: start - age)
        }
        fixture.send(.tick(now: start))
        fixture.model.refresh(&fixture.state)
        return fixture
    }

    @Test(arguments: [nil, 600.0])
    func anUnchangedFaceMeansAnUnchangedFrame(stale: Double?) {
        var fixture = fixture(stale: stale)
        var drawn = View.render(fixture.state)
        var face = ClockFace(fixture.state)
        var skipped = 0
        var drawnFrames = 0
        var now = 1_000_000.0
        // A second at a time for ten minutes, then in larger steps across a day.
        for step in 0..<900 {
            now += step < 600 ? 1 : 97
            fixture.send(.tick(now: now))
            let frame = View.render(fixture.state)
            if ClockFace(fixture.state) == face {
                skipped += 1
                let same = frame == drawn
                #expect(same, "the face missed a change at \(now):\n\(frame.text)")
                if !same { return }
            } else {
                drawnFrames += 1
                drawn = frame
                face = ClockFace(fixture.state)
            }
        }
        #expect(skipped > 100, "most ticks draw nothing: \(skipped) skipped")
        #expect(drawnFrames > 20, "the clock still moves the screen: \(drawnFrames) drawn")
    }

    @Test func aProblemOrARejectionChangesTheFace() {
        var fixture = fixture()
        let face = ClockFace(fixture.state)
        fixture.send(.status(rejections: ["rate_limited": 1], problem: nil))
        #expect(ClockFace(fixture.state) != face)
        let rejected = ClockFace(fixture.state)
        fixture.send(.status(rejections: ["rate_limited": 1], problem: "journal write failed"))
        #expect(ClockFace(fixture.state) != rejected)
    }
}
