import Benchmark
import BenchmarkSupport
import HubtopCore
import HubtopTUI

// ordo-one/benchmark suites:
//   swift package --package-path Benchmarks --allow-writing-to-package-directory benchmark
// Each decoder benchmark has its Foundation baseline beside it.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(3), maxIterations: 100_000)

    var mix = RealisticMix(seed: 5)
    let bodies = (0..<256).map { _ in mix.next() }

    Benchmark("decode: hubtop PayloadDecoder") { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(
                try bodies[index % bodies.count].withUnsafeBufferPointer { try PayloadDecoder.decode($0) })
        }
    }

    Benchmark("decode: Foundation JSONDecoder (baseline)") { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(try NaivePayload.decode(bodies[index % bodies.count]))
        }
    }

    Benchmark("store: ingest one event", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let store = EventStore(capacity: 100_000)
        let payloads = try bodies.map { body in
            try body.withUnsafeBufferPointer { try PayloadDecoder.decode($0) }
        }
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            blackHole(store.ingest(payloads[index % payloads.count], receivedAt: Double(index)))
        }
    }

    let big = RealisticMix.store(events: 1_000_000)

    Benchmark("query: history page at 1M events") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(big.history(limit: 50)) }
    }

    Benchmark("query: repository filter page at 1M events") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(big.history(filter: EventFilter(repositoryContains: "org7"), limit: 50))
        }
    }

    Benchmark("query: repositories and pushers at 1M events") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(big.repositories(matching: "service-1"))
            blackHole(big.pushers())
        }
    }

    Benchmark("frame: render the dashboard at 1M events") { benchmark in
        let model = DashboardModel(store: big, rejections: RejectionCounter())
        var state = DashboardState(width: 160, height: 50, now: 1_790_050_000, webhookURL: "x")
        model.refresh(&state)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(View.render(state)) }
    }
}
