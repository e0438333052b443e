import HubtopCore
import HubtopSystem
import Logging
import ServiceLifecycle
import Synchronization

/// A part of the run already started when the group runs — started first so that a failure to
/// start (a port taken, a database refused) is said before anything else happens. The group
/// stops it on graceful shutdown, in the reverse order of its list.
struct StartedService: Service, CustomStringConvertible {
    let description: String
    let stop: @Sendable () async -> Void

    func run() async {
        // Returns on graceful shutdown, or throws when the group is cancelled: stop either way.
        try? await gracefulShutdown()
        await stop()
    }
}

/// Ends a headless run on SIGINT, SIGTERM or SIGHUP; the group then shuts down gracefully.
/// Signals are heard by the `SignalRelay` alone (ServiceGroup's own signal handling would
/// replace its handlers), so this is how they reach the group.
struct SignalService: Service, CustomStringConvertible {
    let signals: SignalRelay
    var description: String { "signals" }

    func run() async {
        let signal = await cancelWhenGracefulShutdown { await signals.next() }
        if let signal { Logger.hubtop.info("stopping", metadata: ["signal": "\(signal)"]) }
    }
}

/// `--demo`: the synthetic feed, through the same ingest path the listener uses.
struct DemoService: Service, CustomStringConvertible {
    let ingestor: Ingestor
    let rate: Double
    var description: String { "demo" }

    func run() async {
        try? await cancelWhenGracefulShutdown { [ingestor, rate] in
            var feed = DemoFeed(seed: UInt64(WallClock.now() * 1000) & 0xFFFF_FFFF)
            feed.mixesSources = true
            // A little history first, so the screen is not empty at start.
            let start = WallClock.now()
            for index in 0..<30 {
                let time = start - Double(30 - index) * 45
                _ = ingestor.ingest(feed.next(now: time), receivedAt: time, delivery: demoOrigin)
            }
            while !Task.isCancelled {
                // Jitter around the mean interval, as real builds do not land on a beat.
                try await Task.sleep(for: .seconds(Double.random(in: 0.3...1.7) / rate))
                let now = WallClock.now()
                _ = ingestor.ingest(feed.next(now: now), receivedAt: now, delivery: demoOrigin)
            }
        }
    }
}

/// The group every run is: its services in start order, stopped in reverse once the one that
/// ends the run (the dashboard, or signals when headless) returns.
enum RunGroup {
    static func run(_ services: [any Service], endedBy last: any Service) async throws {
        var configurations = services.map {
            ServiceGroupConfiguration.ServiceConfiguration(
                service: $0, successTerminationBehavior: .gracefullyShutdownGroup)
        }
        configurations.append(.init(service: last, successTerminationBehavior: .gracefullyShutdownGroup))
        var configuration = ServiceGroupConfiguration(services: configurations, logger: Logger.hubtop)
        // A part that will not stop is not allowed to keep the process from exiting.
        configuration.maximumGracefulShutdownDuration = .seconds(15)
        try await ServiceGroup(configuration: configuration).run()
    }
}
