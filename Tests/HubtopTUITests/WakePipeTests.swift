import Foundation
import HubtopSystem
import Synchronization
import Testing

@testable import HubtopTUI

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct WakePipeTests {
    /// A writer changes a counter and signals, many times, while the loop drains and reads it.
    /// A wake-up lost between draining and signalling would leave the loop asleep with work
    /// to do (it did: under load the dashboard stopped redrawing).
    @Test func noWakeUpIsLostUnderContention() async throws {
        let pipe = WakePipe()
        let counter = Atomic<Int>(0)
        let finished = Atomic<Bool>(false)
        // Bounded in time (2 s) and count: long enough to hit the window many times over.
        let writer = Thread {
            let deadline = Date().addingTimeInterval(2)
            for index in 0..<5_000_000 {
                counter.add(1, ordering: .releasing)
                pipe.signal()
                // Let the loop run between signals, so that it drains many times.
                if index % 4 == 0 {
                    sched_yield()
                    if index % 1024 == 0 && Date() > deadline { break }
                }
            }
            finished.store(true, ordering: .releasing)
            pipe.signal()
        }
        writer.start()
        var seen = 0
        var lost = false
        while !finished.load(ordering: .acquiring) || seen < counter.load(ordering: .acquiring) {
            var descriptor = pollfd(fd: pipe.readEnd, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 2000) == 0 {
                lost = true
                break
            }
            pipe.drain()
            seen = counter.load(ordering: .acquiring)
        }
        #expect(!lost, "the loop slept with \(counter.load(ordering: .acquiring) - seen) changes unseen")
    }
}
